// The page. Two module workers do the work: lab-worker.js holds the model in use on the CPU and
// answers the live views at once; train-worker.js trains (WebGPU or CPU) and sends its weights
// over as it learns. This file only wires the UI to them.
import uPlot from './vendor/uPlot.esm.js';
import { DrawingPad } from './draw.js';
import { paintDigit, paintGrid } from './digits.js';
import { LABEL_COLOURS, LatentScatter } from './latent.js';
import { keepModel, latestModel } from './store.js';
import { DATASETS } from './data.js';
import { drawActivations, drawHistogram } from './uses.js';

const $ = (id) => document.getElementById(id);
const form = $('train-form');
// The dataset of the test images, the gallery and training: 'mnist' or 'fashion-mnist'.
let dataset = 'mnist';
// One test image of each class, for the gallery (the first of each, from the live worker).
let gallery = [];
const TRAVERSAL_VALUES = [-3, -2.4, -1.8, -1.2, -0.6, 0, 0.6, 1.2, 1.8, 2.4, 3];
const TRAVERSAL_ROWS = 10;
const TRAVERSAL_SETTLE_MS = 400;

// What tests and benchmark scripts read: latencies (ms), worker memory samples, the model in use.
const debug = { latencies: [], memory: [], model: null, denoised: null, samples: null, series: null, snapshots: 0, anomaly: null, units: null };
window.aestudio = debug;
// Whether the live worker still has work queued (tests wait for this to settle).
Object.defineProperty(debug, 'busy', { get: () => pending.size > 0 || inFlight || wanted != null });
debug.liveMemory = () => ask('memory');
debug.state = () => ({ pending: [...pending.keys()], inFlight, wanted, mapReady, latencies: debug.latencies.length });

function show(id, message) {
  $(id).textContent = message ?? '';
  $(id).hidden = !message;
}

// ---- the live worker and the model in use ----

const lab = new Worker('./lab-worker.js', { type: 'module' });
const pending = new Map();
let nextId = 1;
lab.onmessage = ({ data }) => {
  const call = pending.get(data.id);
  pending.delete(data.id);
  if (data.error != null) call.reject(new Error(data.error));
  else call.resolve(data.result);
};
lab.onerror = (event) => show('model-error', `The live worker failed: ${event.message}`);

/** Runs a command in the live worker. */
function ask(command, args = {}) {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    lab.postMessage({ id, command, args });
  });
}

let model = null; // what the live worker says of its model
let input = null; // the current 784-pixel input
let inputSource = 'drawing'; // 'drawing' or 'test'
let pointA = null;
let pointB = null;
let mapReady = false; // the latent map (which traversals use) fits the model in use

let semiRunning = false; // the trainer is busy comparing classifiers (see the uses panel)
let modelGeneration = 0; // counts model changes, so that answers about a replaced model are dropped

/** Runs a view update; an error about a model replaced meanwhile is dropped, any other shown. */
async function drawView(update) {
  const generation = modelGeneration;
  try {
    await update();
  } catch (err) {
    if (generation === modelGeneration) show('model-error', `A view could not be drawn: ${err.message}`);
  }
}

/** Hands weight bytes to the live worker; on refusal the current model stays and the reason shows.
 * `refresh`: 'all' views, or 'light' (no full latent map: training sends weights every 2 s). */
async function useModel(bytes, name, { keep = true, refresh = 'all' } = {}) {
  let info;
  try {
    info = await ask('loadModel', { bytes });
  } catch (err) {
    show('model-error', `${err.message}. The model in use was kept.`);
    return false;
  }
  if (refresh === 'all') show('model-error', '');
  model = debug.model = info;
  modelGeneration += 1;
  mapReady = false;
  $('model-info').textContent = `${info.description} · ${info.parameters.toLocaleString('en')} parameters · ${name}`;
  $('model-provenance').textContent = info.provenance;
  if (keep) keepModel(bytes, name, dataset).catch((err) => show('model-error', `Could not keep the model in this browser: ${err.message}`));
  if (refresh === 'all') clearModelResults();
  await drawView(() => refreshModelViews(refresh === 'all' ? 0 : 2000));
  return true;
}

/** The dataset each model in www/models/ learned. */
const PRETRAINED_DATASET = { dae: 'mnist', vae: 'mnist', 'vae-2d': 'mnist', 'dae-fashion': 'fashion-mnist' };

