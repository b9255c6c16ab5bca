// The datasets the page offers, and fetching the gzip'd IDX files `./build.sh data` puts under
// www/data/<dataset>/.
export const TRAIN_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'];
export const TEST_FILES = ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

export const DATASETS = {
  mnist: { label: 'MNIST', items: 'digits', classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] },
  'fashion-mnist': {
    label: 'Fashion-MNIST',
    items: 'clothes',
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  },
};

/** The bytes of data/DATASET/NAME.gz, un-gzipped by the browser. */
export async function fetchGunzipped(dataset, name) {
  const path = `data/${dataset}/${name}.gz`;
  const response = await fetch(path);
  if (!response.ok) throw new Error(`cannot fetch ${path} (HTTP ${response.status}); run ./build.sh data`);
  const stream = response.body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The index of the first image of each class 0-9, from an IDX label file's bytes. */
export function firstOfEachClass(labelFile) {
  const labels = labelFile.subarray(8); // past the IDX header
  return Uint32Array.from({ length: 10 }, (_, label) => labels.indexOf(label));
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
