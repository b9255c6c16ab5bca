// The training worker: owns the wasm training session (WebGPU or CPU), so the page never freezes.
// Protocol (protocol.js): commands start, train, resume, pause, continue, stop, snapshot, semi,
// cluster, stopClustering, drawing, loseDevice, each with one reply (cluster's when its run ends,
// after `clustering` events; snapshot's between two chunks of a run); a run goes on after `train`
// or `resume` has replied, and reports through events: loading, progress, digits, evaluation,
// snapshot (at epoch ends, a pause, a stop and the end), paused, stopped, done, error.
// The Movies panel runs its own copy of this worker on MovieLens: `train` then trains a
// recommender through the same loop (no digits; the evaluation is the test RMSE, also before the
// first step).
import * as cpuBuild from './pkg/aestudio.js';
import { fetchGunzipped, MOVIELENS, TEST_FILES, TRAIN_FILES } from './data.js';
import { importFolder } from './folder-import.js';
import { emit, serve, transferring, WorkerClient } from './protocol.js';
import { declareTimestampQuery } from './webgpu-features.js';

// burn's WebGPU runtime starts only on an adapter with timestamp-query (see webgpu-features.js).
if (self.navigator?.gpu) declareTimestampQuery(navigator.gpu);

// The data set of a person's own files (the Your images panel's worker).
const FOLDER = 'images';
// Test images shown with their reconstructions: the first of each class, then two more.
let shownDigits = null;
let dataset = null;
// The imported folder's image shape, and how many folders this worker imported.
let [folderShape, imports] = [null, 0];
// Each call into training aims at this much work, so that a pause or stop waits at most that long.
const CHUNK_MS = 120;
const DIGITS_EVERY_MS = 400;
// Progress goes to the page at most this often (each message repaints its status line), and at
// once at an epoch's end, a wait or the run's end; the losses read back meanwhile travel with it.
const PROGRESS_EVERY_MS = 250;

let studio = null;
let wasm = null;
let Studio = null; // the class of the build in use (CPU-only, or the WebGPU build)
// With the page's ?test-hooks, the WebGPU devices this worker creates, so a test can destroy
// them (a real device loss, triggered on purpose).
const devices = [];
let state = 'idle'; // idle | running | paused | stopping | clustering
// The visitor draws (the page says so when training takes every core): a run on the CPU then ends
// its chunk before the next step and waits until the pointer lifts, leaving the cores to the live view.
let drawing = false;
let wake = null; // resolves a pause
let drawingDone = null; // resolves the wait while the visitor draws
let snapshotWanted = null; // answers the page's `snapshot`, after the chunk in progress

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
const memory = () => wasm.memory.buffer.byteLength;

function keepDevices() {
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function keep(...args) {
    const device = await requestDevice.apply(this, args);
    devices.push(device);
    return device;
  };
}

/**
 * Loads the wasm build a backend choice needs: the small CPU-only build (the one the live worker
 * uses, so usually cached), or the WebGPU build (four times larger) only for "gpu", or for "auto"
 * where the browser offers a real GPU adapter. The CPU build's probe decides, without a device.
 */
async function loadBuild(backend) {
  const cpuWasm = await cpuBuild.default();
  const probe = backend === 'auto' ? await cpuBuild.probeWebGpu() : null;
  // `refusal`: an adapter burn's WebGPU runtime cannot start on (no timestamp-query); the CPU build says why.
  const wantGpu = backend === 'gpu' || (backend === 'auto' && probe.real_gpu && !probe.refusal);
  if (!wantGpu) return [cpuWasm, cpuBuild];
  emit('loading', { message: 'Fetching the WebGPU build…' });
  const gpuBuild = await import('./pkg-gpu/aestudio.js');
  return [await gpuBuild.default(), gpuBuild];
}

async function openStudio(backend) {
  let build;
  [wasm, build] = await loadBuild(backend);
  Studio = build.Studio;
  studio = await Studio.create(backend);
}

