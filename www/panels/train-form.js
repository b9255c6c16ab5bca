// The training form: every setting of a run, starting from a preset. The core fills it (each
// preset as the form's fields) and reads it (`train::run_form`), with the same rules as the
// training code; the objective menu and each objective's settings come from Rust too
// (`Studio.objectives`), so a new objective appears here without a table in this file.
import { $ } from '../dom.js';
import { typeset } from '../formulas.js';
import { ask } from '../live.js';

const form = () => $('train-form');
/** Each preset as the form's fields, `{name: {field: text}}`. */
let presets = {};
/** Rust's list of objectives, by kind: `{label, objective (its defaults), critic}`. */
let objectiveChoices = {};
/** The size of the training set the trainer loaded (the form's run is checked against it). */
let trainImages = 0;
/** The run the form held at its last check, as the core read it, or null if refused. */
let checked = null;
let onChecked = () => {};

/** Whether the form holds a run that Rust accepted. */
export const formIsValid = () => checked != null;
/** Whether the trainer has offered its presets yet. */
export const hasPresets = () => Object.keys(presets).length > 0;

/** Forgets the offer of a trainer that is restarting. */
export function withdrawOffer() {
  presets = {};
}

// A preset picked while the trainer restarts (a switch of dataset or backend) has no offer to
// fill the form from yet; the next offer fills it.
let presetAwaitingOffer = null;

/** Fills the form from the picked preset, or once the restarting trainer offers it. */
function pickPreset(name) {
  presetAwaitingOffer = presets[name] ? null : name;
  if (presetAwaitingOffer) return;
  fillForm(presets[name]);
  checkForm();
}

/** Takes the trainer's presets, objectives and data set; fills the menus the first time. */
export function takeOffer(offered, objectives, dataset) {
  presets = offered;
  trainImages = dataset.trainImages;
  objectiveChoices = Object.fromEntries(objectives.map((choice) => [choice.objective.kind, choice]));
  const fields = form().elements;
  if (!fields.objective.options.length) {
    fields.objective.replaceChildren(...objectives.map((choice) => new Option(choice.label, choice.objective.kind)));
  }
  const select = $('preset');
  if (!select.options.length) {
    select.replaceChildren(...Object.keys(presets).map((name) => new Option(name, name)));
    select.value = presets.vae ? 'vae' : Object.keys(presets)[0];
    fillForm(presets[select.value]);
  } else if (presetAwaitingOffer) {
    pickPreset(presetAwaitingOffer);
  }
}

/** Puts a preset's fields into the form (one it lacks is refused by the check that follows). */
export function fillForm(fields) {
  for (const [name, value] of Object.entries(fields)) if (form().elements[name]) form().elements[name].value = value;
  updateFormFields();
}

export function updateFormFields() {
  const fields = form().elements;
  const idle = form().dataset.state !== 'running' && form().dataset.state !== 'paused';
  $('widths-label').textContent = fields.architecture.value === 'conv' ? 'Channels (two)' : 'Hidden widths';
  $('train-noise-label').textContent = fields.noise.value === 'masking' ? 'Keep probability' : 'Noise sigma';
  fields.noise_level.disabled = !idle;
  fields.noise_level.closest('label').hidden = fields.noise.value === 'none';
  // An objective's settings are the fields of its default value in Rust's list of objectives:
  // only those show, beside the preset, the dataset and the epochs.
  const settings = objectiveChoices[fields.objective.value]?.objective ?? {};
  for (const input of form().querySelectorAll('[data-objective-setting]')) {
    input.disabled = !idle;
    input.closest('label').hidden = !(input.name in settings);
  }
}

let shownAccount = null;

/** The idea and the equation of the objective in the form (the core's account of it), above it. */
function showObjective({ idea, tex }) {
  if (tex === shownAccount) return;
  shownAccount = tex;
  $('train-idea').textContent = idea;
  typeset($('train-tex'), tex, true);
}

/** The form's fields as their inputs hold them (disabled ones included: a run keeps its settings). */
const formFields = () => Object.fromEntries([...form().elements].filter((field) => field.name).map((field) => [field.name, field.value]));

/** The run the form describes, `{model, training, description, parameters, account}`, as the core
 * reads it; throws with what is wrong in it. */
export const readForm = () => ask('validate', { fields: formFields(), trainImages });

/** Checks the form in Rust (the same rules as the training code) and shows the reason if refused. */
export async function checkForm() {
  if (!hasPresets()) return; // the trainer has not loaded its data yet
  try {
    checked = await readForm();
    $('form-check').textContent = `${checked.description} · ${checked.parameters.toLocaleString('en')} parameters`;
    $('form-check').classList.remove('refused');
    showObjective(checked.account);
  } catch (err) {
    checked = null;
    $('form-check').textContent = `Cannot train this: ${err.message}`;
    $('form-check').classList.add('refused');
  }
  onChecked();
}

/** `checked`: called after each check (the run buttons follow the verdict). */
export function initTrainForm(checked) {
  onChecked = checked;
  form().addEventListener('input', () => { updateFormFields(); checkForm(); });
  $('preset').addEventListener('change', () => pickPreset($('preset').value));
}
