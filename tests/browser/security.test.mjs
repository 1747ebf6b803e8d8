// security.test.mjs — the owner's Security dialog (account menu, "Security…"), used as a
// person would: an API token made there works from a script (node's fetch, no Origin) until
// it is revoked there, and is gone from the page the moment the dialog hides; two-step login
// turned on there (the code computed here, as an authenticator app would) makes a fresh
// page's login ask for a code, and a backup code shown there logs in; new backup codes and
// turning it off ask the PIN and a code; the sessions tab lists two browsers, this one
// marked, and signing the other out closes its terminal socket and sends it to its login
// page. The token and sessions flows run on the phone layout (390×844) too, where nothing
// may be wider than the screen.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import {
  PHONE,
  assertClean,
  assertNoSideways,
  closeSuite,
  login,
  newPage,
  openAccountMenu,
  openSuite,
  startServer,
  waitLive,
} from './harness.mjs';
import { fromBase32, totp } from './totp.mjs';

// A second browser the session list can tell apart from this Chromium ("Firefox on Linux").
const FIREFOX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

let server;
let browser;

before(async () => {
  ({ server, browser } = await openSuite());
});

after(() => closeSuite(server, browser));

/** Open the Security dialog from the account menu (☰ on a phone), on tab `tab` if given. */
async function openSecurity(page, tab) {
  await openAccountMenu(page);
  await page.locator('#security-open').click();
  await page.locator('#security-dialog').waitFor({ state: 'visible' });
  if (tab) {
    await page.locator(`#sec-tab-${tab}`).click();
    await page.locator(`#sec-${tab}`).waitFor({ state: 'visible' });
  }
}

async function closeSecurity(page) {
  await page.locator('#security-close').click();
  await page.locator('#security-dialog').waitFor({ state: 'hidden' });
}

/** `GET /api/terminals` from node with a bearer token, as a script would. */
const withToken = (url, token) => fetch(`${url}/api/terminals`, { headers: { authorization: `Bearer ${token}` } });

/** The headers node's fetch sends for the same request, seen by a server of our own. */
async function headersNodeSends() {
  const seen = new Promise((resolve) => {
    const probe = createServer((req, res) => {
      resolve(req.headers);
      res.end('{}');
      probe.close();
    });
    probe.listen(0, '127.0.0.1', () => withToken(`http://127.0.0.1:${probe.address().port}`, 'tg_probe').catch(() => {}));
  });
  return seen;
}

/** Make a token in the open dialog's tokens tab; resolves with its value. */
async function mintInDialog(page, { name, scopes, expiry }) {
  await page.locator('#token-new').click();
  await page.locator('#token-name').fill(name);
  for (const box of await page.locator('input[name="token-scope"]').all()) {
    await box.setChecked(scopes.includes(await box.getAttribute('value')));
  }
  await page.locator('#token-expiry').selectOption({ label: expiry });
  await page.locator('#token-create').click();
  await page.locator('#token-result').waitFor({ state: 'visible' });
  return page.locator('#token-value').inputValue();
}

/** Revoke the token row named `name` in the open dialog, confirming in the ask dialog. */
async function revokeInDialog(page, name) {
  await page.getByRole('button', { name: `Revoke the token ${name}`, exact: true }).click();
  await page.locator('#ask-dialog').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'ask-cancel', 'a destructive question focuses Cancel');
  await page.locator('#ask-confirm').click();
  await page.locator('#ask-dialog').waitFor({ state: 'hidden' });
  await page.locator(`#token-list li`).filter({ hasText: name }).waitFor({ state: 'detached' });
}

