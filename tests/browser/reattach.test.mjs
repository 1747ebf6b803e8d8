// reattach.test.mjs — coming back to the same shell: reloads type nothing into it (xterm
// answers queries, so a replayed query would arrive as input), and vim's screen is the same.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite, run, waitForScreen } from './harness.mjs';

let server;
let browser;
let page;

before(async () => {
  ({ server, browser } = await openSuite({ TERMGATE_SCROLLBACK: '64KiB' }));
  page = await newPage(browser, { viewport: { width: 1000, height: 640 } });
  await login(page, server);
});

after(() => closeSuite(server, browser));

/** Reloads the page and waits for the same tab to be live again, showing `shown`. */
async function reload(shown) {
  await page.reload();
  await page.waitForFunction(() => window.__termgate?.activeStatus() === 'live', null, { timeout: 15_000 });
  await waitForScreen(page, shown);
}

test('five reloads type nothing into the shell, after DA1 and OSC 11 queries', async () => {
  // Queries a program sends at start-up; xterm answers them live and `read` takes the answers.
  await run(page, String.raw`clear; printf '\033[c'; read -rs -d c -t 5 r; printf '\033]11;?\007'; read -rs -d '\' -t 5 r; echo asked-$?`);
  await waitForScreen(page, /asked-0$/);
  await run(page, 'stty -echo; echo cat-ready; cat -v > seen.txt; stty echo; echo cat-done');
  await waitForScreen(page, /^cat-ready$/);
  for (let i = 0; i < 5; i++) await reload(/^cat-ready\s*$/);
  await page.locator('.xterm-helper-textarea').focus();
  await page.keyboard.type('END');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Control+D');
  await waitForScreen(page, /^cat-done\s*$/);
  await run(page, 'clear; echo "seen:$(cat seen.txt | tr -d \'\\n\'):end"');
  await waitForScreen(page, /^seen:END:end\s*$/);
  await assertClean(page);
});

test('vim comes back exactly as it was, after more output than the ring holds', async () => {
  await run(page, 'clear; for i in $(seq 1 300); do echo "line $i of a long file"; done > long.txt; vim -u NONE long.txt');
  await waitForScreen(page, /^line 10 of a long file/);
  // Command-line redraws only: far more than the 64 KiB ring, the rest of the screen drawn once.
  await page.locator('.xterm-helper-textarea').focus();
  await page.keyboard.type(":for i in range(3000) | echo repeat(i % 10, 60) | redraw | endfor | echo 'edits-' . (6*7)");
  await page.keyboard.press('Enter');
  await waitForScreen(page, /^edits-42/);
  const grab = () =>
    page.evaluate(() => {
      const term = window.__termgate.activeTerminal();
      const buffer = term.buffer.active;
      const rows = [];
      // Trailing blanks compare as absent: a rebuilt row may hold them as spaces.
      for (let y = 0; y < term.rows; y++) rows.push(buffer.getLine(buffer.viewportY + y).translateToString(true).trimEnd());
      return { rows, cursor: [buffer.cursorY, buffer.cursorX], type: buffer.type };
    });
  const before = await grab();
  assert.equal(before.type, 'alternate');
  await reload(/^edits-42/);
  const after = await grab();
  assert.deepEqual(after, before);
  await page.keyboard.type(':q!');
  await page.keyboard.press('Enter');
  await assertClean(page);
});
