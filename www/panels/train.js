// The Train panel: the training worker (WebGPU or CPU, with replica workers on the CPU), a run's
// progress, its loss chart and reconstructions, pause, resume and stop, the move to the CPU when
// WebGPU fails, and the Uses panel's jobs in the idle trainer (the classifier-with-decoder
// comparison, clustering).
import { paintGrid } from '../digits.js';
import { $, show } from '../dom.js';
import { ask, current, debug } from '../live.js';
import { WorkerClient } from '../protocol.js';
import { SeriesChart } from '../series-chart.js';
import { checkForm, formConfig, formIsValid, hasPresets, initTrainForm, takeOffer, updateFormFields, withdrawOffer } from './train-form.js';

const form = () => $('train-form');
// A lost GPU may also just stop answering: once a run on WebGPU has made progress, silence this
// long counts as a failure.
const GPU_SILENCE_MS = 30_000;
// `?test-hooks` lets a test destroy the training worker's WebGPU device mid-run.
const testHooks = new URLSearchParams(location.search).has('test-hooks');

let trainer = null;
let run = null; // {model, training, backend, lastSnapshot, heardProgress}
// A job of the Uses panel in the idle trainer, `{onEvent}`, or null (see `trainerJob`).
let sideJob = null;
let lastHeard = 0;
let chart = null; // the run's losses
let criticChart = null; // the adversarial game, once a run has a critic
// What the panel does with a snapshot of the weights (set by `initTraining`).
let useSnapshot = () => {};

/** Whether no run goes on. */
export const trainerIdle = () => form().dataset.state === 'idle';

function setRunning(state) { // 'idle' | 'running' | 'paused'
  $('train').disabled = state !== 'idle' || sideJob != null || !hasPresets() || !formIsValid();
  $('semi').disabled = $('idec-start').disabled = state !== 'idle' || sideJob != null;
  $('pause').disabled = state === 'idle';
  $('pause').textContent = state === 'paused' ? 'Resume' : 'Pause';
  $('stop').disabled = state === 'idle';
  for (const field of form().elements) if (!['train', 'pause', 'stop'].includes(field.id)) field.disabled = state !== 'idle';
  form().dataset.state = state;
  if (state === 'idle') updateFormFields();
}

/** A fresh training worker on `backend` for the current dataset; resolves once it is ready. */
export async function startTrainer(backend) {
  trainer?.terminate();
  sideJob = null; // its call rejects: the worker is closed
  withdrawOffer();
  setRunning('idle');
  $('backend').dataset.kind = 'loading';
  $('backend').textContent = 'starting…';
  const worker = new WorkerClient('./train-worker.js', {
    onEvent(event) {
      lastHeard = performance.now();
      events[event.event]?.(event);
    },
    onCrash: (message) => trainerFailed(message ?? 'the training worker crashed'),
  });
  trainer = worker;
  try {
    const ready = await worker.call('start', { backend, dataset: current.dataset, testHooks });
    if (trainer === worker) trainerReady(ready);
    return trainer === worker;
  } catch (err) {
    if (trainer === worker) trainerFailed(err.message);
    return false;
  }
}

function trainerReady({ backend, presets, objectives, dataset }) {
  takeOffer(presets, objectives);
  const badge = $('backend');
  badge.dataset.kind = backend.kind;
  // The header says where training runs; the Train panel says why.
  badge.textContent = backend.kind === 'gpu' ? 'trains on WebGPU' : 'trains on the CPU';
  badge.title = backend.reason;
  $('backend-reason').textContent = `${backend.kind === 'gpu' ? 'Training runs on WebGPU' : 'Training runs on the CPU backend'}: ${backend.reason}.`;
  flushStatus();
  const count = (n) => n.toLocaleString('en');
  if (!run) $('status').textContent = `Ready to train: ${dataset.label} loaded (${count(dataset.trainImages)} training and ${count(dataset.testImages)} test images, checksums verified).`;
  setRunning('idle');
  checkForm();
}

// Data-parallel training on the CPU: one worker per core, up to 4; two by default, since the live
// view needs a core too and a third worker rarely pays on a small model.
const cpuWorkers = () => Number($('workers').value);

/** Starts (`weights` absent) or resumes a run in the worker; its events follow. */
async function begin(command, args) {
  setRunning('running');
  try {
    const { description, resumedAt, workers } = await trainer.call(command, { ...args, workers: cpuWorkers() });
    $('form-check').textContent = (resumedAt != null ? `${description}, resumed at step ${resumedAt}` : description)
      + (workers > 1 ? `, each batch shared by ${workers} CPU workers` : '');
  } catch (err) {
    trainerFailed(err.message);
  }
}

