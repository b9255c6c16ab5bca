// What the page tests and the page benchmarks share: a static server for www/ and headless Chromium.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = fileURLToPath(new URL('../..', import.meta.url));

const freePort = () => new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});

/** Serves www/ on a free port; returns `{ url, stop }`. */
export async function serveWww() {
  const port = await freePort();
  const server = spawn('python3', ['-m', 'http.server', '--bind', '127.0.0.1', '--directory', `${root}/www`, String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 50; i++) {
    try { if ((await fetch(url)).ok) break; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop: () => server.kill() };
}

/** Debian's Chromium, headless, with the flags this network and WebGPU need (see shared/README). */
export function launchChromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-quic', '--disable-dev-shm-usage', '--enable-unsafe-webgpu'],
  });
}

/** Loads the page and waits until the live view has answered and the trainer is ready. */
export async function openStudio(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => window.aestudio?.model && window.aestudio.latencies.length > 0
    && document.getElementById('map-note').textContent.includes('Hover'), null, { timeout: 120_000 });
  await page.waitForFunction(() => !document.getElementById('train').disabled, null, { timeout: 120_000 });
}

/**
 * Runs `use(page)` on the studio page (1200x900, loaded and ready) in a fresh headless Chromium
 * over a static server of www/, and closes both afterwards, whatever happens: the frame of every
 * page benchmark.
 */
export async function withStudio(use) {
  const server = await serveWww();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await openStudio(page, server.url);
    return await use(page);
  } finally {
    await browser.close();
    server.stop();
  }
}

/**
 * Opens the studio page once for a test file: registers `before` and `after` hooks (pass
 * node:test's) that start a static server and Chromium, load the page (1200x900) and close both.
 * `query` (`?views=gpu`, say) follows the page's address. Returns `{page, problems}`: the page (usable once `before` has run), and the console errors and
 * page errors seen so far (a test ends by asserting there were none).
 */
export function studioSession({ before, after, query = '' }) {
  const problems = [];
  let opened = null;
  let server;
  let browser;
  before(async () => {
    server = await serveWww();
    browser = await launchChromium();
    opened = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    opened.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
    opened.on('pageerror', (err) => problems.push(err.message));
    await openStudio(opened, `${server.url}${query}`);
  });
  after(async () => {
    await browser?.close();
    server?.stop();
  });
  // node:test may start a file's top-level hooks together, so the page is reached through this
  // forwarder, which exists at once, rather than handed over by another hook.
  const page = new Proxy({}, {
    get(_, key) {
      const value = opened[key];
      return typeof value === 'function' ? value.bind(opened) : value;
    },
  });
  return { page, problems };
}
