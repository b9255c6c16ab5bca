// Training throughput in the page itself, as its status line reports it (readbacks, digit
// refreshes and weight snapshots included): the canonical VAE on the CPU backend with 1 and with
// 2 CPU workers (data-parallel), `SECONDS` of training each, nobody drawing.
//   node tests/bench/page-training.mjs [seconds, default 25]
import { withStudio } from '../support/browser.mjs';

const SECONDS = Number(process.argv[2] ?? 25);

await withStudio(async (page) => {
  await page.click('#more-settings summary'); // the backend and the workers are among "more settings"
  await page.selectOption('#backend-choice', 'cpu');
  await page.waitForFunction(() => document.getElementById('backend').dataset.kind === 'cpu' && !document.getElementById('train').disabled);
  for (const workers of ['1', '2']) {
    await page.selectOption('#preset', 'vae');
    await page.fill('input[name=epochs]', '50');
    await page.selectOption('#workers', workers);
    await page.click('#train');
    await page.waitForFunction(() => /samples\/s/.test(document.getElementById('status').textContent), null, { timeout: 60_000 });
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const status = await page.textContent('#status');
    const rate = Number(/([\d,]+) samples\/s/.exec(status)[1].replaceAll(',', ''));
    console.log(`${workers} CPU worker(s): ${status}`);
    console.log(`bench-result ${JSON.stringify({ where: 'page', kind: 'train', backend: 'flex', model: 'vae', workers: Number(workers), median: rate })}`);
    await page.click('#stop');
    await page.waitForFunction(() => document.getElementById('status').textContent.includes('stopped'), null, { timeout: 30_000 });
  }
});