async function start({ backend, dataset: name, testHooks }) {
  if (testHooks && self.GPUAdapter) keepDevices();
  await openStudio(backend);
  if (name === FOLDER) {
    // A person's files come with `importImages`; nothing is fetched.
    [dataset, shownDigits] = [FOLDER, null];
    return { backend: studio.backend() };
  }
  if (name === MOVIELENS) {
    emit('loading', { message: 'Fetching MovieLens 1M for training…' });
    const summary = studio.loadRatings(await fetchGunzipped(MOVIELENS, 'ratings.dat'));
    [dataset, shownDigits] = [MOVIELENS, null];
    return { backend: studio.backend(), summary };
  }
  emit('loading', { message: 'Fetching the training set…' });
  const files = await Promise.all([...TRAIN_FILES, ...TEST_FILES].map((file) => fetchGunzipped(name, file)));
  const facts = studio.loadDataset(name, ...files);
  // One test image of each class, then two more (a second 0 and 1 on MNIST).
  shownDigits = Uint32Array.from([...facts.gallery, 10, 12]);
  dataset = name;
  emit('digits', { images: studio.testImages(shownDigits), reconstructions: null });
  return { backend: studio.backend(), presets: Studio.presets(), objectives: Studio.objectives(), dataset: facts };
}

/**
 * The replica workers of a data-parallel run on the CPU, one per extra core (see
 * replica-worker.js), none for a run on one. The wasm leader (`Studio.trainStepsShared`) drives
 * them through `count`, `startShares`, `collect` and `apply` (or `complete`), once per network
 * update of a step, and asks `yielding` before each step.
 */
class ReplicaPool {
  /** `images`: a folder's training set (`{side, colour, pixels, labels}`) for a folder's run. */
  static async open(dataset, count, images) {
    // A crash rejects the calls in flight and every later one, which the run reports.
    const workers = Array.from({ length: count }, () => new WorkerClient('./replica-worker.js'));
    await Promise.all(workers.map((worker) => worker.call('load', { dataset, images })));
    return new ReplicaPool(dataset, workers);
  }

  constructor(dataset, workers) {
    this.dataset = dataset;
    this.workers = workers;
    this.shares = null; // the shares asked for and not yet collected
    this.failure = null; // an `apply` that failed, reported at the next `collect`
  }

  get count() { return this.workers.length; }

  get yielding() { return drawing; }

  /** Every replica joins the run at `step` from the leader's weights and training config. */
  async join(weights, training, step) {
    const parts = this.count + 1;
    // A share asked for by a run that ended is not this run's.
    this.shares?.forEach((share) => share.catch(() => {}));
    this.shares = null;
    await Promise.all(this.workers.map((worker, i) => worker.call('start', { weights, training, step, part: i + 1, parts })));
  }

  /** Asks for the next shares, unless they were asked for already (see `Replicas::start_shares`). */
  startShares() {
    this.shares ??= this.workers.map((worker) => worker.call('share'));
  }

  async collect() {
    if (this.failure) throw this.failure;
    const shares = this.shares;
    this.shares = null;
    if (!shares) throw new Error('the replicas were not asked for their shares');
    try {
      return await Promise.all(shares);
    } catch (err) {
      throw new Error(`a replica worker failed: ${err.message}`);
    }
  }

  /** `sums[i]` (the buffer replica i's share came in, now holding the sum) goes back to it. */
  apply(sums) {
    this.workers.forEach((worker, i) => this.#send(worker, 'apply', { sum: sums[i] }, sums[i]));
  }

  /** The one replica adds its share to the leader's `own` and applies that (`Replicas::offer_own`). */
  complete(own) {
    this.#send(this.workers[0], 'complete', { own }, own);
  }

  // A failure is reported at the next `collect`.
  #send(worker, command, args, array) {
    worker.call(command, args, [array.buffer]).catch((err) => { this.failure = new Error(`a replica worker failed: ${err.message}`); });
  }

  close() { for (const worker of this.workers) worker.terminate(); }
}

let pool = null;

/**
 * Replicas for a run on the CPU with `workers` workers in all (none on WebGPU, or for one), joined
 * at `step` from the weights `weightsOf()` gives (asked for only when there are replicas).
 */
async function replicasFor(workers, weightsOf, training, step) {
  const cpu = studio.backend().kind === 'cpu';
  const wanted = cpu ? Math.max(0, (workers ?? 1) - 1) : 0;
  if (pool && (!cpu || pool.count !== wanted || pool.dataset !== dataset)) { pool.close(); pool = null; }
  if (!cpu) return;
  if (!pool) {
    if (wanted > 0) emit('loading', { message: `Starting ${wanted} more CPU worker${wanted > 1 ? 's' : ''}…` });
    const images = dataset.startsWith(FOLDER) && wanted > 0 ? folderTrainSet() : null;
    pool = await ReplicaPool.open(dataset, wanted, images);
  }
  if (wanted === 0) return;
  await pool.join(await weightsOf(), JSON.stringify(training), step);
}

