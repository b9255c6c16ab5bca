// A person's files, decoded in the training worker: each file's header is read by the core first
// (an image format, at most 50 megapixels), then the browser decodes it (createImageBitmap, the
// pixels as stored: no colour-space conversion, no premultiplied alpha) and the core brings it to
// the chosen shape. Zip archives are opened by the core; their entries go the same way. Files
// are added in path order whatever order they decode in, so a folder always splits the same way.

// Decodes overlap this many files, to keep the browser's decoders busy.
const AT_ONCE = 8;
const PROGRESS_EVERY_MS = 150;

const byPath = (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** The RGBA pixels of `blob`, or the reason it is skipped. */
async function decode(studio, { path, blob }) {
  const bytes = new Uint8Array(await blob.arrayBuffer().catch(() => null) ?? []);
  if (bytes.length === 0) return { skip: 'unreadable' };
  if (!studio.admitImage(path, bytes)) return { skipped: true };
  let bitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    return { skip: 'undecodable' };
  }
  const { width, height } = bitmap;
  const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { width, height, rgba: context.getImageData(0, 0, width, height).data };
}

/**
 * Imports `files` (`[{path, file}]`, paths `/`-separated below the chosen folder: a first folder
 * names a class) at `side` pixels, grey or `colour`, as the data set `name`; `onProgress(done,
 * total)` now and then. Resolves with the core's `{report, name}`.
 */
export async function importFolder(studio, files, { side, colour, name }, onProgress) {
  studio.beginImport(side, colour);
  const items = [];
  for (const { path, file } of [...files].sort(byPath)) {
    if (!/\.zip$/i.test(path)) { items.push({ path, blob: file }); continue; }
    const entries = studio.archiveEntries(new Uint8Array(await file.arrayBuffer()), '');
    for (const [entry, bytes] of entries) items.push({ path: entry, blob: new Blob([bytes]) });
  }
  const pending = new Map();
  let lastProgress = 0;
  for (let i = 0; i < items.length; i += 1) {
    for (let ahead = i; ahead < Math.min(items.length, i + AT_ONCE); ahead += 1) {
      if (!pending.has(ahead)) pending.set(ahead, decode(studio, items[ahead]));
    }
    const decoded = await pending.get(i);
    pending.delete(i);
    if (decoded.rgba) studio.addImage(items[i].path, decoded.width, decoded.height, decoded.rgba);
    else if (decoded.skip) studio.skipFile(items[i].path, decoded.skip);
    if (performance.now() - lastProgress > PROGRESS_EVERY_MS) {
      onProgress(i + 1, items.length);
      lastProgress = performance.now();
    }
  }
  onProgress(items.length, items.length);
  return studio.finishImport(name);
}