async function usePretrained(name) {
  const learned = PRETRAINED_DATASET[name];
  if (dataset !== learned) { // the model's own test set, classes and anomaly scores
    if (form.dataset.state !== 'idle') throw new Error(`That is a ${DATASETS[learned].label} model: stop the ${DATASETS[dataset].label} run first.`);
    await switchDataset(learned, { redraw: false });
  }
  const response = await fetch(`models/${name}.safetensors`);
  if (!response.ok) throw new Error(`cannot fetch models/${name}.safetensors (HTTP ${response.status})`);
  return useModel(new Uint8Array(await response.arrayBuffer()), `pretrained ${name}`);
}

/** Redraws every view of the model; the latent map from the first `mapLimit` test digits (0: all). */
async function refreshModelViews(mapLimit) {
  requestDenoise(performance.now());
  await Promise.all([drawSamples(), drawInterpolation(), drawLatentMap(mapLimit)]);
  await drawTraversal();
  // The full test set's scores and unit statistics wait for a model worth the work (not the
  // snapshots that training sends every 2 s).
  if (mapLimit === 0) await Promise.all([drawAnomalyHistogram(), drawUnits()]);
  else {
    anomaly = null;
    $('anomaly-note').textContent = 'The scores are redrawn for the model when its run pauses, stops or ends an epoch.';
    $('anomaly-note').classList.remove('flagged');
  }
}

// ---- draw and denoise ----

const pad = new DrawingPad($('pad'), (timeStamp) => {
  inputSource = 'drawing';
  requestDenoise(timeStamp);
});
let noiseSeed = 1;
let inFlight = false;
let wanted = null; // the earliest pointer event not yet answered
let settleTimer = null;

function noiseSpec() {
  const level = Number($('noise-level').value);
  switch ($('noise-kind').value) {
    case 'gaussian': return { kind: 'gaussian', sigma: level };
    case 'masking': return { kind: 'masking', keep_probability: Math.max(0.05, 1 - level) };
    default: return { kind: 'none' };
  }
}

function updateNoiseLabel() {
  const kind = $('noise-kind').value;
  const level = Number($('noise-level').value);
  $('noise-level').disabled = kind === 'none';
  $('noise-level-label').textContent = kind === 'masking' ? `masked ${Math.round(100 * Math.min(level, 0.95))}%` : `sigma ${level.toFixed(2)}`;
}

/** Asks for a denoised output; while one is in flight, later requests merge into one. */
function requestDenoise(since) {
  wanted = { since: Math.min(wanted?.since ?? Infinity, since) };
  if (!inFlight) sendDenoise();
}

async function sendDenoise() {
  if (!wanted || !model) return;
  const { since } = wanted;
  wanted = null;
  inFlight = true;
  try {
    const args = { noise: noiseSpec(), seed: noiseSeed };
    if (inputSource === 'drawing') Object.assign(args, { alpha: pad.alpha(), width: pad.canvas.width, height: pad.canvas.height });
    else args.image = input;
    const result = await ask('denoise', args);
    input = result.input;
    paintDigit($('input'), result.input);
    paintDigit($('noisy'), result.noisy);
    paintDigit($('output'), result.output);
    const latency = performance.now() - since;
    debug.latencies.push(latency);
    debug.firstOutputAt ??= performance.now(); // ms from navigation to the first denoised output
    debug.denoised = result;
    const empty = inputSource === 'drawing' && pad.isEmpty;
    $('figures').textContent = empty ? 'Draw a digit, or pick one below.'
      : `PSNR against the input: noisy ${result.noisyPsnr.toFixed(1)} dB → output ${result.outputPsnr.toFixed(1)} dB`
        + ` · output error ${result.outputMse.toFixed(4)} per pixel`;
    showLatency();
    scatter.setMarker(empty ? null : result.point);
    showAnomalyScore(empty ? null : result);
    // The traversal grid (about a hundred decodes) waits until the input has rested, so that it
    // does not hold up the next stroke's updates in the live worker.
    clearTimeout(settleTimer);
    settleTimer = setTimeout(() => { if (!pad.active) drawView(drawTraversal); }, TRAVERSAL_SETTLE_MS);
  } catch (err) {
    $('figures').textContent = err.message;
  } finally {
    inFlight = false;
    if (wanted) sendDenoise();
  }
}

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function showLatency() {
  const recent = debug.latencies.slice(-200);
  if (recent.length < 5) return;
  $('latency').textContent = `Pointer event to painted output, last ${recent.length} updates: `
    + `median ${quantile(recent, 0.5).toFixed(1)} ms, 95th percentile ${quantile(recent, 0.95).toFixed(1)} ms.`;
}