/** The imported folder's training images, as the replicas load them. */
function folderTrainSet() {
  const { side, channels } = folderShape;
  return { side, colour: channels === 3, pixels: studio.folderTrainPixels(), labels: studio.folderTrainLabels() };
}

async function postDigits() {
  if (!shownDigits) return; // a recommender's run
  emit('digits', { images: studio.testImages(shownDigits), reconstructions: await studio.reconstruct(shownDigits) });
}

// A point worth keeping (epoch end, pause, stop, finish); `ended`: training no longer runs
// (pause, stop, finish), so every view is worth redrawing.
async function postSnapshot(progress, { ended = false } = {}) {
  const bytes = await studio.exportWeights(true);
  emit('snapshot', { bytes, step: progress?.step ?? 0, ended }, [bytes.buffer]);
}

/** Answers a `snapshot` request that waits, with the weights at `progress` (or none). */
async function answerSnapshot(progress) {
  const answer = snapshotWanted;
  snapshotWanted = null;
  if (!answer) return;
  if (!progress) { answer(null); return; }
  const bytes = await studio.exportWeights(false);
  answer(transferring({ bytes, step: progress.step }, [bytes.buffer]));
}

/**
 * A run until it finishes or is stopped. `evaluateFirst`: an evaluation before the first step (a
 * recommender's chart starts at the untrained model's test RMSE). Weights go to the page at
 * epoch ends and at the end, and between two chunks when the page asks (`snapshot`).
 */
async function run({ evaluateFirst = false } = {}) {
  state = 'running';
  if (evaluateFirst) emit('evaluation', { epoch: 0, evaluation: await studio.evaluate(0) });
  let steps = 1;
  let lastDigits = 0;
  const yielded = { ms: 0, times: 0 }; // time training waited for the visitor's drawing
  let progress = null;
  // The chart's points since the last progress message: `{step, loss, critic}` per readback.
  let points = [];
  let lastProgress = -Infinity;
  const sendProgress = (fields = {}) => {
    emit('progress', { progress, points, wasmBytes: memory(), yielding: false, yielded, ...fields });
    points = [];
    lastProgress = performance.now();
  };
  while (state !== 'stopping') {
    if (state === 'paused') {
      await answerSnapshot(null);
      if (points.length) sendProgress();
      emit('paused', { progress });
      await postSnapshot(progress, { ended: true });
      await new Promise((resolve) => { wake = resolve; });
      continue;
    }
    if (drawing && pool && progress) {
      sendProgress({ yielding: true });
      const waitStarted = performance.now();
      await new Promise((resolve) => { drawingDone = resolve; });
      yielded.ms += performance.now() - waitStarted;
      yielded.times += 1;
      continue;
    }
    const chunkStarted = performance.now();
    progress = pool ? await studio.trainStepsShared(steps, pool) : await studio.trainSteps(steps);
    const chunkMs = performance.now() - chunkStarted;
    // Grow or shrink the chunk towards CHUNK_MS of work (not after one the visitor cut short).
    if (!drawing) steps = Math.max(1, Math.min(200, Math.round(steps * (CHUNK_MS / Math.max(chunkMs, 1)) * 0.7 + steps * 0.3)));
    if (progress.trainLoss != null || progress.critic) points.push({ step: progress.step, loss: progress.trainLoss, critic: progress.critic });
    if (progress.epochFinished || progress.finished || performance.now() - lastProgress >= PROGRESS_EVERY_MS) sendProgress();
    if (performance.now() - lastDigits > DIGITS_EVERY_MS || progress.epochFinished) {
      await postDigits();
      lastDigits = performance.now();
    }
    if (progress.epochFinished) {
      emit('evaluation', { epoch: progress.epoch, evaluation: await studio.evaluate(0) });
    }
    if (progress.epochFinished || progress.finished) await postSnapshot(progress, { ended: progress.finished });
    await answerSnapshot(progress);
    if (progress.finished) break;
    await nextTask(); // let a pause or stop message in
  }
  if (points.length) sendProgress();
  const stopped = state === 'stopping';
  state = 'stopping';
  await answerSnapshot(null);
  if (stopped && progress) await postSnapshot(progress, { ended: true });
  emit(stopped ? 'stopped' : 'done', { progress });
  state = 'idle';
}

/** Runs in the background after `train` or `resume` has replied; a failure is an `error` event. */
function runInBackground(options) {
  run(options).catch((err) => {
    state = 'idle';
    emit('error', { message: err?.message ?? String(err), backend: studio?.backend()?.kind });
  });
}

