// End-to-end: the served page in headless Chromium, driven as a person would. One page and one
// browser profile for the whole file, in order: what a test trains or loads, the next one finds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium, openStudio, root, serveWww } from '../support/browser.mjs';
import { mse, readCanvasGrid, sum } from '../support/canvas.mjs';

const outDir = fileURLToPath(new URL('./out/', import.meta.url));
let server;
let browser;
let page;
let baseUrl;
const problems = [];
const requested = []; // every URL the page and its workers fetched

before(async () => {
  server = await serveWww();
  baseUrl = server.url;
  browser = await launchChromium();
  mkdirSync(outDir, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
  page.on('pageerror', (err) => problems.push(err.message));
  context.on('request', (request) => requested.push(new URL(request.url()).pathname));
  await openPage();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

const openPage = () => openStudio(page, baseUrl);

const readGrid = (id, columns) => readCanvasGrid(page, id, columns);
const readDigit = async (id) => (await readGrid(id, 1))[0];
const psnr = (a, b) => -10 * Math.log10(Math.max(mse(a, b), 1e-10));

/** Pearson correlation of two equal-length arrays. */
function correlation(a, b) {
  const mean = (x) => sum(x) / x.length;
  const [ma, mb] = [mean(a), mean(b)];
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - ma) * (b[i] - mb);
    da += (a[i] - ma) ** 2;
    db += (b[i] - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}

/** The largest share of an image's ink that one 20x20 box holds (MNIST fits digits in 20x20). */
function inkInBox(image) {
  let best = 0;
  for (let top = 0; top <= 8; top++) for (let left = 0; left <= 8; left++) {
    let inside = 0;
    for (let y = top; y < top + 20; y++) for (let x = left; x < left + 20; x++) inside += image[y * 28 + x];
    best = Math.max(best, inside);
  }
  return best / Math.max(sum(image), 1e-9);
}

/** Waits for a new live-view answer after `action`. */
async function afterUpdate(action) {
  const before = await page.evaluate(() => window.aestudio.latencies.length);
  await action();
  await page.waitForFunction((n) => window.aestudio.latencies.length > n && !window.aestudio.busy, before, { timeout: 30_000 })
    .catch(async (err) => { throw new Error(`${err.message}; page state ${await page.evaluate(() => JSON.stringify(window.aestudio.state()))}`); });
  await page.waitForTimeout(100);
}

/** Clicks digit `slot` (0-9) of the gallery. */
async function pickTestDigit(slot) {
  const gallery = page.locator('#gallery');
  const { width, height } = await gallery.boundingBox();
  await gallery.click({ position: { x: (slot + 0.5) * width / 10, y: height / 2 } });
}

async function drawSeven() {
  await page.click('#clear');
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const pad = await page.locator('#pad').boundingBox();
  await page.mouse.move(pad.x + 80, pad.y + 70);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) await page.mouse.move(pad.x + 80 + i * 10, pad.y + 70);
  for (let i = 1; i <= 16; i++) await page.mouse.move(pad.x + 200 - i * 5, pad.y + 70 + i * 10);
  await page.mouse.up();
}

/** Opens the training form's "more settings" (a reload closes it again). */
const openMoreSettings = () => page.$eval('#more-settings', (details) => { details.open = true; });

test('a digit drawn with the mouse comes back as an MNIST-like digit', async () => {
  // On arrival the denoising VAE (it also generates) is in use; the DAE is one pick away.
  assert.match(await page.textContent('#model-info'), /denoising VAE .* pretrained dvae/, 'the pretrained denoising VAE is in use at once');
  await page.selectOption('#pretrained', 'dae');
  await page.waitForFunction(() => /pretrained dae$/.test(document.getElementById('model-name').textContent) && !window.aestudio.busy);
  await page.waitForFunction(() => window.aestudio.model.codeSize === 32 && window.aestudio.units?.meanActivations.length === 32, null, { timeout: 60_000 });
  await page.selectOption('#noise-kind', 'none');
  await afterUpdate(drawSeven);
  const input = await readDigit('input');
  const output = await readDigit('output');
  assert.ok(sum(input) > 30, `the drawing reached the 28x28 input (ink ${sum(input).toFixed(1)})`);
  assert.ok(inkInBox(input) > 0.99, `the input is fitted into the 20x20 box (${inkInBox(input).toFixed(3)})`);
  assert.ok(sum(output) > 30 && inkInBox(output) > 0.9, `the output is a digit inside the box (ink ${sum(output).toFixed(1)}, ${inkInBox(output).toFixed(3)} inside)`);
  const r = correlation(input, output);
  assert.ok(r > 0.6, `the output follows the drawing (correlation ${r.toFixed(2)})`);
  assert.match(await page.textContent('#latency'), /median [0-9.]+ ms, 95th percentile [0-9.]+ ms/);

  // Undo takes the last stroke away; the input loses ink.
  await afterUpdate(() => page.click('#undo'));
  assert.equal(sum(await readDigit('input')), 0, 'one stroke drawn, one undone: the input is empty');
});

test('a noisy test digit comes out closer to the clean one (PSNR up)', async () => {
  // The shipped DAE was trained on Gaussian noise; masking, which it never saw, gains less: over
  // seeds 1 to 20, 8.3 to 11.0 dB against 0.6 to 1.8 dB on these two digits (2026-12-07).
  for (const [kind, level, gain] of [['gaussian', '0.5', 3], ['masking', '0.5', 0.5]]) {
    await page.selectOption('#noise-kind', kind);
    await page.$eval('#noise-level', (slider, value) => { slider.value = value; slider.dispatchEvent(new Event('input')); }, level);
    for (const slot of [0, 4]) {
      await afterUpdate(() => pickTestDigit(slot));
      const [clean, noisy, output] = [await readDigit('input'), await readDigit('noisy'), await readDigit('output')];
      const [before, after] = [psnr(noisy, clean), psnr(output, clean)];
      assert.ok(after > before + gain, `${kind} noise on test digit ${slot}: PSNR ${before.toFixed(1)} dB noisy, ${after.toFixed(1)} dB denoised`);
      assert.match(await page.textContent('#figures'), /noisy [0-9.]+ dB → output [0-9.]+ dB/);
    }
  }
});

test('what the code is good for: a test digit scores as normal, a filled square is flagged; units, probe, k-means', async () => {
  await page.waitForFunction(() => window.aestudio.anomaly && window.aestudio.units, null, { timeout: 60_000 });
  await afterUpdate(() => pickTestDigit(3));
  const digit = await page.evaluate(() => window.aestudio.denoised);
  assert.ok(digit.percentile < 0.99, `a test digit's score sits at the ${digit.percentile} quantile`);
  assert.doesNotMatch(await page.locator('#anomaly-note').getAttribute('class'), /flagged/);

  // A solid square is not a digit: its reconstruction error is past the 99th percentile.
  await page.click('#clear');
  const pad = await page.locator('#pad').boundingBox();
  await afterUpdate(async () => {
    await page.mouse.move(pad.x + 50, pad.y + 50);
    await page.mouse.down();
    for (let row = 0; row <= 18; row++) {
      await page.mouse.move(pad.x + (row % 2 ? 50 : 230), pad.y + 50 + row * 10, { steps: 4 });
      await page.mouse.move(pad.x + (row % 2 ? 230 : 50), pad.y + 50 + row * 10, { steps: 4 });
    }
    await page.mouse.up();
  });
  const square = await page.evaluate(() => window.aestudio.denoised);
  const { threshold } = await page.evaluate(() => window.aestudio.anomaly);
  assert.ok(square.score > threshold, `square ${square.score} against the 99th percentile ${threshold}`);
  assert.match(await page.locator('#anomaly-note').getAttribute('class'), /flagged/);
  assert.match(await page.locator('#anomaly-note').textContent(), /does not look like the digits/);

  const units = await page.evaluate(() => ({ ...window.aestudio.units, meanActivations: [...window.aestudio.units.meanActivations] }));
  assert.equal(units.meanActivations.length, 32, 'one mean per code unit of the pretrained DAE');
  assert.equal(units.filterCount, 64);
  const filters = (await readGrid('filters', 16)).slice(0, 64);
  const spread = (image) => Math.max(...image) - Math.min(...image);
  assert.ok(filters.every((f) => spread(f) > 0.5), 'every filter image spans dark to light');

  await page.selectOption('#probe-labels', '1000');
  await page.click('#probe');
  await page.waitForFunction(() => window.aestudio.probe, null, { timeout: 180_000 });
  const probe = await page.evaluate(() => window.aestudio.probe);
  assert.ok(probe.codes > 0.8 && probe.pixels > 0.75, `1,000 labels: codes ${probe.codes}, pixels ${probe.pixels}`);
  assert.match(await page.locator('#probe-result').textContent(), /1,000 labels: \d+\.\d% test accuracy on the codes/);
  await page.click('#cluster');
  await page.waitForFunction(() => window.aestudio.cluster, null, { timeout: 120_000 });
  const cluster = await page.evaluate(() => window.aestudio.cluster);
  assert.ok(cluster.accuracy > 0.45 && cluster.nmi > 0.4, `k-means on the codes: ${JSON.stringify(cluster)}`);
  assert.ok(await page.isHidden('#pca-map'), 'no empty PCA map before PCA is fitted');
  assert.ok(await page.isHidden('#samples'), 'a model without a prior shows no empty sample grid');
  await page.click('#pca');
  await page.waitForFunction(() => window.aestudio.pca, null, { timeout: 120_000 });
  const pca = await page.evaluate(() => ({ ...window.aestudio.pca, points: window.aestudio.pca.points.length }));
  // PCA(32) of MNIST has a test error of 0.0168 per pixel (CLI `pca`); the DAE's clean-input error is lower.
  assert.ok(Math.abs(pca.pcaMse - 0.0168) < 0.001 && pca.modelMse < pca.pcaMse, `PCA ${pca.pcaMse} against the model ${pca.modelMse}`);
  assert.equal(pca.points, 20_000, 'every test image on the first two principal directions');
  assert.ok(await page.isVisible('#pca-map'), 'the PCA map is shown once fitted');
  await afterUpdate(drawSeven); // leaves a digit on the pad for the screenshots that follow
});

test('the pretrained VAE generates varied digits, interpolates and maps the test set', async () => {
  await page.selectOption('#pretrained', 'vae');
  await page.waitForFunction(() => window.aestudio.model?.hasPrior && !window.aestudio.busy, null, { timeout: 60_000 });
  await page.waitForFunction(() => document.getElementById('map-note').textContent.includes('principal directions'), null, { timeout: 60_000 });
  // The DAE's probe, k-means and PCA results are gone with it.
  assert.match(await page.textContent('#pca-result'), /^PCA with as many components as the code/);
  assert.match(await page.textContent('#probe-result'), /^A softmax classifier/);
  assert.ok(await page.isHidden('#pca-map'), 'the PCA map went with the DAE');
  assert.ok(await page.isVisible('#samples'), 'a VAE shows its samples');
  const samples = await readGrid('samples', 8);
  assert.equal(samples.length, 64);
  for (const [i, sample] of samples.entries()) assert.ok(sum(sample) > 20, `sample ${i} is not blank (ink ${sum(sample).toFixed(1)})`);
  let identical = 0;
  for (let i = 1; i < samples.length; i++) if (mse(samples[i], samples[0]) < 1e-3) identical++;
  assert.equal(identical, 0, 'no sample repeats the first');

  // Interpolation from a 0 to a 1 (gallery slots 0 and 1): the ends are those digits.
  const pick = (slot) => afterUpdate(() => pickTestDigit(slot));
  await pick(0);
  await page.click('#set-a');
  const zero = await readDigit('input');
  await pick(1);
  await page.click('#set-b');
  const one = await readDigit('input');
  await page.waitForTimeout(300);
  const line = await readGrid('interpolation', 10);
  assert.ok(correlation(line[0], zero) > 0.7 && correlation(line[9], one) > 0.7, 'the ends of the interpolation are the two digits');
  assert.ok(correlation(line[0], line[9]) < correlation(line[0], line[4]), 'the middle lies between them');

  // The scatter has points of several colours, and a click decodes a digit.
  const colours = await page.evaluate(() => {
    const canvas = document.getElementById('map');
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const seen = new Set();
    for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] < 700) seen.add(`${data[i] >> 4},${data[i + 1] >> 4},${data[i + 2] >> 4}`);
    return seen.size;
  });
  assert.ok(colours >= 10, `the map is coloured by label (${colours} colours)`);
  await page.locator('#map').click();
  await page.waitForTimeout(300);
  assert.ok(sum(await readDigit('picked')) > 20, 'clicking the map decodes a digit');
  // The whole page with the VAE in use (tests/e2e/out; the README shows the first view instead).
  await pickTestDigit(7);
  const box = await page.locator('#map').boundingBox();
  await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.55);
  await page.waitForTimeout(700); // the traversal grid follows 400 ms after the input rests
  await page.waitForFunction(() => !window.aestudio.busy);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${outDir}/studio.png`, fullPage: true });

  // The 2-D VAE shows its manifold, as in the VAE paper's figures.
  await page.selectOption('#pretrained', 'vae-2d');
  await page.waitForFunction(() => !document.getElementById('manifold-box').hidden && !window.aestudio.busy, null, { timeout: 60_000 });
  const grid = await readGrid('manifold', 15);
  assert.ok(grid.every((image) => sum(image) > 10), 'every cell of the manifold holds a digit');
  assert.ok(mse(grid[0], grid[224]) > 0.02, 'opposite corners of the manifold differ');
  const vaeRadius = await page.evaluate(() => {
    const points = window.aestudio.map.points;
    let total = 0;
    for (let i = 0; i < points.length; i += 2) total += Math.hypot(points[i], points[i + 1]);
    return total / (points.length / 2);
  });

  // The adversarial AE with the ring prior: its 10,000 test codes take the ring's shape (radius
  // 4, ten sectors), where the 2-D VAE's sit in a disc around 0.
  await page.selectOption('#pretrained', 'aae-ring');
  await page.waitForFunction(() => /adversarial AE \(prior ring/.test(document.getElementById('model-info').textContent) && !window.aestudio.busy, null, { timeout: 60_000 });
  const ring = await page.evaluate(() => {
    const points = window.aestudio.map.points;
    const sectors = new Array(10).fill(0);
    for (let i = 0; i < points.length; i += 2) {
      const angle = (Math.atan2(points[i + 1], points[i]) + 2 * Math.PI + Math.PI / 10) % (2 * Math.PI);
      sectors[Math.floor(angle / (2 * Math.PI / 10)) % 10] += 1;
    }
    let total = 0;
    for (let i = 0; i < points.length; i += 2) total += Math.hypot(points[i], points[i + 1]);
    return { radius: total / (points.length / 2), sectors: sectors.map((count) => count / (points.length / 2)) };
  });
  assert.ok(ring.radius > 3 && ring.radius < 5.5, `the codes lie on the ring (mean radius ${ring.radius.toFixed(2)})`);
  assert.ok(ring.sectors.every((share) => share > 0.03), `every component holds codes: ${ring.sectors.map((s) => s.toFixed(3))}`);
  assert.ok(vaeRadius < 0.6 * ring.radius, `the 2-D VAE's codes sit inside (mean radius ${vaeRadius.toFixed(2)})`);
  assert.ok(await page.isVisible('#samples'), 'the ring model samples from its prior');
  await page.waitForFunction(() => !window.aestudio.busy);
  await page.locator('#latent-panel').screenshot({ path: `${outDir}/ring.png` });
  copyFileSync(`${outDir}/ring.png`, `${root}/www/screenshot-ring.png`);
});

