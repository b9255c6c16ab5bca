// The Uses panel's deep clustering: IDEC fine-tuning of the model in use (with the core's settings
// for the page, `DeepClusteringConfig::for_the_page`), run in the idle training worker on the test
// images, with the clusters' matched accuracy and NMI drawn as it trains. The fine-tuned model
// then becomes the model in use.
import { $ } from '../dom.js';
import { ask, current, debug } from '../live.js';
import { SeriesChart } from '../series-chart.js';

const chart = new SeriesChart($('idec-chart'), {
  x: 'step', y: { range: [0, 1] }, height: 160, lines: { accuracy: { label: 'accuracy', points: true }, nmi: { label: 'NMI', points: true } },
});
// Puts weights in use (models.js's useModel), and the Train panel's `{job, tell}` for the idle
// trainer (both set by `initDeepCluster`).
let useWeights = async () => false;
let trainer = null;

function resetChart() {
  $('idec-chart').hidden = false;
  chart.clear();
}

const percent = (value) => `${(100 * value).toFixed(1)}%`;

function showProgress({ progress }) {
  chart.add(progress.step, progress.accuracy, progress.nmi);
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
    const { progress, bytes, stopped } = debug.idec = await trainer.job('cluster', { weights }, showProgress);
    const start = chart.series.accuracy[0];
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
export function initDeepCluster(use, trainerPanel) {
  useWeights = use;
  trainer = trainerPanel;
  debug.idecSeries = chart.series;
  $('idec-start').addEventListener('click', fineTune);
  $('idec-stop').addEventListener('click', () => trainer.tell('stopClustering'));
}
