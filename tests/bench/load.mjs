// Page load: the time from navigation to the first denoised digit painted (the page's
// window.aestudio.firstOutputAt), with an empty cache (a new browser context) and again on a
// reload of that context, and the wasm packages' sizes raw and gzip'd. Prints medians.
//   node tests/bench/load.mjs [runs, default 5]
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { launchChromium, root, serveWww } from '../support/browser.mjs';

const RUNS = Number(process.argv[2] ?? 5);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function firstOutput(page) {
  await page.waitForFunction(() => window.aestudio?.firstOutputAt != null, null, { timeout: 120_000 });
  return page.evaluate(() => window.aestudio.firstOutputAt);
}

const server = await serveWww();
const browser = await launchChromium();
try {
  const cold = [];
  const warm = [];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url);
    cold.push(await firstOutput(page));
    await page.reload();
    warm.push(await firstOutput(page));
    await context.close();
  }
  const fmt = (values) => `median ${median(values).toFixed(0)} ms (${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)})`;
  console.log(`navigation to the first denoised digit, ${RUNS} runs: empty cache ${fmt(cold)}; reload ${fmt(warm)}`);
  for (const [scenario, values] of [['empty cache', cold], ['reload', warm]]) {
    console.log(`bench-result ${JSON.stringify({ where: 'page', kind: 'load', scenario, median: median(values), min: Math.min(...values), max: Math.max(...values) })}`);
  }
  for (const pkg of ['pkg', 'pkg-gpu']) {
    const wasm = readFileSync(`${root}/www/${pkg}/aestudio_bg.wasm`);
    console.log(`www/${pkg}: ${wasm.length.toLocaleString('en')} bytes raw, ${gzipSync(wasm, { level: 6 }).length.toLocaleString('en')} gzip'd (level 6)`);
  }
  console.log('the bench server (python3 -m http.server) sends the wasm uncompressed; the page loads www/pkg, and www/pkg-gpu only for a real GPU');
} finally {
  await browser.close();
  server.stop();
}