test('the form refuses impossible settings with the reason', async () => {
  // The network's, the noise's and the optimizer's fields wait behind "more settings".
  assert.ok(await page.isHidden('input[name=code_size]'));
  await openMoreSettings();
  // Every field and button stays inside its cell: number inputs are wider than a 9rem column by default.
  const spills = await page.evaluate(() => [...document.querySelectorAll('#train-form input, #train-form select, #train-form button')]
    .filter((field) => field.getBoundingClientRect().right > field.parentElement.getBoundingClientRect().right + 0.5)
    .map((field) => field.name || field.id));
  assert.deepEqual(spills, [], 'form fields that spill out of their cell');
  await page.selectOption('#preset', 'ae');
  for (const [field, value, reason] of [
    ['code_size', '0', /code size must be between 1 and 16384, got 0/],
    ['batch_size', '70000', /batch size 70000 is larger than the training set \(60000 images\)/],
    ['learning_rate', '-1', /learning rate must be in \(0, 1\], got -1/],
    ['widths', '400, x', /widths must be whole numbers/],
  ]) {
    const before = await page.inputValue(`input[name=${field}]`);
    await page.fill(`input[name=${field}]`, value);
    await page.waitForFunction(() => document.getElementById('form-check').textContent.startsWith('Cannot train this'));
    assert.match(await page.textContent('#form-check'), reason);
    assert.equal(await page.isDisabled('#train'), true, `Train is disabled while ${field} is ${value}`);
    await page.fill(`input[name=${field}]`, before);
    await page.waitForFunction(() => !document.getElementById('form-check').textContent.startsWith('Cannot'));
  }
  assert.equal(await page.isDisabled('#train'), false);

  // The sparse and contractive presets carry their penalties into the form, and back out.
  await page.selectOption('#preset', 'sparse-kl');
  await page.waitForFunction(() => document.getElementById('form-check').textContent.startsWith('sparse AE (KL, rho 0.05, lambda 0.1)'));
  await page.fill('input[name=rho]', '1');
  await page.waitForFunction(() => document.getElementById('form-check').textContent.includes('rho must be in (0, 1), got 1'));
  await page.selectOption('select[name=code_activation]', 'relu');
  await page.fill('input[name=rho]', '0.05');
  await page.waitForFunction(() => document.getElementById('form-check').textContent.includes('needs a sigmoid code activation'));
  await page.selectOption('#preset', 'cae');
  await page.waitForFunction(() => document.getElementById('form-check').textContent.startsWith('contractive AE (lambda 0.01), dense 784-64-784'));
});

