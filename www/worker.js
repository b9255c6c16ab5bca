// The module worker that owns the wasm session, so the page never freezes.
// Protocol: {command} in; {status} out (ready, progress, digits, evaluation, stopped, done, error).
import init, { Studio } from './pkg/aestudio.js';

const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
// Test images shown with their reconstructions: one of each digit, then two more.
const SHOWN_DIGITS = Uint32Array.from([3, 2, 1, 18, 4, 8, 11, 0, 61, 7, 10, 12]);
// Each call into training aims at this much work, so that a stop message waits at most that long.
const CHUNK_MS = 120;
const DIGITS_EVERY_MS = 400;

let studio = null;
let running = false;

const post = (message, transfer = []) => self.postMessage(message, transfer);
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

async function fetchGunzipped(name) {
  const response = await fetch(`data/mnist/${name}.gz`);
  if (!response.ok) throw new Error(`cannot fetch data/mnist/${name}.gz (HTTP ${response.status}); run ./build.sh data`);
  const stream = response.body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function start(backend) {
  await init();
  studio = await Studio.create(backend);
  post({ status: 'loading', message: 'Fetching MNIST (11.6 MB gzip’d)…' });
  const files = await Promise.all(MNIST_FILES.map(fetchGunzipped));
  studio.loadMnist(...files);
  post({ status: 'ready', backend: studio.backend(), presets: Studio.presets() });
  post({ status: 'digits', images: studio.testImages(SHOWN_DIGITS), reconstructions: null });
}

async function postDigits() {
  post({ status: 'digits', images: studio.testImages(SHOWN_DIGITS), reconstructions: await studio.reconstruct(SHOWN_DIGITS) });
}

async function train({ model, training }) {
  const description = studio.configure(JSON.stringify(model), JSON.stringify(training));
  post({ status: 'configured', description });
  running = true;
  let steps = 1;
  let lastDigits = 0;
  let trainingMs = 0; // time inside training steps only, for an honest samples/s
  let progress = null;
  while (running) {
    const chunkStarted = performance.now();
    progress = await studio.trainSteps(steps);
    const chunkMs = performance.now() - chunkStarted;
    trainingMs += chunkMs;
    // Grow or shrink the chunk towards CHUNK_MS of work.
    steps = Math.max(1, Math.min(200, Math.round(steps * (CHUNK_MS / Math.max(chunkMs, 1)) * 0.7 + steps * 0.3)));
    post({ status: 'progress', progress, trainingMs });
    if (performance.now() - lastDigits > DIGITS_EVERY_MS || progress.epochFinished) {
      await postDigits();
      lastDigits = performance.now();
    }
    if (progress.epochFinished) {
      post({ status: 'evaluation', epoch: progress.epoch, evaluation: await studio.evaluate(0) });
    }
    if (progress.finished) break;
    await nextTask(); // let a 'stop' message in
  }
  post({ status: running ? 'done' : 'stopped', progress });
  running = false;
}

self.onmessage = async ({ data }) => {
  try {
    switch (data.command) {
      case 'start': await start(data.backend); break;
      case 'train': await train(data); break;
      case 'stop': running = false; break;
      default: throw new Error(`unknown command ${data.command}`);
    }
  } catch (err) {
    running = false;
    post({ status: 'error', message: err?.message ?? String(err) });
  }
};
