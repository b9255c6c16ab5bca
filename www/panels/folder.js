// The Your images panel: a person's own folder (picked, or dropped) is decoded and imported in this
// panel's own training worker, a model of the visitor's choice trains on it there, and the core
// ranks every image by how unusual the model finds it (PCA's rank alongside). The model, the codes
// and the ranking download as files; no byte of the images leaves the tab.
import { $, show } from '../dom.js';
import { debug } from '../live.js';
import { TrainerClient } from '../trainer-client.js';
import { LatentScatter } from '../scatter.js';

const SHOWN = 16; // the most unusual images drawn
const THUMB = 40; // their side on the canvas, in pixels
const BETWEEN = 10; // images decoded between two images looked at

let imported = null; // {report, name, presets, training}
let ranking = null; // the core's {ranked, csv} for the model last trained
let weights = null; // that model's weight file
let epochs = 0;

debug.folder = { get imported() { return imported; }, get ranking() { return ranking; }, done: false, imports: 0 };

const trainer = new TrainerClient({
  status: $('folder-status'), bar: $('folder-progress'),
  onEvent: (event) => events[event.event]?.(event),
  onState(state) {
    $('folder-train').disabled = state !== 'idle';
    $('folder-stop').disabled = state === 'idle';
  },
  onFailure(message) {
    show('folder-error', message);
    trainer.setState('idle');
  },
});

const events = {
  importing({ done, total }) {
    Object.assign($('folder-progress'), { max: Math.max(total, 1), value: done });
    trainer.say(`Decoding and importing: ${done.toLocaleString('en')} of ${total.toLocaleString('en')} files…`);
  },
  progress({ progress }) { if (progress) trainer.showProgress(progress, epochs); },
  snapshot({ bytes }) { weights = bytes; },
  async done() { await showUnusual(); },
  async stopped() { await showUnusual(); },
};

/** The path of `file` below the picked folder (its first folder dropped), `/`-separated. */
const belowTop = (path) => path.replace(/^\/?[^/]*\//, '');

/** Every file below a dropped directory entry, with its path below the dropped folder. */
async function filesBelow(entry, into) {
  if (entry.isFile) {
    into.push({ path: belowTop(entry.fullPath), file: await new Promise((resolve, reject) => entry.file(resolve, reject)) });
    return;
  }
  const reader = entry.createReader();
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return;
    for (const child of batch) await filesBelow(child, into);
  }
}

/** The dropped items as `{files, name}`: a folder's files with their paths, or loose files. */
async function dropped(dataTransfer) {
  const entries = [...dataTransfer.items].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
  const files = [];
  const folder = entries.length === 1 && entries[0].isDirectory ? entries[0] : null;
  if (folder) await filesBelow(folder, files);
  else for (const file of dataTransfer.files) files.push({ path: file.name, file });
  return { files, name: folder?.name ?? 'files' };
}

async function importFiles({ files, name }) {
  show('folder-error', null);
  $('folder-results').hidden = true;
  $('folder-train-form').hidden = true;
  [ranking, weights, debug.folder.done, debug.folder.lookedAt] = [null, null, false, null];
  if (files.length === 0) { show('folder-error', 'That folder holds no files.'); return; }
  try {
    await trainer.open('start', { backend: $('backend-choice').value, dataset: 'images' });
    const side = Number($('folder-side').value);
    imported = await trainer.ask('importImages', { files, side, colour: $('folder-colour').checked, name });
    showReport(imported.report, imported.seconds);
    debug.folder.imports += 1;
    $('folder-preset').replaceChildren(...imported.presets.map(({ name: preset, description }) => new Option(`${preset}: ${description}`, preset)));
    const form = $('folder-train-form').elements;
    [form.epochs.value, form.batch_size.value, form.trim.value] = [imported.training.epochs, imported.training.batch_size, 100 * imported.training.trim];
    $('folder-train-form').hidden = false;
  } catch (err) {
    imported = null;
    show('folder-error', err.message);
    trainer.say('No images imported.');
  }
}