/** A run on WebGPU that fails for any reason but its own settings continues on the CPU. */
function trainerFailed(fullMessage) {
  // Backend errors come with nested causes and an empty backtrace: one line is enough here.
  const message = fullMessage.replace(/\s*Backtrace:[\s\S]*/, '').replace(/\s+/g, ' ').trim();
  if (run?.backend === 'gpu' && !/diverged|collapsed|invalid configuration/.test(message)) {
    const snapshot = run.lastSnapshot;
    show('notice', `WebGPU failed during training (${message}). The run continues on the CPU backend from `
      + (snapshot ? `the weights of step ${snapshot.step}.` : 'the start (no weights had been saved yet).'));
    $('backend-choice').value = 'cpu';
    run = { ...run, backend: 'cpu', heardProgress: false };
    const { training, model } = run;
    startTrainer('cpu').then((ready) => {
      if (!ready) return;
      if (snapshot) begin('resume', { weights: snapshot.bytes, training, step: snapshot.step });
      else begin('train', { model, training });
    });
    return;
  }
  show('error', message);
  setRunning('idle');
}

// The status line and the bar change at most this often: each change repaints, and the main
// thread's paints (8 a second otherwise) come out of the cores the run trains on.
const STATUS_EVERY_MS = 250;
let statusShown = -Infinity;
let statusTimer = null;
let statusWaiting = null;

/** Shows a run's progress now, or the latest one when STATUS_EVERY_MS has passed. */
function showStatus(step, total, text) {
  clearTimeout(statusTimer);
  statusWaiting = () => {
    statusWaiting = null;
    statusShown = performance.now();
    $('progress').max = total;
    $('progress').value = step;
    $('status').textContent = text;
  };
  const wait = statusShown + STATUS_EVERY_MS - performance.now();
  if (wait > 0) statusTimer = setTimeout(statusWaiting, wait);
  else statusWaiting();
}

/** The run's last progress, shown before what follows it (paused, finished, stopped). */
function flushStatus() {
  clearTimeout(statusTimer);
  statusWaiting?.();
}

const events = {
  loading: ({ message }) => { flushStatus(); $('status').textContent = message; },
  progress({ progress, wasmBytes, yielding, yielded }) {
    run.heardProgress = true;
    const { epoch, step, stepsPerEpoch, trainLoss, critic, pace } = progress;
    const { epochs, batch_size: batchSize } = run.training;
    const total = stepsPerEpoch * epochs;
    if (trainLoss != null) chart.add(step, trainLoss, null);
    debug.memory.push({ step, wasmBytes, time: performance.now() });
    debug.trainingRate = { ...pace, yielded, batchSize };
    if (critic) addCriticPoint(step, critic);
    showStatus(step, total, `epoch ${Math.min(epoch + 1, epochs)} of ${epochs} · step ${step}/${total} · `
      + `${Math.round(pace.samplesPerSecond ?? 0).toLocaleString('en')} samples/s · ${formatDuration(pace.secondsLeft ?? Infinity)} left`
      + (trainLoss != null ? ` · train loss ${trainLoss.toFixed(4)}` : '')
      + (critic ? ` · critic loss ${critic.loss.toFixed(3)}, accuracy ${(100 * critic.accuracy).toFixed(0)}%` : '')
      + (yielding ? ' · you are drawing: training waits until you lift the pointer'
        : yielded.ms > 0 ? ` · waited ${(yielded.ms / 1000).toFixed(1)} s while you drew` : ''));
  },
  evaluation({ epoch, evaluation }) {
    chart.add(chart.series.step.at(-1) ?? 0, null, evaluation.loss);
    // The full objective, as training minimizes it, then its parts.
    $('test-loss').textContent = `Test loss after epoch ${epoch}: ${evaluation.loss.toFixed(4)} ${evaluation.scale.replace('_', ' ')}`
      + ` (reconstruction ${evaluation.reconstruction.toFixed(4)}`
      + (evaluation.kl_per_sample != null ? `, KL ${evaluation.kl_per_sample.toFixed(2)}` : '')
      + (evaluation.penalty != null ? `, penalty ${evaluation.penalty.toFixed(4)} before its weight` : '')
      + `; per-pixel BCE ${evaluation.bce_per_pixel.toFixed(4)}, MSE ${evaluation.mse_per_pixel.toFixed(5)})`;
  },
  digits: ({ images, reconstructions }) => paintGrid($('digits'), interleaveRows(images, reconstructions), 12),
  snapshot({ bytes, step, final, ended }) {
    run.lastSnapshot = { bytes, step };
    debug.snapshots += 1;
    offerSnapshot({ bytes, step, final, ended });
  },
  paused() { flushStatus(); $('status').textContent += ' · paused'; setRunning('paused'); },
  done() { flushStatus(); $('status').textContent += ' · finished'; setRunning('idle'); },
  stopped() { flushStatus(); $('status').textContent += ' · stopped'; setRunning('idle'); },
  error({ message }) { trainerFailed(message); },
  clustering(event) { sideJob?.onEvent?.(event); },
};

