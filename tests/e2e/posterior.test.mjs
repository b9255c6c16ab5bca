// End-to-end: section 5's perceptual loss and the beta-VAE's claim in the page. A test digit goes
// through the VAE and the DFC-VAE side by side; beside the pretrained VAE's traversals, each code
// unit's KL to the prior is drawn as a bar, with the active units and the code's total
// correlation; a model without a posterior (the DAE) shows none.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { studioSession } from '../support/browser.mjs';

const outDir = fileURLToPath(new URL('./out/', import.meta.url));

const { page, problems } = studioSession({ before, after });

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

function correlation(a, b) {
  const mean = (v) => v.reduce((x, y) => x + y, 0) / v.length;
  const [ma, mb] = [mean(a), mean(b)];
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

test('a digit goes through the VAE and the DFC-VAE side by side', async () => {
  await page.click('#compare-box summary');
  await pickTestDigit(2);
  await page.waitForFunction(() => window.aestudio.compared?.length === 2 * 784 && !window.aestudio.busy, null, { timeout: 60_000 });
  const before = await page.evaluate(() => Array.from(window.aestudio.compared));
  await pickTestDigit(7);
  await page.waitForFunction((old) => window.aestudio.compared.some((v, i) => v !== old[i]), before, { timeout: 30_000 });
  await page.waitForFunction(() => !window.aestudio.busy);
  const { seven, compared } = await page.evaluate(() => ({ seven: Array.from(window.aestudio.denoised.input), compared: Array.from(window.aestudio.compared) }));
  const [vae, dfc] = [compared.slice(0, 784), compared.slice(784)];
  assert.ok(correlation(vae, seven) > 0.7, `the VAE reconstructs the 7 (${correlation(vae, seven).toFixed(2)})`);
  assert.ok(correlation(dfc, seven) > 0.7, `the DFC-VAE reconstructs it from features alone (${correlation(dfc, seven).toFixed(2)})`);
  assert.ok(correlation(vae, before.slice(0, 784)) < 0.9, 'the comparison follows the input');
  mkdirSync(outDir, { recursive: true });
  await page.locator('#live-panel').screenshot({ path: `${outDir}/compare.png` });
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