function showReport(report, seconds) {
  const classes = report.classes.length ? `${report.classes.length} classes (${report.classes.slice(0, 8).join(', ')}${report.classes.length > 8 ? '…' : ''})` : 'no classes';
  trainer.say(`${report.kept.toLocaleString('en')} images kept at ${report.shape.side}×${report.shape.side} ${report.shape.channels === 3 ? 'colour' : 'grey'}: `
    + `${report.train.toLocaleString('en')} to train, ${report.test.toLocaleString('en')} to test; ${classes}, ${report.unlabelled} unlabelled `
    + `(imported in ${seconds.toFixed(1)} s).`
    + (report.skipped.some((s) => s.reason === 'over_budget')
      ? ` The folder holds more images than fit in this tab's memory budget at this size: a seeded choice of ${report.budget.toLocaleString('en')} was kept.` : ''));
  $('folder-report').replaceChildren(...report.skipped.map(({ count, description, examples }) => {
    const item = document.createElement('li');
    item.textContent = `Skipped ${count}: ${description} (${examples.join(', ')}${count > examples.length ? ', …' : ''})`;
    return item;
  }));
}

async function train(event) {
  event.preventDefault();
  const form = new FormData($('folder-train-form'));
  epochs = Number(form.get('epochs'));
  show('folder-error', null);
  try {
    const { description, workers } = await trainer.begin('trainPreset', {
      preset: form.get('preset'), epochs, batchSize: Number(form.get('batch_size')), trim: Number(form.get('trim')) / 100, workers: Number($('workers').value),
    });
    trainer.say(`${description}${workers > 1 ? `, each batch shared by ${workers} CPU workers` : ''}: starting…`);
  } catch (err) {
    trainer.onFailure(err.message);
  }
}

/** Ranks the folder with a saved model: the one saved from it gives the same ranking again. */
async function openModel(file) {
  show('folder-error', null);
  try {
    const bytes = await file.arrayBuffer();
    const { description, learned, sameFolder } = await trainer.ask('openFolderModel', { bytes });
    weights = new Uint8Array(bytes);
    trainer.say(sameFolder ? `${description}, saved from this folder.`
      : `${description}, which learned ${learned ?? 'images it does not name'}: it scores this folder's images as new ones.`);
    await showUnusual();
  } catch (err) {
    show('folder-error', err.message);
  }
}

/** Ranks the folder with the model just trained and draws the most unusual images. */
async function showUnusual() {
  try {
    ranking = await trainer.ask('unusual');
    const top = ranking.ranked.slice(0, SHOWN);
    const pixels = await trainer.ask('folderImages', { indices: top.map((image) => image.index) });
    drawThumbnails($('folder-unusual'), pixels, imported.report.shape, { captions: top.map((image) => `#${image.rank}`), indices: top.map((image) => image.index) });
    $('folder-unusual').title = top.map((image) => `#${image.rank} ${image.file} (PCA #${image.pca_rank})`).join('\n');
    $('folder-samples-part').hidden = !ranking.generates;
    if (ranking.generates) {
      debug.folder.samples = await trainer.ask('folderSamples', { count: SHOWN, seed: 1 });
      drawThumbnails($('folder-samples'), debug.folder.samples, imported.report.shape);
    }
    await showGroups();
    await map.show();
    $('folder-results').hidden = false;
    debug.folder.done = true;
  } catch (err) {
    show('folder-error', err.message);
  }
}

/** The folder's image at `index` as the model sees it: the image, a corrupted copy and the
 * model's reconstruction of that; and the images decoded between the previous image looked at
 * and this one. */
