// A visitor's first minute, on a desktop (1280x900) and on a phone (390x844, touch): every view
// has content without a click (no all-black or all-white canvas), samples and an interpolation
// show, the header's links reach each section, axe-core finds no serious or critical violation,
// the formulas are typeset and fill in with the drawn digit's terms, and on the phone a finger
// draws and denoises without scrolling the page; no equation fails to typeset and nothing is
// logged as an error, at arrival, with each pretrained model in use, and with each preset in the
// training form. Writes the README's two first-view screenshots.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { launchChromium, openStudio, root, serveWww } from '../support/browser.mjs';

const outDir = `${root}/tests/e2e/out`;
const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 900 } },
  phone: { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 },
};

let server;
let browser;
before(async () => {
  mkdirSync(outDir, { recursive: true });
  server = await serveWww();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

/** A fresh page at `kind`'s viewport, loaded, with every first view drawn; and its problems. */
async function arrive(kind) {
  const context = await browser.newContext(VIEWPORTS[kind]);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
  page.on('pageerror', (err) => problems.push(err.message));
  await openStudio(page, server.url);
  await page.waitForFunction(() => {
    const s = window.aestudio;
    return s.samples && s.anomaly && s.units && s.posterior && !s.busy;
  }, null, { timeout: 120_000 });
  await page.waitForTimeout(1000); // the traversal waits 400 ms for the input to rest
  await page.waitForFunction(() => !window.aestudio.busy, null, { timeout: 60_000 });
  return { context, page, problems };
}

/** Every canvas on screen (laid out, not hidden): its id and whether it holds more than one colour. */
const visibleCanvases = (page) => page.evaluate(() => [...document.querySelectorAll('canvas')]
  .filter((canvas) => canvas.checkVisibility())
  .map((canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let varied = false;
    for (let i = 4; i < data.length && !varied; i += 4) {
      varied = data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2] || data[i + 3] !== data[3];
    }
    return { id: canvas.id || canvas.parentElement.id || canvas.className, varied };
  }));

async function assertEveryViewHasContent(page, kind) {
  assert.match(await page.textContent('#model-name'), /denoising VAE/, `${kind}: the denoising VAE is in use on arrival`);
  const canvases = await visibleCanvases(page);
  for (const id of ['pad', 'input', 'noisy', 'output', 'gallery', 'samples', 'interpolation', 'map', 'hovered', 'picked', 'traversal', 'unit-kl', 'anomaly', 'activations', 'filters']) {
    assert.ok(canvases.some((c) => c.id === id), `${kind}: #${id} is on screen on arrival (${canvases.map((c) => c.id).join(', ')})`);
  }
  const blank = canvases.filter((c) => !c.varied).map((c) => c.id);
  assert.deepEqual(blank, [], `${kind}: no canvas is one flat colour on arrival`);
  // The formulas are typeset, not raw TeX.
  assert.ok(await page.locator('#live-panel .katex').count() >= 2, `${kind}: the Draw panel's equations are typeset`);
  const untypeset = await page.$$eval('[data-tex]', (elements) => elements.filter((e) => !e.querySelector('.katex')).map((e) => e.dataset.tex));
  assert.deepEqual(untypeset, [], `${kind}: every equation of the page is typeset`);
}

async function assertAccessible(page, kind) {
  await page.$eval('#more-settings', (details) => { details.open = true; });
  await page.addScriptTag({ path: `${root}/node_modules/axe-core/axe.min.js` });
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`));
  assert.deepEqual(violations, [], `${kind}: axe-core finds no serious or critical violation`);
  await page.$eval('#more-settings', (details) => { details.open = false; });
}

/** The TeX of every equation KaTeX could not typeset (it shows those as `.katex-error`). */
const katexErrors = (page) => page.$$eval('.katex-error', (errors) => errors.map((e) => e.getAttribute('title') || e.textContent));

async function assertHeaderLinksReachSections(page, kind) {
  const links = await page.$$eval('header nav a', (anchors) => anchors.map((a) => a.getAttribute('href')));
  assert.ok(links.length >= 7, `${kind}: the header links every section (${links})`);
  for (const href of links) {
    await page.click(`header nav a[href="${href}"]`);
    await page.waitForTimeout(150);
    const { top, headerBottom, height } = await page.evaluate((id) => ({
      top: document.querySelector(id).getBoundingClientRect().top,
      headerBottom: getComputedStyle(document.querySelector('header.site')).position === 'sticky'
        ? document.querySelector('header.site').getBoundingClientRect().bottom : 0,
      height: window.innerHeight,
    }), href);
    assert.ok(top >= headerBottom - 2 && top < height * 0.9, `${kind}: ${href} is in view below the header (top ${top}, header ${headerBottom})`);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
}

test('desktop: everything works on arrival, is reachable and passes axe-core', async () => {
  const { context, page, problems } = await arrive('desktop');
  await assertEveryViewHasContent(page, 'desktop');
  await page.screenshot({ path: `${outDir}/first-view.png` });
  copyFileSync(`${outDir}/first-view.png`, `${root}/www/screenshot.png`);

  // One click shows the objective's terms for the input: -ELBO = reconstruction + KL.
  await page.click('#show-terms');
  await page.waitForFunction(() => window.aestudio.denoised?.objective, null, { timeout: 30_000 });
  const sum = await page.evaluate(() => window.aestudio.denoised.objective);
  const [reconstruction, kl] = sum.terms;
  const added = reconstruction.weight * reconstruction.value + kl.weight * kl.value;
  assert.ok(kl.value > 0 && Math.abs(added - sum.total) < 1e-3 * sum.total, `terms ${JSON.stringify(sum)}`);
  // The terms are typeset with the views that follow the output, a frame (up to 100 ms) later.
  await page.waitForFunction(() => /KL/.test(document.getElementById('terms-tex').textContent), null, { timeout: 5_000 })
    .catch(() => {});
  assert.match(await page.textContent('#terms-tex'), /KL/, 'the terms are shown under their names');
  assert.equal(await page.getAttribute('#show-terms', 'aria-pressed'), 'true');

  // The form shows what matters for the chosen model; the rest waits behind "more settings".
  await page.selectOption('#preset', 'vae');
  assert.ok(await page.isVisible('input[name=beta]') && await page.isHidden('input[name=rho]'), 'a VAE shows beta, not rho');
  assert.ok(await page.isHidden('input[name=code_size]'), 'the code size waits behind "more settings"');
  await page.selectOption('#preset', 'sparse-kl');
  assert.ok(await page.isVisible('input[name=rho]') && await page.isHidden('input[name=beta]'), 'a KL-sparse AE shows rho, not beta');
  assert.match(await page.textContent('#train-idea'), /sparse/i);

  // The keyboard reaches the gallery and the map.
  await page.focus('#gallery');
  await page.keyboard.press('4');
  await page.waitForFunction(() => window.aestudio.denoised && !window.aestudio.busy);
  const label = await page.textContent('#hovered-label');
  await page.focus('#map');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((before) => document.getElementById('hovered-label').textContent !== before, label);
  assert.match(await page.textContent('#hovered-label'), /test image #1/);

  await assertHeaderLinksReachSections(page, 'desktop');
  await assertAccessible(page, 'desktop');
  assert.deepEqual(problems, [], 'no console errors');
  await context.close();
});

test('every equation typesets, and nothing logs an error, with each pretrained model and preset', async () => {
  const { context, page, problems } = await arrive('desktop');
  assert.deepEqual(await katexErrors(page), [], 'no KaTeX error at arrival');
  const models = await page.$$eval('#pretrained option', (options) => options.map((o) => o.value).filter(Boolean));
  assert.ok(models.length >= 6, `the header offers the pretrained models (${models})`);
  for (const name of models) {
    await page.selectOption('#pretrained', name);
    await page.waitForFunction((n) => document.getElementById('model-name').textContent.endsWith(`pretrained ${n}`) && !window.aestudio.busy,
      name, { timeout: 60_000 });
    assert.deepEqual(await katexErrors(page), [], `no KaTeX error with ${name} in use`);
  }
  const presets = await page.$$eval('#preset option', (options) => options.map((o) => o.value));
  assert.ok(presets.includes('aae-clusters'), `the training form offers the clustering AAE (${presets})`);
  // A switch of dataset restarts the trainer: a preset picked meanwhile waits for its offer (it
  // once threw, with nothing to fill the form from).
  await page.selectOption('#dataset-choice', 'mnist');
  await page.waitForFunction(() => document.getElementById('backend').dataset.kind === 'loading', null, { timeout: 30_000 });
  for (const preset of presets) await page.selectOption('#preset', preset);
  await page.waitForFunction(() => document.getElementById('backend').dataset.kind !== 'loading', null, { timeout: 120_000 });
  for (const preset of presets) {
    await page.selectOption('#preset', preset);
    assert.deepEqual(await katexErrors(page), [], `no KaTeX error in the training form for ${preset}`);
  }
  assert.deepEqual(problems, [], 'no console errors');
  await context.close();
});

test('phone: everything works on arrival, and a finger draws without scrolling the page', async () => {
  const { context, page, problems } = await arrive('phone');
  await assertEveryViewHasContent(page, 'phone');
  await page.screenshot({ path: `${outDir}/first-view-phone.png` });
  copyFileSync(`${outDir}/first-view-phone.png`, `${root}/www/screenshot-phone.png`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `nothing is wider than the phone (${width} px)`);

  await page.click('#clear');
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const scrolled = await page.evaluate(() => window.scrollY);
  const box = await page.locator('#pad').boundingBox();
  const before = await page.evaluate(() => window.aestudio.latencies.length);
  const cdp = await context.newCDPSession(page);
  const touch = (type, x, y) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }] });
  // A vertical stroke down the pad's middle: a 1, which a page that scrolled would have lost.
  await touch('touchStart', box.x + box.width / 2, box.y + box.height * 0.2);
  for (let i = 1; i <= 20; i++) await touch('touchMove', box.x + box.width / 2, box.y + box.height * (0.2 + 0.6 * i / 20));
  await touch('touchEnd');
  await page.waitForFunction((n) => window.aestudio.latencies.length > n && !window.aestudio.busy, before, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => window.scrollY), scrolled, 'drawing did not scroll the page');
  const input = await page.evaluate(() => [...window.aestudio.denoised.input]);
  const ink = input.reduce((a, b) => a + b, 0);
  assert.ok(ink > 10, `the finger's stroke reached the input (ink ${ink.toFixed(1)})`);
  const output = await page.evaluate(() => [...window.aestudio.denoised.output]);
  assert.ok(output.reduce((a, b) => a + b, 0) > 10, 'and came back denoised');

  await assertHeaderLinksReachSections(page, 'phone');
  await assertAccessible(page, 'phone');
  assert.deepEqual(problems, [], 'no console errors');
  await context.close();
});
