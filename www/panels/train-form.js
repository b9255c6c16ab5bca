// The training form: every setting of a run, starting from a preset, checked by the same Rust
// rules as the training code. Its objective menu and each objective's settings come from Rust
// (`Studio.objectives`), so a new objective appears here without a table in this file.
import { $ } from '../dom.js';
import { objectiveAccount, typeset } from '../formulas.js';
import { ask } from '../live.js';

const form = () => $('train-form');
let presets = {};
/** Rust's list of objectives, by kind: `{label, objective (its defaults), critic}`. */
let objectiveChoices = {};
/** The critic and the objective of the preset in the form (an adversarial objective trains a
 * critic and has a prior, which the form has no fields for). */
let critic = null;
let presetObjective = null;
let formValid = false;
let onChecked = () => {};

/** Whether the form holds a run that Rust accepted. */
export const formIsValid = () => formValid;
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

/** Takes the trainer's presets and objectives; fills the menus the first time. */
export function takeOffer(offered, objectives) {
  presets = offered;
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

/** Puts a preset's configuration into the form's fields. */
export function fillForm(config) {
  const fields = form().elements;
  fields.code_size.value = config.code_size;
  fields.architecture.value = config.architecture.kind;
  fields.widths.value = (config.architecture.hidden ?? config.architecture.channels).join(', ');
  fields.activation.value = config.activation;
  fields.likelihood.value = config.likelihood;
  fields.objective.value = config.objective.kind;
  for (const [setting, value] of Object.entries(config.objective)) {
    if (typeof value === 'number') fields[setting].value = value;
  }
  // What the form has no field for (a prior, a critic) comes from the preset.
  presetObjective = config.objective;
  critic = config.critic;
  fields.code_activation.value = config.code_activation ?? 'none';
  fields.noise.value = config.corruption.kind;
  fields.noise_level.value = config.corruption.sigma ?? config.corruption.keep_probability ?? 0.5;
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
  showObjective(fields.objective.value);
}

let shownAccount = null;

/** The idea and the equation of the objective in the form (with the preset's prior), above it. */
function showObjective(kind) {
  const account = objectiveAccount(presetObjective?.kind === kind ? presetObjective : { kind });
  if (!account || account.tex === shownAccount) return;
  shownAccount = account.tex;
  $('train-idea').textContent = account.idea;
  typeset($('train-tex'), account.tex, true);
}

/** The run the form describes, or throws with what is wrong in it. */
export function formConfig() {
  const fields = form().elements;
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
  const fromPreset = presetObjective?.kind === objective.kind ? presetObjective : choice.objective;
  for (const [setting, fallback] of Object.entries(choice.objective)) {
    if (setting === 'kind') continue;
    if (typeof fallback !== 'number') {
      objective[setting] = fromPreset[setting]; // a prior: the preset's, or the default
      continue;
    }
    // A numeric setting without a field is refused, never trained without.
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
export async function checkForm() {
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
  onChecked();
}

/** `checked`: called after each check (the run buttons follow the verdict). */
export function initTrainForm(checked) {
  onChecked = checked;
  form().addEventListener('input', () => { updateFormFields(); checkForm(); });
  $('preset').addEventListener('change', () => pickPreset($('preset').value));
}
