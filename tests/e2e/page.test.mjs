// End-to-end: the served page loads, trains in its worker, the loss it shows falls, the
// reconstructions on the canvas come to resemble the test digits, and nothing reaches the console.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outDir = fileURLToPath(new URL('./out/', import.meta.url));
let server;
let browser;
let baseUrl;

const freePort = () => new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});

before(async () => {
  const port = await freePort();
  server = spawn('python3', ['-m', 'http.server', '--bind', '127.0.0.1', '--directory', `${root}/www`, String(port)], { stdio: 'ignore' });
  baseUrl = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 50; i++) {
    try { if ((await fetch(baseUrl)).ok) break; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-quic', '--disable-dev-shm-usage', '--enable-unsafe-webgpu'],
  });
  mkdirSync(outDir, { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

/** Pearson correlation of two equal-length arrays. */
function correlation(a, b) {
  const mean = (x) => x.reduce((s, v) => s + v, 0) / x.length;
  const [ma, mb] = [mean(a), mean(b)];
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - ma) * (b[i] - mb);
    da += (a[i] - ma) ** 2;
    db += (b[i] - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}

test('the page trains an autoencoder on MNIST and shows its reconstructions', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
  page.on('pageerror', (err) => problems.push(err.message));

  await page.goto(baseUrl);
  await page.waitForFunction(() => !document.getElementById('train').disabled, null, { timeout: 120_000 });
  const badge = await page.textContent('#backend');
  assert.match(badge, /CPU backend: .*software fallback|CPU backend: .*no WebGPU|CPU backend: WebGPU offered no adapter/,
    'without a real GPU the page picks the CPU backend and says why');

  await page.selectOption('#model', 'ae');
  // Long enough that the run is still going when the test clicks Stop.
  await page.fill('input[name=epochs]', '10');
  await page.click('#train');

  // Follow the train loss the status line shows for a while.
  const losses = [];
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && losses.length < 12) {
    const match = (await page.textContent('#status')).match(/train loss ([0-9.]+)/);
    if (match && Number(match[1]) !== losses.at(-1)) losses.push(Number(match[1]));
    await page.waitForTimeout(400);
  }
  assert.ok(losses.length >= 5, `the status showed losses: ${losses}`);
  assert.ok(losses.at(-1) < 0.8 * losses[0], `the loss fell: ${losses}`);
  assert.match(await page.textContent('#status'), /samples\/s/);

  // Reconstructions (bottom row) must resemble the test digits above them.
  const rows = await page.evaluate(() => {
    const canvas = document.getElementById('digits');
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const size = canvas.height / 2;
    const count = Math.floor(canvas.width / size);
    const cell = (index, row) => {
      const values = [];
      for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
        values.push(data[((row * size + y) * canvas.width + index * size + x) * 4] / 255);
      }
      return values;
    };
    return Array.from({ length: count }, (_, i) => [cell(i, 0), cell(i, 1)]);
  });
  assert.equal(rows.length, 12);
  for (const [index, [image, reconstruction]] of rows.entries()) {
    const ink = reconstruction.reduce((s, v) => s + v, 0) / reconstruction.length;
    assert.ok(ink > 0.03, `reconstruction ${index} is not blank (mean ${ink})`);
    const r = correlation(image, reconstruction);
    assert.ok(r > 0.6, `reconstruction ${index} resembles its digit (correlation ${r.toFixed(2)})`);
  }

  await page.click('#stop');
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('stopped'), null, { timeout: 30_000 });
  await page.screenshot({ path: `${outDir}/page.png`, fullPage: true });
  assert.equal(await page.isHidden('#error'), true, 'no error is shown');
  assert.deepEqual(problems, [], 'nothing reached the console as an error');
});
