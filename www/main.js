// The page: a form, a chart and a digit grid, all fed by messages from worker.js.
import uPlot from './vendor/uPlot.esm.js';

const $ = (id) => document.getElementById(id);
const form = $('train-form');
const DIGIT_SCALE = 2;

let worker = null;
let presets = {};
let batchSize = 128;
let chart = null;
const series = { step: [], train: [], test: [] };

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = !message;
}

function setRunning(running) {
  $('train').disabled = running || !Object.keys(presets).length;
  $('stop').disabled = !running;
  for (const field of form.elements) if (field.id !== 'stop' && field.id !== 'train') field.disabled = running;
}

function startWorker() {
  worker?.terminate();
  presets = {};
  setRunning(false);
  $('backend').dataset.kind = 'loading';
  $('backend').textContent = 'starting…';
  worker = new Worker('./worker.js', { type: 'module' });
  worker.onmessage = ({ data }) => handlers[data.status]?.(data);
  worker.onerror = (event) => showError(`The worker failed: ${event.message}`);
  worker.postMessage({ command: 'start', backend: $('backend-choice').value });
}

const handlers = {
  loading: ({ message }) => { $('status').textContent = message; },
  ready({ backend, presets: offered }) {
    presets = offered;
    const select = $('model');
    const previous = select.value || 'vae';
    select.replaceChildren(...Object.keys(presets).map((name) => new Option(name, name)));
    select.value = presets[previous] ? previous : Object.keys(presets)[0];
    const badge = $('backend');
    badge.dataset.kind = backend.kind;
    badge.textContent = backend.kind === 'gpu' ? `WebGPU: ${backend.reason}` : `CPU backend: ${backend.reason}`;
    $('status').textContent = 'Ready: MNIST loaded (60,000 training and 10,000 test images, checksums verified).';
    setRunning(false);
  },
  configured: ({ description }) => { $('model-description').textContent = description; },
  progress({ progress, trainingMs }) {
    const { epoch, step, stepsPerEpoch, trainLoss } = progress;
    const total = stepsPerEpoch * Number(form.elements.epochs.value);
    $('progress').max = total;
    $('progress').value = step;
    const samplesPerSecond = (step * batchSize) / (trainingMs / 1000);
    const secondsLeft = ((total - step) * batchSize) / samplesPerSecond;
    if (trainLoss != null) addPoint(step, trainLoss, null);
    $('status').textContent = `epoch ${Math.min(epoch + 1, Number(form.elements.epochs.value))} · step ${step}/${total} · `
      + `${Math.round(samplesPerSecond).toLocaleString('en')} samples/s · ${formatDuration(secondsLeft)} left`
      + (trainLoss != null ? ` · train loss ${trainLoss.toFixed(4)}` : '');
  },
  evaluation({ epoch, evaluation }) {
    addPoint(series.step.at(-1) ?? 0, null, evaluation.loss);
    $('test-loss').textContent = `Test loss after epoch ${epoch}: ${evaluation.loss.toFixed(4)}`
      + ` (per-pixel BCE ${evaluation.bce_per_pixel.toFixed(4)}, MSE ${evaluation.mse_per_pixel.toFixed(5)}`
      + (evaluation.kl_per_sample != null ? `, KL ${evaluation.kl_per_sample.toFixed(2)}` : '') + ')';
  },
  digits: ({ images, reconstructions }) => drawDigits(images, reconstructions),
  done() { $('status').textContent += ' · finished'; setRunning(false); },
  stopped() { $('status').textContent += ' · stopped'; setRunning(false); },
  error({ message }) { showError(message); setRunning(false); },
};

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
    width, height: 240,
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

/** Draws images (top row) and reconstructions (bottom row), 784 floats in [0, 1] each. */
function drawDigits(images, reconstructions) {
  const canvas = $('digits');
  const ctx = canvas.getContext('2d');
  const count = images.length / 784;
  const size = 28 * DIGIT_SCALE;
  const cell = new ImageData(28, 28);
  const scratch = new OffscreenCanvas(28, 28); // one 28x28 staging canvas, scaled up by drawImage
  const scratchContext = scratch.getContext('2d');
  const paint = (pixels, index, row) => {
    for (let i = 0; i < 784; i++) {
      const v = Math.round(255 * Math.min(1, Math.max(0, pixels[index * 784 + i])));
      cell.data.set([v, v, v, 255], i * 4);
    }
    scratchContext.putImageData(cell, 0, 0);
    ctx.drawImage(scratch, index * size, row * size, size, size);
  };
  ctx.imageSmoothingEnabled = false;
  ctx.fillStyle = 'black';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (let index = 0; index < count; index++) {
    paint(images, index, 0);
    if (reconstructions) paint(reconstructions, index, 1);
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  showError('');
  const fields = form.elements;
  batchSize = Number(fields.batch_size.value);
  const training = {
    learning_rate: Number(fields.learning_rate.value),
    batch_size: batchSize,
    epochs: Number(fields.epochs.value),
    seed: 1,
    readback_every: 20,
  };
  resetChart();
  setRunning(true);
  worker.postMessage({ command: 'train', model: presets[fields.model.value], training });
});
$('stop').addEventListener('click', () => worker.postMessage({ command: 'stop' }));
$('backend-choice').addEventListener('change', startWorker);

makeChart();
startWorker();
