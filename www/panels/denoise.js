// The Draw panel: a drawing (or a test digit) corrupted and denoised live by the model in use, with
// the gallery of test digits. Every other panel that follows the input listens to `onDenoised`.
import { DrawingPad } from '../draw.js';
import { paintDigit, paintGrid } from '../digits.js';
import { $, quantile } from '../dom.js';
import { typeset } from '../formulas.js';
import { answerInput, ask, current, debug, tellDenoised } from '../live.js';

let pad = null;
let noiseSeed = 1;
let inFlight = false;
let wanted = null; // the earliest pointer event not yet answered
let gallery = []; // one test image of each class (test-set indices)
let showTerms = false; // the objective's terms for the input, asked of the live worker when shown
/** Whether a denoise is in flight or waiting, or the views that follow it are. */
export const denoiseBusy = () => inFlight || wanted != null || followers.due;
/** The test-set indices of the gallery. */
export const galleryIndices = () => gallery;

function noiseSpec() {
  const level = Number($('noise-level').value);
  switch ($('noise-kind').value) {
    case 'gaussian': return { kind: 'gaussian', sigma: level };
    case 'masking': return { kind: 'masking', keep_probability: level };
    default: return { kind: 'none' };
  }
}

function updateNoiseLabel() {
  const kind = $('noise-kind').value;
  const level = Number($('noise-level').value);
  $('noise-level').disabled = kind === 'none';
  // The slider is what the core's corruption takes: sigma, or the probability a pixel is kept
  // (the Train form's masking field means the same).
  $('noise-level-label').textContent = kind === 'masking' ? `kept ${Math.round(100 * level)}%` : `sigma ${level.toFixed(2)}`;
  const keep = level.toFixed(2);
  typeset($('corruption-tex'), {
    none: String.raw`\tilde x = x\ \text{(no noise)}`,
    gaussian: String.raw`\tilde x = x + ${level.toFixed(2)}\,\varepsilon,\ \varepsilon \sim \mathcal N(0, I)`,
    masking: String.raw`\tilde x = m \odot x,\ m_i \sim \mathrm{Bernoulli}(${keep})`,
  }[kind]);
}

/** The Draw panel's account of what the model in use minimizes (`model`: the live worker's info). */
export function showObjective(model) {
  $('objective-idea').textContent = `${model.description}. ${model.account.idea}`;
  typeset($('objective-tex'), model.account.tex, true);
}

function showInputTerms(result, empty) {
  $('terms-tex').hidden = !showTerms;
  if (!showTerms) return;
  if (empty || !result.objective) {
    $('terms-tex').textContent = 'Draw a digit, or pick one below: its terms show here.';
    return;
  }
  typeset($('terms-tex'), result.objective.tex, true);
}

/** Asks for a denoised output; while one is in flight, later requests merge into one. */
function requestDenoise(since = performance.now()) {
  wanted = { since: Math.min(wanted?.since ?? Infinity, since) };
  if (!inFlight) sendDenoise();
}

async function sendDenoise() {
  if (!wanted || !current.model) return;
  const { since } = wanted;
  wanted = null;
  inFlight = true;
  try {
    const args = { noise: noiseSpec(), seed: noiseSeed, terms: showTerms };
    if (current.inputSource === 'drawing') Object.assign(args, { alpha: pad.alpha(), width: pad.canvas.width, height: pad.canvas.height });
    else args.image = current.input;
    const result = await ask('denoise', args);
    current.input = result.input;
    paintDigit($('input'), result.input);
    paintDigit($('noisy'), result.noisy);
    paintDigit($('output'), result.output);
    debug.latencies.push(performance.now() - since);
    debug.firstOutputAt ??= performance.now(); // ms from navigation to the first denoised output
    debug.denoised = result;
    followDenoised(result, current.inputSource === 'drawing' && pad.isEmpty);
  } catch (err) {
    $('figures').textContent = err.message;
  } finally {
    inFlight = false;
    if (wanted) sendDenoise();
  }
}

