// theme.test.mjs — the theme button (issue 15): every click changes the theme you see,
// starting from the effective one (on a light system the first click gives dark, on a dark
// one light; the old auto → light → dark cycle did nothing on the first click of a light
// system), and the choice survives a reload.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite } from './harness.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await openSuite());
});

after(() => closeSuite(server, browser));

const shown = (page) => page.evaluate(() => document.documentElement.dataset.theme);

/** Click the theme button and wait until the shown theme is `want`. */
async function clickTo(page, want) {
  const before = await shown(page);
  await page.locator('#theme').click();
  try {
    await page.waitForFunction((w) => document.documentElement.dataset.theme === w, want, { timeout: 5000 });
  } catch {
    assert.fail(`a click on the theme button left the theme ${before} -> ${await shown(page)}, wanted ${want}`);
  }
}

for (const system of ['light', 'dark']) {
  const other = system === 'light' ? 'dark' : 'light';
  test(`on a ${system} system every click flips the theme, the first one included`, async () => {
    const page = await newPage(browser, { colorScheme: system });
    await login(page, server);
    assert.equal(await shown(page), system, 'auto follows the system');
    await clickTo(page, other);
    assert.match(await page.locator('#theme').getAttribute('aria-label'), new RegExp(other));
    await clickTo(page, system);
    await clickTo(page, other);
    // The terminal follows the page.
    const bg = await page.evaluate(() => window.__termgate.activeTerminal().options.theme.background);
    assert.equal(bg, other === 'dark' ? '#16181d' : '#fbfbfa');
    await page.reload();
    await page.waitForFunction(() => window.__termgate?.activeStatus() === 'live');
    assert.equal(await shown(page), other, 'the choice did not survive a reload');
    await assertClean(page);
    await page.context().close();
  });
}
