// End-to-end: the batch views on WebGPU. Chromium here offers only SwiftShader, which the page
// rightly leaves alone; `?views=gpu` starts the WebGPU views worker on it anyway, as the page does
// on a real GPU by itself. The passes over the test set then run on WebGPU, the CPU Lab adopts
// their codes and errors, and the drawn digit keeps its point on the map and its percentile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { studioSession } from '../support/browser.mjs';

const { page, problems } = studioSession({ before, after, query: '?views=gpu' });

test('with a WebGPU views worker, the latent map and the anomaly scores come from WebGPU', async () => {
  await page.waitForFunction(() => window.aestudio.views, null, { timeout: 120_000 });
  const views = await page.evaluate(() => window.aestudio.views);
  assert.equal(views.backend, 'gpu', `views: ${JSON.stringify(views)}`);
  assert.ok(views.denoiseMs.cpu > 0 && views.denoiseMs.gpu > 0);
  assert.match(await page.textContent('#views-backend'), /run on WebGPU .* A drawn digit goes to (the CPU|WebGPU): at start it came back in/);

  // A new model in use: its map and its anomaly histogram need a pass over the 10,000 test images.
  await page.selectOption('#pretrained', 'vae');
  await page.waitForFunction(() => /pretrained vae$/.test(document.getElementById('model-name').textContent)
    && window.aestudio.viewsPass && window.aestudio.anomaly && window.aestudio.map?.points.length === 20_000
    && !window.aestudio.busy, null, { timeout: 180_000 });
  const pass = await page.evaluate(() => window.aestudio.viewsPass);
  assert.equal(pass.images, 10_000, `the WebGPU Lab scored the test set: ${JSON.stringify(pass)}`);
  const { threshold } = await page.evaluate(() => window.aestudio.anomaly);
  assert.ok(threshold > 0 && threshold < 0.1, `a VAE's 99th-percentile error per pixel: ${threshold}`);
  console.log(`views ${JSON.stringify({ ...views, pass })}`);

  // The digit in the Draw panel, on the CPU Lab (or the faster one), placed on the map and ranked.
  const gallery = page.locator('#gallery');
  const { width, height } = await gallery.boundingBox();
  await gallery.click({ position: { x: 3.5 * width / 10, y: height / 2 } });
  await page.waitForFunction(() => window.aestudio.denoised?.percentile != null && !window.aestudio.busy, null, { timeout: 30_000 });
  const denoised = await page.evaluate(() => window.aestudio.denoised);
  assert.ok(Array.isArray(denoised.point) && denoised.point.every(Number.isFinite), `point ${JSON.stringify(denoised.point)}`);
  assert.ok(denoised.percentile >= 0 && denoised.percentile <= 100);
  assert.deepEqual(problems, [], 'no console errors');
});