test('a token made in the dialog is shown once, works from node until revoked there, and is forgotten on Escape', async () => {
  const page = await newPage(browser);
  await login(page, server);
  await openSecurity(page);
  // The first tab has the focus; the arrow keys move along the tabs.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'sec-tab-totp');
  await page.keyboard.press('ArrowRight');
  await page.locator('#sec-tokens').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#sec-tab-tokens').getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('#sec-totp').isVisible(), false);
  await page.locator('#tokens-none').waitFor({ state: 'visible' });

  // The form asks no PIN: minting is sensitive, and the login just asked for it (the
  // re-authentication window; security-reauth.test.mjs has the prompt).
  await page.locator('#token-new').click();
  assert.equal(await page.locator('#token-form input[type="password"]').count(), 0);
  await page.locator('#token-cancel').click();

  const token = await mintInDialog(page, { name: 'ci job', scopes: ['terminals:read', 'files:read'], expiry: 'in 90 days' });
  assert.match(token, /^tg_\S{20,}$/);
  const row = page.locator('#token-list li').filter({ hasText: 'ci job' });
  await row.waitFor();
  const rowText = await row.innerText();
  assert.match(rowText, /terminals:read, files:read/);
  assert.match(rowText, /expires in 90 days/);
  assert.match(rowText, /never used/);

  // node's fetch sends no Origin (a bearer request with one is refused): checked, then used.
  const sent = await headersNodeSends();
  assert.equal(sent.origin, undefined, `node's fetch sent Origin: ${sent.origin}`);
  assert.equal(sent.authorization, 'Bearer tg_probe');
  const used = await withToken(server.url, token);
  assert.equal(used.status, 200, await used.clone().text());
  assert.ok(Array.isArray((await used.json()).terminals));

  // Escape: the token is out of the page already in `cancel` (listeners run in order: this
  // one after the dialog's own), before the dialog's `close` event.
  await page.evaluate(() => {
    const dialog = document.getElementById('security-dialog');
    dialog.addEventListener('cancel', () => (window.__tokenAtCancel = document.getElementById('token-value').value), { once: true });
  });
  await page.keyboard.press('Escape');
  await page.locator('#security-dialog').waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => window.__tokenAtCancel), '');
  assert.equal(await page.locator('#token-value').inputValue(), '');

  // Opened again on the same tab: the token is not shown, its use is.
  await openSecurity(page);
  await page.locator('#sec-tokens').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#token-result').isVisible(), false);
  await row.filter({ hasText: /last used just now from 127\.0\.0\.1/ }).waitFor();

  await revokeInDialog(page, 'ci job');
  await page.locator('#tokens-none').waitFor({ state: 'visible' });
  const refused = await withToken(server.url, token);
  assert.equal(refused.status, 401);
  await closeSecurity(page);
  await assertClean(page);
  await page.context().close();
});

