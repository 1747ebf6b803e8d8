// auth.test.mjs — login page: security headers, wrong PIN, login, log out, log out everywhere.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openAccountMenu, openSuite, pageJson, screenshot, startServer, submitLogin } from './harness.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await openSuite());
});

after(() => closeSuite(server, browser));

test('login page is served under the strict CSP and looks right', async () => {
  const page = await newPage(browser);
  const response = await page.goto(server.url + '/');
  assert.equal(response.status(), 200);
  const csp = response.headers()['content-security-policy'] || '';
  assert.match(csp, /default-src 'self'/, `CSP header: ${csp || '<missing>'}`);
  await page.locator('#login-form').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#workspace').isVisible(), false);
  // Labelled inputs, PIN as a numeric one-time code, token not offered for autofill as text.
  assert.equal(await page.locator('#login-token').getAttribute('type'), 'password');
  assert.equal(await page.locator('#login-pin').getAttribute('inputmode'), 'numeric');
  assert.equal(await page.locator('#login-pin').getAttribute('autocomplete'), 'one-time-code');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'login-token');
  await screenshot(page, 'login.png');
  await assertClean(page);
  await page.context().close();
});

test('a wrong PIN shows a clear message and stores nothing', async () => {
  const page = await newPage(browser);
  await page.goto(server.url + '/');
  await submitLogin(page, server.token, '000000');
  await page.locator('#login-message').filter({ hasText: 'Wrong token or PIN' }).waitFor();
  assert.equal(await page.locator('#workspace').isVisible(), false);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'login-pin');
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.ok(!stored.includes(server.token), 'token leaked into web storage');
  await assertClean(page);
  await page.context().close();
});

test('log in, then log out returns to the login page', async () => {
  const page = await newPage(browser);
  await login(page, server);
  assert.equal(await page.locator('#login').isVisible(), false);
  assert.match(await page.locator('#time-left').textContent(), /left$/);
  await openAccountMenu(page);
  await page.locator('#logout').click();
  await page.locator('#login-form').waitFor({ state: 'visible' });
  await page.locator('#login-note').filter({ hasText: 'logged out' }).waitFor();
  const session = await pageJson(page, '/auth/session');
  assert.equal(session.logged_in, false);
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.ok(!stored.includes(server.token) && !stored.includes(server.pin), 'secret leaked into web storage');
  await assertClean(page);
  await page.context().close();
});

test('log out everywhere is confirmed first; right after the login it needs no PIN', async () => {
  const page = await newPage(browser);
  await login(page, server);
  await openAccountMenu(page);
  await page.locator('#logout-all').click();
  const dialog = page.locator('#ask-dialog');
  await dialog.waitFor({ state: 'visible' });
  assert.equal(await page.locator('#ask-title').textContent(), 'Log out everywhere');
  // Cancel is what Enter reaches first: a destructive question.
  await page.locator('#ask-cancel').click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await pageJson(page, '/auth/session')).logged_in, true);
  await openAccountMenu(page);
  await page.locator('#logout-all').click();
  await page.locator('#ask-confirm').click();
  // The login opened the re-authentication window: no PIN prompt (security-reauth.test.mjs).
  await page.locator('#login-form').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#pin-dialog').isVisible(), false);
  const session = await pageJson(page, '/auth/session');
  assert.equal(session.logged_in, false);
  await assertClean(page);
  await page.context().close();
});

test('logging out everywhere sends other open pages to the login page', async () => {
  const watcher = await newPage(browser);
  await login(watcher, server);
  const other = await newPage(browser);
  await login(other, server);
  await openAccountMenu(other);
  await other.locator('#logout-all').click();
  await other.locator('#ask-confirm').click();
  await other.locator('#login-form').waitFor({ state: 'visible' });
  // The watcher's terminal socket is closed with 4001: back to login, with a note.
  await watcher.locator('#login-form').waitFor({ state: 'visible' });
  await watcher.locator('#login-note').filter({ hasText: 'Your session ended' }).waitFor();
  await assertClean(watcher);
  await assertClean(other);
  await watcher.context().close();
  await other.context().close();
});

test('too many wrong attempts: the page says when to retry', async () => {
  const limited = await startServer();
  const page = await newPage(browser);
  try {
    await page.goto(limited.url + '/');
    const message = page.locator('#login-message');
    let rateLimited = false;
    for (let i = 0; i < 12 && !rateLimited; i++) {
      await submitLogin(page, limited.token, '999999');
      await message.filter({ hasText: /Wrong token or PIN|Too many attempts/ }).waitFor();
      rateLimited = /Too many attempts/.test(await message.textContent());
      if (!rateLimited) await page.evaluate(() => (document.getElementById('login-message').textContent = ''));
    }
    assert.ok(rateLimited, 'never rate limited after 12 wrong attempts');
    assert.match(await message.textContent(), /^Too many attempts, try again in \d+ s\.$/);
    assert.equal(await page.locator('#login-submit').isDisabled(), true);
    await assertClean(page);
  } finally {
    await page.context().close();
    await limited.stop();
  }
});
