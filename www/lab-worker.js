// The live worker: owns a CPU-only wasm `Lab` with the model in use, for everything that must
// answer at once (denoising a drawing, sampling, the latent map), even while the training worker
// is busy. Protocol: {id, command, args} in; {id, result} or {id, error} out.
import init, { Lab, validateRun } from './pkg/aestudio.js';
import { fetchGunzipped, MNIST_TEST_FILES } from './data.js';

let lab = null;
let wasm = null;

const commands = {
  async start() {
    wasm = await init();
    lab = new Lab();
    const [images, labels] = await Promise.all(MNIST_TEST_FILES.map(fetchGunzipped));
    return { testImages: lab.loadTestSet(images, labels) };
  },
  loadModel: ({ bytes }) => lab.loadModel(bytes),
  modelInfo: () => lab.modelInfo(),
  saveModel: () => lab.saveModel(),
  validate: ({ model, training }) => validateRun(JSON.stringify(model), JSON.stringify(training), 60000),
  testImages: ({ indices }) => lab.testImages(Uint32Array.from(indices)),
  async denoise({ alpha, width, height, image, noise, seed }) {
    const input = image ?? lab.prepareDrawing(alpha, width, height);
    const result = await lab.denoise(input, JSON.stringify(noise), seed);
    return { input, ...result };
  },
  sample: ({ count, temperature, seed }) => lab.sample(count, temperature, seed),
  interpolate: ({ from, to, steps }) => lab.interpolate(from, to, steps),
  latentMap: ({ limit }) => lab.latentMap(limit),
  decodePoint: ({ x, y }) => lab.decodePoint(x, y),
  manifold: ({ side }) => lab.manifold(side),
  traverse: ({ image, dimensions, values }) => lab.traverse(image, dimensions, Float32Array.from(values)),
  memory: () => wasm.memory.buffer.byteLength,
};

async function handle({ id, command, args }) {
  try {
    if (!commands[command]) throw new Error(`unknown command ${command}`);
    const result = await commands[command](args ?? {});
    self.postMessage({ id, result });
  } catch (err) {
    self.postMessage({ id, error: err?.message ?? String(err) });
  }
}

// One command at a time: a model must not be replaced while an async call still reads it.
let queue = Promise.resolve();
self.onmessage = ({ data }) => { queue = queue.then(() => handle(data)); };