async function lookCloser(index) {
  try {
    const shape = imported.report.shape;
    const closer = debug.folder.closer = await trainer.ask('folderDenoise', { index, seed: 1 });
    const tiles = [closer.clean, closer.noisy, closer.output].map((values) => Float32Array.from(values));
    let between = null;
    if (debug.folder.lookedAt != null && debug.folder.lookedAt !== index) {
      between = debug.folder.between = await trainer.ask('folderInterpolate', { from: debug.folder.lookedAt, to: index, steps: BETWEEN });
    }
    const pixels = new Float32Array(tiles.reduce((sum, tile) => sum + tile.length, 0) + (between?.length ?? 0));
    let offset = 0;
    for (const part of [...tiles, ...(between ? [between] : [])]) { pixels.set(part, offset); offset += part.length; }
    const places = [[0, 0], [1, 0], [2, 0], ...Array.from({ length: between ? BETWEEN : 0 }, (_, i) => [i, 1])];
    drawThumbnails($('folder-closer'), pixels, shape, { captions: ['image', 'noisy', 'rebuilt'], places });
    $('folder-closer-text').textContent = `${closer.file}: anomaly score ${closer.cleanMse.toFixed(5)}. Corrupted (${closer.corruption}): `
      + `PSNR ${closer.noisyPsnr.toFixed(1)} dB; rebuilt from that: ${closer.outputPsnr.toFixed(1)} dB.`
      + (between ? ' Below: the images the model decodes on the way from the image looked at before to this one.' : ' Click another to see the way between them.');
    debug.folder.lookedAt = index;
    $('folder-closer-part').hidden = false;
  } catch (err) {
    show('folder-error', err.message);
  }
}

/** A click on a drawn image of the folder looks closer at it. */
function onTileClick(event) {
  const canvas = event.currentTarget;
  const scale = canvas.width / canvas.clientWidth;
  const [column, row] = [Math.floor((event.offsetX * scale) / THUMB), Math.floor((event.offsetY * scale) / (THUMB + 14))];
  const index = canvas.tiles?.get(`${column},${row}`);
  if (index != null) lookCloser(index);
}

/** The map of every image's code; hovering shows the image under the pointer, a click looks
 * closer at it. */
const map = {
  scatter: null,
  hovered: null,
  thumbnails: new Map(), // index -> its pixels, asked for once
  async show() {
    const mapped = debug.folder.map = await trainer.ask('folderMap');
    this.thumbnails.clear();
    this.scatter.setData(mapped.points, mapped.labels, mapped.view, mapped.classes);
    const axes = mapped.axes === 'pca' ? `the codes' top two principal directions (${(100 * (mapped.explained[0] + mapped.explained[1])).toFixed(0)}% of their variance)` : 'the two code units';
    $('folder-map-text').textContent = `Every image's code, on ${axes}; coloured by class, grey without one.`;
  },
  async hover(index, event) {
    this.hovered = debug.folder.hovered = index;
    const tip = $('folder-map-hover');
    if (index == null) { tip.hidden = true; return; }
    if (!this.thumbnails.has(index)) this.thumbnails.set(index, await trainer.ask('folderImages', { indices: [index] }));
    if (this.hovered !== index) return; // the pointer moved on meanwhile
    drawThumbnails(tip, this.thumbnails.get(index), imported.report.shape);
    const box = $('folder-map').getBoundingClientRect();
    Object.assign(tip.style, { left: `${event.clientX - box.left + 12}px`, top: `${event.clientY - box.top + 12}px` });
    tip.hidden = false;
  },
};

/** Groups the folder by k-means on the model's codes (one group per class, or 10) and draws each
 * group as a row of its members nearest its centre; with labels, says how well the codes know them. */
