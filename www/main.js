// The page. Two module workers do the work (a third draws PixelVAE samples when asked):
// lab-worker.js holds the model in use on the CPU and answers the live views at once;
// train-worker.js trains (WebGPU or CPU) and sends its weights over as it learns. Each panel is
// a module of panels/ with its state inside it; this file wires them together and starts the page.
import { $, show } from './dom.js';
import { ask, current, debug, liveWaiting, requestDenoise } from './live.js';
import { latestModel } from './store.js';
import { denoiseBusy, galleryIndices, initDenoise, showGallery, showObjective, useTestDigit } from './panels/denoise.js';
import { initCompare } from './panels/compare.js';
import { initDeepCluster } from './panels/deep-cluster.js';
import { initFolder } from './panels/folder.js';
import { drawInterpolation, drawSamples, initGenerate, setInterpolationEnds } from './panels/generate.js';
import { typesetPage } from './formulas.js';
import { drawLatentMap, drawLegend, drawTraversal, forgetLatentMap, initLatent, latentMapReady } from './panels/latent.js';
import { initModels, offeredDataset, useModel, usePretrained } from './panels/models.js';
import { initMovies } from './panels/movies.js';
import { initPixelSample } from './panels/pixel-sample.js';
import { initTraining, startTrainer, tellTrainer, trainerIdle, trainerJob, trainOneClass, visitorDraws } from './panels/train.js';
import { clearModelResults, deferAnomalyScores, drawAnomalyHistogram, drawUnits, initUses, showClassPicks } from './panels/uses.js';

// Whether the live worker still has work queued (tests wait for this to settle).
Object.defineProperty(debug, 'busy', { get: () => liveWaiting() > 0 || denoiseBusy() });
debug.state = () => ({ waiting: liveWaiting(), denoiseBusy: denoiseBusy(), mapReady: latentMapReady(), latencies: debug.latencies.length });

typesetPage();
initDenoise();
initCompare();
initGenerate();
initPixelSample();
initLatent();
initUses({ oneClass: trainOneClass });
initMovies();
initFolder();
initTraining(useModel);
initDeepCluster(useModel, { job: trainerJob, tell: tellTrainer });
// Drawing has priority over a data-parallel run's replica workers (see visitorDraws).
$('pad').addEventListener('pointerdown', () => visitorDraws(true));
for (const type of ['pointerup', 'pointercancel']) $('pad').addEventListener(type, () => visitorDraws(false));

// What follows a new model or data set: every panel's views (no panel reaches into another).
const modelViews = {
  showObjective,
  forget: forgetLatentMap,
  clearResults: clearModelResults,
  /** Redraws every view of the model; the latent map from the first `mapLimit` test digits (0: all). */
  async refresh(mapLimit) {
    requestDenoise();
    await Promise.all([drawSamples(), drawInterpolation(), drawLatentMap(mapLimit)]);
    await drawTraversal({ light: mapLimit !== 0 });
    // The full test set's scores and unit statistics wait for a model worth the work (not the
    // weights the views take from a run in progress).
    if (mapLimit === 0) await Promise.all([drawAnomalyHistogram(), drawUnits()]);
    else deferAnomalyScores();
  },
  /** The gallery, the latent map's legend and the one-class picks of the current data set. */
  async showDataset(gallery) {
    await showGallery(gallery);
    drawLegend();
    showClassPicks();
  },
};
initModels({ idle: trainerIdle, restart: () => startTrainer($('backend-choice').value) }, modelViews);

async function start() {
  try {
    const kept = await latestModel().catch(() => undefined);
    current.dataset = offeredDataset(kept?.dataset) ? kept.dataset : 'mnist';
    $('dataset-choice').value = current.dataset;
    startTrainer($('backend-choice').value);
    current.datasetFacts = (await ask('start', { dataset: current.dataset })).dataset;
    await modelViews.showDataset(current.datasetFacts.gallery);
    // Something to look at in every view from the first paint: a test digit in, and an
    // interpolation between two others (a 3 and an 8 on MNIST) once the model is in.
    await useTestDigit(galleryIndices()[0]);
    const [from, to] = [galleryIndices()[3], galleryIndices()[8]];
    setInterpolationEnds(...await Promise.all([from, to].map((index) => ask('testImages', { indices: [index] }))));
    const restored = kept && await useModel(kept.bytes, `${kept.name}, restored from this browser`, { keep: false });
    // The denoising VAE both denoises and generates: every panel works on arrival.
    if (!restored) await usePretrained('dvae');
  } catch (err) {
    show('model-error', err.message);
  }
}

start();
