// End-to-end: the Movies panel in headless Chromium. A visitor rates five movies and gets
// recommendations from the pretrained U-AutoRec, then from the pretrained I-AutoRec, which fits
// the visitor's own row; a title that is not a movie is refused and loses nothing; an I-AutoRec
// trained in the page lowers the test RMSE on the chart and then recommends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { root, studioSession } from '../support/browser.mjs';

const outDir = fileURLToPath(new URL('./out/', import.meta.url));

const { page, problems } = studioSession({ before, after });

const LIKED = [
  ['Star Wars: Episode IV - A New Hope (1977)', '5'],
  ['Star Wars: Episode V - The Empire Strikes Back (1980)', '5'],
  ['Matrix, The (1999)', '5'],
  ['Toy Story (1995)', '2'],
  ["Schindler's List (1993)", '3'],
];

async function rate(title, stars) {
  await page.fill('#movie-search', title);
  await page.selectOption('#movie-stars', stars);
  await page.click('#rate');
}

test('a visitor rates five movies and gets recommendations at once', async () => {
  await page.locator('#movies-panel').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => window.aestudio.movies.ready, null, { timeout: 120_000 });
  assert.match(await page.textContent('#movies-model'), /U-AutoRec/);
  for (const [title, stars] of LIKED) await rate(title, stars);
  await page.waitForFunction(() => window.aestudio.movies.recommendations?.length === 10 && !window.aestudio.busy, null, { timeout: 30_000 });
  assert.equal(await page.locator('#rated li').count(), 5);
  const shown = await page.locator('#recommendations li').allTextContents();
  assert.equal(shown.length, 10);
  for (const [title] of LIKED) assert.ok(shown.every((line) => !line.startsWith(title)), `${title} is rated, so not recommended`);
  const predicted = await page.evaluate(() => window.aestudio.movies.recommendations.map((r) => r.predicted));
  assert.ok(predicted.every((p, i) => p >= 1 && p <= 5 && (i === 0 || p <= predicted[i - 1])), `ranked predictions in 1..5: ${predicted}`);
  mkdirSync(outDir, { recursive: true });
  await page.locator('#movies-panel').screenshot({ path: `${outDir}/movies.png` });
  copyFileSync(`${outDir}/movies.png`, `${root}/www/screenshot-movies.png`);

  // A title that is no movie is refused with the reason; the ratings and recommendations stay.
  await rate('Not A Movie (2042)', '4');
  assert.match(await page.textContent('#movies-error'), /No movie is titled/);
  assert.equal(await page.locator('#rated li').count(), 5);
  assert.equal(await page.locator('#recommendations li').count(), 10);
  assert.deepEqual(problems, [], 'no console errors');
});

/** The recommendations once the panel has recommended for the ratings shown. */
async function recommendationsAfter(action) {
  await page.evaluate(() => { window.aestudio.movies.recommendations = null; });
  await action();
  await page.waitForFunction(() => window.aestudio.movies.recommendations?.length === 10, null, { timeout: 60_000 });
  return page.evaluate(() => window.aestudio.movies.recommendations);
}

test('the pretrained I-AutoRec folds the same visitor in and follows their ratings', async () => {
  const fromItems = await recommendationsAfter(() => page.selectOption('#movies-recommender', 'item'));
  assert.match(await page.textContent('#movies-model'), /Pretrained: I-AutoRec/);
  const ratedIds = await page.evaluate(() => window.aestudio.movies.rated);
  assert.ok(fromItems.every((r) => !ratedIds.includes(r.movieId)), 'rated movies are not recommended');
  assert.ok(fromItems.every((r, i) => r.predicted >= 1 && r.predicted <= 5 && (i === 0 || r.predicted <= fromItems[i - 1].predicted)),
    `ranked predictions in 1..5: ${fromItems.map((r) => r.predicted)}`);
  // The visitor's own row is fitted to their ratings: a changed rating changes the predictions.
  const changed = await recommendationsAfter(() => rate('Toy Story (1995)', '5'));
  assert.notDeepEqual(changed, fromItems, 'a changed rating moves the recommendations');
  assert.equal(await page.isHidden('#movies-error'), true, await page.textContent('#movies-error'));
  assert.deepEqual(problems, [], 'no console errors');
});

test('training I-AutoRec in the page lowers the test RMSE on the chart', async () => {
  // A small I-AutoRec keeps the run to seconds; the chart starts at the untrained model's RMSE.
  await page.selectOption('#movies-train-form select[name=orientation]', 'item');
  await page.fill('#movies-train-form input[name=hidden]', '40');
  await page.fill('#movies-train-form input[name=epochs]', '6');
  await page.fill('#movies-train-form input[name=learning_rate]', '0.003');
  await page.fill('#movies-train-form input[name=batch_size]', '128');
  await page.fill('#movies-train-form input[name=learning_rate_decay]', '1');
  await page.click('#movies-train');
  await page.waitForFunction(() => / finished$/.test(document.getElementById('movies-status').textContent), null, { timeout: 300_000 });
  assert.equal(await page.isHidden('#movies-error'), true, await page.textContent('#movies-error'));
  const rmse = await page.evaluate(() => [...window.aestudio.movies.rmse]);
  assert.equal(rmse.length, 7, `the untrained RMSE and one per epoch: ${rmse}`);
  assert.ok(rmse.at(-1) < rmse[0] - 0.5 && rmse.at(-1) < 1.1, `the test RMSE falls below the global mean's 1.12: ${rmse}`);
  // The trained I-AutoRec, kept with its movies' codes, becomes the recommender.
  await page.waitForFunction(() => /Trained here: I-AutoRec/.test(document.getElementById('movies-model').textContent), null, { timeout: 60_000 });
  assert.match(await page.textContent('#movies-model'), /trained in the browser on MovieLens 1M \(90% of the ratings, split seed 1\): 6 of 6 epochs \(batch 128, lr 0\.003 x1 per epoch, lambda \d+\)/);
  assert.equal(await page.inputValue('#movies-recommender'), 'trained');
  await page.waitForFunction(() => document.querySelectorAll('#recommendations li').length === 10, null, { timeout: 60_000 });
  assert.deepEqual(problems, [], 'no console errors');
});