/** 12 images then 12 reconstructions, as one 12-column grid of two rows. */
function interleaveRows(images, reconstructions) {
  const both = new Float32Array(images.length * 2);
  both.set(images);
  if (reconstructions) both.set(reconstructions, images.length);
  return both;
}

function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return '…';
  return seconds >= 90 ? `${Math.round(seconds / 60)} min` : `${Math.max(0, Math.round(seconds))} s`;
}

/** A point of the adversarial game: the critic's loss and accuracy at `step`. */
function addCriticPoint(step, { loss, accuracy }) {
  $('critic-box').hidden = false;
  criticChart.add(step, loss, accuracy);
}

function resetChart() {
  // The run's views wait for a run: no empty chart or black strip on arrival.
  $('run-views').hidden = false;
  $('run-views-note').hidden = true;
  chart.clear();
  criticChart.clear();
  $('critic-box').hidden = true;
  $('test-loss').textContent = 'Test loss appears after each epoch.';
}

/**
 * Runs `command` in the idle trainer for the Uses panel (no run may start meanwhile); the trainer's
 * `clustering` events go to `onEvent`. Rejects when a run or another job has the trainer, or
 * when a restart of the trainer cuts the job short.
 */
export async function trainerJob(command, args, onEvent) {
  if (!trainerIdle() || sideJob) throw new Error('The trainer is busy with a run: stop it first.');
  if (!hasPresets()) throw new Error('The trainer is still loading its data: try again in a moment.');
  const worker = trainer;
  sideJob = { onEvent };
  setRunning('idle');
  try {
    return await worker.call(command, args);
  } catch (err) {
    throw worker === trainer ? err : new Error('a restart of the trainer (a new dataset or backend) cut it short');
  } finally {
    if (worker === trainer) {
      sideJob = null;
      setRunning('idle');
    }
  }
}

/** Sends a command to the trainer without waiting for a job to end (stopping one). */
export const tellTrainer = (command, args) => trainer?.call(command, args).catch(() => {}); // a crash is reported by onCrash

// After the pointer lifts, the live view keeps its core this long: the next stroke of a digit
// usually follows within it, and the last answer is still on its way.
const DRAWING_HOLD_MS = 600;
let drawingHold = null;
let visitorDrawing = false;

// Redrawing the live views for a snapshot takes the live worker's core, which on a machine whose
// other cores all train is taken from training (a full refresh of a VAE is most of a second). So
// a snapshot waits until the last refresh has cost at most this share of the time since it began,
// and while the visitor draws; the latest one waiting wins, and a run's end waits only for drawing.
const REFRESH_SHARE = 0.1;
let heldSnapshot = null;
let refreshing = false;
let lastRefresh = { started: -Infinity, ms: 0 };
let refreshTimer = null;

/** A run's weights, for the live views when the budget and the visitor allow (see above). */
function offerSnapshot(snapshot) {
  const held = heldSnapshot;
  heldSnapshot = { ...snapshot, final: snapshot.final || held?.final, ended: snapshot.ended || held?.ended };
  clearTimeout(refreshTimer);
  if (visitorDrawing || refreshing) return; // offered again when the pointer lifts or the refresh ends
  const wait = heldSnapshot.ended ? 0 : lastRefresh.started + lastRefresh.ms / REFRESH_SHARE - performance.now();
  if (wait > 0) refreshTimer = setTimeout(useHeldSnapshot, wait);
  else useHeldSnapshot();
}

/** Puts the held snapshot in use; the browser keeps it at epoch ends and stops (`final`), and
 * every view is redrawn once training no longer runs (`ended`), the light ones meanwhile. */
async function useHeldSnapshot() {
  const snapshot = heldSnapshot;
  if (!snapshot || visitorDrawing || refreshing) return;
  heldSnapshot = null;
  refreshing = true;
  const started = performance.now();
  try {
    await useSnapshot(snapshot.bytes, `trained in this tab (step ${snapshot.step})`, { keep: snapshot.final, refresh: snapshot.ended ? 'all' : 'light' });
  } finally {
    refreshing = false;
    lastRefresh = { started, ms: performance.now() - started };
    if (heldSnapshot) offerSnapshot(heldSnapshot);
  }
}

