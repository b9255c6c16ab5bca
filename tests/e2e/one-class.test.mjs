// End-to-end: the one-class protocol in the page. A denoising AE trained on the 1s alone (two
// CPU workers) tells the other digits' test images from the 1s, and then a drawn 0 is flagged
// while a test 1 is not; loading a pretrained model goes back to every class.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { studioSession } from '../support/browser.mjs';

const { page, problems } = studioSession({ before, after });

async function pickTestDigit(slot) {
  const gallery = page.locator('#gallery');
  const { width, height } = await gallery.boundingBox();
  await gallery.click({ position: { x: (slot + 0.5) * width / 10, y: height / 2 } });
  await page.waitForFunction(() => !window.aestudio.busy);
  await page.waitForTimeout(200);
  await page.waitForFunction(() => !window.aestudio.busy);
}

test('a model trained on the 1s alone flags the other digits', async () => {
  await page.click('#one-class-box summary');
  // Nothing picked, or everything: refused with the reason, no run.
  await page.uncheck('#class-picks input[value="1"]');
  await page.click('#one-class-train');
  // The core checks the run (in the live worker), so the reason arrives after a round trip.
  await page.waitForFunction(() => /pick one to nine classes/i.test(document.getElementById('one-class-result').textContent), null, { timeout: 10_000 });
  assert.match(await page.textContent('#status'), /Ready to train/, 'no run started');
  await page.check('#class-picks input[value="1"]');
  await page.fill('#one-class-epochs', '2');
  await page.click('#one-class-train');
  await page.waitForFunction(() => window.aestudio.anomaly?.auroc != null && /finished/.test(document.getElementById('status').textContent),
    null, { timeout: 180_000 });
  const { auroc, threshold } = await page.evaluate(() => window.aestudio.anomaly);
  assert.ok(auroc > 0.9, `the other digits' test images score above the 1s' (AUROC ${auroc})`);
  assert.match(await page.textContent('#one-class-result'), /Trained on 1: .* AUROC 0\.9\d\d/);
  assert.match(await page.textContent('#model-name'), /denoising AE .*trained in this tab/);

  await pickTestDigit(1);
  const one = await page.evaluate(() => window.aestudio.denoised);
  assert.ok(one.score < threshold, `a test 1 is normal (${one.score} under ${threshold})`);
  await pickTestDigit(0);
  const zero = await page.evaluate(() => window.aestudio.denoised);
  assert.ok(zero.score > threshold, `a test 0 is flagged (${zero.score} over ${threshold})`);
  assert.match(await page.locator('#anomaly-note').getAttribute('class'), /flagged/);

  // A pretrained model knows every class again: no AUROC, the whole test set's histogram.
  await page.selectOption('#pretrained', 'dae');
  await page.waitForFunction(() => /pretrained dae$/.test(document.getElementById('model-name').textContent)
    && window.aestudio.anomaly && window.aestudio.anomaly.auroc == null, null, { timeout: 60_000 });
  assert.deepEqual(problems, [], 'no console errors');
});
