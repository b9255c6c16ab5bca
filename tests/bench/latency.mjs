// Live-denoising latency: from a pointer event on the drawing pad to the output digit painted on
// its canvas, as the page measures it (window.aestudio.latencies). The mouse moves at 60 Hz, as a
// real pointer reports, through a set of digit strokes; once with the page idle and once while
// the training worker trains in the background, with the drawing's priority (training waits
// while the pointer is down) and without it. Prints the median, 95th percentile and maximum (ms).
//   node tests/bench/latency.mjs [moves per scenario, default 300] [pause after Clear in ms, default 300]
import { withStudio } from '../support/browser.mjs';

const MOVES = Number(process.argv[2] ?? 300);
const POINTER_INTERVAL_MS = 1000 / 60;
// A person's pointer travels from the Clear button back to the pad before the next digit: 300 ms
// is the quick end of such a movement. Without it, the first stroke begins inside the frame the
// browser paints after the click (10 ms of software compositing in a trace), which a hand never
// catches. `node tests/bench/latency.mjs 300 0` measures with no pause.
const CLEAR_PAUSE_MS = Number(process.argv[3] ?? 300);

const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];

/** Strokes of a few digits on a 280-px pad, as lists of points. */
function strokes() {
  const line = (x0, y0, x1, y1, n = 14) => Array.from({ length: n + 1 }, (_, i) => [x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * i) / n]);
  const arc = (cx, cy, r, from, to, n = 24) => Array.from({ length: n + 1 }, (_, i) => {
    const a = from + ((to - from) * i) / n;
    return [cx + r * Math.cos(a), cy + r * Math.sin(a)];
  });
  return [
    [line(80, 70, 200, 70), line(200, 70, 120, 230)], // 7
    [arc(140, 140, 70, 0, 2 * Math.PI, 40)], // 0
    [line(140, 50, 140, 230)], // 1
    [arc(140, 100, 45, Math.PI, 2.2 * Math.PI), line(175, 125, 90, 230), line(90, 230, 200, 230)], // 2
  ];
}

async function drawFor(page, moves) {
  const pad = await page.locator('#pad').boundingBox();
  let done = 0;
  while (done < moves) {
    for (const digit of strokes()) {
      await page.click('#clear');
      await new Promise((r) => setTimeout(r, CLEAR_PAUSE_MS));
      for (const stroke of digit) {
        await page.mouse.move(pad.x + stroke[0][0], pad.y + stroke[0][1]);
        await page.mouse.down();
        for (const [x, y] of stroke.slice(1)) {
          const next = Date.now() + POINTER_INTERVAL_MS;
          await page.mouse.move(pad.x + x, pad.y + y);
          done++;
          await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
        }
        await page.mouse.up();
      }
      if (done >= moves) break;
    }
  }
  await page.waitForFunction(() => !window.aestudio.busy);
}

async function scenario(page, name, moves, key) {
  const start = await page.evaluate(() => window.aestudio.latencies.length);
  await drawFor(page, moves);
  const latencies = await page.evaluate((n) => window.aestudio.latencies.slice(n), start);
  const row = [name, latencies.length, quantile(latencies, 0.5).toFixed(1), quantile(latencies, 0.95).toFixed(1), Math.max(...latencies).toFixed(1)];
  console.log(row.map((cell, i) => String(cell).padStart(i ? 10 : 34)).join(''));
  console.log(`bench-result ${JSON.stringify({ where: 'page', kind: 'latency', scenario: key, clearPauseMs: CLEAR_PAUSE_MS, updates: latencies.length,
    median: quantile(latencies, 0.5), p95: quantile(latencies, 0.95), max: Math.max(...latencies) })}`);
}


await withStudio(async (page) => {
  // The DAE, as the figures of docs/benchmarks.md were measured (the page opens with the denoising VAE).
  await page.selectOption('#pretrained', 'dae');
  await page.waitForFunction(() => /pretrained dae$/.test(document.getElementById('model-name').textContent) && !window.aestudio.busy,
    null, { timeout: 60_000 });
  await page.locator('#pad').scrollIntoViewIfNeeded();
  console.log(`model: ${await page.textContent('#model-info')}`);
  console.log(`${'scenario'.padStart(34)}${'updates'.padStart(10)}${'median'.padStart(10)}${'p95'.padStart(10)}${'max'.padStart(10)}  (ms)`);
  await scenario(page, 'drawing, page idle', MOVES, 'idle');
  await page.selectOption('#preset', 'vae');
  await page.fill('input[name=epochs]', '50');
  await page.click('#train');
  await page.waitForFunction(() => /samples\/s/.test(document.getElementById('status').textContent), null, { timeout: 60_000 });
  await page.locator('#pad').scrollIntoViewIfNeeded();
  // The same run, alternating: drawing with priority (the page's way: training waits while the
  // pointer is down) and without it (both workers keep training).
  for (const priority of [false, true]) {
    await page.evaluate((on) => { window.aestudio.drawingPriority = on; }, priority);
    await scenario(page, `drawing while the VAE trains${priority ? '' : ', no priority'}`, MOVES, priority ? 'training' : 'training-no-priority');
  }
  // The last wait ends 600 ms after the pointer lifts; the next step's progress reports it.
  await page.waitForFunction(() => /waited [\d.]+ s while you drew/.test(document.getElementById('status').textContent), null, { timeout: 30_000 });
  console.log(`training meanwhile: ${await page.textContent('#status')}`);
  // What drawing cost the run: with priority it waits while the pointer is down (and 600 ms
  // after), so the cost is that time at the rate it trains otherwise.
  const { yielded, samplesPerSecond: otherwise } = await page.evaluate(() => window.aestudio.trainingRate);
  console.log(`training waited ${(yielded.ms / 1000).toFixed(1)} s while the visitor drew with priority (${yielded.times} waits); it trained at ${Math.round(otherwise)} samples/s otherwise`);
  console.log(`bench-result ${JSON.stringify({ where: 'page', kind: 'training-while-drawing', whileDrawing: 0, otherwise, waitedSeconds: yielded.ms / 1000, waits: yielded.times })}`);
  await page.click('#stop');
});