/**
 * The Uses panel's IDEC (or DEC) fine-tuning of the model in `weights` on the test images: a
 * `clustering` event after k-means and after every target update, until the run converges, hits
 * its step limit or is stopped; replies with the last scores and the fine-tuned weights.
 */
async function cluster({ weights }) {
  state = 'clustering';
  try {
    let progress = await studio.startClustering(weights);
    emit('clustering', { progress });
    const { method, updateInterval } = progress;
    while (state === 'clustering' && !progress.finished) {
      progress = await studio.clusterSteps(updateInterval);
      emit('clustering', { progress });
      await nextTask(); // let stopClustering in
    }
    const bytes = await studio.exportWeights(true, `fine-tuned by ${method} to cluster the test images`
      + ` (${progress.step} steps, accuracy ${(100 * progress.accuracy).toFixed(1)}%)`);
    return { progress, bytes, stopped: state !== 'clustering' };
  } finally {
    state = 'idle';
  }
}

serve({
  start,
  cluster,
  stopClustering() { if (state === 'clustering') state = 'stopping'; },
  drawing({ active }) {
    drawing = active;
    if (!active) drawingDone?.();
  },
  /** A run of the model in `model`; on MovieLens a recommender's, `model` being `{orientation,
   * hidden}` and `training` an AutoRecTraining. */
  async train({ model, training, workers }) {
    const recommender = dataset === MOVIELENS;
    const [modelJson, trainingJson] = [JSON.stringify(model), JSON.stringify(training)];
    const description = recommender ? studio.configureRecommender(modelJson, trainingJson) : studio.configure(modelJson, trainingJson);
    await replicasFor(workers, () => studio.exportWeights(false), training, 0);
    runInBackground({ evaluateFirst: recommender });
    return { description, workers: 1 + (pool?.count ?? 0) };
  },
  async resume({ weights, training, step, workers }) {
    const description = studio.resume(weights, JSON.stringify(training), step);
    await replicasFor(workers, () => weights, training, step);
    runInBackground();
    return { description, resumedAt: step, workers: 1 + (pool?.count ?? 0) };
  },
  pause() { if (state === 'running') { state = 'paused'; drawingDone?.(); } },
  /** The run's weights now, `{bytes, step}`, after the chunk in progress; null when none runs. */
  snapshot: () => (state === 'running' ? new Promise((resolve) => { snapshotWanted = resolve; }) : null),
  continue() { if (state === 'paused') { state = 'running'; wake?.(); } },
  stop() { if (state === 'running' || state === 'paused') { state = 'stopping'; wake?.(); drawingDone?.(); } },
  /** Classifier alone against classifier + decoder. */
  semi: ({ model, labels, alpha, epochs }) => studio.semiSupervised(JSON.stringify(model), labels, alpha, epochs),
  /** A person's files (`[{path, file}]`) as this worker's data set: `{report, name, presets,
   * training, seconds}` (the form's defaults; the import's time in this worker, from the first
   * file read to the report). */
  async importImages({ files, side, colour, name }) {
    const started = performance.now();
    const imported = await importFolder(studio, files, { side, colour, name }, (done, total) => emit('importing', { done, total }));
    // Each import is a data set of its own: replicas that loaded another are not reused.
    [dataset, folderShape] = [`${FOLDER}#${(imports += 1)}`, imported.report.shape];
    return { ...imported, ...studio.folderPresets(), seconds: (performance.now() - started) / 1000 };
  },
  /** A run of the named preset on the folder, its batches shared by `workers` on the CPU where
   * the core says they may be (not with a trimmed loss). */
  async trainPreset({ preset, epochs, batchSize, trim, workers }) {
    const { description, training, sharesBatches } = studio.configurePreset(preset, epochs, batchSize, trim);
    await replicasFor(sharesBatches ? workers : 1, () => studio.exportWeights(false), training, 0);
    runInBackground();
    return { description, workers: 1 + (pool?.count ?? 0) };
  },
  openFolderModel: ({ bytes }) => studio.openFolderModel(new Uint8Array(bytes)),
  unusual: () => studio.unusualImages(),
  folderSamples: ({ count, seed }) => studio.folderSamples(count, seed),
  folderGroups: () => studio.folderGroups(),
  folderMap: () => studio.folderMap(),
  folderDenoise: ({ index, seed }) => studio.folderDenoise(index, seed),
  folderInterpolate: ({ from, to, steps }) => studio.folderInterpolate(from, to, steps),
  folderImages: ({ indices }) => studio.folderImages(Uint32Array.from(indices)),
  codes: () => studio.codesCsv(),
  loseDevice() { for (const device of devices) device.destroy(); },
});
