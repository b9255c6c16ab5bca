// The Latent space panel: the test set's codes as a map coloured by label (hover for the digit,
// click to decode the point), the decoded manifold of a 2-D code, and traversals of the input's
// code, one row per dimension.
import { paintDigit, paintGrid } from '../digits.js';
import { LABEL_COLOURS, LatentScatter } from '../scatter.js';
import { $ } from '../dom.js';
import { ask, current, debug, drawView, drawing, onDenoised, requestDenoise } from '../live.js';

const TRAVERSAL_VALUES = [-3, -2.4, -1.8, -1.2, -0.6, 0, 0.6, 1.2, 1.8, 2.4, 3];
const TRAVERSAL_ROWS = 10;
// The traversal grid (about a hundred decodes) waits until the input has rested, so that it does
// not hold up the next stroke's updates in the live worker.
const TRAVERSAL_SETTLE_MS = 400;

let scatter = null;
let mapReady = false; // the latent map (which traversals use) fits the model in use
let settleTimer = null;
let pointed = false; // whether the visitor has hovered or stepped to a point yet
let stepped = 0; // the test image the arrow keys are at

/** Test image `index` beside the map, with its class. */
async function showTestImage(index) {
  paintDigit($('hovered'), await ask('testImages', { indices: [index] }));
  $('hovered-label').textContent = `test image #${index}: ${current.datasetFacts.classes[scatter.labels[index]]}`;
}

/** The side of the map for test image `index`: the image, and its point on the map decoded. */
async function showPoint(index) {
  const points = scatter.points;
  const [, decoded] = await Promise.all([
    showTestImage(index),
    ask('decodePoint', { x: points[2 * index], y: points[2 * index + 1] }),
  ]);
  paintDigit($('picked'), decoded);
  $('picked-label').textContent = 'its point, decoded';
}

/** Whether the map fits the model in use. */
export const latentMapReady = () => mapReady;

/** The map no longer fits: a new model is in use. */
export function forgetLatentMap() {
  mapReady = false;
}

/** The legend of the current dataset's classes. */
export function drawLegend() {
  $('legend').replaceChildren(...LABEL_COLOURS.map((colour, label) => {
    const item = document.createElement('li');
    item.style.setProperty('--colour', colour);
    item.textContent = current.datasetFacts.classes[label];
    return item;
  }));
}

/** The map of the first `limit` test codes (0: all), and the manifold for a 2-D code. */
export async function drawLatentMap(limit) {
  const { model, datasetFacts: facts } = current;
  const map = debug.map = await ask('latentMap', { limit });
  scatter.setData(map.points, map.labels, map.view);
  mapReady = true;
  const share = (v) => `${Math.round(100 * v)}%`;
  const what = `${map.labels.length.toLocaleString('en')} ${facts.label} test ${facts.items}`;
  $('map-note').textContent = map.axes === 'code'
    ? `Codes of the ${what} (the ${model.codeSize}-D code itself). Hover for the digit, click to decode that point.`
    : `Codes of the ${what} on the first two principal directions of the ${model.codeSize}-D code `
      + `(${share(map.explained[0])} and ${share(map.explained[1])} of the variance). Hover for the digit, click to decode that point.`;
  // Until the visitor points somewhere, the side shows the first test digit and its decoded code.
  if (!pointed) await showPoint(0);
  $('manifold-box').hidden = model.codeSize !== 2;
  if (model.codeSize === 2) paintGrid($('manifold'), await ask('manifold', { side: 15 }), 15);
  requestDenoise(); // places the input's marker on the new map
}

/** One row per code dimension of the input, each varied from −3 to 3; `light`: a snapshot of a
 * run in progress, whose posterior is read over fewer images. */
export async function drawTraversal({ light = false } = {}) {
  const { input, model } = current;
  if (!input || !model || !mapReady) return;
  const rows = Math.min(TRAVERSAL_ROWS, model.codeSize);
  const canvas = $('traversal');
  const size = canvas.width / TRAVERSAL_VALUES.length;
  canvas.height = rows * size;
  paintGrid(canvas, await ask('traverse', { image: input, dimensions: rows, values: TRAVERSAL_VALUES }), TRAVERSAL_VALUES.length);
  $('traversal-note').textContent = `Rows: the first ${rows} code dimensions of the current input, each set from −3 to 3 `
    + (model.hasPrior ? '(in prior units) while the others stay.' : 'standard deviations around its value while the others stay.');
  await drawUnitKl(rows, size, light);
}

// The posterior is read over the first test images (its total correlation's cost grows with the
// square of them: most of a second for 1,000); a run's snapshots every few seconds read fewer.
const POSTERIOR_IMAGES = 1000;
const LIGHT_POSTERIOR_IMAGES = 250;
let posterior = null; // the model's, computed once per model

/** Beside each traversal row, that unit's mean KL to the prior: a unit at zero is unused. */
async function drawUnitKl(rows, rowHeight, light) {
  const { model } = current;
  const canvas = $('unit-kl');
  const shown = model.hasPosterior;
  canvas.hidden = $('unit-kl-note').hidden = !shown;
  if (!shown) return;
  if (posterior?.model !== model) posterior = { model, figures: await ask('posterior', { limit: light ? LIGHT_POSTERIOR_IMAGES : POSTERIOR_IMAGES }) };
  const { unitKl, kl, activeUnits, totalCorrelation } = posterior.figures;
  debug.posterior = posterior.figures;
  canvas.height = rows * rowHeight;
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const largest = Math.max(...unitKl, 1e-6);
  ctx.font = '12px system-ui, sans-serif';
  for (let row = 0; row < rows; row++) {
    const top = row * rowHeight;
    ctx.fillStyle = getComputedStyle(canvas).color;
    ctx.fillText(`z${row + 1}`, 0, top + rowHeight * 0.6);
    ctx.fillText(unitKl[row].toFixed(1), canvas.width - 24, top + rowHeight * 0.6);
    ctx.fillStyle = '#4e79a7';
    ctx.fillRect(24, top + rowHeight * 0.3, (canvas.width - 52) * unitKl[row] / largest, rowHeight * 0.4);
  }
  $('unit-kl-note').textContent = `Bars: each unit's KL(q(z|x) ‖ N(0, 1)) in nats, mean over ${posterior.figures.images} test images `
    + `(${kl.toFixed(1)} nats in all). ${activeUnits} of ${unitKl.length} units are active (their mean varies with the image); `
    + `total correlation of the code ${totalCorrelation.toFixed(2)} nats (0: independent units).`;
}

export function initLatent() {
  scatter = new LatentScatter($('map'), {
    onHover(index) {
      if (index == null) return;
      pointed = true;
      drawView(() => showTestImage(index));
    },
    onPick(x, y) {
      pointed = true;
      $('picked-label').textContent = 'the clicked point, decoded';
      drawView(async () => paintDigit($('picked'), await ask('decodePoint', { x, y })));
    },
  });
  // The keyboard's way through the map: the arrows step from test image to test image.
  $('map').addEventListener('keydown', (event) => {
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    if (step == null || !scatter.points) return;
    event.preventDefault();
    pointed = true;
    stepped = (stepped + step + scatter.labels.length) % scatter.labels.length;
    drawView(() => showPoint(stepped));
  });
  scatter.draw();
  onDenoised((result, empty) => {
    scatter.setMarker(empty ? null : result.point);
    clearTimeout(settleTimer);
    settleTimer = setTimeout(() => { if (!drawing()) drawView(drawTraversal); }, TRAVERSAL_SETTLE_MS);
  });
}
