// The live worker: owns a CPU-only wasm `Lab` with the model in use, for everything that must
// answer at once (denoising a drawing, sampling, the latent map), even while the training worker
// is busy. Protocol (protocol.js): the commands below, one at a time, each with one reply.
import * as cpuBuild from './pkg/aestudio.js';
import { fetchGunzipped, MOVIELENS, TEST_FILES, TRAIN_FILES } from './data.js';
import { serve } from './protocol.js';

let lab = null;
let wasm = null;
let dataset = null;
let trainLoaded = false;

const commands = {
  /** A Lab with the test set of `dataset`; the reply is that set's facts (see `useDataset`). */
  async start({ dataset: name }) {
    wasm = await cpuBuild.default();
    lab = new cpuBuild.Lab();
    return { dataset: await commands.useDataset({ dataset: name }) };
  },
  /** A Lab with no test set, for a worker that only draws the PixelVAE's samples (a second
   * instance of this script, so that the live views never wait behind its 784 passes). */
  async startSampler({ bytes }) {
    wasm = await cpuBuild.default();
    lab = new cpuBuild.Lab();
    return lab.loadSampler(bytes);
  },
  beginSamples: ({ count, seed }) => lab.startSamples(count, seed),
  /** The next `count` pixels of every sample: `{images, drawn}`. */
  samplePixels: ({ count }) => lab.drawPixels(count),
  /** Switches the test set (gallery, latent map, anomaly scores) to another dataset; the
   * reply is the core's `DatasetFacts` (`{name, label, items, classes, testImages, gallery}`). */
  async useDataset({ dataset: name }) {
    const [images, labels] = await Promise.all(TEST_FILES.map((file) => fetchGunzipped(name, file)));
    const facts = lab.loadTestSet(name, images, labels);
    dataset = name;
    trainLoaded = false;
    return facts;
  },
  modelDataset: ({ bytes }) => cpuBuild.modelDataset(bytes),
  oneClassRun: ({ classes, epochs }) => cpuBuild.oneClassRun(Uint8Array.from(classes), epochs),
  /** MovieLens 1M's movies, `[{id, title, genres}]`, parsed and checked by the core. */
  movies: async () => cpuBuild.parseMovies(await fetchGunzipped(MOVIELENS, 'movies.dat')),
  loadModel: ({ bytes }) => lab.loadModel(bytes),
  modelInfo: () => lab.modelInfo(),
  saveModel: () => lab.saveModel(),
  /** The Train form's fields read as a run on `trainImages` images (`train::run_form`):
   * `{model, training, description, parameters, account}`. */
  validate: ({ fields, trainImages }) => cpuBuild.validateRun(JSON.stringify(fields), trainImages),
  testImages: ({ indices }) => lab.testImages(Uint32Array.from(indices)),
  async denoise({ alpha, width, height, image, noise, seed, terms = false }) {
    const input = image ?? lab.prepareDrawing(alpha, width, height);
    const result = await lab.denoise(input, JSON.stringify(noise), seed, terms);
    return { input, ...result };
  },
  sample: ({ count, temperature, seed }) => lab.sample(count, temperature, seed),
  interpolate: ({ from, to, steps }) => lab.interpolate(from, to, steps),
  latentMap: ({ limit }) => lab.latentMap(limit),
  decodePoint: ({ x, y }) => lab.decodePoint(x, y),
  manifold: ({ side }) => lab.manifold(side),
  traverse: ({ image, dimensions, values }) => lab.traverse(image, dimensions, Float32Array.from(values)),
  posterior: ({ limit }) => lab.posterior(limit),
  addCompared: ({ name, bytes }) => lab.addCompared(name, bytes),
  compare: ({ image }) => lab.compare(Float32Array.from(image)),
  anomalyHistogram: ({ bins, normal }) => lab.anomalyHistogram(bins, normal ? Uint8Array.from(normal) : undefined),
  units: ({ count }) => lab.units(count),
  async probe({ labels, epochs }) {
    await ensureTrainSet();
    return lab.probe(labels, epochs);
  },
  async pca({ fitImages }) {
    await ensureTrainSet();
    return lab.pcaComparison(fitImages);
  },
  cluster: ({ restarts }) => lab.cluster(restarts),
  memory: () => wasm.memory.buffer.byteLength,
  /** The Movies panel's recommender (an AutoRec weight file). */
  loadRecommender: ({ bytes }) => lab.loadRecommender(bytes),
  recommend: ({ movieIds, stars, count, minRatings }) => lab.recommend(Uint32Array.from(movieIds), Float32Array.from(stars), count, minRatings),
};

/** The training split (47 MB) serves only probes and PCA, so it is fetched on first use. */
async function ensureTrainSet() {
  if (trainLoaded) return;
  const [images, labels] = await Promise.all(TRAIN_FILES.map((file) => fetchGunzipped(dataset, file)));
  lab.loadTrainSet(dataset, images, labels);
  trainLoaded = true;
}

// One command at a time: a model must not be replaced while an async call still reads it.
serve(commands, { serial: true });
