// End-to-end tests of the web app in Debian's Chromium against the real
// server (REBLOOM_URL), started by crates/rebloom-server/tests/web.rs on SQLite
// and on PostgreSQL + Redis. Screenshots go to REBLOOM_SCREENSHOTS when set.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  BASE, DESKTOP, MOBILE, launch, login, newContext, register, say, screenshot, seriousViolations, uniqueEmail,
} from './browser.mjs';

let browser;
before(async () => {
  assert.ok(BASE, 'REBLOOM_URL must be set');
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a new person registers, onboards, talks, checks in, sees the chart, exports and deletes their account', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const email = uniqueEmail('journey');
  await register(page, email, { country: 'GB', name: 'Sam' });

  // First conversation with the guided engine, streamed over Socket.IO.
  const reply = await say(page, 'I have been feeling anxious about work this week');
  assert.ok(reply.length > 20, `a real reply, got: ${reply}`);
  assert.equal(await page.getByTestId('crisis-panel').count(), 0, 'no crisis panel for an ordinary message');
  // Screen readers hear the whole reply once, through the live region.
  assert.equal(await page.getByTestId('reply-announcer').getAttribute('aria-live'), 'polite');
  assert.equal((await page.getByTestId('reply-announcer').textContent()).trim(), reply.replace(/^Rebloom:\s*/, ''));

  // Mood check-in in two taps, then the chart shows it.
  await page.getByRole('link', { name: 'Mood' }).click();
  await page.getByRole('button', { name: '7', exact: true }).click();
  await page.getByRole('button', { name: /save check-in/i }).click();
  await page.getByRole('status').filter({ hasText: /saved/i }).first().waitFor();
  await page.getByTestId('mood-chart').getByTestId('mood-point').first().waitFor();
  assert.equal(await page.getByTestId('mood-chart').getByTestId('mood-point').count(), 1);

  // Export: the browser downloads the archive.
  await page.getByRole('link', { name: 'Settings' }).click();
  const download = page.waitForEvent('download', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Export my data' }).click();
  const file = await download;
  const path = await file.path();
  const bytes = readFileSync(path);
  assert.ok(bytes.length > 100, `export has content (${bytes.length} bytes)`);

  // Delete the account: signed out, and the credentials no longer work.
  await deleteAccount(page);
  await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
  const res = await fetch(`${BASE}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'a long unusual passphrase' }),
  });
  assert.equal(res.status, 401);
  assert.deepEqual(context.problems, []);
  await context.close();
});

async function deleteAccount(page) {
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await page.getByRole('textbox', { name: 'Your password' }).fill('a long unusual passphrase');
  await page.getByRole('button', { name: 'Permanently delete my account' }).click();
}

test('a crisis message brings up the crisis bar, from the server, on every screen, tab and device', async () => {
  const context = await newContext(browser, { ...DESKTOP, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const email = uniqueEmail('crisis');
  await register(page, email, { country: 'ES', name: 'Ana' });
  const reply = await say(page, 'I want to kill myself');
  assert.ok(reply.length > 0);
  const bar = page.getByTestId('crisis-panel');
  await bar.waitFor();
  const text = await bar.innerText();
  assert.match(text, /024/, `Spain's 024 line in the bar: ${text}`);
  assert.match(text, /112/, 'Spain’s emergency number');
  assert.doesNotMatch(text, /116 123/, 'not another country’s line');
  // Every number can be tapped.
  const hrefs = await bar.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(hrefs.includes('tel:024') && hrefs.includes('tel:112'), `tel: links: ${hrefs}`);
  assert.deepEqual(await seriousViolations(page), [], 'the chat with the crisis bar is accessible');
  // Expanded: the full panel, still accessible, in light and dark.
  await bar.getByRole('button', { name: 'More help' }).click();
  await bar.getByRole('heading', { name: /alone/ }).waitFor();
  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => { document.documentElement.dataset.theme = t; }, theme);
    assert.deepEqual(await seriousViolations(page), [], `the open panel (${theme})`);
  }
  await page.evaluate(() => { delete document.documentElement.dataset.theme; });
  await screenshot(page, 'crisis-desktop-open');
  await bar.getByRole('button', { name: 'More help' }).click();
  // A later reply lists no lines; the bar keeps them.
  await say(page, 'ok');
  assert.match(await bar.innerText(), /024/);
  // On other screens, after a reload, and in a new tab: the server's state.
  await page.getByRole('link', { name: 'Mood' }).click();
  await bar.waitFor();
  await screenshot(page, 'crisis-desktop');
  await page.reload();
  await bar.waitFor();
  const tab = await context.newPage();
  await tab.goto('/goals');
  await tab.getByTestId('crisis-panel').waitFor();
  assert.match(await tab.getByTestId('crisis-panel').innerText(), /024/);
  await tab.close();
  // The lines follow a change of country.
  await page.goto('/settings');
  await page.getByLabel('Country', { exact: true }).selectOption('DE');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await bar.filter({ hasText: '112' }).filter({ hasText: /0800/ }).waitFor();
  assert.doesNotMatch(await bar.innerText(), /024/, 'Spain’s line gone after the move to Germany');
  // Another device, on the phone: the bar is there, compact, and the newest
  // reply and the message box stay in view.
  const phoneContext = await newContext(browser, { ...MOBILE, reducedMotion: 'reduce' });
  const phone = await phoneContext.newPage();
  await login(phone, email);
  await phone.getByTestId('crisis-panel').waitFor();
  await say(phone, 'I am still here');
  const barBox = await phone.getByTestId('crisis-panel').boundingBox();
  assert.ok(barBox && barBox.height <= 844 * 0.15, `the bar's height on a phone: ${barBox?.height}`);
  const box = await phone.getByLabel('Your message').boundingBox();
  assert.ok(box && box.y + box.height <= 844 && box.y >= barBox.y + barBox.height, `message box in view: ${JSON.stringify(box)}`);
  const newest = await phone.locator('[data-testid="messages"] > li').last().boundingBox();
  assert.ok(
    newest && newest.y >= barBox.y + barBox.height - 1 && newest.y + Math.min(newest.height, 40) <= box.y,
    `newest reply in view, above the message box: ${JSON.stringify(newest)}`,
  );
  for (const theme of ['light', 'dark']) {
    await phone.evaluate((t) => { document.documentElement.dataset.theme = t; }, theme);
    assert.deepEqual(await seriousViolations(phone), [], `the bar on the phone (${theme})`);
  }
  await phone.evaluate(() => { delete document.documentElement.dataset.theme; });
  await screenshot(phone, 'crisis-mobile');
  // The person is still in the conversation: they can keep talking.
  assert.equal(await phone.getByLabel('Your message').isEnabled(), true);
  assert.deepEqual(context.problems, []);
  assert.deepEqual(phoneContext.problems, []);
  await phoneContext.close();
  await context.close();
});

