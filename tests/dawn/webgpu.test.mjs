// The WebGPU build outside Chromium: burn's WebGPU backend on Dawn in Node, checked against the
// CPU backend of the same build. `./build.sh test` runs it on whatever adapter Dawn gives (on a
// machine without a GPU, OpenGL ES over Mesa's llvmpipe, a compatibility adapter); on a machine
// with a GPU the same file runs on the real one, and prints its figures as a `result` line.
import test from 'node:test';
import assert from 'node:assert/strict';
import { installDawn, loadGpuBuild, mnistFiles } from './dawn.mjs';
import { declareTimestampQuery } from '../../www/webgpu-features.js';

const dawn = await installDawn();
const wasm = await loadGpuBuild();
const mnist = mnistFiles();
const training = JSON.stringify({ epochs: 1, batch_size: 128, learning_rate: 1e-3, seed: 3, readback_every: 5 });
const lacksTimestamps = !dawn.info.features.includes('timestamp-query');
/** The page's VAE preset as the Train form sends it, read by the core into a model config. */
const vaeConfig = () => JSON.stringify(wasm.validateRun(JSON.stringify({ ...wasm.Studio.presets().vae, learning_rate: '0.001', batch_size: '128', epochs: '1' }), 60000).model);
console.log(`Dawn ${dawn.backend} adapter (${dawn.featureLevel}): ${JSON.stringify(dawn.info)}`);

/** A session on `prefer`'s backend with MNIST loaded. */
async function studioOn(prefer) {
  const studio = await wasm.Studio.create(prefer);
  studio.loadDataset('mnist', mnist.trainImages, mnist.trainLabels, mnist.testImages, mnist.testLabels);
  return studio;
}

const largestGap = (a, b) => a.reduce((worst, value, i) => Math.max(worst, Math.abs(value - b[i])), 0);
const largest = (a) => a.reduce((worst, value) => Math.max(worst, Math.abs(value)), 0);

test('an adapter burn cannot start on is refused with the reason, and auto runs on the CPU', { skip: !lacksTimestamps && 'this adapter has timestamp-query' }, async () => {
  const probe = await wasm.probeWebGpu();
  assert.ok(probe.adapter_found && !probe.timestamp_query, JSON.stringify(probe));
  assert.match(probe.refusal, /timestamp-query/);
  // Before, cubecl-wgpu panicked on the first kernel and the worker died with "unreachable".
  await assert.rejects(wasm.Studio.create('gpu'), /lacks the timestamp-query feature/);
  const studio = await wasm.Studio.create('auto');
  const backend = studio.backend();
  assert.equal(backend.kind, 'cpu');
  assert.match(backend.reason, probe.real_gpu ? /timestamp-query/ : /software fallback/);
});