test('training in the page: the loss falls, pause holds, resume continues, stop keeps the model', async () => {
  await openMoreSettings();
  await page.selectOption('#preset', 'ae');
  await page.fill('input[name=epochs]', '3');
  // Two CPU workers share each batch (data-parallel): the chart below is that run's.
  await page.selectOption('#workers', '2');
  await page.click('#train');
  await page.waitForFunction(() => document.getElementById('form-check').textContent.endsWith('each batch shared by 2 CPU workers'), null, { timeout: 60_000 });
  await page.waitForFunction(() => window.aestudio.series.train.filter((v) => v != null).length >= 8, null, { timeout: 120_000 });
  const losses = await page.evaluate(() => window.aestudio.series.train.filter((v) => v != null));
  assert.ok(losses.at(-1) < 0.8 * losses[0], `the chart's train loss fell: ${losses.map((v) => v.toFixed(4))}`);
  // The core's pace of the run: a rate, and the time the remaining steps take at it.
  const status = await page.textContent('#status');
  const [, rate, left] = status.match(/step \d+\/\d+ · ([\d,]+) samples\/s · (.+?) left/) ?? [];
  assert.ok(Number(rate?.replace(/,/g, '')) > 100, `a training rate in the status: ${status}`);
  assert.ok(left && left !== '0 s', `the time left in the status: ${status}`);
  const pace = await page.evaluate(() => window.aestudio.trainingRate);
  assert.ok(pace.steps > 0 && pace.trainingSeconds > 0 && pace.secondsLeft > 0, JSON.stringify(pace));
  // The live view follows the model being trained.
  await page.waitForFunction(() => /trained in this tab/.test(document.getElementById('model-info').textContent), null, { timeout: 30_000 });

  await page.locator('#train-panel').screenshot({ path: `${outDir}/training.png` });
  copyFileSync(`${outDir}/training.png`, `${root}/www/screenshot-training.png`);
  await page.click('#pause');
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('paused'), null, { timeout: 30_000 });
  const stepOf = async () => Number((await page.textContent('#status')).match(/step (\d+)/)[1]);
  const pausedAt = await stepOf();
  await page.waitForTimeout(1500);
  assert.equal(await stepOf(), pausedAt, 'no step is taken while paused');
  await page.click('#pause'); // now labelled Resume
  await page.waitForFunction((step) => Number(document.getElementById('status').textContent.match(/step (\d+)/)?.[1]) > step, pausedAt, { timeout: 30_000 });

  // Drawing has priority: while the pointer is down a run that takes every core (here, on any
  // machine) waits after its current step, and says so; after the pointer lifts, it goes on.
  await page.evaluate(() => { window.aestudio.drawingPriority = 'always'; });
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const pad = await page.locator('#pad').boundingBox();
  await page.mouse.move(pad.x + 140, pad.y + 50);
  await page.mouse.down();
  const stroke = async (from) => {
    for (let i = from; i <= from + 20; i++) {
      await page.mouse.move(pad.x + 140, pad.y + 50 + i * 4);
      await page.waitForTimeout(25);
    }
  };
  await stroke(1);
  await page.waitForFunction(() => /you are drawing: training waits until you lift the pointer/.test(document.getElementById('status').textContent), null, { timeout: 30_000 });
  const stepsWhenWaiting = await page.evaluate(() => window.aestudio.trainingRate.steps);
  await stroke(21);
  assert.equal(await page.evaluate(() => window.aestudio.trainingRate.steps), stepsWhenWaiting, 'no step is taken while the visitor draws');
  await page.mouse.up();
  await page.waitForFunction(() => /waited [\d.]+ s while you drew/.test(document.getElementById('status').textContent), null, { timeout: 30_000 });
  assert.ok(await page.evaluate(() => window.aestudio.trainingRate.steps) > stepsWhenWaiting, 'the run goes on after the pointer lifts');
  await page.evaluate(() => { window.aestudio.drawingPriority = undefined; });

  await page.click('#stop');
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('stopped'), null, { timeout: 30_000 });
  assert.equal(await page.isHidden('#error'), true, 'no error is shown');
  await page.waitForFunction(() => /trained in this tab/.test(document.getElementById('model-info').textContent) && !window.aestudio.busy);
  // The weight file says how it was trained, in the core's words.
  assert.match(await page.textContent('#model-provenance'), /, trained in the browser on MNIST: \d of 3 epochs \(step \d+, batch 128, lr 0\.001\)$/);
});

