// Dawn (npm `webgpu`, the WebGPU implementation inside Chromium) as Node's `navigator.gpu`, and
// the page's WebGPU build (www/pkg-gpu) loaded on it, as a module worker would load it.
//
// Which adapter: the first that answers of Dawn's default backends (Vulkan on a machine with a
// GPU and its driver: a core adapter), then its OpenGL ES backend over Mesa (llvmpipe on a machine
// without a GPU), which gives only a compatibility adapter. `DAWN_BACKEND=vulkan|opengles` forces one.
import { readFileSync } from 'node:fs';
import { create, globals } from 'webgpu';

const root = new URL('../../', import.meta.url).pathname;

/** Dawn's adapter, wrapped so that every `requestAdapter` (burn's included) gets it. */
export async function installDawn() {
  Object.assign(globalThis, globals);
  // Mesa's EGL needs no display for OpenGL ES on a headless machine.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const tries = {
    vulkan: [['backend=vulkan'], 'core'],
    opengles: [['backend=opengles'], 'compatibility'],
  };
  const order = process.env.DAWN_BACKEND ? [process.env.DAWN_BACKEND] : ['vulkan', 'opengles'];
  for (const name of order) {
    const [flags, featureLevel] = tries[name];
    const gpu = create(flags);
    const adapter = await gpu.requestAdapter({ featureLevel });
    if (!adapter) continue;
    const request = gpu.requestAdapter.bind(gpu);
    // wgpu asks without a feature level; a compatibility-only backend answers that with null.
    gpu.requestAdapter = (options = {}) => request({ featureLevel, ...options });
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
    globalThis.Window = class Window {}; // wgpu finds `navigator.gpu` through the window
    return { backend: name, featureLevel, info: { ...infoOf(adapter), features: [...adapter.features] } };
  }
  throw new Error(`Dawn gave no adapter (tried ${order.join(', ')})`);
}

function infoOf(adapter) {
  const info = {};
  for (const key of ['vendor', 'architecture', 'device', 'description']) info[key] = adapter.info[key];
  return info;
}

/** The WebGPU build, initialized. */
export async function loadGpuBuild() {
  const wasm = await import(`${root}www/pkg-gpu/aestudio.js`);
  await wasm.default({ module_or_path: readFileSync(`${root}www/pkg-gpu/aestudio_bg.wasm`) });
  return wasm;
}

/** MNIST's four files, as the page fetches them. */
export function mnistFiles() {
  const read = (name) => readFileSync(`${root}data/mnist/${name}`);
  return {
    trainImages: read('train-images-idx3-ubyte'),
    trainLabels: read('train-labels-idx1-ubyte'),
    testImages: read('t10k-images-idx3-ubyte'),
    testLabels: read('t10k-labels-idx1-ubyte'),
  };
}
