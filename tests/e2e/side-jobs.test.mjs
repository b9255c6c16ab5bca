// End-to-end: the jobs the Uses panel runs in the training worker on the model in use: a
// classifier on the code, alone and trained with the decoder, and IDEC fine-tuning, each with
// the trainer busy meanwhile and free again after.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { studioSession } from '../support/browser.mjs';

const { page, problems } = studioSession({ before, after });
const openMoreSettings = () => page.$eval('#more-settings', (details) => { details.open = true; });

test('a classifier on the code, alone and trained with the decoder, on 100 labels', async () => {
  await openMoreSettings();
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Ready to train: MNIST'), null, { timeout: 120_000 });
  await page.selectOption('#preset', 'dae');
  await page.fill('input[name=widths]', '128');
  await page.fill('input[name=code_size]', '16');
  await page.selectOption('#probe-labels', '100');
  await page.click('#semi');
  // The job starts once the live worker has handed over the weights: Train is disabled then.
  await page.waitForFunction(() => document.getElementById('train').disabled, null, { timeout: 30_000 })
    .catch(() => assert.fail('no training run while the trainer compares'));
  await page.waitForFunction(() => window.aestudio.semi, null, { timeout: 300_000 });
  const semi = await page.evaluate(() => window.aestudio.semi);
  assert.ok(semi.alone > 0.4 && semi.joint > 0.4, `100 labels, 2 epochs: ${JSON.stringify(semi)}`);
  assert.match(await page.textContent('#semi-result'), /classifier alone \d+\.\d%, with the decoder \d+\.\d%/);
  assert.ok(!(await page.locator('#train').isDisabled()), 'the trainer is free again');
  assert.deepEqual(problems, [], 'no console errors');
});

test('IDEC fine-tunes the model in use to cluster, its accuracy drawn as it trains, until stopped', async () => {
  await page.selectOption('#pretrained', 'vae');
  await page.waitForFunction(() => /pretrained vae/.test(document.getElementById('model-info').textContent) && !window.aestudio.busy, null, { timeout: 60_000 });
  await page.evaluate(() => { window.aestudio.idec = null; });
  await page.click('#idec-box summary');
  await page.click('#idec-start');
  // The job starts once the live worker has handed over the weights: Train is disabled then.
  await page.waitForFunction(() => document.getElementById('train').disabled, null, { timeout: 30_000 })
    .catch(() => assert.fail('no training run while the trainer clusters'));
  // k-means, then three target updates (every 140 steps): enough to see it move, then Stop.
  await page.waitForFunction(() => window.aestudio.idecSeries.step.length >= 4, null, { timeout: 300_000 });
  await page.click('#idec-stop');
  await page.waitForFunction(() => window.aestudio.idec, null, { timeout: 60_000 });
  const { idec, series, canvases } = await page.evaluate(() => ({
    idec: window.aestudio.idec, series: window.aestudio.idecSeries, canvases: document.querySelectorAll('#idec-chart canvas').length,
  }));
  assert.ok(!idec.error, idec.error);
  assert.ok(canvases >= 1 && series.step.length >= 4, `the accuracy chart is drawn: ${JSON.stringify(series)}`);
  assert.deepEqual(series.step.slice(0, 4), [0, 140, 280, 420], 'k-means, then a point per target update');
  const [before, after] = [series.accuracy[0], idec.progress.accuracy];
  assert.ok(after > before && after > 0.6, `IDEC raises the test clusters' matched accuracy: ${before} -> ${after}`);
  assert.ok(!idec.progress.finished && idec.progress.step < 1200, `Stop ends the run early: ${JSON.stringify(idec.progress)}`);
  assert.match(await page.textContent('#idec-result'), /^Stopped after \d+ steps: \d+\.\d% matched accuracy \(k-means on the codes before: \d+\.\d%\)/);
  await page.waitForFunction(() => /fine-tuned by IDEC/.test(document.getElementById('model-info').textContent) && !window.aestudio.busy, null, { timeout: 60_000 });
  assert.ok(!(await page.locator('#train').isDisabled()), 'the trainer is free again');
  assert.deepEqual(problems, [], 'no console errors');
});