test('a diverging run stops with the reason and the last good weights stay in use', async () => {
  await page.selectOption('#preset', 'vae');
  await page.fill('input[name=learning_rate]', '1');
  await page.fill('input[name=batch_size]', '32');
  await page.click('#train');
  await page.waitForSelector('#error:not([hidden])', { timeout: 120_000 });
  assert.match(await page.textContent('#error'), /training diverged at epoch \d+, step \d+: the loss became (NaN|inf).*last good weights were kept/);
  assert.equal(await page.isDisabled('#train'), false, 'the form is usable again');
  await page.waitForFunction(() => !window.aestudio.busy);
  await pickTestDigit(3);
  await page.waitForFunction(() => !window.aestudio.busy);
  const output = await readDigit('output');
  assert.ok(output.every(Number.isFinite) && sum(output) > 20, 'the model in use still reconstructs');
  await page.fill('input[name=learning_rate]', '0.001');
});

test('a visitor without a real GPU downloads only the CPU-only wasm build', () => {
  // Chromium here offers SwiftShader, a software adapter: the page must not fetch the WebGPU build.
  assert.ok(requested.includes('/pkg/aestudio_bg.wasm'), `fetched: ${requested.join(', ')}`);
  assert.deepEqual(requested.filter((path) => path.includes('pkg-gpu')), []);
});

