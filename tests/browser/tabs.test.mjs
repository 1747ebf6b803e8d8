// tabs.test.mjs — the tab bar (issue 15): renaming with real key presses (a space is a
// space, nothing reaches the shell), the owner's name winning over the shell's title in a
// second browser and after a reload until it is cleared, closing a tab with a running
// program asks (×, Ctrl+Shift+W, Delete), twelve tabs at 1280 px (the strip scrolls, the rest
// of the bar stays on one line), the active tab after a reload, and search starting at the
// newest match. Every wait is for a condition, never a fixed delay.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, listTerminals, login, newPage, openSuite, run, screenText, waitBusy, waitForScreen, waitLive } from './harness.mjs';

let server;
let browser;
let page; // the owner's first browser
let other; // the owner in a second browser (own cookies, own sessionStorage)

before(async () => {
  // Room for twelve tabs (the default cap is eight): see the 1280 px test.
  ({ server, browser } = await openSuite({ TERMGATE_MAX_TABS: '16' }));
  page = await newPage(browser);
  await login(page, server);
});

after(() => closeSuite(server, browser));

const titles = (p) => p.evaluate(() => window.__termgate.tabTitles());

/** Wait until tab `i`'s label is `want`; the error says what it was instead. */
async function waitTitle(p, i, want, timeout = 10_000) {
  try {
    await p.waitForFunction(([i, want]) => window.__termgate.tabTitles()[i] === want, [i, want], { timeout });
  } catch {
    assert.fail(`tab ${i} never showed ${JSON.stringify(want)}: tabs are ${JSON.stringify(await titles(p))}`);
  }
}

/** The id of the selected tab (its button is `tab-<id>`). */
async function activeId(p) {
  return (await p.locator('#tabs [role=tab][aria-selected=true]').getAttribute('id')).replace(/^tab-/, '');
}

test('renaming a tab to "deploy prod" by typing names it so and sends nothing to the shell', async () => {
  const tab = page.getByRole('tab').nth(0);
  await tab.dblclick();
  const input = page.getByLabel('Terminal name');
  await input.waitFor();
  await page.keyboard.type('deploy prod'); // real key presses: the Space must stay a space
  await page.keyboard.press('Enter');
  await waitTitle(page, 0, 'deploy prod');
  await input.waitFor({ state: 'detached' });
  // Enter gave the terminal its focus back; nothing typed into the name got there.
  await run(page, 'echo after-$((2+3))');
  await waitForScreen(page, /^after-5$/);
  assert.doesNotMatch(await screenText(page), /prod|command not found/);

  // Escape cancels; F2 on the focused tab edits too, and returns there.
  await tab.focus();
  await page.keyboard.press('F2');
  await input.waitFor();
  assert.equal(await page.locator('button input, [role=tab] input').count(), 0, 'the rename input sits inside a button');
  await page.keyboard.type('nope nope');
  await page.keyboard.press('Escape');
  await input.waitFor({ state: 'detached' });
  assert.equal((await titles(page))[0], 'deploy prod');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'tab');
  await assertClean(page);
});

