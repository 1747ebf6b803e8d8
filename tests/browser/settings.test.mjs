// settings.test.mjs — the Settings dialog (issue 15): terminal palettes applied live to every
// tab, each with its default foreground ≥ 4.5:1 on its background, kept over a reload; the
// font family (default stack, monospace, a typed name) applied to every tab, which refits;
// Alt+1..9 tab switching that can be switched off (then the shell gets ESC+digit); and the
// editor's soft wrap. Every control is reached by its label.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite, run, waitBusy, waitForScreen, waitLive } from './harness.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await openSuite());
  writeFileSync(join(server.cwd, 'long.txt'), `${'lorem ipsum dolor '.repeat(300)}\nshort\n`);
});

after(() => closeSuite(server, browser));

/** WCAG 2 contrast ratio of two #rrggbb colours (an implementation of its own, not the page's). */
function contrast(a, b) {
  const lum = (hex) => {
    assert.match(hex, /^#[0-9a-f]{6}$/i, `not a #rrggbb colour: ${hex}`);
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const themes = (page) => page.evaluate(() => window.__termgate.terminals().map((t) => ({ ...t.options.theme })));
const fonts = (page) => page.evaluate(() => window.__termgate.terminals().map((t) => t.options.fontFamily));
const selectedTab = (page) => page.evaluate(() => [...document.querySelectorAll('#tabs [role=tab]')].findIndex((t) => t.getAttribute('aria-selected') === 'true'));

async function openSettings(page) {
  await page.locator('#settings-open').click({ timeout: 5000 });
  await page.locator('#settings-dialog').waitFor({ state: 'visible', timeout: 5000 });
}

async function closeSettings(page) {
  await page.keyboard.press('Escape');
  await page.locator('#settings-dialog').waitFor({ state: 'hidden', timeout: 5000 });
}

/** One more tab (the tests share a server: earlier tests' tabs are there too), made the active one. */
async function secondTab(page) {
  const n = await page.evaluate(() => window.__termgate.tabTitles().length);
  await page.locator('#new-tab').click();
  await page.waitForFunction((n) => window.__termgate.tabTitles().length === n + 1, n, { timeout: 10_000 });
  await waitLive(page);
  assert.equal(await selectedTab(page), n, 'the new tab is not the active one');
  return n;
}

/** In the active tab (not the first): Alt+1 reaches `od -c` as ESC 1, and the tab stays selected. */
async function altOneToShell(page) {
  const selected = await selectedTab(page);
  assert.ok(selected > 0, 'the test needs a tab other than the first');
  await page.waitForFunction(() => document.activeElement?.classList.contains('xterm-helper-textarea'), null, { timeout: 5000 });
  const id = (await page.locator('#tabs [role=tab][aria-selected=true]').getAttribute('id')).replace(/^tab-/, '');
  await run(page, 'clear; od -c');
  await waitBusy(page, id, 'od');
  await page.keyboard.press('Alt+1');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Control+D');
  await waitForScreen(page, /^0000000 033 {3}1 {2}\\n$/);
  assert.equal(await selectedTab(page), selected, 'Alt+1 switched tabs although switched off');
}

test('palettes: each applies live to every tab, reads ≥ 4.5:1, and survives a reload', async () => {
  const page = await newPage(browser, { colorScheme: 'light' });
  await login(page, server);
  await secondTab(page);
  await openSettings(page);
  const select = page.getByLabel('Terminal colours');
  const names = await select.locator('option').evaluateAll((os) => os.map((o) => o.value));
  for (const want of ['default', 'solarized-dark', 'solarized-light', 'high-contrast']) assert.ok(names.includes(want), `no ${want} palette in ${names}`);
  const backgrounds = new Set();
  for (const name of [...names.filter((n) => n !== 'default'), 'default']) {
    const before = (await themes(page))[0].background;
    await select.selectOption(name);
    // Every tab, the hidden one too, gets the palette (default light differs from all others).
    await page.waitForFunction(
      (b) => { const ts = window.__termgate.terminals(); return ts.every((t) => t.options.theme.background === ts[0].options.theme.background) && ts[0].options.theme.background !== b; },
      before, { timeout: 5000 },
    ).catch(() => assert.fail(`choosing ${name} left the tabs' backgrounds at ${JSON.stringify(before)}`));
    const [theme] = await themes(page);
    backgrounds.add(theme.background);
    const ratio = contrast(theme.foreground, theme.background);
    assert.ok(ratio >= 4.5, `${name}: ${theme.foreground} on ${theme.background} is only ${ratio.toFixed(2)}:1`);
  }
  assert.equal(backgrounds.size, names.length, 'two palettes share a background');
  await select.selectOption('solarized-light');
  await page.waitForFunction(() => window.__termgate.terminals().every((t) => t.options.theme.background === '#fdf6e3'), null, { timeout: 5000 });
  await closeSettings(page);
  await page.reload();
  await waitLive(page);
  assert.equal((await themes(page))[0].background, '#fdf6e3', 'the palette did not survive a reload');
  await openSettings(page);
  assert.equal(await page.getByLabel('Terminal colours').inputValue(), 'solarized-light');
  await assertClean(page);
  await page.context().close();
});

test('font family: monospace and a typed family apply to every tab, which refits; kept over a reload', async () => {
  const page = await newPage(browser);
  await login(page, server);
  await secondTab(page);
  const cols = await page.evaluate(() => window.__termgate.activeSize().cols);
  assert.match((await fonts(page))[0], /DejaVu Sans Mono/, 'the default stack comes first');
  await openSettings(page);
  const choice = page.getByLabel('Terminal font');
  await choice.selectOption('monospace');
  await page.waitForFunction(() => window.__termgate.terminals().every((t) => t.options.fontFamily === 'monospace'), null, { timeout: 5000 })
    .catch(async () => assert.fail(`fontFamily after choosing monospace: ${JSON.stringify(await fonts(page))}`));
  await choice.selectOption('custom');
  const family = page.getByLabel('Font family name');
  await family.fill('DejaVu Serif'); // proportional: its "W" is far wider than a mono cell
  await family.press('Enter');
  await page.waitForFunction(() => window.__termgate.terminals().every((t) => t.options.fontFamily === '"DejaVu Serif", monospace'), null, { timeout: 5000 })
    .catch(async () => assert.fail(`fontFamily after typing DejaVu Serif: ${JSON.stringify(await fonts(page))}`));
  assert.equal(await page.locator('#settings-dialog').isVisible(), true, 'Enter in the family field closed the dialog');
  await closeSettings(page);
  // The tab refits: wider cells, fewer columns (the size comes back from the server).
  await page.waitForFunction((c) => window.__termgate.activeSize().cols < c, cols, { timeout: 10_000 })
    .catch(async () => assert.fail(`still ${JSON.stringify(await page.evaluate(() => window.__termgate.activeSize()))} columns, was ${cols}`));
  const narrow = await page.evaluate(() => window.__termgate.activeSize().cols);
  // The other tab refits when shown.
  await page.getByRole('tab').nth(0).click();
  await page.waitForFunction((c) => window.__termgate.activeSize().cols === c, narrow, { timeout: 10_000 })
    .catch(async () => assert.fail(`the first tab has ${JSON.stringify(await page.evaluate(() => window.__termgate.activeSize()))}, the second ${narrow} columns`));
  await page.reload();
  await waitLive(page);
  assert.deepEqual([...new Set(await fonts(page))], ['"DejaVu Serif", monospace'], 'the font did not survive a reload');
  await openSettings(page);
  assert.equal(await page.getByLabel('Terminal font').inputValue(), 'custom');
  assert.equal(await page.getByLabel('Font family name').inputValue(), 'DejaVu Serif');
  await assertClean(page);
  await page.context().close();
});

test('Alt+1..9 switches tabs by default; switched off, the shell gets ESC+digit', async () => {
  const page = await newPage(browser);
  await login(page, server);
  const last = await secondTab(page);
  await page.keyboard.press('Alt+1');
  await page.waitForFunction(() => document.querySelectorAll('#tabs [role=tab]')[0].getAttribute('aria-selected') === 'true', null, { timeout: 5000 })
    .catch(async () => assert.fail(`Alt+1 left tab ${await selectedTab(page)} selected`));
  await page.keyboard.press('Alt+9');
  await page.waitForFunction((i) => document.querySelectorAll('#tabs [role=tab]')[i].getAttribute('aria-selected') === 'true', last, { timeout: 5000 });

  await openSettings(page);
  const toggle = page.getByLabel(/Alt\+1…9 switches tabs/);
  assert.equal(await toggle.isChecked(), true, 'on by default');
  await toggle.focus();
  await page.keyboard.press('Space'); // keyboard operable
  assert.equal(await toggle.isChecked(), false);
  await closeSettings(page);
  await altOneToShell(page);

  // Kept over a reload.
  await page.reload();
  await waitLive(page);
  await openSettings(page);
  assert.equal(await page.getByLabel(/Alt\+1…9 switches tabs/).isChecked(), false, 'the setting did not survive a reload');
  await closeSettings(page);
  await altOneToShell(page);
  await assertClean(page);
  await page.context().close();
});

test('editor soft wrap: off, a long line stays one row; on, it wraps, and stays on', async () => {
  const page = await newPage(browser, { viewport: { width: 1280, height: 760 } });
  await login(page, server);
  const item = page.locator('#files [role="treeitem"][data-path="long.txt"] > .tree-row');
  await item.click({ timeout: 10_000 });
  await page.waitForFunction(() => window.__termgate.editorPath() === 'long.txt', null, { timeout: 10_000 });
  const lines = page.locator('#editor .cm-line');
  await lines.nth(1).filter({ hasText: 'short' }).waitFor({ timeout: 5000 });
  const heights = () => lines.evaluateAll((ls) => ls.slice(0, 2).map((l) => l.getBoundingClientRect().height));
  const [longOff, shortOff] = await heights();
  assert.ok(longOff < shortOff * 1.5, `wrapping before it was switched on: ${longOff} vs ${shortOff}`);
  assert.equal(await page.locator('#editor .cm-content.cm-lineWrapping').count(), 0);

  await openSettings(page);
  const wrap = page.getByLabel('Wrap long lines in the editor');
  assert.equal(await wrap.isChecked(), false, 'off by default');
  await wrap.check();
  await page.locator('#editor .cm-content.cm-lineWrapping').waitFor({ state: 'attached', timeout: 5000 });
  await closeSettings(page);
  await page.waitForFunction(() => {
    const [l, s] = [...document.querySelectorAll('#editor .cm-line')].map((x) => x.getBoundingClientRect().height);
    return l > s * 2;
  }, null, { timeout: 5000 }).catch(async () => assert.fail(`the long line did not wrap: ${JSON.stringify(await heights())}`));
  assert.equal(await page.locator('#editor').getByRole('button', { name: 'Wrap' }).getAttribute('aria-pressed'), 'true');

  await page.reload();
  await waitLive(page);
  if ((await page.evaluate(() => window.__termgate.editorPath())) !== 'long.txt') await item.click({ timeout: 10_000 });
  await page.locator('#editor .cm-content.cm-lineWrapping').waitFor({ state: 'attached', timeout: 10_000 });
  // The editor's own Wrap button turns it off again.
  await page.locator('#editor').getByRole('button', { name: 'Wrap' }).click();
  await page.waitForFunction(() => !document.querySelector('#editor .cm-content.cm-lineWrapping'), null, { timeout: 5000 });
  await assertClean(page);
  await page.context().close();
});
