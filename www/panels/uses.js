// The Uses panel, what a code is good for: the reconstruction error as an anomaly score (the
// input's against the test set's), the code units and first-layer filters, a linear probe, k-means,
// and PCA of the code's size against the model.
import { paintGrid } from '../digits.js';
import { LatentScatter } from '../scatter.js';
import { $ } from '../dom.js';
import { ask, current, debug, drawView, onDenoised, requestDenoise } from '../live.js';
import { drawActivations, drawHistogram } from '../charts.js';

// What this panel needs of the Train panel (set by `initUses`).
let trainer = null;

let anomaly = null; // {upper, counts, threshold} of the model in use, over the test set
let pcaMap = null;
// The results of the buttons below belong to one model: a new model puts their help texts back.
const RESULT_IDS = ['probe-result', 'cluster-result', 'pca-result'];
let resultHelp = {};

/** Puts the buttons' help texts back (a new model is in use). */
export function clearModelResults() {
  for (const id of RESULT_IDS) $(id).textContent = resultHelp[id];
  pcaMap.clear();
  $('pca-map').hidden = true;
  debug.probe = debug.cluster = debug.pca = null;
}

/** The histogram of the test images' scores; the input's score then gets its percentile. */
export async function drawAnomalyHistogram() {
  const normal = current.normalClasses;
  anomaly = debug.anomaly = await ask('anomalyHistogram', { bins: 60, normal });
  if (normal && anomaly.auroc != null) {
    $('one-class-result').textContent = `Trained on ${classNames(normal)}: the other classes' test images score higher with `
      + `AUROC ${anomaly.auroc.toFixed(3)}. The histogram is of their test images; draw something else and see it flagged.`;
  }
  drawHistogram($('anomaly'), anomaly, anomaly.threshold, debug.denoised?.score);
  requestDenoise(); // the input's score now has a percentile
}

/** A snapshot of a run is in use: its scores wait for a model worth the work. */
export function deferAnomalyScores() {
  anomaly = null;
  $('anomaly-note').textContent = 'The scores are redrawn for the model when its run pauses, stops or ends.';
  $('anomaly-note').classList.remove('flagged');
}

function showAnomalyScore(result) {
  const note = $('anomaly-note');
  if (!anomaly) return;
  drawHistogram($('anomaly'), anomaly, anomaly.threshold, result?.score);
  const { label, items } = current.datasetFacts;
  if (!result || result.percentile == null) {
    const whose = current.normalClasses ? `the ${classNames(current.normalClasses)} among the ${label} test ${items}` : `the ${label} test images`;
    note.textContent = `Reconstruction error of ${whose}; the dashed line is their 99th percentile.`;
    note.classList.remove('flagged');
    return;
  }
  const flagged = result.score > anomaly.threshold;
  const share = `${(100 * result.percentile).toFixed(1)}%`;
  note.textContent = `The input's reconstruction error ${result.score.toFixed(4)} is above ${share} of the test images'`
    + (flagged ? `: this does not look like the ${items} the model learned.` : '.');
  note.classList.toggle('flagged', flagged);
}

/** Each code unit's mean activation over the test set, and the first layer's filters. */
export async function drawUnits() {
  const units = debug.units = await ask('units', { count: 64 });
  drawActivations($('activations'), units.meanActivations, units.rho);
  $('units-note').textContent = `Mean activation of each of the ${units.meanActivations.length} code units over the test set (average ${units.average.toFixed(3)}`
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

async function probe() {
  const labels = Number($('probe-labels').value);
  $('probe-result').textContent = `Training a linear probe on ${labels.toLocaleString('en')} labels…`;
  const result = debug.probe = await ask('probe', { labels, epochs: 20 });
  $('probe-result').textContent = `${labels.toLocaleString('en')} labels: ${(100 * result.codes).toFixed(1)}% test accuracy on the codes`
    + (result.pixels != null ? `, ${(100 * result.pixels).toFixed(1)}% on raw pixels.` : ' (raw pixels: the CLI\'s probe command).');
}

async function cluster() {
  $('cluster-result').textContent = 'Clustering the test codes…';
  const result = debug.cluster = await ask('cluster', { restarts: 3 });
  const own = result.own
    ? ` Its own ${result.clusters} clusters (the categorical code's argmax): ${result.own.used} in use, ${(100 * result.own.accuracy).toFixed(1)}%`
      + ` accuracy with each labelled by its test images' majority, NMI ${result.own.nmi.toFixed(3)}.`
    : '';
  $('cluster-result').textContent = `k-means on the codes: ${(100 * result.accuracy).toFixed(1)}% matched accuracy, NMI ${result.nmi.toFixed(3)}.${own}`;
}

async function comparePca() {
  $('pca-result').textContent = 'Fitting PCA…';
  const result = debug.pca = await ask('pca', { fitImages: 10_000 });
  $('pca-map').hidden = false;
  pcaMap.setData(result.points, result.labels, result.view);
  const ratio = result.modelMse / result.pcaMse;
  $('pca-result').textContent = `Test error per pixel: PCA with ${result.components} components ${result.pcaMse.toFixed(5)}, `
    + `this model ${result.modelMse.toFixed(5)} (${(100 * ratio).toFixed(0)}% of PCA's). Below: the test images on PCA's first two directions.`;
}

/** "3s and 7s": the classes' names, as the one-class notes say them. */
function classNames(classes) {
  return classes.map((c) => current.datasetFacts.classes[c]).join(', ');
}

/** The one-class box's checkboxes, one per class of the current dataset. */
export function showClassPicks() {
  $('class-picks').replaceChildren(...current.datasetFacts.classes.map((name, index) => {
    const label = document.createElement('label');
    label.className = 'inline';
    const box = document.createElement('input');
    Object.assign(box, { type: 'checkbox', value: String(index), checked: index === 1 });
    label.append(box, name);
    return label;
  }));
}

async function startOneClass() {
  const classes = [...$('class-picks').querySelectorAll('input:checked')].map((box) => Number(box.value));
  try {
    await trainer.oneClass(classes, Number($('one-class-epochs').value));
    $('one-class-result').textContent = `Training on ${classNames(classes)} (progress in the Train panel)…`;
  } catch (err) {
    $('one-class-result').textContent = err.message;
  }
}

/** `trainerPanel`: `{oneClass(classes, epochs)}`, the Train panel's one-class run. */
export function initUses(trainerPanel) {
  trainer = trainerPanel;
  $('one-class-train').addEventListener('click', startOneClass);
  pcaMap = new LatentScatter($('pca-map'), { onHover() {}, onPick() {} });
  resultHelp = Object.fromEntries(RESULT_IDS.map((id) => [id, $(id).textContent]));
  $('probe').addEventListener('click', () => drawView(probe));
  $('cluster').addEventListener('click', () => drawView(cluster));
  $('pca').addEventListener('click', () => drawView(comparePca));
  onDenoised((result, empty) => showAnomalyScore(empty ? null : result));
}
