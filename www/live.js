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

/** Runs a command in the live worker. */
export const ask = (command, args = {}) => lab.call(command, args);
/** How many live-worker calls await their reply. */
export const liveWaiting = () => lab.waiting;
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