test('"Get help now" is there for everyone, signed out too, with the lines of the chosen country', async () => {
  const context = await newContext(browser, { ...MOBILE, reducedMotion: 'reduce' });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByRole('button', { name: 'Get help now' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByLabel('Country').selectOption('GB');
  await dialog.getByText(/116 123/).first().waitFor();
  const hrefs = await dialog.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(hrefs.includes('tel:116123') && hrefs.includes('tel:999'), `links: ${hrefs}`);
  assert.deepEqual(await seriousViolations(page), [], 'the Get help dialog is accessible');
  await screenshot(page, 'get-help-mobile');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('two browsers signed in as one person see the same conversation live', async () => {
  const laptop = await newContext(browser);
  const phone = await newContext(browser, MOBILE);
  const a = await laptop.newPage();
  const b = await phone.newPage();
  const email = uniqueEmail('devices');
  await register(a, email);
  await say(a, 'Hello, I would like to talk about my week');
  const sessionPath = new URL(a.url()).pathname;
  assert.match(sessionPath, /^\/chat\/[0-9a-f-]{36}$/);
  await login(b, email);
  await b.goto(sessionPath);
  await b.locator('[data-testid="messages"] [data-sender="ai"]').first().waitFor();
  const before = await b.locator('[data-testid="messages"] [data-sender="ai"]').count();
  const reply = await say(a, 'Work has been stressful and I am sleeping badly');
  // The phone sees the new turn without reloading.
  await b.locator('[data-testid="messages"] [data-sender="ai"]').nth(before).waitFor();
  const seen = (await b.locator('[data-testid="messages"] [data-sender="ai"]').nth(before).innerText()).trim();
  assert.equal(seen, reply);
  await b.locator('[data-testid="messages"] [data-sender="user"]', { hasText: 'sleeping badly' }).waitFor();
  assert.deepEqual([...laptop.problems, ...phone.problems], []);
  await laptop.close();
  await phone.close();
});

test('a voice message is recorded in the browser, transcribed on the device and answered', async () => {
  assert.ok(process.env.REBLOOM_FAKE_AUDIO, 'REBLOOM_FAKE_AUDIO: a WAV file the fake microphone plays');
  const context = await newContext(browser);
  await context.grantPermissions(['microphone']);
  const page = await context.newPage();
  await register(page, uniqueEmail('voice'));
  await page.getByRole('button', { name: 'Record voice' }).click();
  await page.getByRole('status').filter({ hasText: 'Recording' }).waitFor();
  // The fake microphone plays the sentence (about 2.5 s) in a loop: record one pass of it.
  await page.waitForTimeout(3000);
  await page.getByRole('button', { name: 'Stop and send' }).click();
  const mine = page.locator('[data-testid="messages"] [data-sender="user"]').first();
  await mine.waitFor({ timeout: 60_000 });
  const heard = (await mine.innerText()).replace(/^You:\s*/, '');
  console.log(`voice message heard as: "${heard}" (spoken: "I have been feeling stressed about work.")`);
  assert.match(heard, /stress|work/i);
  await page.locator('[data-testid="messages"] [data-sender="ai"]').first().waitFor();
  assert.deepEqual(context.problems, []);
  await context.close();
});

const SCREENS = [
  ['chat', '/chat', 'Talk'],
  ['mood', '/mood', null],
  ['goals', '/goals', null],
  ['questionnaires', '/questionnaires', null],
  ['insights', '/insights', null],
  ['memories', '/memories', null],
  ['notifications', '/notifications', null],
  ['safety-plan', '/safety-plan', null],
  ['settings', '/settings', null],
  ['clinician', '/clinician', null],
];

test('every screen has no serious accessibility violations, in light and dark themes, desktop and mobile', async () => {
  const failures = [];
  for (const [label, options] of [['desktop', DESKTOP], ['mobile', MOBILE]]) {
    // Reduced motion: no fade-in half way through when axe measures contrast.
    const context = await newContext(browser, { ...options, reducedMotion: 'reduce' });
    const page = await context.newPage();
    for (const name of ['login', 'register']) {
      await page.goto(`/${name}`);
      await page.locator('h1').waitFor();
      for (const v of await seriousViolations(page)) failures.push(`${name} (${label}): ${v}`);
      await screenshot(page, `${name}-${label}`);
    }
    await page.goto('/register');
    await page.getByLabel('Email').fill(uniqueEmail(`a11y-${label}`));
    await page.getByLabel('Password').fill('a long unusual passphrase');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Let’s get to know you' }).waitFor();
    for (const v of await seriousViolations(page)) failures.push(`onboarding (${label}): ${v}`);
    await screenshot(page, `onboarding-${label}`);
    const { onboard } = await import('./browser.mjs');
    await onboard(page, { country: 'GB', name: 'Alex' });
    await say(page, 'I keep worrying about my exams');
    for (const [name, path] of SCREENS) {
      if (name !== 'chat') await page.goto(path);
      await page.locator('main h1').waitFor();
      await page.locator('[role="status"]', { hasText: /loading/i }).waitFor({ state: 'detached' }).catch(() => {});
      for (const theme of ['light', 'dark']) {
        await page.evaluate((t) => { document.documentElement.dataset.theme = t; }, theme);
        for (const v of await seriousViolations(page)) failures.push(`${name} (${label}, ${theme}): ${v}`);
        if (theme === 'light') await screenshot(page, `${name}-${label}`);
        else if (label === 'desktop') await screenshot(page, `${name}-${label}-dark`);
      }
      await page.evaluate(() => { delete document.documentElement.dataset.theme; });
    }
    assert.deepEqual(context.problems, []);
    await context.close();
  }
  assert.deepEqual(failures, []);
});
