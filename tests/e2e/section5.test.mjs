// End-to-end: the survey's section 5 in the page. Each adversarial and Wasserstein autoencoder,
// BiGAN and VAE-GAN trains with two CPU workers, shows its critic's chart, and generates samples
// that are neither blank nor repeated.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { studioSession } from '../support/browser.mjs';
import { mse, readCanvasGrid, sum } from '../support/canvas.mjs';

const { page, problems } = studioSession({ before, after });
const readGrid = (id, columns) => readCanvasGrid(page, id, columns);
const openMoreSettings = () => page.$eval('#more-settings', (details) => { details.open = true; });

test('the adversarial and Wasserstein autoencoders train in the page and generate', async () => {
  await openMoreSettings();
  for (const preset of ['aae', 'aae-ring', 'aae-labelled', 'wae-mmd', 'wae-gan']) {
    await page.selectOption('#preset', preset);
    await page.fill('input[name=epochs]', '1');
    await page.selectOption('#workers', '2');
    await page.waitForFunction(() => !document.getElementById('train').disabled, null, { timeout: 30_000 });
    await page.click('#train');
    // The form is 'running' from the click to the run's end (the status line still ends with the
    // last run's "finished" until the first progress).
    await page.waitForFunction(() => document.getElementById('train-form').dataset.state === 'idle'
      && / finished$/.test(document.getElementById('status').textContent), null, { timeout: 180_000 });
    assert.equal(await page.isHidden('#error'), true, `${preset}: no error (${await page.textContent('#error')})`);
    await page.waitForFunction(() => /trained in this tab/.test(document.getElementById('model-info').textContent) && window.aestudio.model?.hasPrior && !window.aestudio.busy, null, { timeout: 60_000 });
    const adversarial = preset !== 'wae-mmd';
    assert.equal(await page.isVisible('#critic-box'), adversarial, `${preset}: the adversarial game's chart shows for a model with a critic`);
    if (adversarial) {
      const accuracy = await page.evaluate(() => window.aestudio.criticSeries.accuracy);
      assert.ok(accuracy.length > 0 && accuracy.every((a) => a >= 0 && a <= 1), `${preset}: critic accuracies ${accuracy}`);
    }
    const samples = await readGrid('samples', 8);
    for (const [i, sample] of samples.entries()) assert.ok(sum(sample) > 15, `${preset}: sample ${i} is not blank (ink ${sum(sample).toFixed(1)})`);
    // Not collapsed: a collapsed generator repeats one image. After one epoch a ring model decodes
    // each of its ten components to a few images, so more distinct images than components is its
    // bar; under N(0, I) nearly every sample differs.
    const ring = await page.evaluate(() => window.aestudio.model.config.objective.prior?.kind === 'ring');
    const distinct = samples.filter((sample, i) => samples.slice(0, i).every((earlier) => mse(sample, earlier) >= 1e-3)).length;
    assert.ok(distinct >= (ring ? 12 : 48), `${preset}: ${distinct} of 64 samples are distinct`);
  }
  assert.deepEqual(problems, [], 'no console errors');
});

