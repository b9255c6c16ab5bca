// The Generate panel: digits decoded from the prior of a model that has one, and an interpolation
// between two inputs through the code space.
import { paintGrid } from '../digits.js';
import { $ } from '../dom.js';
import { ask, current, debug, drawView } from '../live.js';

let sampleSeed = 1;
let pointA = null;
let pointB = null;

/** The 8x8 grid of prior samples, or a note saying why there is none. */
export async function drawSamples() {
  const hasPrior = current.model?.hasPrior;
  $('resample').disabled = $('temperature').disabled = !hasPrior;
  $('generate-note').textContent = hasPrior
    ? 'Digits decoded from codes drawn from the prior N(0, T²·I).'
    : 'Sampling needs a model with a prior: pick the pretrained VAE, or train a VAE, beta-VAE or adversarial AE.';
  // Without a prior there is nothing to draw: no empty black square where samples would be.
  $('samples').hidden = !hasPrior;
  if (!hasPrior) return;
  const temperature = Number($('temperature').value);
  const images = await ask('sample', { count: 64, temperature, seed: sampleSeed });
  debug.samples = images;
  paintGrid($('samples'), images, 8);
}

/** Sets the interpolation's two ends (784 pixels each) without drawing it. */
export function setInterpolationEnds(from, to) {
  pointA = Float32Array.from(from);
  pointB = Float32Array.from(to);
}

/** Ten images between the two chosen inputs, once both are chosen. */
export async function drawInterpolation() {
  if (!pointA || !pointB || !current.model) return;
  paintGrid($('interpolation'), await ask('interpolate', { from: pointA, to: pointB, steps: 10 }), 10);
}

export function initGenerate() {
  $('temperature').addEventListener('input', () => {
    $('temperature-label').textContent = `temperature ${Number($('temperature').value).toFixed(1)}`;
    drawView(drawSamples);
  });
  $('resample').addEventListener('click', () => { sampleSeed += 1; drawView(drawSamples); });
  $('set-a').addEventListener('click', () => { pointA = current.input && Float32Array.from(current.input); drawView(drawInterpolation); });
  $('set-b').addEventListener('click', () => { pointB = current.input && Float32Array.from(current.input); drawView(drawInterpolation); });
}