function useTestDigit(index) {
  return ask('testImages', { indices: [index] }).then((pixels) => {
    input = pixels;
    inputSource = 'test';
    requestDenoise(performance.now());
  });
}

$('undo').addEventListener('click', () => pad.undo());
$('clear').addEventListener('click', () => pad.clear());
$('noise-kind').addEventListener('change', () => { updateNoiseLabel(); requestDenoise(performance.now()); });
$('noise-level').addEventListener('input', () => { updateNoiseLabel(); requestDenoise(performance.now()); });
$('reseed').addEventListener('click', () => { noiseSeed += 1; requestDenoise(performance.now()); });
$('gallery').addEventListener('click', (event) => {
  const box = event.target.getBoundingClientRect();
  useTestDigit(gallery[Math.floor(((event.clientX - box.left) / box.width) * gallery.length)]);
});

// ---- generate ----

let sampleSeed = 1;

async function drawSamples() {
  const hasPrior = model?.hasPrior;
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

async function drawInterpolation() {
  if (!pointA || !pointB || !model) return;
  paintGrid($('interpolation'), await ask('interpolate', { from: pointA, to: pointB, steps: 10 }), 10);
}

$('temperature').addEventListener('input', () => {
  $('temperature-label').textContent = `temperature ${Number($('temperature').value).toFixed(1)}`;
  drawView(drawSamples);
});
$('resample').addEventListener('click', () => { sampleSeed += 1; drawView(drawSamples); });
$('set-a').addEventListener('click', () => { pointA = input && Float32Array.from(input); drawView(drawInterpolation); });
$('set-b').addEventListener('click', () => { pointB = input && Float32Array.from(input); drawView(drawInterpolation); });

// ---- latent space ----

const scatter = new LatentScatter($('map'), {
  onHover(index) {
    if (index == null) return;
    drawView(async () => {
      paintDigit($('hovered'), await ask('testImages', { indices: [index] }));
      $('hovered-label').textContent = `test image #${index}: ${DATASETS[dataset].classes[scatter.labels[index]]}`;
    });
  },
  onPick(x, y) {
    drawView(async () => paintDigit($('picked'), await ask('decodePoint', { x, y })));
  },
});
function drawLegend() {
  $('legend').replaceChildren(...LABEL_COLOURS.map((colour, label) => {
    const item = document.createElement('li');
    item.style.setProperty('--colour', colour);
    item.textContent = DATASETS[dataset].classes[label];
    return item;
  }));
}

async function drawLatentMap(limit) {
  const map = await ask('latentMap', { limit });
  scatter.setData(map.points, map.labels);
  mapReady = true;
  const share = (v) => `${Math.round(100 * v)}%`;
  const what = `${map.labels.length.toLocaleString('en')} ${DATASETS[dataset].label} test ${DATASETS[dataset].items}`;
  $('map-note').textContent = map.axes === 'code'
    ? `Codes of the ${what} (the ${model.codeSize}-D code itself). Hover for the digit, click to decode that point.`
    : `Codes of the ${what} on the first two principal directions of the ${model.codeSize}-D code `
      + `(${share(map.explained[0])} and ${share(map.explained[1])} of the variance). Hover for the digit, click to decode that point.`;
  $('manifold-box').hidden = model.codeSize !== 2;
  if (model.codeSize === 2) paintGrid($('manifold'), await ask('manifold', { side: 15 }), 15);
  requestDenoise(performance.now()); // places the input's marker on the new map
}

async function drawTraversal() {
  if (!input || !model || !mapReady) return;
  const rows = Math.min(TRAVERSAL_ROWS, model.codeSize);
  const canvas = $('traversal');
  const size = canvas.width / TRAVERSAL_VALUES.length;
  canvas.height = rows * size;
  paintGrid(canvas, await ask('traverse', { image: input, dimensions: rows, values: TRAVERSAL_VALUES }), TRAVERSAL_VALUES.length);
  $('traversal-note').textContent = `Rows: the first ${rows} code dimensions of the current input, each set from −3 to 3 `
    + (model.hasPrior ? '(in prior units) while the others stay.' : 'standard deviations around its value while the others stay.');
}

// ---- what the code is good for: anomaly score, units, probes, clustering ----

let anomaly = null; // {upper, counts, threshold} of the model in use, over the test set
const pcaMap = new LatentScatter($('pca-map'), { onHover() {}, onPick() {} });

// The results of the buttons below belong to one model: a new model puts their help texts back.
const RESULT_IDS = ['probe-result', 'cluster-result', 'pca-result'];
const resultHelp = Object.fromEntries(RESULT_IDS.map((id) => [id, $(id).textContent]));
function clearModelResults() {
  for (const id of RESULT_IDS) $(id).textContent = resultHelp[id];
  pcaMap.clear();
  $('pca-map').hidden = true;
  debug.probe = debug.cluster = debug.pca = null;
}

async function drawAnomalyHistogram() {
  anomaly = debug.anomaly = await ask('anomalyHistogram', { bins: 60 });
  drawHistogram($('anomaly'), anomaly, anomaly.threshold, debug.denoised?.score);
  requestDenoise(performance.now()); // the input's score now has a percentile
}

function showAnomalyScore(result) {
  const note = $('anomaly-note');
  if (!anomaly) return;
  drawHistogram($('anomaly'), anomaly, anomaly.threshold, result?.score);
  if (!result || result.percentile == null) {
    note.textContent = `Reconstruction error of the ${DATASETS[dataset].label} test images; the dashed line is their 99th percentile.`;
    note.classList.remove('flagged');
    return;
  }
  const flagged = result.score > anomaly.threshold;
  const share = `${(100 * result.percentile).toFixed(1)}%`;
  note.textContent = `The input's reconstruction error ${result.score.toFixed(4)} is above ${share} of the test images'`
    + (flagged ? `: this does not look like the ${DATASETS[dataset].items} the model learned.` : '.');
  note.classList.toggle('flagged', flagged);
}

async function drawUnits() {
  const units = debug.units = await ask('units', { count: 64 });
  drawActivations($('activations'), units.meanActivations, units.rho);
  const means = [...units.meanActivations];
  const average = means.reduce((a, b) => a + b, 0) / means.length;
  $('units-note').textContent = `Mean activation of each of the ${means.length} code units over the test set (average ${average.toFixed(3)}`
    + (units.rho != null ? `; the KL penalty pulls each towards rho ${units.rho}, dashed).` : ').')
    + (units.codeActivation ? '' : ' The code is linear, so means can be negative.');
  const filters = $('filters');
  if (units.filters) {
    const columns = 16;
    filters.hidden = false;
    filters.height = Math.ceil(units.filterCount / columns) * (filters.width / columns);
    paintGrid(filters, units.filters, columns);
    $('filters-note').textContent = `The first encoder layer's first ${units.filterCount} filters (grey is 0, white positive, black negative).`;
  } else {
    filters.hidden = true;
    $('filters-note').textContent = 'A convolutional encoder has 3×3 kernels rather than whole-image filters.';
  }
}

$('probe').addEventListener('click', () => drawView(async () => {
  const labels = Number($('probe-labels').value);
  $('probe-result').textContent = `Training a linear probe on ${labels.toLocaleString('en')} labels…`;
  const result = debug.probe = await ask('probe', { labels, epochs: 20 });
  $('probe-result').textContent = `${labels.toLocaleString('en')} labels: ${(100 * result.codes).toFixed(1)}% test accuracy on the codes`
    + (result.pixels != null ? `, ${(100 * result.pixels).toFixed(1)}% on raw pixels.` : ' (raw pixels: the CLI\'s probe command).');
}));
$('cluster').addEventListener('click', () => drawView(async () => {
  $('cluster-result').textContent = 'Clustering the test codes…';
  const result = debug.cluster = await ask('cluster', { restarts: 3 });
  $('cluster-result').textContent = `k-means on the codes: ${(100 * result.accuracy).toFixed(1)}% matched accuracy, NMI ${result.nmi.toFixed(3)}.`;
}));

$('pca').addEventListener('click', () => drawView(async () => {
  $('pca-result').textContent = 'Fitting PCA…';
  const result = debug.pca = await ask('pca', { fitImages: 10_000 });
  $('pca-map').hidden = false;
  pcaMap.setData(result.points, result.labels);
  const ratio = result.modelMse / result.pcaMse;
  $('pca-result').textContent = `Test error per pixel: PCA with ${result.components} components ${result.pcaMse.toFixed(5)}, `
    + `this model ${result.modelMse.toFixed(5)} (${(100 * ratio).toFixed(0)}% of PCA's). Below: the test images on PCA's first two directions.`;
}));

$('semi').addEventListener('click', () => {
  if (form.dataset.state !== 'idle') {
    $('semi-result').textContent = 'The trainer is busy with a run: stop it first.';
    return;
  }
  const labels = Number($('probe-labels').value);
  semiRunning = $('semi').disabled = $('train').disabled = true;
  $('semi-result').textContent = `Training two classifiers with ${labels.toLocaleString('en')} labels, 2 epochs each…`;
  trainer.postMessage({ command: 'semi', model: formConfig().model, labels, alpha: 1, epochs: 2 });
});

// ---- datasets ----

/** Switches the test set, the gallery and the trainer to `name`; the model in use stays, and its
 * views are redrawn unless a new model follows at once (`redraw: false`). */
async function switchDataset(name, { redraw = true } = {}) {
  const reply = await ask('useDataset', { dataset: name });
  dataset = name;
  $('dataset-choice').value = name;
  await showGallery(reply.gallery);
  startTrainer($('backend-choice').value);
  if (model && redraw) await drawView(() => refreshModelViews(0));
}

/** Paints the gallery of the current dataset (test indices `indices`, one per class), then its note
 * and legend: the note names what is painted, so it changes only once the images have. */
async function showGallery(indices) {
  const images = await ask('testImages', { indices });
  gallery = [...indices];
  paintGrid($('gallery'), images, gallery.length);
  $('gallery-note').textContent = `${DATASETS[dataset].label} test ${DATASETS[dataset].items}: click one to put it in.`;
  drawLegend();
}

$('dataset-choice').addEventListener('change', (event) => {
  if (event.target.value !== dataset) switchDataset(event.target.value).catch((err) => show('model-error', err.message));
});

// ---- the model panel: pretrained, save, load ----

$('pretrained').addEventListener('change', async (event) => {
  const name = event.target.value;
  event.target.value = ''; // a menu of actions, not a state: the model line says what is in use
  if (!name) return;
  try {
    await usePretrained(name);
  } catch (err) {
    show('model-error', err.message);
  }
});
$('save').addEventListener('click', async () => {
  try {
    const bytes = await ask('saveModel');
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    link.download = `aestudio-${model.config.objective.kind}-code${model.codeSize}.safetensors`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } catch (err) {
    show('model-error', err.message);
  }
});
$('load').addEventListener('change', async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  await useModel(new Uint8Array(await file.arrayBuffer()), `loaded from ${file.name}`);
  event.target.value = '';
});

