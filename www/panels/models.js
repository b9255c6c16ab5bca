// The Models panel and the model in use: pretrained models, save and load, the copy kept in
// IndexedDB, the dataset, and redrawing every view when the model changes.
import { fetchBytes } from '../data.js';
import { $, show } from '../dom.js';
import { ask, current, debug, drawView } from '../live.js';
import { keepModel } from '../store.js';

// What this panel needs of the Train panel and of the views (set by `initModels`).
let training = { idle: () => true, restart: () => {} };
let views = null;

/** Hands weight bytes to the live worker; on refusal the current model stays and the reason shows.
 * `refresh`: 'all' views, or 'light' (no full latent map: the weights of a run in progress). */
export async function useModel(bytes, name, { keep = true, refresh = 'all' } = {}) {
  let info;
  try {
    await showDatasetOf(bytes);
    info = await ask('loadModel', { bytes });
  } catch (err) {
    show('model-error', `${err.message}. The model in use was kept.`);
    return false;
  }
  if (refresh === 'all') show('model-error', '');
  current.model = debug.model = info;
  current.generation += 1;
  views.forget();
  $('model-info').textContent = `${info.description} · ${info.parameters.toLocaleString('en')} parameters · ${name}`;
  $('model-provenance').textContent = info.provenance;
  $('model-name').textContent = `${info.description}, ${name}`;
  views.showObjective(info);
  if (keep) keepModel(bytes, name, current.dataset).catch((err) => show('model-error', `Could not keep the model in this browser: ${err.message}`));
  if (refresh === 'all') views.clearResults();
  await drawView(() => views.refresh(refresh === 'all' ? 0 : 2000));
  return true;
}

/** Switches the page to the data set a weight file says its model learned (its own test set,
 * classes and anomaly scores), or refuses the file with the reason; a file that says none (an
 * older one) is shown on the current data set. */
async function showDatasetOf(bytes) {
  const learned = await ask('modelDataset', { bytes });
  if (!learned || learned.name === current.dataset) return;
  const offered = offeredDataset(learned.name);
  if (!offered) throw new Error(`That model learned ${learned.name}, a data set this page does not have`);
  if (!training.idle()) throw new Error(`That is a ${offered.textContent} model: stop the ${current.datasetFacts.label} run first`);
  await switchDataset(learned.name, { redraw: false });
}

/** One of the models shipped in www/models/ (each file says which data set it learned). */
export async function usePretrained(name) {
  current.normalClasses = null; // a model of every class
  return useModel(await fetchBytes(`models/${name}.safetensors`), `pretrained ${name}`);
}

/** Switches the test set, the gallery and the trainer to `name`; the model in use stays, and its
 * views are redrawn unless a new model follows at once (`redraw: false`). */
export async function switchDataset(name, { redraw = true } = {}) {
  const facts = await ask('useDataset', { dataset: name });
  Object.assign(current, { dataset: name, datasetFacts: facts });
  $('dataset-choice').value = name;
  await views.showDataset(facts.gallery);
  training.restart();
  if (current.model && redraw) await drawView(() => views.refresh(0));
}

/** The Train panel's option for data set `name` (the data sets this page offers), or undefined. */
export function offeredDataset(name) {
  return [...$('dataset-choice').options].find((option) => option.value === name);
}

async function saveModel() {
  const bytes = await ask('saveModel');
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  link.download = `aestudio-${current.model.config.objective.kind}-code${current.model.codeSize}.safetensors`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/** `trainingPanel`: `{idle(), restart()}`: whether no run goes on, and a restart of the trainer
 * (on a new dataset); `modelViews`: `{refresh(mapLimit), forget(), clearResults(),
 * showObjective(info), showDataset(gallery)}`, what follows a new model or data set (main.js). */
export function initModels(trainingPanel, modelViews) {
  training = trainingPanel;
  views = modelViews;
  const reportingErrors = (action) => async (event) => {
    try {
      await action(event);
    } catch (err) {
      show('model-error', err.message);
    }
  };
  $('pretrained').addEventListener('change', reportingErrors(async (event) => {
    const name = event.target.value;
    event.target.value = ''; // a menu of actions, not a state: the model line says what is in use
    if (name) await usePretrained(name);
  }));
  $('save').addEventListener('click', reportingErrors(saveModel));
  $('load').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    current.normalClasses = null;
    await useModel(new Uint8Array(await file.arrayBuffer()), `loaded from ${file.name}`);
    event.target.value = '';
  });
  $('dataset-choice').addEventListener('change', reportingErrors(async (event) => {
    if (event.target.value !== current.dataset) await switchDataset(event.target.value);
  }));
}
