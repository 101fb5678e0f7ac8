// Debian's Chromium driven by playwright-core (never a downloaded browser).
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';

export const BASE = process.env.REBLOOM_URL;
export const SHOTS = process.env.REBLOOM_SCREENSHOTS;
export const PASSWORD = 'a long unusual passphrase';

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      ...(process.env.REBLOOM_FAKE_AUDIO ? [`--use-file-for-fake-audio-capture=${process.env.REBLOOM_FAKE_AUDIO}`] : []),
    ],
  });
}

export const DESKTOP = { viewport: { width: 1280, height: 860 } };
export const MOBILE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** A context whose pages fail the test on any console error or CSP violation. */
export async function newContext(browser, options = DESKTOP) {
  const context = await browser.newContext({ baseURL: BASE, acceptDownloads: true, locale: 'en-GB', ...options });
  context.problems = [];
  context.on('page', (page) => watch(page, context.problems));
  return context;
}

function watch(page, problems) {
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
}

export function uniqueEmail(tag) {
  return `${tag}-${Date.now()}-${Math.random().toString(16).slice(2, 8)}@example.org`;
}

/** Serious or critical axe violations of WCAG 2.0-2.2 A/AA on the page as it is now. */
export async function seriousViolations(page) {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

export async function screenshot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: false, animations: 'disabled' });
}

export async function register(page, email, { country = 'GB', name = 'Sam' } = {}) {
  await page.goto('/register');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Let’s get to know you' }).waitFor();
  await onboard(page, { country, name });
}

export async function onboard(page, { country, name }) {
  await page.getByLabel('What should we call you?').fill(name);
  await page.getByLabel('Age range').selectOption('25-34');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Feeling less anxious').check();
  await page.getByLabel(/^CBT/).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Country (for crisis lines near you)').selectOption(country);
  await page.getByRole('button', { name: 'Start talking' }).click();
  await page.getByRole('heading', { name: 'Talk', level: 1 }).waitFor();
}

export async function login(page, email) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Talk', level: 1 }).waitFor();
}

/** Sends a message in the chat and waits for the companion's whole reply. */
export async function say(page, text) {
  const replies = page.locator('[data-testid="messages"] [data-sender="ai"]');
  const before = await replies.count();
  await page.getByLabel('Your message').fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await replies.nth(before).waitFor();
  await page.getByRole('button', { name: 'Send', exact: true }).waitFor();
  return (await replies.nth(before).innerText()).trim();
}
