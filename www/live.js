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
