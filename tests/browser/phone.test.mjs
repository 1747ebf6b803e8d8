// phone.test.mjs — a phone-sized touch screen: the key bar's sticky Ctrl interrupts a
// running command, and its buttons never take focus away from the terminal.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite, run, screenshot, screenText, waitForScreen } from './harness.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await openSuite());
});

after(() => closeSuite(server, browser));

const terminalHasFocus = (page) => page.evaluate(() => document.activeElement?.classList.contains('xterm-helper-textarea') === true);

test('key bar: Ctrl then c interrupts sleep', async () => {
  const page = await newPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await login(page, server);
  const keybar = page.locator('#keybar');
  assert.equal(await keybar.isVisible(), true, 'key bar hidden on a phone');

  await run(page, 'sleep 100; echo done');
  await waitForScreen(page, /sleep 100; echo done\s*$/);

  const ctrl = keybar.locator('[data-key="ctrl"]');
  await ctrl.tap();
  assert.equal(await ctrl.getAttribute('aria-pressed'), 'true');
  assert.ok(await terminalHasFocus(page), 'the Ctrl button took the focus');
  await page.keyboard.type('c');
  await waitForScreen(page, /\^C/);
  assert.equal(await ctrl.getAttribute('aria-pressed'), 'false', 'Ctrl stayed pressed');

  await run(page, 'echo after-$((2+3))');
  await waitForScreen(page, /^after-5$/);
  assert.doesNotMatch(await screenText(page), /^done$/m, 'sleep was not interrupted');

  // Arrow up from the key bar recalls the previous command.
  await keybar.locator('[data-key="up"]').tap();
  assert.ok(await terminalHasFocus(page));
  await waitForScreen(page, /^after-5\n[^\n]*echo after-\$\(\(2\+3\)\)$/);
  await page.keyboard.press('Enter');
  await waitForScreen(page, /^after-5\n(.*\n)*after-5$/);

  await screenshot(page, 'phone.png');
  await assertClean(page);
  await page.context().close();
});
