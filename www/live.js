// The live worker (lab-worker.js: the model in use, on the CPU, answering at once) and what every
// panel shares about the page: the model in use, the dataset, the current input.
import { WorkerClient } from './protocol.js';
import { show } from './dom.js';

/** What tests and benchmark scripts read (`window.aestudio`): latencies (ms), memory samples… */
export const debug = { latencies: [], memory: [], model: null, denoised: null, samples: null, series: null, snapshots: 0, anomaly: null, units: null };
window.aestudio = debug;

/** The page's shared state; each panel keeps the rest of its state to itself. */
export const current = {
  /** What the live worker says of its model (`modelInfo`), or null. */
  model: null,
  /** 'mnist' or 'fashion-mnist': the test images, the gallery and training. */
  dataset: 'mnist',
  /** What the core says of that data set once the live worker has loaded it (`DatasetFacts`):
   * `{name, label, items, classes, testImages, gallery}`. */
  datasetFacts: null,
  /** Counts model changes, so that answers about a replaced model are dropped. */
  generation: 0,
  /** The current 784-pixel input, and where it came from ('drawing' or 'test'). */
  input: null,
  inputSource: 'drawing',
  /** The classes a one-class model in use was trained on (the others are its anomalies), or null. */
  normalClasses: null,
};

const lab = new WorkerClient('./lab-worker.js', { onCrash: (message) => show('model-error', `The live worker failed: ${message}`) });

/** The batch views' Lab on WebGPU (views.js), when the adapter is a real GPU: see `ask`. */
export const gpuViews = { worker: null, everything: false, adopting: null, testImages: 0 };

// What both Labs must agree on: the model and the test set.
const MIRRORED = new Set(['loadModel', 'useDataset']);
// Views that start with a pass over the whole test set (every image encoded or scored).
const TEST_PASSES = new Set(['latentMap', 'anomalyHistogram', 'units', 'cluster', 'pca']);

/**
 * Runs a command in the live worker. With a WebGPU Lab, the passes over the test set run there
 * and the CPU Lab adopts their results (codes and errors) before the view that needs them, so
 * the views, the drawn digit's point on the map and its anomaly percentile all stay on the CPU
 * Lab; where the WebGPU Lab answered a single digit faster at start, it answers everything.
 */
export async function ask(command, args = {}) {
  const { worker } = gpuViews;
  if (!worker) return lab.call(command, args);
  if (MIRRORED.has(command)) {
    gpuViews.adopting = null;
    const replies = await Promise.all([lab.call(command, args), worker.call(command, args).catch(dropGpuViews)]);
    return replies[gpuViews.everything ? 1 : 0] ?? replies[0];
  }
  if (gpuViews.everything) return worker.call(command, args);
  const wholeTestSet = command !== 'latentMap' || !args.limit || args.limit >= gpuViews.testImages;
  if (TEST_PASSES.has(command) && wholeTestSet) await adoptTestResults();
  return lab.call(command, args);
}

/** The WebGPU Lab's codes and errors for the current model, into the CPU Lab (once per model). */
function adoptTestResults() {
  gpuViews.adopting ??= (async () => {
    const started = performance.now();
    const generation = current.generation;
    const [codes, errors] = await gpuViews.worker.call('testResults');
    if (generation !== current.generation) return; // another model came meanwhile: its view passes on
    const images = errors.length; // before the buffers move to the CPU Lab
    await lab.call('adoptTestResults', { codes, errors }, [codes.buffer, errors.buffer]);
    debug.viewsPass = { ms: performance.now() - started, images };
  })().catch(dropGpuViews);
  return gpuViews.adopting;
}

/** A failed WebGPU Lab (a lost device, say) leaves every view to the CPU Lab, which says so. */
function dropGpuViews(err) {
  gpuViews.worker?.terminate?.();
  Object.assign(gpuViews, { worker: null, everything: false, adopting: null });
  show('views-backend', `The batch views' WebGPU worker failed (${err.message}); every view runs on the CPU.`);
}

/** The CPU Lab's worker, for views.js's start-up measurements. */
export const cpuLab = lab;
/** How many live-worker calls await their reply. */
export const liveWaiting = () => lab.waiting + (gpuViews.worker?.waiting ?? 0);
debug.liveMemory = () => ask('memory');

/** Runs a view update; an error about a model replaced meanwhile is dropped, any other shown. */
export async function drawView(update) {
  const generation = current.generation;
  try {
    await update();
  } catch (err) {
    if (generation === current.generation) show('model-error', `A view could not be drawn: ${err.message}`);
  }
}

// ---- the input, and the views that follow it: the Draw panel denoises it, others listen ----
const inputListeners = [];
let inputAnswers = { request() {}, drawing: () => false };

/** Calls `listener(result, empty)` after each denoised input (`empty`: a blank drawing). */
export function onDenoised(listener) {
  inputListeners.push(listener);
}

/** The Draw panel's call once a denoised input is shown. */
export function tellDenoised(result, empty) {
  for (const listener of inputListeners) listener(result, empty);
}

/** The Draw panel answers `requestDenoise` and `drawing` (`{request(since), drawing()}`). */
export function answerInput(answers) {
  inputAnswers = answers;
}

/** Asks for the current input to be denoised again (a new model, map or histogram). */
export const requestDenoise = (since) => inputAnswers.request(since);
/** Whether a stroke is being drawn. */
export const drawing = () => inputAnswers.drawing();