// ---- training ----

let trainer = null;
let presets = {};
/** Rust's list of objectives, by kind: `{label, objective (its defaults), critic}`. */
let objectiveChoices = {};
/** The critic of the preset in the form (an adversarial objective trains one). */
let critic = null;
let run = null; // {training, backend, lastSnapshot, trainingMsBefore}
let onTrainerReady = null;
let chart = null;
const series = { step: [], train: [], test: [] };
debug.series = series;

function setRunning(state) { // 'idle' | 'running' | 'paused'
  $('train').disabled = state !== 'idle' || semiRunning || !Object.keys(presets).length || !formValid;
  $('semi').disabled = state !== 'idle' || semiRunning;
  $('pause').disabled = state === 'idle';
  $('pause').textContent = state === 'paused' ? 'Resume' : 'Pause';
  $('stop').disabled = state === 'idle';
  for (const field of form.elements) if (!['train', 'pause', 'stop'].includes(field.id)) field.disabled = state !== 'idle';
  if (state === 'idle') updateFormFields();
  form.dataset.state = state;
}

function startTrainer(backend, then) {
  trainer?.terminate();
  if (semiRunning) $('semi-result').textContent = 'The comparison was cut short by a restart of the trainer.';
  semiRunning = false;
  presets = {};
  onTrainerReady = then;
  setRunning('idle');
  $('backend').dataset.kind = 'loading';
  $('backend').textContent = 'starting…';
  trainer = new Worker('./train-worker.js', { type: 'module' });
  trainer.onmessage = ({ data }) => {
    lastHeard = performance.now();
    handlers[data.status]?.(data);
  };
  trainer.onerror = (event) => trainerFailed(event.message ?? 'the training worker crashed');
  trainer.postMessage({ command: 'start', backend, dataset, testHooks });
}