test('a WebGPU device lost mid-run: training goes on on the CPU from the last weights', async () => {
  await page.goto(`${baseUrl}?test-hooks`);
  await page.waitForFunction(() => !document.getElementById('train').disabled, null, { timeout: 120_000 });
  await openMoreSettings();
  // Chromium's software adapter: slow, but a real WebGPU device that the test can destroy.
  await page.selectOption('#backend-choice', 'gpu');
  await page.waitForFunction(() => document.getElementById('backend').dataset.kind === 'gpu'
    && !document.getElementById('train').disabled, null, { timeout: 120_000 });
  assert.ok(requested.includes('/pkg-gpu/aestudio_bg.wasm'), 'asking for WebGPU fetched the WebGPU build');
  await page.selectOption('#preset', 'ae');
  await page.fill('input[name=batch_size]', '32');
  await page.click('#train');
  await page.waitForFunction(() => window.aestudio.snapshots > 0, null, { timeout: 180_000 });
  await page.evaluate(() => window.aestudio.loseDevice());
  await page.waitForFunction(() => document.getElementById('notice').textContent.includes('WebGPU'), null, { timeout: 60_000 });
  assert.match(await page.textContent('#notice'), /WebGPU failed during training \(.+\)\. The run continues on the CPU backend from the weights of step \d+\./);
  await page.waitForFunction(() => document.getElementById('backend').dataset.kind === 'cpu', null, { timeout: 60_000 });
  const stepOf = async () => Number((await page.textContent('#status')).match(/step (\d+)/)?.[1] ?? 0);
  const resumedAt = await stepOf();
  await page.waitForFunction((step) => Number(document.getElementById('status').textContent.match(/step (\d+)/)?.[1]) > step + 20,
    resumedAt, { timeout: 60_000 });
  assert.equal(await page.isHidden('#error'), true, 'the loss was handled, not shown as an error');
  await page.click('#stop');
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('stopped'), null, { timeout: 30_000 });
  await openPage(); // back to the page without test hooks
});