async function showGroups() {
  const { groups, labelled } = debug.folder.groups = await trainer.ask('folderGroups');
  const shown = groups.map(({ members }) => members.slice(0, SHOWN));
  const pixels = await trainer.ask('folderImages', { indices: shown.flat() });
  const places = shown.flatMap((members, row) => members.map((_, column) => [column, row]));
  const captions = shown.flatMap((members, row) => members.map((_, column) => (column === 0 ? `${groups[row].members.length} images` : '')));
  $('folder-groups').height = groups.length * (THUMB + 14);
  drawThumbnails($('folder-groups'), pixels, imported.report.shape, { captions, places, indices: shown.flat() });
  const percent = (value) => `${(100 * value).toFixed(1)}%`;
  $('folder-groups-scores').textContent = labelled
    ? `On the ${labelled.images.toLocaleString('en')} labelled images, the groups match the ${labelled.classes} classes at ${percent(labelled.cluster_accuracy)} `
      + `(NMI ${labelled.nmi.toFixed(3)})${labelled.probe == null ? '' : `; a linear classifier on the codes names the class of ${percent(labelled.probe)} `
      + `of the labelled test images (on PCA features of the same size: ${percent(labelled.pca_probe)})`}.`
    : 'The folder has no classes to score the groups against.';
}

/** Draws images (`pixels`: planes one after the other, values in [0, 1]), each `THUMB` wide with
 * a caption from `captions` under it when given: in rows filling the canvas, or image i at
 * column and row `places[i]`. With the folder's `indices` of the images, a click on one looks
 * closer at it. */
function drawThumbnails(canvas, pixels, { channels, side }, { captions = [], places = null, indices = null } = {}) {
  canvas.tiles = new Map();
  const context = canvas.getContext('2d');
  context.clearRect(0, 0, canvas.width, canvas.height);
  const plane = side * side;
  const perRow = Math.floor(canvas.width / THUMB);
  const count = pixels.length / (plane * channels);
  for (let i = 0; i < count; i += 1) {
    const data = new ImageData(side, side);
    const values = pixels.subarray(i * plane * channels, (i + 1) * plane * channels);
    for (let p = 0; p < plane; p += 1) {
      for (let c = 0; c < 3; c += 1) data.data[4 * p + c] = 255 * values[(channels === 3 ? c * plane : 0) + p];
      data.data[4 * p + 3] = 255;
    }
    const tile = new OffscreenCanvas(side, side);
    tile.getContext('2d').putImageData(data, 0, 0);
    const [column, row] = places?.[i] ?? [i % perRow, Math.floor(i / perRow)];
    const [x, y] = [column * THUMB, row * (THUMB + 14)];
    if (indices) canvas.tiles.set(`${column},${row}`, indices[i]);
    context.drawImage(tile, x + 2, y + 2, THUMB - 4, THUMB - 4);
    if (captions[i]) context.fillText(captions[i], x + 2, y + THUMB + 10);
  }
}

function download(bytes, name, type) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([bytes], { type }));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

export function initFolder() {
  const fromInput = (input) => ({
    files: [...input.files].map((file) => ({ path: belowTop(file.webkitRelativePath || `/${file.name}`), file })),
    name: input.files[0]?.webkitRelativePath?.split('/')[0] || 'files',
  });
  $('folder-pick').addEventListener('change', (event) => importFiles(fromInput(event.target)));
  $('folder-files').addEventListener('change', (event) => importFiles(fromInput(event.target)));
  const drop = $('folder-drop');
  drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', async (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    importFiles(await dropped(event.dataTransfer));
  });
  $('folder-train-form').addEventListener('submit', train);
  $('folder-stop').addEventListener('click', () => trainer.stop());
  for (const id of ['folder-unusual', 'folder-groups']) $(id).addEventListener('click', onTileClick);
  map.scatter = new LatentScatter($('folder-map'), {
    onHover: (index, event) => map.hover(index, event),
    onPick: () => map.hovered != null && lookCloser(map.hovered),
  });
  $('folder-model').addEventListener('change', (event) => event.target.files[0] && openModel(event.target.files[0]));
  $('folder-save').addEventListener('click', () => download(weights, `aestudio-${imported.name.replace(/^images:/, '')}.safetensors`, 'application/octet-stream'));
  $('folder-codes').addEventListener('click', async () => download(await trainer.ask('codes'), 'codes.csv', 'text/csv'));
  $('folder-ranking').addEventListener('click', () => download(ranking.csv, 'ranking.csv', 'text/csv'));
}
