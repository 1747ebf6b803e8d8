// paste.test.mjs — a big paste never wedges a tab, and Ctrl+C during it works at once.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite, run, waitForScreen } from './harness.mjs';

let server;
let browser;
let page;

before(async () => {
  ({ server, browser } = await openSuite());
  page = await newPage(browser, { viewport: { width: 1000, height: 640 } });
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  await login(page, server);
});

after(() => closeSuite(server, browser));

/** `lines` lines of shell comments (harmless should the shell ever read them). */
const pasteText = (lines) => `(() => Array.from({ length: ${lines} }, (_, i) => '#' + String(i).padStart(8, '0') + ' ' + 'x'.repeat(90)).join('\\n') + '\\n')()`;

test('Ctrl+C during an 8 MB paste into a program that never reads stops it within 1 s', async () => {
  // The trap also makes a file: the clock stops when the program got the
  // signal, not when its line has been drawn behind the paste's echo (on a
  // loaded machine drawing that alone can take a second). The line must
  // still come.
  const flag = join(mkdtempSync(join(tmpdir(), 'termgate-paste-')), 'interrupted');
  await run(page, `clear; (trap ': > ${flag}; echo INTERRUPTED-$((6*7))' INT; echo READY-$((1+1)); sleep 600)`);
  await waitForScreen(page, /^READY-2$/);
  await page.evaluate(`navigator.clipboard.writeText(${pasteText(80_000)})`);
  await page.locator('.xterm-helper-textarea').focus();
  await page.keyboard.press('Control+Shift+V');
  // `sleep` reads nothing: the paste backs up in the page's input window.
  await page.waitForFunction(() => window.__termgate.activePendingInput() > 0, null, { timeout: 20_000 });
  const pressed = Date.now();
  await page.keyboard.press('Control+C');
  while (!existsSync(flag) && Date.now() - pressed < 5_000) await new Promise((r) => setTimeout(r, 10));
  const took = Date.now() - pressed;
  // SECURITY.md promises 1 s.
  assert.ok(took < 1_000, `Ctrl+C took ${took} ms`);
  // The echoed ^C ends the line the paste was on; the marker follows it.
  await waitForScreen(page, /INTERRUPTED-42$/, 10_000);
  assert.equal(await page.evaluate(() => window.__termgate.activePendingInput()), 0, 'the rest of the paste was dropped');
  // The shell runs the next command, none of the paste.
  await run(page, 'echo alive-$((5*5))');
  await waitForScreen(page, /^alive-25$/);
  await assertClean(page);
});

test('an 8 MB paste into cat arrives whole', async () => {
  await run(page, 'clear; echo READY-$((2+2)); wc -c > pasted.count');
  await waitForScreen(page, /^READY-4$/);
  await page.evaluate(`navigator.clipboard.writeText(${pasteText(80_000)})`);
  await page.locator('.xterm-helper-textarea').focus();
  await page.keyboard.press('Control+Shift+V');
  await page.waitForFunction(() => window.__termgate.activePendingInput() === 0, null, { timeout: 60_000 });
  // End of file ends wc, which wrote its count.
  await page.keyboard.press('Control+D');
  await run(page, 'echo count-$(cat pasted.count)');
  await waitForScreen(page, new RegExp(`^count-${80_000 * 101}$`), 60_000);
  await assertClean(page);
});
