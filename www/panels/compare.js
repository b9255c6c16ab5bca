// The Draw panel's comparison: the current input reconstructed by the pretrained VAE and by the
// DFC-VAE of the same size, side by side, following every stroke. The two models load into the
// live worker when the box is first opened (one forward pass each per input).
import { paintDigit } from '../digits.js';
import { fetchBytes } from '../data.js';
import { $, show } from '../dom.js';
import { ask, current, debug, onDenoised } from '../live.js';

const COMPARED = [['vae', 'compare-vae'], ['dfc-vae', 'compare-dfc']];

let loading = null;

async function loadCompared() {
  for (const [name] of COMPARED) {
    await ask('addCompared', { name, bytes: await fetchBytes(`models/${name}.safetensors`) });
  }
}

async function drawComparison() {
  if (!$('compare-box').open || !current.input) return;
  try {
    loading ??= loadCompared();
    await loading;
    const images = await ask('compare', { image: current.input });
    COMPARED.forEach(([, canvas], index) => paintDigit($(canvas), images.subarray(index * 784, (index + 1) * 784)));
    debug.compared = images;
    show('compare-error', '');
  } catch (err) {
    loading = null;
    show('compare-error', `No comparison: ${err.message}`);
  }
}

export function initCompare() {
  $('compare-box').addEventListener('toggle', drawComparison);
  onDenoised(drawComparison);
}
