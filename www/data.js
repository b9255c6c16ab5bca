// Fetching the gzip'd IDX files `./build.sh data` puts under www/data/<dataset>/. What a data set
// is (its names, classes, gallery) the core says when it loads one (`DatasetFacts`).
export const TRAIN_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'];
export const TEST_FILES = ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/** The response for `path`, or an Error that names it (and `hint`, how to get it). */
async function fetchOk(path, hint = '') {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`cannot fetch ${path} (HTTP ${response.status})${hint}`);
  return response;
}

/** The bytes of `path` (a weight file under www/models/, say). */
export async function fetchBytes(path) {
  return new Uint8Array(await (await fetchOk(path)).arrayBuffer());
}

/** The bytes of data/DATASET/NAME.gz, un-gzipped by the browser. */
export async function fetchGunzipped(dataset, name) {
  const response = await fetchOk(`data/${dataset}/${name}.gz`, '; run ./build.sh data');
  const stream = response.body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** MovieLens 1M's folder under www/data (ratings.dat and movies.dat, gzip'd). */
export const MOVIELENS = 'movielens';
