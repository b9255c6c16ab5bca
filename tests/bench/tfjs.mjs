// TensorFlow.js against the page, in the same Chromium and the same run, alternating: each round
// trains the VAE with TensorFlow.js 4.22 on every backend this browser offers (tfjs/vae.js, in a
// second tab, cross-origin isolated so that its wasm backend may use threads), then in the page
// with 1 and with 2 CPU workers (its status line). Ratios are taken within a round only.
//   node tests/bench/tfjs.mjs [rounds, default 3] [seconds per measurement, default 15]
import { fileURLToPath } from 'node:url';
import { withStudio } from '../support/browser.mjs';

const ROUNDS = Number(process.argv[2] ?? 3);
const SECONDS = Number(process.argv[3] ?? 15);
const here = fileURLToPath(new URL('./', import.meta.url));
const FILES = {
  'vae.html': `${here}tfjs/vae.html`,
  'vae.js': `${here}tfjs/vae.js`,
  'tf.min.js': `${here}node_modules/@tensorflow/tfjs/dist/tf.min.js`,
  'tf-backend-wasm.min.js': `${here}node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js`,
  'tfjs-backend-wasm.wasm': `${here}node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm`,
  'tfjs-backend-wasm-simd.wasm': `${here}node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm`,
  'tfjs-backend-wasm-threaded-simd.wasm': `${here}node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm`,
};
const TYPES = { html: 'text/html', js: 'text/javascript', wasm: 'application/wasm' };
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const range = (values) => `${Math.round(Math.min(...values)).toLocaleString('en')}-${Math.round(Math.max(...values)).toLocaleString('en')}`;

/** A tab serving tfjs/ from this folder and node_modules, cross-origin isolated. */
async function openPeer(page) {
  const peer = await page.context().browser().newPage();
  await peer.route('**/tfjs/**', (route) => {
    const name = new URL(route.request().url()).pathname.split('/tfjs/')[1];
    if (!FILES[name]) return route.fulfill({ status: 404 });
    return route.fulfill({
      path: FILES[name],
      headers: { 'Content-Type': TYPES[name.split('.').pop()], 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    });
  });
  await peer.goto(new URL('tfjs/vae.html', page.url()).href);
  return peer;
}

/** The page's training rate with `workers` CPU workers after `SECONDS` (its status line). */
async function pageRate(page, workers) {
  await page.selectOption('#preset', 'vae');
  await page.fill('input[name=epochs]', '50');
  await page.selectOption('#workers', String(workers));
  await page.click('#train');
  await page.waitForFunction(() => /samples\/s/.test(document.getElementById('status').textContent), null, { timeout: 60_000 });
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const rate = Number(/([\d,]+) samples\/s/.exec(await page.textContent('#status'))[1].replaceAll(',', ''));
  await page.click('#stop');
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('stopped'), null, { timeout: 30_000 });
  return rate;
}

await withStudio(async (page) => {
  await page.click('#more-settings summary');
  await page.selectOption('#backend-choice', 'cpu');
  await page.waitForFunction(() => document.getElementById('backend').dataset.kind === 'cpu' && !document.getElementById('train').disabled);
  const peer = await openPeer(page);
  const backends = await peer.evaluate(() => window.availableBackends());
  console.log(`TensorFlow.js backends offered here: ${backends.join(', ')}; cross-origin isolated: ${await peer.evaluate(() => crossOriginIsolated)}`);
  const rows = Object.fromEntries([...backends.map((b) => `tfjs-${b}`), 'page-1', 'page-2'].map((key) => [key, []]));
  const ratios = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const rates = {};
    for (const backend of backends) {
      const { samplesPerSecond, threads } = await peer.evaluate(([b, s]) => window.trainFor(b, s), [backend, SECONDS]);
      rates[`tfjs-${backend}`] = samplesPerSecond;
      console.log(`round ${round}: TensorFlow.js ${backend}${backend === 'wasm' ? ` (${threads} threads)` : ''}: ${Math.round(samplesPerSecond)} samples/s`);
    }
    for (const workers of [1, 2]) {
      rates[`page-${workers}`] = await pageRate(page, workers);
      console.log(`round ${round}: the page, ${workers} CPU worker(s): ${rates[`page-${workers}`]} samples/s`);
    }
    const best = Math.max(...backends.map((b) => rates[`tfjs-${b}`]));
    const ratio = Math.max(rates['page-1'], rates['page-2']) / best;
    ratios.push(ratio);
    for (const [key, rate] of Object.entries(rates)) rows[key].push(rate);
    console.log(`bench-result ${JSON.stringify({ where: 'page', kind: 'peer', round, rates, ratio })}`);
  }
  console.log(`\n| VAE training, samples/s, batch 128 (${ROUNDS} rounds, alternating) | median | range |`);
  console.log('|---|---|---|');
  for (const [key, values] of Object.entries(rows)) console.log(`| ${key} | ${Math.round(median(values)).toLocaleString('en')} | ${range(values)} |`);
  console.log(`| the page's best / TensorFlow.js's best, per round | ${median(ratios).toFixed(2)}x | ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}x |`);
});