test('burn on Dawn: a VAE step\'s gradient, the test-set evaluation and reconstructions match the CPU; training lowers the loss', async () => {
  // As the page's training worker does: an adapter without timestamp-query declares it to burn,
  // which then must never create a query set (it would need the feature).
  declareTimestampQuery(navigator.gpu);
  let querySets = 0;
  const createQuerySet = GPUDevice.prototype.createQuerySet;
  GPUDevice.prototype.createQuerySet = function counted(...args) { querySets += 1; return createQuerySet.apply(this, args); };
  const gpu = await studioOn('gpu');
  assert.equal(gpu.backend().kind, 'gpu');
  if (lacksTimestamps) assert.match(gpu.backend().reason, /lacks timestamp-query, which burn is told it has/);
  const cpu = await studioOn('cpu');
  cpu.configure(vaeConfig(), training);
  const weights = await cpu.exportWeights(false, 'dawn test');

  // One data-parallel step from the same weights, this session leading and a CPU replica taking
  // the other half of the batch: with one replica the leader hands over its own gradient for the
  // replica to complete the sum with its share (as the worker does, once its share is done).
  // Its draws (the VAE's noise) are seeded by row, so both leaders compute the same function.
  const leaderGradient = async (studio) => {
    studio.resume(weights, training, 0);
    const replica = new wasm.Replica();
    replica.loadTrainSet('mnist', mnist.trainImages, mnist.trainLabels);
    replica.start(weights, training, 0, 1, 2);
    let own = null;
    let pending;
    let completed;
    const pool = {
      count: 1,
      yielding: false,
      startShares() { pending = replica.share(undefined); },
      async collect() { return [(await pending).slice()]; },
      complete(leaderShare) {
        own = leaderShare.slice();
        completed = pending.then(() => replica.complete(leaderShare));
      },
      apply() { throw new Error('one replica completes the sum itself'); },
    };
    const progress = await studio.trainStepsShared(1, pool);
    await completed;
    assert.ok(own, 'the leader handed over its own share');
    return { gradient: own, loss: progress.trainLoss };
  };
  const onCpu = await leaderGradient(cpu);
  const onGpu = await leaderGradient(gpu);
  assert.ok(Math.abs(onCpu.loss - onGpu.loss) <= 1e-3 * Math.abs(onCpu.loss), `step loss: cpu ${onCpu.loss}, gpu ${onGpu.loss}`);
  const scale = largest(onCpu.gradient);
  const gap = largestGap(onCpu.gradient, onGpu.gradient);
  assert.ok(scale > 0 && gap <= 1e-3 * scale, `gradient differs by ${gap} (largest entry ${scale})`);

  // The test-set evaluation and a batch of reconstructions, same weights, both backends.
  cpu.resume(weights, training, 0);
  gpu.resume(weights, training, 0);
  const timed = async (work) => { const start = performance.now(); const value = await work(); return [value, performance.now() - start]; };
  const [cpuEvaluation, cpuEvaluationMs] = await timed(() => cpu.evaluate(10_000));
  const [gpuEvaluation, gpuEvaluationMs] = await timed(() => gpu.evaluate(10_000));
  assert.ok(Math.abs(cpuEvaluation.loss - gpuEvaluation.loss) <= 1e-3 * cpuEvaluation.loss, `test loss: cpu ${cpuEvaluation.loss}, gpu ${gpuEvaluation.loss}`);
  const indices = Uint32Array.from({ length: 64 }, (_, i) => i * 7);
  const [cpuImages, cpuReconstructMs] = await timed(() => cpu.reconstruct(indices));
  const [gpuImages, gpuReconstructMs] = await timed(() => gpu.reconstruct(indices));
  assert.ok(largestGap(cpuImages, gpuImages) <= 1e-3, `reconstructions differ by ${largestGap(cpuImages, gpuImages)}`);

  // A short run on the GPU from fresh weights: the loss falls.
  gpu.configure(vaeConfig(), training);
  const first = await gpu.trainSteps(5);
  let last = first;
  const start = performance.now();
  for (let chunk = 0; chunk < 8; chunk += 1) last = await gpu.trainSteps(5);
  const samplesPerSecond = (40 * 128) / ((performance.now() - start) / 1000);
  assert.ok(last.trainLoss < 0.8 * first.trainLoss, `loss went from ${first.trainLoss} to ${last.trainLoss}`);

  assert.equal(querySets, 0, 'burn created a query set');

  const figures = {
    adapter: { ...dawn.info, backend: dawn.backend, featureLevel: dawn.featureLevel, declaredTimestampQuery: lacksTimestamps },
    vaeTrainingSamplesPerSecond: Math.round(samplesPerSecond),
    evaluationMs: { gpu: Math.round(gpuEvaluationMs), cpu: Math.round(cpuEvaluationMs) },
    reconstruct64Ms: { gpu: Math.round(gpuReconstructMs), cpu: Math.round(cpuReconstructMs) },
    gradientGap: gap / scale,
    testLoss: { gpu: gpuEvaluation.loss, cpu: cpuEvaluation.loss },
  };
  console.log(`result ${JSON.stringify(figures)}`);
});