test("the owner's name wins over the shell's title in every browser, after a reload, until cleared", async () => {
  // Named through the input's value (not key presses), so this test stands on its own.
  await page.getByRole('tab').nth(0).dblclick();
  await page.getByLabel('Terminal name').fill('deploy prod');
  await page.getByLabel('Terminal name').press('Enter');
  await waitTitle(page, 0, 'deploy prod');

  other = await newPage(browser);
  await login(other, server);
  await waitTitle(other, 0, 'deploy prod');

  // The shell sets its own title (OSC 0): both browsers keep the owner's name.
  await page.locator('.xterm-helper-textarea').first().focus();
  await run(page, String.raw`printf '\033]0;osc-title\007'; echo osc-$((1+1))`);
  await waitForScreen(page, /^osc-2$/);
  await waitForScreen(other, /^osc-2$/);
  assert.equal((await titles(page))[0], 'deploy prod');
  assert.equal((await titles(other))[0], 'deploy prod', 'the second browser shows the shell title over the name');

  // A reload replays the shell's title with the screen: the name still wins.
  await other.reload();
  await waitLive(other);
  await waitForScreen(other, /^osc-2$/);
  assert.equal((await titles(other))[0], 'deploy prod');

  // A rename in one browser relabels the tab in the other at once.
  await page.getByRole('tab').nth(0).dblclick();
  await page.getByLabel('Terminal name').fill('deploy stage');
  await page.getByLabel('Terminal name').press('Enter');
  await waitTitle(other, 0, 'deploy stage');

  // Clearing the name (an empty name) brings the shell's title back, everywhere.
  await page.getByRole('tab').nth(0).dblclick();
  await page.getByLabel('Terminal name').fill('');
  await page.getByLabel('Terminal name').press('Enter');
  await waitTitle(page, 0, 'osc-title');
  await waitTitle(other, 0, 'osc-title');
  const [info] = await listTerminals(page);
  assert.equal(info.name, null, JSON.stringify(info));
  await assertClean(page);
  await assertClean(other);
  await other.context().close();
});

test('closing a tab with a running program asks first, naming it (×, Ctrl+Shift+W, Delete)', async () => {
  await page.locator('#new-tab').click();
  await page.waitForFunction(() => window.__termgate.tabTitles().length === 2);
  await waitLive(page);
  const id = await activeId(page);
  await waitBusy(page, id, null); // the shell at its prompt is not "busy"
  await run(page, 'sleep 600');
  await waitBusy(page, id, 'sleep');

  const dialog = page.locator('#ask-dialog');
  const tabCount = () => page.getByRole('tab').count();

  // ×: the safe button has the focus, so Enter (or a stray Space) keeps the tab and its job.
  await page.locator('.tab.active .tab-close').click();
  await dialog.waitFor({ state: 'visible' });
  assert.match(await dialog.textContent(), /sleep/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'ask-cancel', 'the destructive button has the focus');
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await tabCount(), 2);
  await waitBusy(page, id, 'sleep');

  // ×, then Cancel clicked: likewise.
  await page.locator('.tab.active .tab-close').click();
  await dialog.waitFor({ state: 'visible' });
  await page.locator('#ask-cancel').click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await tabCount(), 2);

  // Ctrl+Shift+W from the terminal, then Escape.
  await page.locator('.pane:not([hidden]) .xterm-helper-textarea').focus();
  await page.keyboard.press('Control+Shift+W');
  await dialog.waitFor({ state: 'visible' });
  assert.match(await dialog.textContent(), /sleep/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'ask-cancel');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await tabCount(), 2);
  await waitBusy(page, id, 'sleep');

  // Delete on the focused tab, then confirm: the tab and its job end.
  await page.locator('.tab.active .tab-button').focus();
  await page.keyboard.press('Delete');
  await dialog.waitFor({ state: 'visible' });
  await page.locator('#ask-confirm').click();
  await page.waitForFunction(() => window.__termgate.tabTitles().length === 1);
  assert.ok(!(await listTerminals(page)).some((t) => t.id === id), 'the terminal is still listed');

  // A tab whose shell is at its prompt closes without a question.
  await page.locator('#new-tab').click();
  await page.waitForFunction(() => window.__termgate.tabTitles().length === 2);
  await waitLive(page);
  await page.locator('.tab.active .tab-close').click();
  await page.waitForFunction(() => window.__termgate.tabTitles().length === 1);
  assert.equal(await dialog.isVisible(), false);
  await assertClean(page);
});