// Data-parallel training on the CPU: one worker per core, up to 4; two by default, since the live
// view needs a core too and a third worker rarely pays on a small model.
const cores = navigator.hardwareConcurrency || 1;
for (let n = 1; n <= Math.min(4, cores); n++) $('workers').add(new Option(String(n), String(n), false, n === Math.min(2, cores)));
const cpuWorkers = () => Number($('workers').value);

// `?test-hooks` lets a test destroy the training worker's WebGPU device mid-run.
const testHooks = new URLSearchParams(location.search).has('test-hooks');
if (testHooks) debug.loseDevice = () => trainer.postMessage({ command: 'lose-device' });

// A lost GPU may also just stop answering: once a run on WebGPU has made progress, silence this
// long counts as a failure.
const GPU_SILENCE_MS = 30_000;
let lastHeard = 0;
setInterval(() => {
  const running = form.dataset.state === 'running';
  if (running && run?.backend === 'gpu' && run.heardProgress && performance.now() - lastHeard > GPU_SILENCE_MS) {
    trainerFailed(`no answer from the WebGPU device for ${GPU_SILENCE_MS / 1000} s`);
  }
}, 5_000);

/** A run on WebGPU that fails for any reason but its own settings continues on the CPU. */
function trainerFailed(fullMessage) {
  // Backend errors come with nested causes and an empty backtrace: one line is enough here.
  const message = fullMessage.replace(/\s*Backtrace:[\s\S]*/, '').replace(/\s+/g, ' ').trim();
  const onGpu = run?.backend === 'gpu';
  if (onGpu && !/diverged|invalid configuration/.test(message)) {
    const snapshot = run.lastSnapshot;
    show('notice', `WebGPU failed during training (${message}). The run continues on the CPU backend from `
      + (snapshot ? `the weights of step ${snapshot.step}.` : 'the start (no weights had been saved yet).'));
    $('backend-choice').value = 'cpu';
    const training = run.training;
    const modelConfig = run.model;
    run = { ...run, backend: 'cpu', resumedAt: snapshot?.step ?? 0, heardProgress: false };
    startTrainer('cpu', () => {
      setRunning('running');
      if (snapshot) trainer.postMessage({ command: 'resume', weights: snapshot.bytes, training, step: snapshot.step, workers: cpuWorkers() });
      else trainer.postMessage({ command: 'train', model: modelConfig, training, workers: cpuWorkers() });
    });
    return;
  }
  show('error', message);
  setRunning('idle');
}

