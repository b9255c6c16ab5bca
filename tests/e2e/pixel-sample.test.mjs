// End-to-end: a PixelVAE sample forms in the page, pixel by pixel, in a worker of its own, while
// a test digit chosen meanwhile is still denoised at once by the live worker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { studioSession } from '../support/browser.mjs';

const outDir = fileURLToPath(new URL('./out/', import.meta.url));

const { page, problems } = studioSession({ before, after });

test('a PixelVAE sample forms while a digit still denoises live', async () => {
  await page.click('#pixel-sample');
  await page.waitForFunction(() => window.aestudio.pixelSample.drawn >= 56, null, { timeout: 120_000 });
  assert.match(await page.textContent('#pixel-note'), /PixelCNN decoder/);

  // Mid-sample, the live worker answers a new input at once.
  const before = await page.evaluate(() => ({ answers: window.aestudio.latencies.length, drawn: window.aestudio.pixelSample.drawn }));
  const gallery = page.locator('#gallery');
  const { width, height } = await gallery.boundingBox();
  await gallery.click({ position: { x: 5.5 * width / 10, y: height / 2 } });
  await page.waitForFunction((count) => window.aestudio.latencies.length > count, before.answers, { timeout: 10_000 });
  const during = await page.evaluate(() => ({ latency: window.aestudio.latencies.at(-1), drawn: window.aestudio.pixelSample.drawn }));
  assert.ok(during.drawn < 784, `the sample was still forming (${during.drawn} pixels)`);
  assert.ok(during.latency < 1000, `the live view answered in ${during.latency} ms while the sample formed`);

  await page.waitForFunction(() => window.aestudio.pixelSample.finished, null, { timeout: 600_000 });
  const images = await page.evaluate(() => Array.from(window.aestudio.pixelSample.images));
  assert.equal(images.length, 4 * 784);
  assert.ok(images.every((p) => p === 0 || p === 1), 'every pixel is drawn 0 or 1');
  for (let i = 0; i < 4; i++) {
    const ink = images.slice(i * 784, (i + 1) * 784).reduce((a, b) => a + b, 0);
    assert.ok(ink > 30 && ink < 400, `sample ${i} has the ink of a digit (${ink} pixels)`);
  }
  assert.equal(await page.textContent('#pixel-progress-label'), '784 of 784 pixels');
  mkdirSync(outDir, { recursive: true });
  await page.locator('#pixel-samples').screenshot({ path: `${outDir}/pixel-vae.png` });
  assert.deepEqual(problems, []);
});