test('two-step login turned on in the dialog: a fresh page asks for a code; new codes ask PIN and code in the prompt, then off needs nothing more', async () => {
  const page = await newPage(browser);
  await login(page, server);
  await openSecurity(page, 'totp');
  const status = page.locator('#totp-status');
  await status.filter({ hasText: /^Off:/ }).waitFor();
  // Turning on is sensitive: the login's window covers it.
  await page.locator('#totp-on').click();
  await page.locator('#totp-submit').click();
  await page.locator('#totp-scan').waitFor({ state: 'visible' });
  assert.ok(await page.locator('#totp-qr').evaluate((c) => c.width > 100), 'the QR code is drawn');
  assert.match(await page.locator('#totp-app-link').getAttribute('href'), /^otpauth:\/\/totp\/termgate:/);
  const shown = await page.locator('#totp-secret').textContent();
  assert.match(shown, /^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/, 'the secret, in fours');
  const secret = fromBase32(shown.replace(/ /g, ''));

  // A wrong code keeps the step; the right one turns it on and shows the codes once.
  await page.locator('#totp-code').fill('000000');
  await page.locator('#totp-submit').click();
  await page.locator('#totp-error').filter({ hasText: 'Wrong code' }).waitFor();
  assert.equal(await page.locator('#totp-scan').isVisible(), true);
  await page.locator('#totp-code').fill(totp(secret));
  await page.locator('#totp-submit').click();
  await page.locator('#totp-codes-box').waitFor({ state: 'visible' });
  await page.locator('#totp-codes-box .sec-warn').filter({ hasText: 'Save these now' }).waitFor();
  const codes = await page.locator('#totp-codes li').allInnerTexts();
  assert.equal(codes.length, 10);
  for (const c of codes) assert.match(c, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  assert.equal(await page.locator('#totp-secret').textContent(), '', 'the secret is dropped once confirmed');
  await status.filter({ hasText: /^On:.* 10 backup codes left/ }).waitFor();
  await page.locator('#totp-codes-done').click();
  assert.equal(await page.locator('#totp-codes li').count(), 0, 'the codes leave the page');

  // A fresh page: the login asks for a code, and a backup code from the dialog logs in.
  const other = await newPage(browser);
  await other.goto(server.url + '/');
  await other.locator('#login-code').waitFor({ state: 'visible' });
  await other.locator('#login-token').fill(server.token);
  await other.locator('#login-pin').fill(server.pin);
  await other.locator('#login-code').fill(codes[0]);
  await other.locator('#login-submit').click();
  await waitLive(other);
  await assertClean(other);
  await other.context().close();

  // New backup codes: this page's window was opened without a code, so the prompt asks for
  // the PIN and a code now (a used backup code is refused there); the old set is void.
  await closeSecurity(page);
  await openSecurity(page);
  await status.filter({ hasText: '9 backup codes left' }).waitFor();
  await page.locator('#totp-new-codes').click();
  await page.locator('#totp-submit').click();
  await page.locator('#pin-dialog').waitFor({ state: 'visible' });
  await page.locator('#pin-code-row').waitFor({ state: 'visible' });
  await page.locator('#pin-input').fill(server.pin);
  await page.locator('#pin-code').fill(codes[0]);
  await page.locator('#pin-confirm').click();
  await page.locator('#pin-error').filter({ hasText: 'Wrong PIN or code.' }).waitFor();
  await page.locator('#pin-input').fill(server.pin);
  await page.locator('#pin-code').fill(codes[1]);
  await page.locator('#pin-confirm').click();
  await page.locator('#pin-dialog').waitFor({ state: 'hidden' });
  await page.locator('#totp-codes-box').waitFor({ state: 'visible' });
  const fresh = await page.locator('#totp-codes li').allInnerTexts();
  assert.equal(fresh.length, 10);
  assert.ok(fresh.every((c) => !codes.includes(c)), 'a new set');
  await page.locator('#totp-codes-done').click();

  // Turning off: the PIN and code were just entered, so the prompt does not ask again.
  await page.locator('#totp-off').click();
  await page.locator('#totp-submit').click();
  await status.filter({ hasText: /^Off:/ }).waitFor();
  assert.equal(await page.locator('#pin-dialog').isVisible(), false);
  assert.equal(fresh.length, 10);
  assert.equal(await page.locator('#totp-on').isVisible(), true);
  await closeSecurity(page);
  await assertClean(page);
  await page.context().close();

  // Off again: a token and PIN log in (the harness's login has no code).
  const after = await newPage(browser);
  await login(after, server);
  await after.context().close();
});

for (const [layout, options] of [['wide screen', {}], ['phone', PHONE]]) {
  test(`${layout}: sessions: both browsers listed, this one marked; signing the other out sends it to its login page`, async () => {
    const own = await startServer(); // its own server: exactly the sessions this test makes
    const fits = (what) => (options === PHONE ? assertNoSideways(here, `${layout}: ${what}`) : undefined);
    let here;
    try {
      here = await newPage(browser, options);
      const there = await newPage(browser, { userAgent: FIREFOX_UA });
      await login(here, own);
      const socketClosed = new Promise((resolve) => there.on('websocket', (ws) => ws.on('close', () => resolve(ws.url()))));
      await login(there, own);

      await openSecurity(here, 'sessions');
      const rows = here.locator('#session-list li');
      await here.waitForFunction(() => document.querySelectorAll('#session-list li').length === 2);
      await fits('the sessions tab');
      const mine = rows.filter({ has: here.locator('.sec-badge', { hasText: 'This device' }) });
      assert.equal(await mine.count(), 1);
      assert.match(await mine.innerText(), /^Chrome on (Linux|Android) This device\n+127\.0\.0\.1 · you \(owner\)\n+started /);
      assert.equal(await mine.locator('button').count(), 0, 'no Sign out for this device');
      const theirs = rows.filter({ hasText: 'Firefox on Linux' });
      assert.equal(await theirs.locator('.sec-badge').count(), 0);
      await theirs.getByRole('button', { name: 'Sign out Firefox on Linux at 127.0.0.1' }).click();

      assert.match(await socketClosed, /\/api\/terminals\/[^/]+\/ws/);
      await there.locator('#login-form').waitFor({ state: 'visible' });
      await here.locator('#sessions-status').filter({ hasText: 'Signed out Firefox on Linux.' }).waitFor();
      await here.waitForFunction(() => document.querySelectorAll('#session-list li').length === 1);
      assert.equal(await here.evaluate(() => window.__termgate.activeStatus()), 'live', 'this device stays logged in');

      // "Sign out all other sessions" is confirmed in the form (the login's window spares the PIN).
      const third = await newPage(browser);
      await login(third, own);
      await here.locator('#sec-tab-sessions').click(); // shown again: listed again
      await here.waitForFunction(() => document.querySelectorAll('#session-list li').length === 2);
      await here.locator('#sessions-others').click();
      await fits('the sign-out-others form');
      await here.locator('#sessions-confirm').click();
      await here.locator('#sessions-status').filter({ hasText: 'Signed out 1 other session.' }).waitFor();
      await third.locator('#login-form').waitFor({ state: 'visible' });
      await here.waitForFunction(() => document.querySelectorAll('#session-list li').length === 1);
      await fits('the list after signing out');
      await closeSecurity(here);
      for (const p of [here, there, third]) await assertClean(p);
      for (const p of [here, there, third]) await p.context().close();
    } finally {
      await own.stop();
    }
  });
}

test('phone layout: the dialog fits 390 px, and a token is made and revoked there', async () => {
  const page = await newPage(browser, PHONE);
  await login(page, server);
  await openSecurity(page, 'tokens');
  const fits = () =>
    page.evaluate(() => {
      const d = document.getElementById('security-dialog');
      const box = d.getBoundingClientRect();
      const tabs = [...d.querySelectorAll('[role="tab"]')].map((t) => t.getBoundingClientRect());
      return {
        inside: box.left >= 0 && box.right <= window.innerWidth,
        noSideways: d.scrollWidth <= d.clientWidth,
        tabsInside: tabs.every((t) => t.left >= box.left && t.right <= box.right && t.top === tabs[0].top),
      };
    });
  assert.deepEqual(await fits(), { inside: true, noSideways: true, tabsInside: true }, 'the dialog and its tabs on the form');
  const token = await mintInDialog(page, { name: 'phone job', scopes: ['terminals:read'], expiry: 'never' });
  await page.locator('#token-list li').filter({ hasText: 'phone job' }).filter({ hasText: 'never expires' }).waitFor();
  assert.deepEqual(await fits(), { inside: true, noSideways: true, tabsInside: true }, 'the dialog with the token shown');
  await assertNoSideways(page, 'phone: a new token shown');
  assert.equal((await withToken(server.url, token)).status, 200);
  await page.locator('#token-done').click();
  await revokeInDialog(page, 'phone job');
  assert.equal((await withToken(server.url, token)).status, 401);
  await closeSecurity(page);
  await assertClean(page);
  await page.context().close();
});
