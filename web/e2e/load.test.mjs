// How the app loads in Chromium on a cold cache: paint timings and bytes
// (printed for the notes), and that areas other than the chat load only
// when opened (code splitting works).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, register, uniqueEmail } from './browser.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function timings(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        new PerformanceObserver((list) => {
          const entries = list.getEntries();
          const lcp = entries[entries.length - 1];
          const nav = performance.getEntriesByType('navigation')[0];
          const fcp = performance.getEntriesByName('first-contentful-paint')[0];
          const scripts = performance
            .getEntriesByType('resource')
            .filter((r) => r.name.endsWith('.js'))
            .map((r) => ({ name: new URL(r.name).pathname, bytes: r.encodedBodySize }));
          resolve({
            fcp: fcp?.startTime,
            lcp: lcp?.startTime,
            domContentLoaded: nav.domContentLoadedEventEnd,
            load: nav.loadEventEnd,
            transferred: nav.transferSize + performance.getEntriesByType('resource').reduce((n, r) => n + r.transferSize, 0),
            scripts,
          });
        }).observe({ type: 'largest-contentful-paint', buffered: true });
      }),
  );
}

test('a cold load paints the sign-in page with only the app shell, and areas load when opened', async () => {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto('/login', { waitUntil: 'load' });
    await page.locator('h1').waitFor();
    runs.push(await timings(page));
    await context.close();
  }
  const median = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[2];
  console.log(
    `cold load of /login, median of 5: first contentful paint ${median('fcp').toFixed(0)} ms, ` +
      `largest contentful paint ${median('lcp').toFixed(0)} ms, DOMContentLoaded ${median('domContentLoaded').toFixed(0)} ms, ` +
      `load ${median('load').toFixed(0)} ms, ${(median('transferred') / 1024).toFixed(1)} KiB transferred (gzip)`,
  );
  assert.ok(runs.every((r) => r.fcp > 0 && r.lcp > 0), 'paint timings recorded');
  const first = runs[0].scripts.map((s) => s.name);
  assert.equal(first.length, 1, `one script for the shell: ${first.join(', ')}`);

  // Opening the mood screen fetches its area's code then.
  const context = await newContext(browser);
  const page = await context.newPage();
  await register(page, uniqueEmail('load'));
  const before = await page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.js')).length);
  await page.getByRole('link', { name: 'Mood' }).click();
  await page.locator('main h1').filter({ hasNotText: 'Talk' }).waitFor();
  const afterCount = await page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.js')).length);
  assert.ok(afterCount > before, `the wellbeing area loaded on demand (${before} → ${afterCount} scripts)`);
  await context.close();
});
