// The Your images panel's import: N small PNGs (MNIST test digits, 28x28 grey, one folder per
// class) handed to the folder picker, timed inside the training worker from the first file read
// to the report (`seconds` of the import's reply), and from the picker to the report as the
// page sees it (the worker's start and Playwright's transfer of the files included). The issue's
// bar: 10,000 files in at most 5 s on the 2-core machine. Prints medians and ranges.
//   node tests/bench/import.mjs [files, default 10000] [runs, default 3]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, withStudio } from '../support/browser.mjs';
import { encodePng } from '../support/png.mjs';

const FILES = Number(process.argv[2] ?? 10_000);
const RUNS = Number(process.argv[3] ?? 3);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const images = readFileSync(join(root, 'data/mnist/t10k-images-idx3-ubyte')).subarray(16);
const labels = readFileSync(join(root, 'data/mnist/t10k-labels-idx1-ubyte')).subarray(8);
const dir = mkdtempSync(join(tmpdir(), 'aestudio-import-'));
const folder = join(dir, 'digits');
for (let i = 0; i < FILES; i += 1) {
  const k = i % 10_000;
  mkdirSync(join(folder, String(labels[k])), { recursive: true });
  writeFileSync(join(folder, String(labels[k]), `digit${String(i).padStart(5, '0')}.png`), encodePng(28, 28, images.subarray(k * 784, (k + 1) * 784)));
}
try {
  const [inWorker, fromPicker] = [[], []];
  // A fresh page each run: a second pick of the same 10,000 files on one page stalled
  // Playwright's transfer.
  for (let run = 0; run < RUNS; run += 1) {
    await withStudio(async (page) => {
      const started = Date.now();
      await page.setInputFiles('#folder-pick', folder, { timeout: 300_000 });
      await page.waitForFunction(() => window.aestudio.folder.imports > 0, null, { timeout: 300_000 });
      fromPicker.push((Date.now() - started) / 1000);
      const { report, seconds } = await page.evaluate(() => window.aestudio.folder.imported);
      if (report.kept !== FILES) throw new Error(`${report.kept} of ${FILES} files kept`);
      inWorker.push(seconds);
    });
  }
  const fmt = (values) => `median ${median(values).toFixed(2)} s (${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)})`;
  console.log(`import of ${FILES.toLocaleString('en')} PNGs, ${RUNS} runs: in the worker ${fmt(inWorker)}; from the picker ${fmt(fromPicker)}`);
  for (const [scenario, values] of [['in the worker', inWorker], ['from the picker', fromPicker]]) {
    console.log(`bench-result ${JSON.stringify({ where: 'page', kind: 'import', scenario, files: FILES, median: median(values), min: Math.min(...values), max: Math.max(...values) })}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
