// input.test.mjs — keyboard shortcuts, font size, copy on selection and paste.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite, run, waitForScreen, waitLive } from './harness.mjs';

let server;
let browser;
let page;

before(async () => {
  ({ server, browser } = await openSuite({ TERMGATE_MAX_TABS: '2' }));
  page = await newPage(browser, { viewport: { width: 1000, height: 640 } });
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  await login(page, server);
});

after(() => closeSuite(server, browser));

const tabCount = () => page.evaluate(() => window.__termgate.tabTitles().length);
const selected = () => page.getByRole('tab', { selected: true }).getAttribute('id');

test('keyboard shortcuts: new, switch, close; the tab limit is explained', async () => {
  const first = await selected();
  await page.keyboard.press('Control+Shift+T');
  await page.waitForFunction(() => window.__termgate.tabTitles().length === 2);
  await waitLive(page);
  const second = await selected();
  assert.notEqual(second, first);
  // A third one is over the server's limit (TERMGATE_MAX_TABS=2): the page says so.
  await page.keyboard.press('Control+Shift+T');
  await page.locator('#notice').filter({ hasText: 'Too many terminals' }).waitFor();
  assert.equal(await tabCount(), 2);
  await page.keyboard.press('Alt+1');
  assert.equal(await selected(), first);
  await page.keyboard.press('Control+Shift+PageDown');
  assert.equal(await selected(), second);
  await page.keyboard.press('Control+Shift+PageUp');
  assert.equal(await selected(), first);
  await page.keyboard.press('Alt+2');
  assert.equal(await selected(), second);
  await page.keyboard.press('Control+Shift+W');
  await page.waitForFunction(() => window.__termgate.tabTitles().length === 1);
  assert.equal(await tabCount(), 1);
  assert.equal(await selected(), first);
  // The terminal has the focus again and still takes input.
  await run(page, 'echo still-$((4*4))');
  await waitForScreen(page, /^still-16$/);
  await assertClean(page);
});

test('font size buttons change the grid and are remembered', async () => {
  const before = await page.evaluate(() => window.__termgate.activeSize());
  await page.locator('#font-inc').click();
  await page.locator('#font-inc').click();
  await page.waitForFunction((b) => window.__termgate.activeSize().cols < b.cols, before);
  assert.equal(await page.evaluate(() => localStorage.getItem('termgate.fontSize')), '16');
  await page.locator('#font-dec').click();
  await page.locator('#font-dec').click();
  await page.waitForFunction((b) => window.__termgate.activeSize().cols === b.cols, before);
  await assertClean(page);
});

test('selecting text copies it; Ctrl+Shift+V pastes', async () => {
  await run(page, 'clear; echo copy-me-$((5*5))');
  await waitForScreen(page, /^copy-me-25$/);
  // Double-click selects the word under the pointer.
  const row = page.locator('.xterm-rows > div').filter({ hasText: /^copy-me-25/ }).first();
  const box = await row.boundingBox();
  await page.mouse.dblclick(box.x + 20, box.y + box.height / 2);
  await page.waitForFunction(async () => (await navigator.clipboard.readText()).startsWith('copy'), null, { timeout: 5000 });
  // Copy-on-select waits 120 ms after the last selection change, and the double-click's
  // mouseup can change it once more: clearing the selection calls off a copy still pending,
  // so the clipboard written next is not overwritten by a late one.
  await page.evaluate(() => window.__termgate.activeTerminal().clearSelection());

  await page.evaluate(() => navigator.clipboard.writeText('echo pasted-$((3*3))'));
  await page.locator('.xterm-helper-textarea').focus();
  await page.keyboard.press('Control+Shift+V');
  await page.keyboard.press('Enter');
  await waitForScreen(page, /^pasted-9$/);
  await assertClean(page);
});

test('terminal output cannot write the clipboard (OSC 52) or open non-http links', async () => {
  await page.evaluate(() => navigator.clipboard.writeText('untouched'));
  // "cHduZWQ=" is base64 for "pwned".
  await run(page, String.raw`printf '\033]52;c;cHduZWQ=\007'; echo osc-$((7*6))`);
  await waitForScreen(page, /^osc-42$/);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'untouched');

  const opened = [];
  page.context().on('page', (p) => opened.push(p.url()));
  await page.evaluate(() => {
    window.__opened = [];
    const open = window.open;
    window.open = (url, target, features) => {
      window.__opened.push([String(url), target, features]);
      return null;
    };
    window.__restoreOpen = () => (window.open = open);
  });
  // OSC 8 hyperlinks (javascript: and https:) and a plain http link.
  await run(page, String.raw`clear; printf '\033]8;;javascript:alert(1)\007evil-link\033]8;;\007\n\033]8;;https://example.com/osc8\007good-link\033]8;;\007\n'; echo http://example.com/ok`);
  await waitForScreen(page, /^http:\/\/example\.com\/ok$/);
  const clickText = async (re) => {
    const row = page.locator('.xterm-rows > div').filter({ hasText: re }).first();
    const box = await row.boundingBox();
    await page.mouse.move(box.x + 30, box.y + box.height / 2);
    await page.mouse.move(box.x + 32, box.y + box.height / 2);
    await page.mouse.click(box.x + 32, box.y + box.height / 2);
  };
  await clickText(/^evil-link/);
  await clickText(/^good-link/);
  await clickText(/^http:\/\/example\.com\/ok/);
  await page.waitForFunction(() => window.__opened.length >= 2);
  const calls = await page.evaluate(() => window.__opened);
  await page.evaluate(() => window.__restoreOpen());
  assert.deepEqual(calls, [
    ['https://example.com/osc8', '_blank', 'noopener,noreferrer'],
    ['http://example.com/ok', '_blank', 'noopener,noreferrer'],
  ]);
  assert.deepEqual(opened, []);
  await assertClean(page);
});
