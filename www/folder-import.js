// A person's files, imported in the training worker: each file is read once and handed to the
// core, which checks its header (an image format, at most 50 megapixels), decodes it with the
// same decoder as the command line (the `image` crate: the same pixels, so the same model) and
// brings it to the chosen shape. Zip archives are opened by the core too. Files are added in path
// order, so a folder always splits the same way. (The browser's own decoder, createImageBitmap,
// cost about 1.2 ms a file here, more than reading and decoding in the core together:
// docs/benchmarks.md.)

// Reads overlap this many files, to keep the browser's file reads in flight.
const AT_ONCE = 8;
const PROGRESS_EVERY_MS = 150;

const byPath = (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * Imports `files` (`[{path, file}]`, paths `/`-separated below the chosen folder: a first folder
 * names a class) at `side` pixels, grey or `colour`, as the data set `name`; `onProgress(done,
 * total)` now and then. Resolves with the core's `{report, name}`.
 */
export async function importFolder(studio, files, { side, colour, name }, onProgress) {
  studio.beginImport(side, colour);
  const sorted = [...files].sort(byPath);
  const read = (i) => sorted[i].file.arrayBuffer().then((buffer) => new Uint8Array(buffer), () => null);
  const pending = new Map();
  let lastProgress = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    for (let ahead = i; ahead < Math.min(sorted.length, i + AT_ONCE); ahead += 1) {
      if (!pending.has(ahead)) pending.set(ahead, read(ahead));
    }
    const bytes = await pending.get(i);
    pending.delete(i);
    const { path } = sorted[i];
    if (bytes == null) studio.skipFile(path);
    else if (/\.zip$/i.test(path)) studio.addArchive(bytes);
    else studio.addFile(path, bytes);
    if (performance.now() - lastProgress > PROGRESS_EVERY_MS) {
      onProgress(i + 1, sorted.length);
      lastProgress = performance.now();
    }
  }
  onProgress(sorted.length, sorted.length);
  return studio.finishImport(name);
}