test('save, reload: the model is restored; a corrupted file is refused and the model keeps working', async () => {
  const info = await page.textContent('#model-info');
  const description = info.split(' · ')[0];
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
  const saved = readFileSync(await download.path());
  const headerLength = Number(saved.readBigUInt64LE(0));
  const header = JSON.parse(saved.subarray(8, 8 + headerLength).toString());
  assert.equal(header.__metadata__.format, 'aestudio', 'a safetensors file with our metadata');
  assert.equal(JSON.parse(header.__metadata__.config).code_size, 32);

  await openPage();
  assert.match(await page.textContent('#model-info'), /restored from this browser/);
  assert.equal((await page.textContent('#model-info')).split(' · ')[0], description, 'the same model came back');

  const corrupted = `${outDir}/corrupted.safetensors`;
  writeFileSync(corrupted, saved.subarray(0, saved.length - 1000));
  await page.setInputFiles('#load', corrupted);
  await page.waitForSelector('#model-error:not([hidden])');
  assert.match(await page.textContent('#model-error'), /weights: .*(truncated|corrupted).*The model in use was kept/);
  assert.equal((await page.textContent('#model-info')).split(' · ')[0], description, 'the model in use did not change');
  await page.selectOption('#noise-kind', 'gaussian');
  await afterUpdate(drawSeven);
  assert.ok(sum(await readDigit('output')) > 30, 'the kept model still denoises');

  await page.screenshot({ path: `${outDir}/end.png`, fullPage: true });
  assert.deepEqual(problems, [], 'nothing reached the console as an error');
});