// The views that follow the output (its figures, the map's marker, the anomaly score, the
// comparison) redraw at most this often, after the frame that shows the output: redrawn at every
// pointer event they kept the main thread busy half the time, and the next output waited on them
// (p95 15 ms from pointer to output with the page idle).
const FOLLOWERS_EVERY_MS = 100;
const followers = { due: null, shown: -Infinity };

/** Redraws the following views for the latest `result` when their turn comes (see above). */
function followDenoised(result, empty) {
  const first = !followers.due;
  followers.due = { result, empty };
  if (!first) return; // already scheduled: the latest result goes
  const wait = Math.max(0, followers.shown + FOLLOWERS_EVERY_MS - performance.now());
  const later = () => setTimeout(showFollowers, wait);
  if (document.hidden) later(); // no frames in a hidden tab
  else requestAnimationFrame(later);
}

function showFollowers() {
  const { result, empty } = followers.due;
  followers.due = null;
  followers.shown = performance.now();
  $('figures').textContent = empty ? 'Draw a digit, or pick one below.'
    : `PSNR against the input: noisy ${result.noisyPsnr.toFixed(1)} dB → output ${result.outputPsnr.toFixed(1)} dB`
      + ` · output error ${result.outputMse.toFixed(4)} per pixel`;
  showLatency();
  showInputTerms(result, empty);
  tellDenoised(result, empty);
}

function showLatency() {
  const recent = debug.latencies.slice(-200);
  if (recent.length < 5) return;
  $('latency').textContent = `Pointer event to painted output, last ${recent.length} updates: `
    + `median ${quantile(recent, 0.5).toFixed(1)} ms, 95th percentile ${quantile(recent, 0.95).toFixed(1)} ms.`;
}

/** Puts test image `index` in as the input; the pad shows it, to draw over. */
export async function useTestDigit(index) {
  current.input = await ask('testImages', { indices: [index] });
  current.inputSource = 'test';
  pad.setImage(current.input);
  requestDenoise();
}

/** Paints the gallery of the current dataset (test indices `indices`, one per class), then its
 * note: the note names what is painted, so it changes only once the images have. */
export async function showGallery(indices) {
  const images = await ask('testImages', { indices });
  gallery = [...indices];
  paintGrid($('gallery'), images, gallery.length);
  $('gallery-note').textContent = `${current.datasetFacts.label} test ${current.datasetFacts.items}: click one to put it in.`;
}

export function initDenoise() {
  answerInput({ request: requestDenoise, drawing: () => pad?.active });
  pad = new DrawingPad($('pad'), (timeStamp) => {
    current.inputSource = 'drawing';
    requestDenoise(timeStamp);
  });
  updateNoiseLabel();
  $('undo').addEventListener('click', () => pad.undo());
  $('clear').addEventListener('click', () => pad.clear());
  $('noise-kind').addEventListener('change', () => { updateNoiseLabel(); requestDenoise(); });
  $('noise-level').addEventListener('input', () => { updateNoiseLabel(); requestDenoise(); });
  $('reseed').addEventListener('click', () => { noiseSeed += 1; requestDenoise(); });
  $('show-terms').addEventListener('click', () => {
    showTerms = !showTerms;
    $('show-terms').setAttribute('aria-pressed', String(showTerms));
    $('show-terms').textContent = showTerms ? 'Hide the terms' : 'Show the terms for this input';
    requestDenoise();
  });
  // The keyboard's way to the gallery: a digit key picks that class, the arrows step through.
  let focused = 0;
  $('gallery').addEventListener('keydown', (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1, Enter: 0, ' ': 0 }[event.key];
    const digit = /^[0-9]$/.test(event.key) ? Number(event.key) : null;
    if (step == null && digit == null) return;
    event.preventDefault();
    focused = digit ?? (focused + step + gallery.length) % gallery.length;
    useTestDigit(gallery[focused]);
  });
  $('gallery').addEventListener('click', (event) => {
    const box = event.target.getBoundingClientRect();
    useTestDigit(gallery[Math.floor(((event.clientX - box.left) / box.width) * gallery.length)]);
  });
}
