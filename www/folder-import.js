// A person's files, imported in the training worker: each file is read once and handed to the
// core, which checks its header (an image format, at most 50 megapixels), decodes it with the
// same decoder as the command line (the `image` crate: the same pixels, so the same model) and
// brings it to the chosen shape. Zip archives are opened by the core too. Files are added in path
// order, so a folder always splits the same way. (The browser's own decoder, createImageBitmap,
// cost about 1.2 ms a file here, more than reading and decoding in the core together:
// docs/benchmarks.md.)

// Files are read in batches, each one Blob of many files read at once: one read of a batch costs
// about what one read of a file did, and the next batch is read while the core decodes this one.
const BATCH_FILES = 256;
const BATCH_BYTES = 16 << 20;
const PROGRESS_EVERY_MS = 150;

const byPath = (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** `sorted` cut into runs of at most `BATCH_FILES` files and `BATCH_BYTES` bytes (a larger file
 * makes a batch of its own). */
function batches(sorted) {
  const cut = [];
  let [batch, bytes] = [[], 0];
  for (const entry of sorted) {
    if (batch.length > 0 && (batch.length === BATCH_FILES || bytes + entry.file.size > BATCH_BYTES)) {
      cut.push(batch);
      [batch, bytes] = [[], 0];
    }
    batch.push(entry);
    bytes += entry.file.size;
  }
  if (batch.length > 0) cut.push(batch);
  return cut;
}

/** The bytes of each file of `batch`, or null for a file the browser could not read: one read of
 * them all, or, when that fails, a read of each so that only the unreadable ones are lost. */
async function readBatch(batch) {
  try {
    const whole = new Uint8Array(await new Blob(batch.map((entry) => entry.file)).arrayBuffer());
    let offset = 0;
    return batch.map(({ file }) => whole.subarray(offset, (offset += file.size)));
  } catch {
    return Promise.all(batch.map(({ file }) => file.arrayBuffer().then((buffer) => new Uint8Array(buffer), () => null)));
  }
}

/**
 * Imports `files` (`[{path, file}]`, paths `/`-separated below the chosen folder: a first folder
 * names a class) at `side` pixels, grey or `colour`, as the data set `name`; `onProgress(done,
 * total)` now and then. Resolves with the core's `{report, name}`.
 */
export async function importFolder(studio, files, { side, colour, name }, onProgress) {
  studio.beginImport(side, colour);
  // Past the memory budget the core picks which files to read (the others are not read at all).
  const sorted = [...files].sort(byPath);
  const flags = studio.chooseFiles(sorted.map((entry) => entry.path));
  const cut = batches(sorted.filter((_, i) => flags[i] === 1));
  let [done, lastProgress] = [0, 0];
  let next = cut.length > 0 ? readBatch(cut[0]) : null;
  for (let b = 0; b < cut.length; b += 1) {
    const contents = await next;
    next = b + 1 < cut.length ? readBatch(cut[b + 1]) : null;
    cut[b].forEach(({ path }, i) => {
      const bytes = contents[i];
      if (bytes == null) studio.skipFile(path);
      else if (/\.zip$/i.test(path)) studio.addArchive(bytes);
      else studio.addFile(path, bytes);
    });
    done += cut[b].length;
    if (performance.now() - lastProgress > PROGRESS_EVERY_MS) {
      onProgress(done, files.length);
      lastProgress = performance.now();
    }
  }
  onProgress(files.length, files.length);
  return studio.finishImport(name);
}
