// Memory over a long training run in the page: the training worker's and the live worker's wasm
// memory, and the resident size of all Chromium processes, sampled while the dense AE trains for
// at least 5,000 steps. Flat means the figures stop growing after the first epoch.
//   node tests/bench/memory.mjs [steps, default 5000]
import { execFileSync } from 'node:child_process';
import { withStudio } from '../support/browser.mjs';

const STEPS = Number(process.argv[2] ?? 5000);
const STEPS_PER_EPOCH = Math.ceil(60000 / 128);
const MB = (bytes) => (bytes / 2 ** 20).toFixed(1);

/** Resident memory of every Chromium process, in bytes. */
function chromiumRss() {
  const out = execFileSync('ps', ['-C', 'chromium', '-o', 'rss='], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).reduce((sum, kb) => sum + Number(kb) * 1024, 0);
}

await withStudio(async (page) => {
  await page.selectOption('#preset', 'ae');
  await page.fill('input[name=epochs]', String(Math.ceil(STEPS / STEPS_PER_EPOCH)));
  await page.click('#train');
  console.log(`training: ${await page.textContent('#form-check')}`);
  console.log(['step', 'train wasm MB', 'live wasm MB', 'chromium RSS MB', 'minutes'].map((h) => h.padStart(16)).join(''));
  const started = Date.now();
  const rows = [];
  let step = 0;
  while (step < STEPS) {
    await page.waitForTimeout(10_000);
    const sample = await page.evaluate(async () => ({
      ...window.aestudio.memory.at(-1),
      live: await window.aestudio.liveMemory(),
      stopped: /finished|stopped/.test(document.getElementById('status').textContent),
    }));
    step = sample.step ?? 0;
    const row = [step, MB(sample.wasmBytes ?? 0), MB(sample.live), MB(chromiumRss()), ((Date.now() - started) / 60000).toFixed(1)];
    rows.push(row);
    console.log(row.map((cell) => String(cell).padStart(16)).join(''));
    if (sample.stopped) break;
  }
  const afterFirstEpoch = rows.find((row) => row[0] >= STEPS_PER_EPOCH) ?? rows[0];
  const last = rows.at(-1);
  console.log(`from step ${afterFirstEpoch[0]} to ${last[0]}: training wasm ${afterFirstEpoch[1]} → ${last[1]} MB, `
    + `live wasm ${afterFirstEpoch[2]} → ${last[2]} MB, Chromium RSS ${afterFirstEpoch[3]} → ${last[3]} MB`);
  await page.click('#stop').catch(() => {});
});