/**
 * The visitor draws (`active`) or has stopped. The run's snapshots wait (see offerSnapshot), and
 * a run on the CPU whose workers take every core but the live view's waits too, from the end of
 * its current step until the pointer lifts: with one training worker left on two cores, drawing
 * still missed a frame in one update of twenty (p95 19 ms). The status line says so, and how long
 * training waited.
 */
export function visitorDraws(active) {
  clearTimeout(drawingHold);
  if (debug.drawingPriority === false) return; // the latency bench's comparison without it
  if (active) {
    visitorDrawing = true;
    // ('always': the tests' way to see it on a machine with cores to spare.)
    const everyCore = cpuWorkers() >= (navigator.hardwareConcurrency ?? 2) - 1 || debug.drawingPriority === 'always';
    if (everyCore) tellTrainer('drawing', { active: true });
    return;
  }
  drawingHold = setTimeout(() => {
    visitorDrawing = false;
    tellTrainer('drawing', { active: false });
    if (heldSnapshot) offerSnapshot(heldSnapshot);
  }, DRAWING_HOLD_MS);
}

/** The Uses panel's comparison: a classifier on the code alone, and with the decoder. */
async function compareClassifiers() {
  const labels = Number($('probe-labels').value);
  $('semi-result').textContent = `Training two classifiers with ${labels.toLocaleString('en')} labels, 2 epochs each…`;
  try {
    const result = debug.semi = await trainerJob('semi', { model: formConfig().model, labels, alpha: 1, epochs: 2 });
    $('semi-result').textContent = `Test accuracy: classifier alone ${(100 * result.alone).toFixed(1)}%, with the decoder ${(100 * result.joint).toFixed(1)}%.`;
  } catch (err) {
    debug.semi = { error: err.message };
    $('semi-result').textContent = `Could not train: ${err.message}`;
  }
}

function submit(event) {
  event.preventDefault();
  if (!formIsValid()) return;
  current.normalClasses = null;
  startRun(formConfig());
}

function startRun({ model, training }) {
  show('error', '');
  show('notice', '');
  run = { model, training, backend: $('backend').dataset.kind, lastSnapshot: null };
  debug.memory = [];
  resetChart();
  begin('train', { model, training });
}

/**
 * The one-class protocol in the page: the dense DAE (784-256-32, Gaussian noise 0.5) trained for
 * `epochs` on the training images of `classes` only; the Uses panel then scores the other
 * classes' test images against theirs.
 */
export async function trainOneClass(classes, epochs) {
  if (!trainerIdle() || !hasPresets()) throw new Error('The trainer is busy: stop its run first.');
  const { model, training } = await ask('oneClassRun', { classes, epochs });
  current.normalClasses = classes;
  startRun({ model, training });
}

/** `snapshot(bytes, name, options)`: puts a snapshot of a run's weights in use (see models.js). */
export function initTraining(snapshot) {
  useSnapshot = snapshot;
  chart = new SeriesChart($('chart'), { x: 'step', y: { label: 'loss' }, height: 220, lines: { train: { label: 'train' }, test: { label: 'test', points: true } } });
  criticChart = new SeriesChart($('critic-chart'), {
    x: 'step', y: { label: 'critic loss' }, height: 160,
    lines: { loss: { label: 'critic loss', colour: '#7048e8' }, accuracy: { label: 'accuracy', colour: '#2b8a3e', right: true } },
  });
  debug.series = chart.series;
  debug.criticSeries = criticChart.series;
  const cores = navigator.hardwareConcurrency || 1;
  for (let n = 1; n <= Math.min(4, cores); n++) $('workers').add(new Option(String(n), String(n), false, n === Math.min(2, cores)));
  if (testHooks) debug.loseDevice = () => trainer.call('loseDevice');
  initTrainForm(() => { if (trainerIdle()) $('train').disabled = sideJob != null || !formIsValid() || !hasPresets(); });
  form().addEventListener('submit', submit);
  $('pause').addEventListener('click', () => {
    const paused = form().dataset.state === 'paused';
    trainer.call(paused ? 'continue' : 'pause').catch(() => {}); // a crash is reported by onCrash
    if (paused) setRunning('running');
  });
  $('stop').addEventListener('click', () => trainer.call('stop').catch(() => {}));
  $('backend-choice').addEventListener('change', () => startTrainer($('backend-choice').value));
  $('semi').addEventListener('click', compareClassifiers);
  setInterval(() => {
    const running = form().dataset.state === 'running';
    if (running && run?.backend === 'gpu' && run.heardProgress && performance.now() - lastHeard > GPU_SILENCE_MS) {
      trainerFailed(`no answer from the WebGPU device for ${GPU_SILENCE_MS / 1000} s`);
    }
  }, 5_000);
  setRunning('idle');
}
