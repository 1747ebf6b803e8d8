// reconnect.test.mjs — the server goes away, and the tab's overlay says how:
// - killed (no close frame): "Connection lost — reconnecting…", with a "Reconnect now"
//   button readable in the light and the dark theme; when a new server answers on the same
//   port (the old login is unknown to it), the page goes back to the login screen;
// - stopped by its owner (SIGTERM: close 1001 "shutdown"): "termgate was stopped", still
//   said after a retry that failed, never replaced by "reconnecting";
// - stopped itself at --idle-shutdown while public (close 1001 "idle_shutdown"): says so.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite, run, startServer, waitForScreen } from './harness.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await openSuite());
});

after(() => closeSuite(server, browser));

const OVERLAY = '.pane:not([hidden]) .overlay';
// Generous: the page retries with backoff, on a loaded machine.
const RETRY_TIMEOUT = 30_000;

/** WCAG contrast ratio of the overlay button's text against its own background. */
async function buttonContrast(page) {
  const { color, background } = await page.locator(`${OVERLAY} button`).evaluate((b) => {
    const style = getComputedStyle(b);
    return { color: style.color, background: style.backgroundColor };
  });
  const parse = (css) => {
    const m = css.match(/^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/);
    assert.ok(m, `not an rgb colour: ${css}`);
    return { rgb: [m[1], m[2], m[3]].map(Number), alpha: m[4] === undefined ? 1 : Number(m[4]) };
  };
  const fg = parse(color);
  const bg = parse(background);
  // A see-through button would show the overlay's dark veil: then this measure would lie.
  assert.equal(bg.alpha, 1, `the button's background is not opaque: ${background}`);
  const luminance = ({ rgb }) => {
    const [r, g, b] = rgb.map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
  return { ratio: (hi + 0.05) / (lo + 0.05), color, background };
}

/** Click the theme button (auto → light → dark) until the page shows `want`. */
async function useTheme(page, want) {
  for (let i = 0; i < 3; i++) {
    if ((await page.evaluate(() => document.documentElement.dataset.theme)) === want) return;
    await page.locator('#theme').click();
  }
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), want);
}

test('killed server: "Connection lost — reconnecting…", a readable button, then back to the login page', async () => {
  const page = await newPage(browser);
  await login(page, server);
  await run(page, 'echo before-$((1+1))');
  await waitForScreen(page, /^before-2$/);

  const port = new URL(server.url).port;
  await server.signal('SIGKILL'); // the connection drops without a close frame
  const overlay = page.locator(OVERLAY);
  await overlay.filter({ hasText: 'Connection lost — reconnecting…' }).waitFor({ state: 'visible', timeout: RETRY_TIMEOUT });
  assert.match(await page.locator('.tab.active').getAttribute('class'), /offline/);
  assert.equal(await overlay.getAttribute('role'), 'status');
  assert.equal(await page.locator(`${OVERLAY} button`).textContent(), 'Reconnect now');

  // "Reconnect now" must be readable in both themes (it was white on white in the light one).
  for (const theme of ['light', 'dark']) {
    await useTheme(page, theme);
    const { ratio, color, background } = await buttonContrast(page);
    assert.ok(ratio >= 4.5, `${theme} theme: "Reconnect now" is ${color} on ${background} (contrast ${ratio.toFixed(2)}:1)`);
  }

  await server.stop();
  server = await startServer({}, { port: Number(port) });
  await page.locator('#login-form').waitFor({ state: 'visible', timeout: RETRY_TIMEOUT });
  await page.locator('#login-note').filter({ hasText: 'Your session ended' }).waitFor();

  // And logging in again works on the new server.
  await page.locator('#login-token').fill(server.token);
  await page.locator('#login-pin').fill(server.pin);
  await page.locator('#login-submit').click();
  await page.waitForFunction(() => window.__termgate?.activeStatus() === 'live');
  await assertClean(page);
  await page.context().close();
});

test('SIGTERM: the overlay says termgate was stopped, and keeps saying it after a failed retry', async () => {
  const stopped = await startServer();
  const page = await newPage(browser);
  try {
    await login(page, stopped);
    const { code } = await stopped.signal('SIGTERM');
    assert.equal(code, 0, stopped.output());
    const overlay = page.locator(OVERLAY);
    await overlay.filter({ hasText: 'termgate was stopped.' }).waitFor({ state: 'visible', timeout: RETRY_TIMEOUT });
    assert.doesNotMatch(await overlay.textContent(), /reconnecting/i);
    assert.match(await overlay.textContent(), /Trying again every 10 s\./);
    assert.equal(await page.evaluate(() => window.__termgate.activeStatus()), 'stopped');

    // "Reconnect now" tries at once; that attempt fails (nobody listens, no close frame)
    // and the reason stays on screen.
    const { attempts } = await page.evaluate(() => window.__termgate.activeSocketState());
    await page.locator(`${OVERLAY} button`).click();
    await page.waitForFunction((n) => {
      const s = window.__termgate.activeSocketState();
      return s.attempts > n && !s.trying;
    }, attempts, { timeout: RETRY_TIMEOUT });
    assert.equal(await overlay.isVisible(), true);
    assert.match(await overlay.textContent(), /termgate was stopped\./);
    assert.doesNotMatch(await overlay.textContent(), /reconnecting/i);
    await assertClean(page);
  } finally {
    await page.context().close();
    await stopped.stop();
  }
});

test('idle shutdown while public: the overlay says termgate stopped itself for lack of activity', async () => {
  // Exposed through the fake zrok, with a short idle limit. A visible owner page counts as
  // activity, so the page goes to the background first (as a phone's locked screen does).
  const idle = await startServer({}, { zrok: true, args: ['--idle-shutdown', '4s'] });
  const page = await newPage(browser);
  try {
    await login(page, idle);
    await run(page, 'echo idle-$((2+3))');
    await waitForScreen(page, /^idle-5$/);
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    const overlay = page.locator(OVERLAY);
    await overlay
      .filter({ hasText: 'termgate stopped itself after a long time without activity while it was public.' })
      .waitFor({ state: 'attached', timeout: RETRY_TIMEOUT });
    assert.doesNotMatch(await overlay.textContent(), /reconnecting/i);
    const { code } = await idle.signal('SIGTERM');
    assert.equal(code, 0, idle.output());
    assert.match(idle.output(), /no owner activity for 4s while public: shutting down/);
    await assertClean(page);
  } finally {
    await page.context().close();
    await idle.stop();
  }
});