test('Fashion-MNIST: the page switches its test set, classes and trainer; each pretrained model brings its dataset', async () => {
  const mnistGallery = await readGrid('gallery', 10);
  await page.evaluate(() => { window.aestudio.anomaly = null; });
  await page.selectOption('#dataset-choice', 'fashion-mnist');
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('Fashion-MNIST loaded'), null, { timeout: 120_000 });
  await page.waitForFunction(() => window.aestudio.anomaly && !window.aestudio.busy, null, { timeout: 60_000 });
  assert.match(await page.locator('#gallery-note').textContent(), /Fashion-MNIST test clothes/);
  assert.match(await page.locator('#legend').textContent(), /Sneaker/);
  const clothes = await readGrid('gallery', 10);
  const ink = (images) => sum(images.map(sum)) / images.length;
  assert.ok(ink(clothes) > 1.5 * ink(mnistGallery), `clothes carry more ink than digits: ${ink(clothes)} against ${ink(mnistGallery)}`);
  // A model of digits finds clothes hard to reconstruct: the median score is far higher.
  await afterUpdate(() => pickTestDigit(7));
  const sneaker = await page.evaluate(() => window.aestudio.denoised);
  assert.ok(sneaker.score > 0.02, `a sneaker through a digit model: ${sneaker.score}`);

  // The pretrained Fashion-MNIST denoiser reconstructs the same sneaker far better, as a normal input.
  await page.evaluate(() => { window.aestudio.anomaly = null; });
  await page.selectOption('#pretrained', 'dae-fashion');
  await page.waitForFunction(() => /pretrained dae-fashion/.test(document.getElementById('model-info').textContent)
    && window.aestudio.anomaly && !window.aestudio.busy, null, { timeout: 60_000 });
  assert.equal(await page.inputValue('#dataset-choice'), 'fashion-mnist');
  await afterUpdate(() => pickTestDigit(7));
  const sneakerAgain = await page.evaluate(() => window.aestudio.denoised);
  assert.ok(sneakerAgain.score < 0.5 * sneaker.score && sneakerAgain.percentile < 0.99,
    `a sneaker through the clothes model: ${sneakerAgain.score} (quantile ${sneakerAgain.percentile})`);

  await page.selectOption('#pretrained', 'dae');
  await page.waitForFunction(() => document.getElementById('dataset-choice').value === 'mnist'
    && document.getElementById('gallery-note').textContent.startsWith('MNIST'), null, { timeout: 60_000 });
  assert.deepEqual((await readGrid('gallery', 10)).map(sum).map(Math.round), mnistGallery.map(sum).map(Math.round));

  // A Fashion-MNIST model file loaded from disk says which data set it learned: the page shows
  // Fashion-MNIST's test set with it, not the MNIST one it was showing.
  await page.setInputFiles('#load', `${root}/www/models/dae-fashion.safetensors`);
  await page.waitForFunction(() => /loaded from dae-fashion/.test(document.getElementById('model-info').textContent)
    && document.getElementById('gallery-note').textContent.startsWith('Fashion-MNIST'), null, { timeout: 60_000 });
  assert.equal(await page.inputValue('#dataset-choice'), 'fashion-mnist');
  assert.deepEqual((await readGrid('gallery', 10)).map(sum).map(Math.round), clothes.map(sum).map(Math.round), 'the clothes are back');
  assert.deepEqual(problems, [], 'no console errors');
});
