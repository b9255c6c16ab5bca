// The Uses panel's deep clustering: IDEC fine-tuning of the model in use (with the core's settings
// for the page, `DeepClusteringConfig::for_the_page`), run in the idle training worker on the test
// images, with the clusters' matched accuracy and NMI drawn as it trains. The fine-tuned model
// then becomes the model in use.
import uPlot from '../vendor/uPlot.esm.js';
import { $ } from '../dom.js';
import { ask, current, debug } from '../live.js';
import { tellTrainer, trainerJob } from './train.js';

const series = { step: [], accuracy: [], nmi: [] };
let chart = null;
// Puts weights in use (models.js's useModel, set by `initDeepCluster`).
let useWeights = async () => false;

function addPoint({ step, accuracy, nmi }) {
  series.step.push(step);
  series.accuracy.push(accuracy);
  series.nmi.push(nmi);
  chart.setData([series.step, series.accuracy, series.nmi]);
}

function resetChart() {
  $('idec-chart').hidden = false;
  for (const key of Object.keys(series)) series[key] = [];
  chart ??= new uPlot({
    width: Math.max(280, $('idec-chart').clientWidth), height: 160,
    scales: { x: { time: false }, y: { range: [0, 1] } },
    axes: [{ label: 'step' }, { size: 44 }],
    series: [
      { label: 'step' },
      { label: 'accuracy', stroke: '#2f6fed', width: 2, points: { show: true, size: 5 } },
      { label: 'NMI', stroke: '#e8590c', width: 2, points: { show: true, size: 5 } },
    ],
  }, [[], [], []], $('idec-chart'));
  chart.setData([[], [], []]);
}

const percent = (value) => `${(100 * value).toFixed(1)}%`;

function showProgress({ progress }) {
  addPoint(progress);
  $('idec-result').textContent = progress.step === 0
    ? `k-means on the codes: ${percent(progress.accuracy)} matched accuracy, NMI ${progress.nmi.toFixed(3)}. Fine-tuning…`
    : `Step ${progress.step}: ${percent(progress.accuracy)} matched accuracy, NMI ${progress.nmi.toFixed(3)};`
      + ` ${percent(progress.changed ?? 0)} of the images changed cluster since the last target update.`;
}

async function fineTune() {
  const model = current.model;
  if (!model) return;
  resetChart();
  $('idec-stop').disabled = false;
  $('idec-result').textContent = `k-means on the codes of the ${model.description}…`;
  try {
    const weights = await ask('saveModel');
    const { progress, bytes, stopped } = debug.idec = await trainerJob('cluster', { weights }, showProgress);
    const start = series.accuracy[0];
    const how = stopped ? 'Stopped' : progress.converged ? 'Converged' : 'Reached the step limit';
    $('idec-result').textContent = `${how} after ${progress.step} steps: ${percent(progress.accuracy)} matched accuracy`
      + ` (k-means on the codes before: ${percent(start)}), NMI ${progress.nmi.toFixed(3)}. The fine-tuned model is now in use.`;
    await useWeights(bytes, `fine-tuned by IDEC to cluster (${percent(progress.accuracy)})`);
  } catch (err) {
    debug.idec = { error: err.message };
    $('idec-result').textContent = `Could not fine-tune: ${err.message}. The model in use was kept.`;
  } finally {
    $('idec-stop').disabled = true;
  }
}

/** `use(bytes, name)` puts the fine-tuned weights in use (models.js's useModel). */
export function initDeepCluster(use) {
  useWeights = use;
  debug.idecSeries = series;
  $('idec-start').addEventListener('click', fineTune);
  $('idec-stop').addEventListener('click', () => tellTrainer('stopClustering'));
}
