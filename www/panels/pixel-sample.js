// The PixelVAE box of the Generate panel: samples drawn pixel by pixel in raster order, painted
// row by row as they form, in a lab worker of their own so that the live views (denoising a
// drawing, the map) answer meanwhile.
import { paintGrid } from '../digits.js';
import { fetchBytes } from '../data.js';
import { $, show } from '../dom.js';
import { debug } from '../live.js';
import { WorkerClient } from '../protocol.js';

const SAMPLES = 4;
const PIXELS = 784;
// One image row per call: the worker reports 28 times per sample, each after 28 passes.
const PIXELS_PER_STEP = 28;

let sampler = null;
let loaded = null; // the promise of the model's description
let running = false;
let seed = 1;

/** What tests read: pixels drawn so far and the images (`debug.pixelSample`). */
debug.pixelSample = { drawn: 0, images: null, finished: false };

async function ensureSampler() {
  if (!sampler) {
    sampler = new WorkerClient('./lab-worker.js', { onCrash: (message) => show('pixel-error', `The sampler failed: ${message}`) });
    loaded = fetchBytes('models/pixel-vae.safetensors').then((bytes) => sampler.call('startSampler', { bytes }, [bytes.buffer]));
  }
  return loaded;
}

async function drawSamples() {
  if (running) return;
  running = true;
  $('pixel-sample').disabled = true;
  show('pixel-error', '');
  try {
    $('pixel-note').textContent = `${await ensureSampler()}.`;
    await sampler.call('beginSamples', { count: SAMPLES, seed: seed++ });
    Object.assign(debug.pixelSample, { drawn: 0, images: null, finished: false });
    for (let drawn = 0; drawn < PIXELS;) {
      const result = await sampler.call('samplePixels', { count: PIXELS_PER_STEP });
      drawn = result.drawn;
      $('pixel-samples').hidden = $('pixel-progress').hidden = false; // nothing to show before the first sample
      paintGrid($('pixel-samples'), result.images, SAMPLES);
      $('pixel-progress').value = drawn;
      $('pixel-progress-label').textContent = `${drawn} of ${PIXELS} pixels`;
      Object.assign(debug.pixelSample, { drawn, images: result.images });
    }
    debug.pixelSample.finished = true;
  } catch (err) {
    show('pixel-error', `No PixelVAE sample: ${err.message}`);
  } finally {
    running = false;
    $('pixel-sample').disabled = false;
  }
}

export function initPixelSample() {
  $('pixel-sample').addEventListener('click', drawSamples);
}
