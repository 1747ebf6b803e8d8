// terminal.test.mjs — the workspace: two tabs, a command and its output, replay after a
// page reload, and the PTY following the browser window's size.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite, pageJson, run, screenText, waitForScreen, waitLive } from './harness.mjs';

let server;
let browser;
let page;

before(async () => {
  ({ server, browser } = await openSuite());
  page = await newPage(browser, { viewport: { width: 1100, height: 700 } });
  await login(page, server);
});

after(() => closeSuite(server, browser));

test('a command runs and its output shows', async () => {
  await run(page, 'echo $((6*7))');
  await waitForScreen(page, /^42$/);
  await assertClean(page);
});

test('two tabs, each with its own shell', async () => {
  await page.locator('#new-tab').click();
  await page.waitForFunction(() => window.__termgate.tabTitles().length === 2);
  await waitLive(page);
  assert.doesNotMatch(await screenText(page), /^42$/m, 'the new tab shows the first tab output');
  await run(page, 'echo tab-$((1+1))');
  await waitForScreen(page, /^tab-2$/);
  const tabs = page.getByRole('tab');
  assert.equal(await tabs.count(), 2);
  assert.equal(await tabs.nth(1).getAttribute('aria-selected'), 'true');

  // Back to the first tab by clicking it, then by keyboard.
  await tabs.nth(0).click();
  await waitForScreen(page, /^42$/);
  assert.equal(await tabs.nth(0).getAttribute('aria-selected'), 'true');
  await tabs.nth(0).focus();
  await page.keyboard.press('ArrowRight');
  await waitForScreen(page, /^tab-2$/);
  assert.equal(await tabs.nth(1).getAttribute('aria-selected'), 'true');
  await page.keyboard.press('ArrowLeft');
  await waitForScreen(page, /^42$/);
  await page.locator('.xterm-helper-textarea').first().focus();
  await run(page, 'printf "\\033[1;32mgreen\\033[0m \\033[38;2;255;120;0mtruecolor\\033[0m https://example.com/docs\\n"');
  await waitForScreen(page, /^green truecolor https:\/\/example\.com\/docs$/);
  await assertClean(page);
});

test('reloading the page replays the output', async () => {
  await page.reload();
  await waitLive(page);
  await page.waitForFunction(() => window.__termgate.tabTitles().length === 2);
  await waitForScreen(page, /^42$/);
  const text = await screenText(page);
  assert.equal(text.match(/^42$/gm).length, 1, `output duplicated after replay:\n${text}`);
  await assertClean(page);
});

test('the PTY follows the window size', async () => {
  await page.locator('.xterm-helper-textarea').first().focus();
  const before = await page.evaluate(() => window.__termgate.activeSize());
  await run(page, 'echo size=$(stty size)');
  await waitForScreen(page, new RegExp(`^size=${before.rows} ${before.cols}$`));

  await page.setViewportSize({ width: 760, height: 480 });
  await page.waitForFunction(
    (b) => {
      const s = window.__termgate.activeSize();
      return s.cols < b.cols && s.rows < b.rows;
    },
    before,
  );
  const after = await page.evaluate(() => window.__termgate.activeSize());
  await run(page, 'echo size=$(stty size)');
  await waitForScreen(page, new RegExp(`^size=${after.rows} ${after.cols}$`));
  await page.setViewportSize({ width: 1100, height: 700 });
  await assertClean(page);
});

test('rename by double-click; shell titles are shown as text only', async () => {
  const tabs = page.getByRole('tab');
  // The second tab keeps following the shell's title (OSC 0); markup stays text.
  await tabs.nth(1).click();
  await run(page, String.raw`printf '\033]0;<img src=x onerror=alert(1)>title\007'; echo set-title`);
  await waitForScreen(page, /^set-title$/);
  await page.waitForFunction(() => window.__termgate.tabTitles()[1] === '<img src=x onerror=alert(1)>title');
  assert.equal(await tabs.nth(1).textContent(), '<img src=x onerror=alert(1)>title');
  assert.equal(await page.locator('#tabs img').count(), 0);

  // The first tab gets a name from the user, which the server keeps.
  await tabs.nth(0).dblclick();
  const input = page.getByLabel('Terminal name');
  await input.fill('build box');
  await input.press('Enter');
  await page.waitForFunction(() => window.__termgate.tabTitles()[0] === 'build box');
  const list = await pageJson(page, '/api/terminals');
  assert.ok(list.terminals.some((t) => t.title === 'build box'), JSON.stringify(list));
  await assertClean(page);
});

test('search in scrollback', async () => {
  await page.getByRole('tab').nth(0).click();
  await waitForScreen(page, /^42$/);
  await page.keyboard.press('Control+Shift+F');
  const box = page.locator('#search-input');
  await box.waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'search-input');
  await box.fill('42');
  await page.locator('#search-count').filter({ hasText: /1 of 1/ }).waitFor();
  assert.equal(await page.evaluate(() => window.__termgate.activeSelection()), '42');
  await box.press('Escape');
  await box.waitFor({ state: 'hidden' });
  assert.ok(await page.evaluate(() => document.activeElement?.classList.contains('xterm-helper-textarea')));
  await assertClean(page);
});

test('a shell that exits says so; its tab closes with the × button', async () => {
  const tabs = page.getByRole('tab');
  await tabs.nth(1).click();
  await run(page, 'exit 3');
  await waitForScreen(page, /\[process exited with code 3\]/);
  await page.waitForFunction(() => window.__termgate.activeStatus() === 'exited');
  await page.locator('.tab.exited').waitFor();
  await page.locator('.tab.exited .tab-close').click();
  await page.waitForFunction(() => window.__termgate.tabTitles().length === 1);
  assert.equal(await tabs.count(), 1);
  assert.equal(await tabs.nth(0).getAttribute('aria-selected'), 'true');
  await assertClean(page);
});