test('the models with a GAN inside (BiGAN, VAE-GAN) train in the page, stop, and generate', async () => {
  await openMoreSettings();
  // A convolutional GAN epoch takes minutes in the page: each runs for 200 steps (ten critic
  // readbacks), is stopped, and must then generate from the weights it stopped with.
  for (const preset of ['bigan', 'vae-gan']) {
    await page.selectOption('#preset', preset);
    await page.fill('input[name=epochs]', '1');
    await page.selectOption('#workers', '2');
    await page.waitForFunction(() => !document.getElementById('train').disabled, null, { timeout: 30_000 });
    await page.click('#train');
    // The form is checked before the run starts and clears the game's chart: until then the
    // chart still holds the run before, which may have passed step 200 already.
    await page.waitForFunction(() => document.getElementById('train-form').dataset.state !== 'idle', null, { timeout: 30_000 });
    await page.waitForFunction(() => window.aestudio.criticSeries.step.at(-1) >= 200, null, { timeout: 300_000 });
    await page.click('#stop');
    await page.waitForFunction(() => document.getElementById('train-form').dataset.state === 'idle'
      && / stopped$/.test(document.getElementById('status').textContent), null, { timeout: 60_000 });
    assert.equal(await page.isHidden('#error'), true, `${preset}: no error (${await page.textContent('#error')})`);
    await page.waitForFunction((name) => window.aestudio.model?.config?.objective?.kind === name && window.aestudio.model?.hasPrior && !window.aestudio.busy,
      preset === 'bigan' ? 'bidirectional' : 'vae_gan', { timeout: 60_000 });
    assert.equal(await page.isVisible('#critic-box'), true, `${preset}: the game's chart shows`);
    const accuracy = await page.evaluate(() => window.aestudio.criticSeries.accuracy);
    assert.ok(accuracy.length >= 8 && accuracy.every((a) => a >= 0 && a <= 1), `${preset}: critic accuracies ${accuracy}`);
    const samples = await readGrid('samples', 8);
    for (const [i, sample] of samples.entries()) assert.ok(sum(sample) > 15, `${preset}: sample ${i} is not blank (ink ${sum(sample).toFixed(1)})`);
    const distinct = samples.filter((sample, i) => samples.slice(0, i).every((earlier) => mse(sample, earlier) >= 1e-3)).length;
    assert.ok(distinct >= 48, `${preset}: ${distinct} of 64 samples are distinct (a collapsed generator repeats one)`);
  }
  assert.deepEqual(problems, [], 'no console errors');
});

test('the clustering AAE trains in the page and its samples span its clusters', async () => {
  await openMoreSettings();
  // Its batch is one statistic (the centred logits), so it trains on one worker whatever the menu
  // says: one epoch of its 1000-1000 encoder (twice: images and views).
  await page.selectOption('#preset', 'aae-clusters');
  // The form's account of the objective has the views' term, which the plain AAE's lacks.
  await page.waitForFunction(() => /a view t\(x\)/.test(document.getElementById('train-idea').textContent), null, { timeout: 10_000 });
  await page.fill('input[name=epochs]', '1');
  await page.waitForFunction(() => !document.getElementById('train').disabled, null, { timeout: 30_000 });
  await page.click('#train');
  await page.waitForFunction(() => document.getElementById('train-form').dataset.state === 'idle'
    && / finished$/.test(document.getElementById('status').textContent), null, { timeout: 600_000 });
  assert.equal(await page.isHidden('#error'), true, `no error (${await page.textContent('#error')})`);
  await page.waitForFunction(() => window.aestudio.model?.config?.objective?.prior?.kind === 'clusters' && window.aestudio.model?.hasPrior && !window.aestudio.busy,
    null, { timeout: 60_000 });
  const prior = await page.evaluate(() => window.aestudio.model.config.objective.prior);
  assert.ok(prior.clusters === 16 && prior.consistency > 0, `the preset's prior, views included: ${JSON.stringify(prior)}`);
  const samples = await readGrid('samples', 8);
  for (const [i, sample] of samples.entries()) assert.ok(sum(sample) > 15, `sample ${i} is not blank (ink ${sum(sample).toFixed(1)})`);
  // Each sample is a cluster drawn uniformly and a style from N(0, I): a decoder that ignored the
  // style would draw 16 images at most (after 100 steps this one still did).
  const distinct = samples.filter((sample, i) => samples.slice(0, i).every((earlier) => mse(sample, earlier) >= 1e-3)).length;
  assert.ok(distinct >= 48, `${distinct} of 64 samples are distinct`);
  // Its own clusters, scored in the uses panel beside k-means on its codes.
  await page.click('#cluster');
  await page.waitForFunction(() => /Its own 16 clusters/.test(document.getElementById('cluster-result').textContent), null, { timeout: 120_000 });
  // After its one epoch here: 16 in use, 0.818 by majority. k-means on raw pixels gets about
  // 0.55 with ten clusters; a collapsed code would use a few clusters.
  const own = await page.evaluate(() => window.aestudio.cluster.own);
  assert.ok(own.used >= 10 && own.accuracy >= 0.6 && own.nmi > 0.4, `its own clusters: ${JSON.stringify(own)}`);
  assert.deepEqual(problems, [], 'no console errors');
});
