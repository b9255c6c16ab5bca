// Fetching the gzip'd MNIST files that `./build.sh data` puts under www/data/.
export const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
export const MNIST_TEST_FILES = MNIST_FILES.slice(2);

/** The bytes of data/mnist/NAME.gz, un-gzipped by the browser. */
export async function fetchGunzipped(name) {
  const response = await fetch(`data/mnist/${name}.gz`);
  if (!response.ok) throw new Error(`cannot fetch data/mnist/${name}.gz (HTTP ${response.status}); run ./build.sh data`);
  const stream = response.body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