const handlers = {
  loading: ({ message }) => { $('status').textContent = message; },
  ready({ backend, presets: offered, objectives }) {
    presets = offered;
    objectiveChoices = Object.fromEntries(objectives.map((choice) => [choice.objective.kind, choice]));
    if (!form.elements.objective.options.length) {
      form.elements.objective.replaceChildren(...objectives.map((choice) => new Option(choice.label, choice.objective.kind)));
    }
    const select = $('preset');
    if (!select.options.length) {
      select.replaceChildren(...Object.keys(presets).map((name) => new Option(name, name)));
      select.value = presets.vae ? 'vae' : Object.keys(presets)[0];
      fillForm(presets[select.value]);
    }
    const badge = $('backend');
    badge.dataset.kind = backend.kind;
    badge.textContent = backend.kind === 'gpu' ? `training on WebGPU: ${backend.reason}` : `training on the CPU backend: ${backend.reason}`;
    if (!run) $('status').textContent = `Ready to train: ${DATASETS[dataset].label} loaded (60,000 training and 10,000 test images, checksums verified).`;
    setRunning('idle');
    checkForm();
    const then = onTrainerReady;
    onTrainerReady = null;
    then?.();
  },
  configured({ description, resumedAt, workers }) {
    $('form-check').textContent = (resumedAt != null ? `${description}, resumed at step ${resumedAt}` : description)
      + (workers > 1 ? `, each batch shared by ${workers} CPU workers` : '');
  },
  progress({ progress, trainingMs, wasmBytes }) {
    run.heardProgress = true;
    const { epoch, step, stepsPerEpoch, trainLoss } = progress;
    const { epochs, batch_size: batchSize } = run.training;
    const total = stepsPerEpoch * epochs;
    $('progress').max = total;
    $('progress').value = step;
    const stepsHere = step - (run.resumedAt ?? 0);
    const samplesPerSecond = (stepsHere * batchSize) / (trainingMs / 1000);
    const secondsLeft = ((total - step) * batchSize) / samplesPerSecond;
    if (trainLoss != null) addPoint(step, trainLoss, null);
    debug.memory.push({ step, wasmBytes, time: performance.now() });
    $('status').textContent = `epoch ${Math.min(epoch + 1, epochs)} of ${epochs} · step ${step}/${total} · `
      + `${Math.round(samplesPerSecond).toLocaleString('en')} samples/s · ${formatDuration(secondsLeft)} left`
      + (trainLoss != null ? ` · train loss ${trainLoss.toFixed(4)}` : '');
  },
  evaluation({ epoch, evaluation }) {
    addPoint(series.step.at(-1) ?? 0, null, evaluation.loss);
    // The full objective, as training minimizes it, then its parts.
    $('test-loss').textContent = `Test loss after epoch ${epoch}: ${evaluation.loss.toFixed(4)} ${evaluation.scale.replace('_', ' ')}`
      + ` (reconstruction ${evaluation.reconstruction.toFixed(4)}`
      + (evaluation.kl_per_sample != null ? `, KL ${evaluation.kl_per_sample.toFixed(2)}` : '')
      + (evaluation.penalty != null ? `, penalty ${evaluation.penalty.toFixed(4)} before its weight` : '')
      + `; per-pixel BCE ${evaluation.bce_per_pixel.toFixed(4)}, MSE ${evaluation.mse_per_pixel.toFixed(5)})`;
  },
  digits: ({ images, reconstructions }) => paintGrid($('digits'), interleaveRows(images, reconstructions), 12),
  snapshot({ bytes, step, final }) {
    run.lastSnapshot = { bytes, step };
    debug.snapshots += 1;
    // The live views follow the model as it learns; the browser keeps it at epoch ends and stops.
    useModel(bytes, `trained in this tab (step ${step})`, { keep: final, refresh: final ? 'all' : 'light' });
  },
  paused() { $('status').textContent += ' · paused'; setRunning('paused'); },
  done() { $('status').textContent += ' · finished'; setRunning('idle'); },
  stopped() { $('status').textContent += ' · stopped'; setRunning('idle'); },
  error({ message }) { trainerFailed(message); },
  semi({ result, error }) {
    semiRunning = $('semi').disabled = false;
    setRunning('idle');
    debug.semi = result ?? { error };
    $('semi-result').textContent = error ? `Could not train: ${error}`
      : `Test accuracy: classifier alone ${(100 * result.alone).toFixed(1)}%, with the decoder ${(100 * result.joint).toFixed(1)}%.`;
  },
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

function addPoint(step, train, test) {
  series.step.push(step);
  series.train.push(train);
  series.test.push(test);
  chart.setData([series.step, series.train, series.test]);
}

function makeChart() {
  const width = Math.max(300, $('chart').clientWidth);
  chart = new uPlot({
    width, height: 220,
    scales: { x: { time: false } },
    axes: [{ label: 'step' }, { label: 'loss', size: 60 }],
    series: [
      { label: 'step' },
      { label: 'train', stroke: '#2f6fed', width: 2, spanGaps: true },
      { label: 'test', stroke: '#e8590c', width: 2, spanGaps: true, points: { show: true, size: 6 } },
    ],
  }, [[], [], []], $('chart'));
}

function resetChart() {
  for (const key of Object.keys(series)) series[key] = [];
  chart.setData([[], [], []]);
  $('test-loss').textContent = 'Test loss appears after each epoch.';
}

// ---- the training form ----

let formValid = false;

/** Puts a preset's configuration into the form's fields. */
function fillForm(config) {
  const fields = form.elements;
  fields.code_size.value = config.code_size;
  fields.architecture.value = config.architecture.kind;
  fields.widths.value = (config.architecture.hidden ?? config.architecture.channels).join(', ');
  fields.activation.value = config.activation;
  fields.likelihood.value = config.likelihood;
  fields.objective.value = config.objective.kind;
  for (const [setting, value] of Object.entries(config.objective)) {
    if (setting !== 'kind') fields[setting].value = value;
  }
  critic = config.critic;
  fields.code_activation.value = config.code_activation ?? 'none';
  fields.noise.value = config.corruption.kind;
  fields.noise_level.value = config.corruption.sigma ?? config.corruption.keep_probability ?? 0.5;
  updateFormFields();
}

function updateFormFields() {
  const fields = form.elements;
  const idle = form.dataset.state !== 'running' && form.dataset.state !== 'paused';
  $('widths-label').textContent = fields.architecture.value === 'conv' ? 'Channels (two)' : 'Hidden widths';
  $('train-noise-label').textContent = fields.noise.value === 'masking' ? 'Keep probability' : 'Noise sigma';
  fields.noise_level.disabled = !idle || fields.noise.value === 'none';
  // An objective's settings are the fields of its default value in Rust's list of objectives.
  const settings = objectiveChoices[fields.objective.value]?.objective ?? {};
  for (const input of form.querySelectorAll('[data-objective-setting]')) input.disabled = !idle || !(input.name in settings);
}

/** The run the form describes, or throws with what is wrong in it. */
function formConfig() {
  const fields = form.elements;
  const integer = (name) => {
    const value = Number(fields[name].value);
    if (!Number.isInteger(value)) throw new Error(`${fields[name].closest('label').textContent.trim()} must be a whole number`);
    return value;
  };
  const number = (name) => {
    const value = fields[name].value.trim() === '' ? NaN : Number(fields[name].value);
    if (!Number.isFinite(value)) throw new Error(`${fields[name].closest('label').textContent.trim()} must be a number`);
    return value;
  };
  const widths = fields.widths.value.split(',').map((w) => w.trim()).filter(Boolean).map(Number);
  // Blank widths make a dense model with no hidden layer (one linear map each way).
  if (!widths.every(Number.isInteger)) throw new Error('widths must be whole numbers separated by commas');
  let architecture;
  if (fields.architecture.value === 'conv') {
    if (widths.length !== 2) throw new Error('a convolutional model takes exactly two channel counts, like 16, 32');
    architecture = { kind: 'conv', channels: widths };
  } else {
    architecture = { kind: 'mlp', hidden: widths };
  }
  const level = fields.noise.value === 'none' ? 0 : number('noise_level');
  const corruption = { none: { kind: 'none' }, gaussian: { kind: 'gaussian', sigma: level }, masking: { kind: 'masking', keep_probability: level } }[fields.noise.value];
  const choice = objectiveChoices[fields.objective.value];
  if (!choice) throw new Error('pick an objective');
  const objective = { kind: choice.objective.kind };
  for (const setting of Object.keys(choice.objective)) {
    if (setting === 'kind') continue;
    // A setting without a field is refused, never trained without.
    if (!fields[setting]) throw new Error(`the form has no field for the objective's ${setting}`);
    objective[setting] = number(setting);
  }
  return {
    model: {
      code_size: integer('code_size'), architecture, activation: fields.activation.value, likelihood: fields.likelihood.value,
      corruption, objective,
      code_activation: fields.code_activation.value === 'none' ? null : fields.code_activation.value,
      // The preset's critic when it has one, else the objective's default critic (or none).
      critic: choice.critic ? (critic ?? choice.critic) : null,
    },
    training: {
      learning_rate: number('learning_rate'), batch_size: integer('batch_size'), epochs: integer('epochs'), seed: 1, readback_every: 20,
    },
  };
}

/** Checks the form in Rust (the same rules as the training code) and shows the reason if refused. */
async function checkForm() {
  try {
    const { model: config, training } = formConfig();
    const { description, parameters } = await ask('validate', { model: config, training });
    formValid = true;
    $('form-check').textContent = `${description} · ${parameters.toLocaleString('en')} parameters`;
    $('form-check').classList.remove('refused');
  } catch (err) {
    formValid = false;
    $('form-check').textContent = `Cannot train this: ${err.message}`;
    $('form-check').classList.add('refused');
  }
  if (form.dataset.state === 'idle') $('train').disabled = semiRunning || !formValid || !Object.keys(presets).length;
}

form.addEventListener('input', () => { updateFormFields(); checkForm(); });
$('preset').addEventListener('change', () => { fillForm(presets[$('preset').value]); checkForm(); });
form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!formValid) return;
  show('error', '');
  show('notice', '');
  const { model: config, training } = formConfig();
  run = { model: config, training, backend: $('backend').dataset.kind, lastSnapshot: null };
  debug.memory = [];
  resetChart();
  setRunning('running');
  trainer.postMessage({ command: 'train', model: config, training, workers: cpuWorkers() });
});
$('pause').addEventListener('click', () => {
  const paused = form.dataset.state === 'paused';
  trainer.postMessage({ command: paused ? 'continue' : 'pause' });
  if (paused) setRunning('running');
});
$('stop').addEventListener('click', () => trainer.postMessage({ command: 'stop' }));
$('backend-choice').addEventListener('change', () => startTrainer($('backend-choice').value));

// ---- start ----

async function start() {
  updateNoiseLabel();
  makeChart();
  scatter.draw();
  try {
    const kept = await latestModel().catch(() => undefined);
    dataset = DATASETS[kept?.dataset] ? kept.dataset : 'mnist';
    $('dataset-choice').value = dataset;
    startTrainer($('backend-choice').value);
    await showGallery((await ask('start', { dataset })).gallery);
    const restored = kept && await useModel(kept.bytes, `${kept.name}, restored from this browser`, { keep: false });
    if (!restored) await usePretrained('dae');
    await useTestDigit(gallery[0]);
  } catch (err) {
    show('model-error', err.message);
  }
}

start();
