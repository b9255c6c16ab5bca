// The benchmark's peer: the page's VAE (784-400-20-400-784, ReLU, Bernoulli decoder, N(0, I)
// prior) trained by TensorFlow.js 4.22 with the same step: batch 128, Adam 1e-3, the negative
// ELBO (binary cross-entropy with logits summed over pixels, plus the closed-form KL) averaged
// over the batch, one reparameterized sample per image. Pixels are random in [0, 1]: a step
// costs the same whatever they are. `trainFor(backend, seconds)` gives samples/s after a warm-up.
/* global tf */
tf.wasm.setWasmPaths(new URL('./', location.href).href);
// Its best: a thread per core, as the page has a worker per core, where the tab is cross-origin
// isolated (the bench serves it so). On the 2-core machine TF.js 4.22 reports 1 thread even so.
tf.wasm.setThreadsCount(navigator.hardwareConcurrency || 1);

const SIZES = { pixels: 784, hidden: 400, code: 20 };
const BATCH = 128;

function dense(inputs, outputs) {
  // He initialization, as burn's and PyTorch's ReLU layers are of the same order.
  return { w: tf.variable(tf.randomNormal([inputs, outputs], 0, Math.sqrt(2 / inputs))), b: tf.variable(tf.zeros([outputs])) };
}

const apply = (layer, x) => tf.add(tf.matMul(x, layer.w), layer.b);

function makeVae() {
  return {
    encoder: dense(SIZES.pixels, SIZES.hidden),
    mean: dense(SIZES.hidden, SIZES.code),
    logVar: dense(SIZES.hidden, SIZES.code),
    decoder: dense(SIZES.code, SIZES.hidden),
    output: dense(SIZES.hidden, SIZES.pixels),
  };
}

/** The negative ELBO of a batch, averaged over it. */
function loss(vae, x) {
  const h = tf.relu(apply(vae.encoder, x));
  const mean = apply(vae.mean, h);
  const logVar = apply(vae.logVar, h);
  const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), tf.randomNormal(mean.shape)));
  const logits = apply(vae.output, tf.relu(apply(vae.decoder, z)));
  // max(l, 0) - l·x + log(1 + exp(-|l|)): the stable BCE with logits.
  const bce = tf.sum(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
  const kl = tf.mul(tf.sum(tf.sub(tf.sub(tf.add(logVar, 1), tf.square(mean)), tf.exp(logVar))), -0.5);
  return tf.div(tf.add(bce, kl), x.shape[0]);
}

/** Every backend this browser can run TensorFlow.js on. */
window.availableBackends = async () => {
  const usable = [];
  for (const name of ['wasm', 'webgl', 'cpu']) {
    try {
      if (await tf.setBackend(name)) usable.push(name);
    } catch { /* not offered here */ }
  }
  return usable;
};

/** Trains a fresh VAE on `backend` for about `seconds` after 10 warm-up steps: `{samplesPerSecond, steps, threads}`. */
window.trainFor = async (backend, seconds) => {
  await tf.setBackend(backend);
  await tf.ready();
  const vae = makeVae();
  const optimizer = tf.train.adam(1e-3);
  const images = tf.randomUniform([BATCH * 8, SIZES.pixels]);
  const batches = Array.from({ length: 8 }, (_, i) => images.slice([i * BATCH, 0], [BATCH, SIZES.pixels]));
  const step = (i) => optimizer.minimize(() => loss(vae, batches[i % batches.length]), true);
  for (let i = 0; i < 10; i++) tf.dispose(step(i));
  await tf.nextFrame();
  const started = performance.now();
  let steps = 0;
  while (performance.now() - started < seconds * 1000) {
    // A readback every 10 steps, as the page reads its losses back.
    let last;
    for (let i = 0; i < 10; i++, steps++) {
      tf.dispose(last);
      last = step(steps);
    }
    await last.data();
    tf.dispose(last);
  }
  const samplesPerSecond = (steps * BATCH) / ((performance.now() - started) / 1000);
  const threads = backend === 'wasm' ? tf.wasm.getThreadsCount() : 1;
  tf.dispose([images, ...batches, ...Object.values(vae).flatMap((layer) => [layer.w, layer.b])]);
  optimizer.dispose();
  return { samplesPerSecond, steps, threads };
};
