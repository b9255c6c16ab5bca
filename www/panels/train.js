// The Train panel: the training worker (WebGPU or CPU, with replica workers on the CPU), a run's
// progress, its loss chart and reconstructions, pause, resume and stop, the move to the CPU when
// WebGPU fails, and the Uses panel's jobs in the idle trainer (the classifier-with-decoder
// comparison, clustering).
import { paintGrid } from '../digits.js';
import { $, show } from '../dom.js';
import { ask, current, debug } from '../live.js';
import { SeriesChart } from '../series-chart.js';
import { TrainerClient } from '../trainer-client.js';
import { checkForm, formIsValid, hasPresets, initTrainForm, readForm, takeOffer, updateFormFields, withdrawOffer } from './train-form.js';

const form = () => $('train-form');
// A lost GPU may also just stop answering: once a run on WebGPU has made progress, silence this
// long counts as a failure.
const GPU_SILENCE_MS = 30_000;
// `?test-hooks` lets a test destroy the training worker's WebGPU device mid-run.
const testHooks = new URLSearchParams(location.search).has('test-hooks');

let trainer = null; // the TrainerClient (set by `initTraining`)
let run = null; // {model, training, backend, lastSnapshot, heardProgress, trainLoss, critic}
let chart = null; // the run's losses
let criticChart = null; // the adversarial game, once a run has a critic
// What the panel does with a snapshot of the weights (set by `initTraining`).
let useSnapshot = () => {};

/** Whether no run goes on. */
export const trainerIdle = () => trainer.state === 'idle';

/** The buttons and fields follow the trainer's state ('idle' | 'running' | 'paused'). */
function followState(state) {
  const busy = state !== 'idle' || trainer.job != null;
  $('train').disabled = busy || !hasPresets() || !formIsValid();
  $('semi').disabled = $('idec-start').disabled = busy;
  $('pause').disabled = state === 'idle';
  $('pause').textContent = state === 'paused' ? 'Resume' : 'Pause';
  $('stop').disabled = state === 'idle';
  for (const field of form().elements) if (!['train', 'pause', 'stop'].includes(field.id)) field.disabled = state !== 'idle';
  form().dataset.state = state;
  if (state === 'idle') updateFormFields();
}

/** A fresh training worker on `backend` for the current dataset; resolves once it is ready. */
export async function startTrainer(backend) {
  withdrawOffer();
  $('backend').dataset.kind = 'loading';
  $('backend').textContent = 'starting…';
  try {
    const ready = await trainer.open('start', { backend, dataset: current.dataset, testHooks });
    if (ready) trainerReady(ready);
    return ready != null;
  } catch (err) {
    trainerFailed(err.message);
    return false;
  }
}

function trainerReady({ backend, presets, objectives, dataset }) {
  takeOffer(presets, objectives, dataset);
  const badge = $('backend');
  badge.dataset.kind = backend.kind;
  // The header says where training runs; the Train panel says why.
  badge.textContent = backend.kind === 'gpu' ? 'trains on WebGPU' : 'trains on the CPU';
  badge.title = backend.reason;
  $('backend-reason').textContent = `${backend.kind === 'gpu' ? 'Training runs on WebGPU' : 'Training runs on the CPU backend'}: ${backend.reason}.`;
  const count = (n) => n.toLocaleString('en');
  if (!run) trainer.say(`Ready to train: ${dataset.label} loaded (${count(dataset.trainImages)} training and ${count(dataset.testImages)} test images, checksums verified).`);
  followState('idle');
  checkForm();
}

// Data-parallel training on the CPU: one worker per core, up to 4; two by default, since the live
// view needs a core too and a third worker rarely pays on a small model.
const cpuWorkers = () => Number($('workers').value);

