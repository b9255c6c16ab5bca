// The batch views on WebGPU. Where the browser offers a real GPU adapter that burn can run on, a
// second live worker holds the model in use on WebGPU, and the passes over the test set (every
// image encoded for the latent map, k-means and the units; every image scored for the anomaly
// histogram and the PCA comparison) run there (see `ask` in live.js). A drawn digit stays on the
// backend that answered one faster when this started; the page says which and why.
// `?views=gpu` starts it on any adapter, a software one included (the tests' SwiftShader).
import { show } from './dom.js';
import { WorkerClient } from './protocol.js';
import { cpuLab, current, debug, gpuViews } from './live.js';

const forced = new URLSearchParams(location.search).get('views') === 'gpu';

/** Starts the WebGPU Lab when the adapter is worth it (or forced); otherwise says why not. */
export async function startGpuViews() {
  const probe = await cpuLab.call('probeWebGpu');
  if (!forced && (!probe.real_gpu || probe.refusal)) {
    const why = probe.refusal ?? (probe.adapter_found ? 'the WebGPU adapter is a software one' : 'this browser offers no WebGPU adapter');
    debug.views = { backend: 'cpu', reason: why };
    show('views-backend', `Every view runs on the CPU (wasm): ${why}.`);
    return;
  }
  const worker = new WorkerClient('./lab-worker.js', { onCrash: (message) => show('views-backend', `The WebGPU views worker failed: ${message}`) });
  try {
    const [dataset, generation] = [current.dataset, current.generation];
    const started = await worker.call('start', { dataset, backend: forced ? 'gpu' : 'auto' });
    if (started.backend.kind !== 'gpu') throw new Error(started.backend.reason);
    await mirrorModel(worker);
    const image = await cpuLab.call('testImages', { indices: [0] });
    const cpuMs = await denoiseMs(cpuLab, image);
    const gpuMs = await denoiseMs(worker, image);
    const digitOnGpu = gpuMs < cpuMs;
    Object.assign(gpuViews, { worker, everything: digitOnGpu, adopting: null, testImages: started.dataset.testImages });
    // A model or dataset that changed during the start reached the CPU Lab only.
    if (current.dataset !== dataset) await worker.call('useDataset', { dataset: current.dataset });
    if (current.generation !== generation || current.dataset !== dataset) await mirrorModel(worker);
    const adapter = started.backend.reason;
    debug.views = { backend: 'gpu', reason: adapter, denoiseMs: { cpu: cpuMs, gpu: gpuMs }, digitOn: digitOnGpu ? 'gpu' : 'cpu' };
    show('views-backend', `The passes over the test set (latent map, anomaly scores, clustering) run on WebGPU (${adapter}).`
      + ` A drawn digit goes to ${digitOnGpu ? 'WebGPU' : 'the CPU'}: at start it came back in ${fmt(Math.min(cpuMs, gpuMs))} there,`
      + ` ${fmt(Math.max(cpuMs, gpuMs))} on ${digitOnGpu ? 'the CPU' : 'WebGPU'} (median of 15).`);
  } catch (err) {
    worker.terminate();
    Object.assign(gpuViews, { worker: null, everything: false, adopting: null });
    debug.views = { backend: 'cpu', reason: err.message };
    show('views-backend', `Every view runs on the CPU (wasm): the WebGPU views did not start (${err.message}).`);
  }
}

const fmt = (ms) => `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;

/** The CPU Lab's model, into `worker`'s Lab. */
async function mirrorModel(worker) {
  await worker.call('loadModel', { bytes: await cpuLab.call('saveModel') });
}

/** Median time of a clean denoise of `image` over 15 calls, after 3 to warm up. */
async function denoiseMs(lab, image) {
  const args = { image, noise: { kind: 'none' }, seed: 1 };
  const spans = [];
  for (let i = 0; i < 18; i += 1) {
    const started = performance.now();
    await lab.call('denoise', args);
    if (i >= 3) spans.push(performance.now() - started);
  }
  return spans.sort((a, b) => a - b)[7];
}
