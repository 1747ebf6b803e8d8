// session.test.mjs — the login session in the top bar: "extend" near the absolute limit
// (sensitive: with --reauth-window 0s the re-authentication prompt asks for the PIN), and
// the page leaving the workspace when the idle limit passes.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, launchBrowser, login, newPage, pageJson, startServer } from './harness.mjs';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

test('extend is offered near the absolute limit and asks for the PIN', async () => {
  const server = await startServer({ TERMGATE_SESSION_LIFETIME: '20m', TERMGATE_REAUTH_WINDOW: '0s' });
  const page = await newPage(browser);
  try {
    await login(page, server);
    assert.match(await page.locator('#time-left').textContent(), /^(19|20)m left$/);
    const extend = page.locator('#extend');
    await extend.waitFor({ state: 'visible' });
    const before = await pageJson(page, '/auth/session');
    await extend.click();
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#pin-title').textContent(), 'Confirm it is you');
    await page.locator('#pin-input').fill('000000');
    await page.keyboard.press('Enter');
    await page.locator('#pin-error').filter({ hasText: 'Wrong PIN' }).waitFor();
    await page.locator('#pin-input').fill(server.pin);
    await page.keyboard.press('Enter');
    await page.locator('#pin-dialog').waitFor({ state: 'hidden' });
    const after = await pageJson(page, '/auth/session');
    assert.ok(after.absolute_expires_at > before.absolute_expires_at, `${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
    // The focus went back to the terminal.
    assert.ok(await page.evaluate(() => document.activeElement?.classList.contains('xterm-helper-textarea')));
    await assertClean(page);
  } finally {
    await page.context().close();
    await server.stop();
  }
});

test('an idle session ends and the page says so', async () => {
  const server = await startServer({ TERMGATE_IDLE_TIMEOUT: '4s' });
  const page = await newPage(browser);
  try {
    await login(page, server);
    await page.locator('#login-form').waitFor({ state: 'visible', timeout: 20_000 });
    await page.locator('#login-note').filter({ hasText: 'Your session ended' }).waitFor();
    await assertClean(page);
  } finally {
    await page.context().close();
    await server.stop();
  }
});