// Twelve: the bar's controls are compact enough that eight short tabs fit at 1280 px.
test('twelve tabs at 1280 px: the tab strip scrolls, the rest of the bar stays on one line', async () => {
  other = await newPage(browser, { viewport: { width: 1280, height: 720 } });
  await login(other, server);
  const bar = () =>
    other.evaluate(() => {
      const box = (sel) => document.querySelector(sel).getBoundingClientRect().toJSON();
      const strip = document.getElementById('tabs');
      return { topbar: box('.topbar'), share: box('#share-open'), account: box('#account-toggle'), strip: box('#tabs'), active: box('.tab.active'), scrolls: strip.scrollWidth > strip.clientWidth };
    });
  const one = await bar();
  while ((await titles(other)).length < 12) {
    const n = (await titles(other)).length;
    await other.locator('#new-tab').click();
    await other.waitForFunction((n) => window.__termgate.tabTitles().length === n + 1, n);
  }
  await waitLive(other);
  const many = await bar();
  // Within a pixel: scroll positions and scrollWidth are whole pixels, layout boxes are not.
  const within = (inner, outer) => inner.left >= outer.left - 1 && inner.right <= outer.right + 1;
  assert.ok(many.scrolls, 'twelve tabs fit without scrolling: the test does not test the overflow');
  assert.equal(many.topbar.height, one.topbar.height, 'the top bar grew (a control wrapped)');
  assert.equal(many.share.height, one.share.height, '"Share" wrapped');
  // The log-out buttons live in the account menu; its button must stay on screen.
  assert.ok(many.account.right <= 1280, `the account menu's button is off screen: ${JSON.stringify(many.account)}`);
  assert.ok(within(many.active, many.strip), `the active tab is clipped: ${JSON.stringify(many)}`);

  // Going to the first tab scrolls it into view.
  await other.keyboard.press('Alt+1');
  await other.waitForFunction(() => document.querySelector('#tabs [role=tab]').getAttribute('aria-selected') === 'true');
  const first = await bar();
  assert.ok(within(first.active, first.strip), `the first tab is not scrolled into view: ${JSON.stringify(first)}`);
  await assertClean(other);
});

test('a reload comes back to the tab that was active, not the first', async () => {
  const third = other.getByRole('tab').nth(2);
  await third.click();
  await other.waitForFunction(() => document.querySelectorAll('#tabs [role=tab]')[2].getAttribute('aria-selected') === 'true');
  const id = await activeId(other);
  await other.reload();
  await other.waitForFunction(() => window.__termgate?.tabTitles().length === 12);
  await waitLive(other);
  assert.equal(await activeId(other), id);
  await assertClean(other);
});

test('search starts at the newest match; Enter goes to older ones', async () => {
  await other.locator('.pane:not([hidden]) .xterm-helper-textarea').focus();
  await run(other, 'for i in 1 2 3; do echo zebra-$i; done');
  await waitForScreen(other, /^zebra-3$/);
  await other.keyboard.press('Control+Shift+F');
  const box = other.locator('#search-input');
  await box.waitFor({ state: 'visible' });
  // Four matches: the command line (oldest) and zebra-1..3; the newest is zebra-3.
  await box.fill('zebra-');
  const count = other.locator('#search-count');
  const row = () => other.evaluate(() => window.__termgate.activeTerminal().getSelectionPosition()?.start.y ?? null);
  const lineOf = (text) => other.evaluate((text) => {
    const buffer = window.__termgate.activeTerminal().buffer.active;
    for (let y = buffer.length - 1; y >= 0; y--) if (buffer.getLine(y)?.translateToString(true) === text) return y;
    return null;
  }, text);
  await count.filter({ hasText: /^4 of 4$/ }).waitFor({ timeout: 5000 }).catch(async () => {
    assert.fail(`search did not start at the newest match: "${await count.textContent()}"`);
  });
  assert.equal(await row(), await lineOf('zebra-3'));
  await box.press('Enter');
  await count.filter({ hasText: /^3 of 4$/ }).waitFor();
  assert.equal(await row(), await lineOf('zebra-2'));
  await box.press('Shift+Enter');
  await count.filter({ hasText: /^4 of 4$/ }).waitFor();
  await box.press('Escape');
  await box.waitFor({ state: 'hidden' });
  await assertClean(other);
});