/** Starts (`weights` absent) or resumes a run in the worker; its events follow. */
async function begin(command, args) {
  try {
    const { description, resumedAt, workers } = await trainer.begin(command, { ...args, workers: cpuWorkers() });
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
  trainer.setState('idle');
}

const events = {
  progress({ progress, points, wasmBytes, yielding, yielded }) {
    run.heardProgress = true;
    const { step, pace } = progress;
    for (const point of points) {
      if (point.loss != null) chart.add(point.step, run.trainLoss = point.loss, null);
      if (point.critic) addCriticPoint(point.step, run.critic = point.critic);
    }
    const { trainLoss, critic } = run; // the latest read back
    debug.memory.push({ step, wasmBytes, time: performance.now() });
    debug.trainingRate = { ...pace, yielded, batchSize: run.training.batch_size };
    trainer.showProgress(progress, run.training.epochs, (trainLoss != null ? ` · train loss ${trainLoss.toFixed(4)}` : '')
      + (critic ? ` · critic loss ${critic.loss.toFixed(3)}, accuracy ${(100 * critic.accuracy).toFixed(0)}%` : '')
      + (yielding ? ' · you are drawing: training waits until you lift the pointer'
        : yielded.ms > 0 ? ` · waited ${(yielded.ms / 1000).toFixed(1)} s while you drew` : ''));
  },
  evaluation({ epoch, evaluation }) {
    chart.add(chart.series.step.at(-1) ?? 0, null, evaluation.loss);
    // The full objective, as training minimizes it, then its parts (the core's words).
    $('test-loss').textContent = `Test loss after epoch ${epoch}: ${evaluation.summary}`;
  },
  digits: ({ images, reconstructions }) => paintGrid($('digits'), interleaveRows(images, reconstructions), 12),
  snapshot({ bytes, step, ended }) {
    run.lastSnapshot = { bytes, step };
    sent = { bytes, step, final: true, ended: ended || sent?.ended };
    refreshViews();
  },
};

/** 12 images then 12 reconstructions, as one 12-column grid of two rows. */
function interleaveRows(images, reconstructions) {
  const both = new Float32Array(images.length * 2);
  both.set(images);
  if (reconstructions) both.set(reconstructions, images.length);
  return both;
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

/** Runs `command` in the idle trainer for the Uses panel (see `TrainerClient.runJob`). */
export async function trainerJob(command, args, onEvent) {
  if (!hasPresets()) throw new Error('The trainer is still loading its data: try again in a moment.');
  return trainer.runJob(command, args, onEvent);
}

/** Sends a command to the trainer without waiting for a job to end (stopping one). */
export const tellTrainer = (command, args) => trainer.tell(command, args);

// After the pointer lifts, the live view keeps its core this long: the next stroke of a digit
// usually follows within it, and the last answer is still on its way.
const DRAWING_HOLD_MS = 600;
let drawingHold = null;
let visitorDrawing = false;

// Redrawing the live views for the run's weights takes the live worker's core, which on a machine
// whose other cores all train is taken from training (a full refresh of a VAE is most of a
// second). So the views ask the worker for its weights (`snapshot`) only when the last refresh has
// cost at most REFRESH_SHARE of the time since it began, at most every PULL_EVERY_MS, and not
// while the visitor draws; the weights the worker sends by itself (epoch ends, pause, stop, the
// end) wait only for the drawing and a refresh in progress.
const REFRESH_SHARE = 0.1;
const PULL_EVERY_MS = 2000;
let sent = null; // the latest weights the worker sent, not yet in use
let refreshing = false;
let nextPull = 0;

/** Puts the run's latest weights in use when the views can take them (see above); the browser
 * keeps the ones sent at epoch ends and stops, and every view is redrawn once training no longer
 * runs (`ended`), the light ones meanwhile. */
async function refreshViews() {
  if (refreshing || visitorDrawing) return;
  if (!sent && (trainer.state !== 'running' || !run || performance.now() < nextPull)) return;
  refreshing = true;
  const started = performance.now();
  try {
    const snapshot = sent ?? await trainer.tell('snapshot');
    sent = null;
    if (!snapshot) return;
    run.lastSnapshot = snapshot;
    debug.snapshots += 1;
    await useSnapshot(snapshot.bytes, `trained in this tab (step ${snapshot.step})`, { keep: snapshot.final, refresh: snapshot.ended ? 'all' : 'light' });
  } finally {
    refreshing = false;
    nextPull = started + Math.max(PULL_EVERY_MS, (performance.now() - started) / REFRESH_SHARE);
    if (sent) refreshViews();
  }
}

/**
 * The visitor draws (`active`) or has stopped. The run's weights wait (see refreshViews), and
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
    refreshViews();
  }, DRAWING_HOLD_MS);
}

/** The Uses panel's comparison: a classifier on the code alone, and with the decoder. */
async function compareClassifiers() {
  const labels = Number($('probe-labels').value);
  $('semi-result').textContent = `Training two classifiers with ${labels.toLocaleString('en')} labels, 2 epochs each…`;
  try {
    const { model } = await readForm();
    const result = debug.semi = await trainerJob('semi', { model, labels, alpha: 1, epochs: 2 });
    $('semi-result').textContent = `Test accuracy: classifier alone ${(100 * result.alone).toFixed(1)}%, with the decoder ${(100 * result.joint).toFixed(1)}%.`;
  } catch (err) {
    debug.semi = { error: err.message };
    $('semi-result').textContent = `Could not train: ${err.message}`;
  }
}

async function submit(event) {
  event.preventDefault();
  if (!formIsValid()) return;
  current.normalClasses = null;
  trainer.setState('running'); // at once: no second run while the core reads the form
  try {
    startRun(await readForm());
  } catch (err) {
    show('error', err.message);
    trainer.setState('idle');
  }
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
  if (!trainer.idle || !hasPresets()) throw new Error('The trainer is busy: stop its run first.');
  const { model, training } = await ask('oneClassRun', { classes, epochs });
  current.normalClasses = classes;
  startRun({ model, training });
}

/** `snapshot(bytes, name, options)`: puts a snapshot of a run's weights in use (see models.js). */
export function initTraining(snapshot) {
  useSnapshot = snapshot;
  trainer = new TrainerClient({
    status: $('status'), bar: $('progress'), onState: followState, onFailure: trainerFailed,
    onEvent: (event) => events[event.event]?.(event),
  });
  chart = new SeriesChart($('chart'), { x: 'step', y: { label: 'loss' }, height: 220, lines: { train: { label: 'train' }, test: { label: 'test', points: true } } });
  criticChart = new SeriesChart($('critic-chart'), {
    x: 'step', y: { label: 'critic loss' }, height: 160,
    lines: { loss: { label: 'critic loss', colour: '#7048e8' }, accuracy: { label: 'accuracy', colour: '#2b8a3e', right: true } },
  });
  debug.series = chart.series;
  debug.criticSeries = criticChart.series;
  const cores = navigator.hardwareConcurrency || 1;
  for (let n = 1; n <= Math.min(4, cores); n++) $('workers').add(new Option(String(n), String(n), false, n === Math.min(2, cores)));
  if (testHooks) debug.loseDevice = () => trainer.tell('loseDevice');
  initTrainForm(() => { if (trainerIdle()) $('train').disabled = trainer.job != null || !formIsValid() || !hasPresets(); });
  form().addEventListener('submit', submit);
  $('pause').addEventListener('click', () => (trainer.state === 'paused' ? trainer.resume() : trainer.pause()));
  $('stop').addEventListener('click', () => trainer.stop());
  $('backend-choice').addEventListener('change', () => startTrainer($('backend-choice').value));
  $('semi').addEventListener('click', compareClassifiers);
  setInterval(refreshViews, 250);
  setInterval(() => {
    const running = trainer.state === 'running';
    if (running && run?.backend === 'gpu' && run.heardProgress && performance.now() - trainer.lastHeard > GPU_SILENCE_MS) {
      trainerFailed(`no answer from the WebGPU device for ${GPU_SILENCE_MS / 1000} s`);
    }
  }, 5_000);
  followState('idle');
}
