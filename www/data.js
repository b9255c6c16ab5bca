// Fetching the gzip'd IDX files `./build.sh data` puts under www/data/<dataset>/. What a data set
// is (its names, classes, gallery) the core says when it loads one (`DatasetFacts`).
export const TRAIN_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'];
export const TEST_FILES = ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/** The bytes of data/DATASET/NAME.gz, un-gzipped by the browser. */
export async function fetchGunzipped(dataset, name) {
  const path = `data/${dataset}/${name}.gz`;
  const response = await fetch(path);
  if (!response.ok) throw new Error(`cannot fetch ${path} (HTTP ${response.status}); run ./build.sh data`);
  const stream = response.body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** MovieLens 1M's folder under www/data (ratings.dat and movies.dat, gzip'd). */
export const MOVIELENS = 'movielens';

/**
 * MovieLens 1M's movies as `[{id, title, genres}]`, from movies.dat (`id::title::genres`, Latin-1).
 * The titles only label what the recommender (which checks every id) returns.
 */
export async function fetchMovies() {
  const text = new TextDecoder('latin1').decode(await fetchGunzipped(MOVIELENS, 'movies.dat'));
  return text.split('\n').filter(Boolean).map((line) => {
    const [id, title, genres] = line.split('::');
    return { id: Number(id), title, genres: genres.split('|').join(', ') };
  });
}
