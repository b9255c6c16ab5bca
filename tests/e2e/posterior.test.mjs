// End-to-end: the beta-VAE's claim in the page. Beside the pretrained VAE's traversals, each code
// unit's KL to the prior is drawn as a bar, with the active units and the code's total
// correlation; a model without a posterior (the DAE) shows none.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium, openStudio, serveWww } from '../support/browser.mjs';

const outDir = fileURLToPath(new URL('./out/', import.meta.url));

let server;
let browser;
let page;
const problems = [];

before(async () => {
  server = await serveWww();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
  page.on('pageerror', (err) => problems.push(err.message));
  await openStudio(page, server.url);
});

after(async () => {
  await browser?.close();
  server?.stop();
});

async function pickTestDigit(slot) {
  const gallery = page.locator('#gallery');
  const { width, height } = await gallery.boundingBox();
  await gallery.click({ position: { x: (slot + 0.5) * width / 10, y: height / 2 } });
}

/** Pixels of the bars canvas that are painted (not transparent). */
const paintedPixels = () => page.evaluate(() => {
  const canvas = document.getElementById('unit-kl');
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted += 1;
  return painted;
});

test('the VAE shows the KL of each code unit beside its traversals', async () => {
  await page.selectOption('#pretrained', 'vae');
  await page.waitForFunction(() => /^VAE/.test(window.aestudio.model?.description ?? '') && !window.aestudio.busy, null, { timeout: 60_000 });
  await pickTestDigit(3);
  await page.waitForFunction(() => window.aestudio.posterior && !document.getElementById('unit-kl').hidden, null, { timeout: 60_000 });
  const { unitKl, activeUnits, totalCorrelation, images } = await page.evaluate(() => window.aestudio.posterior);
  assert.equal(unitKl.length, 20);
  assert.equal(images, 1000);
  assert.ok(unitKl.every((kl) => kl >= 0), 'a KL is never negative');
  const total = unitKl.reduce((a, b) => a + b, 0);
  assert.ok(total > 15 && total < 45, `the pretrained VAE's KL term is about 25 nats (${total.toFixed(1)})`);
  assert.ok(activeUnits >= 5 && activeUnits <= 20, `${activeUnits} active units`);
  assert.ok(Number.isFinite(totalCorrelation));
  assert.ok(await paintedPixels() > 500, 'the bars are drawn');
  assert.match(await page.textContent('#unit-kl-note'), /units are active/);
  mkdirSync(outDir, { recursive: true });
  await page.locator('#traversal').locator('..').screenshot({ path: `${outDir}/unit-kl.png` });

  await page.selectOption('#pretrained', 'dae');
  await page.waitForFunction(() => /denoising/.test(window.aestudio.model?.description ?? '') && !window.aestudio.busy, null, { timeout: 60_000 });
  await pickTestDigit(4);
  await page.waitForFunction(() => document.getElementById('unit-kl').hidden, null, { timeout: 30_000 });
  assert.deepEqual(problems, []);
});
