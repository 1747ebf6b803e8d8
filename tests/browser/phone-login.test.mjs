// phone-login.test.mjs — "Log in on your phone…": the dialog shows nothing secret until the
// owner asks, then a QR code and a link with `#token=`; it forgets both when closed. Opening
// the link in a fresh browser (the phone) shows the login page with the token filled in,
// the fragment gone from the address bar, and the PIN still needed.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openAccountMenu, openSuite, pageJson } from './harness.mjs';

let server;
let browser;
let owner;
let link;

before(async () => {
  ({ server, browser } = await openSuite());
  owner = await newPage(browser);
  await login(owner, server);
});

after(() => closeSuite(server, browser));

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Does the token appear anywhere in the page: markup, or the value of any input? */
const tokenInPage = (page, token) =>
  page.evaluate((t) => document.documentElement.outerHTML.includes(t) || [...document.querySelectorAll('input')].some((i) => i.value.includes(t)), token);

test('the dialog shows the login code only when asked, and forgets it when closed', async () => {
  await openAccountMenu(owner);
  await owner.locator('#phone-login-open').click();
  const dialog = owner.locator('#phone-dialog');
  await dialog.waitFor({ state: 'visible' });
  assert.match(await dialog.textContent(), /anyone who scans it still needs your PIN/);
  assert.equal(await owner.locator('#phone-result').isVisible(), false);
  assert.equal(await tokenInPage(owner, server.token), false, 'the token is in the page before "Show login code"');
  // Modal: the focus is inside the dialog.
  assert.equal(await owner.evaluate(() => document.getElementById('phone-dialog').contains(document.activeElement)), true);

  await owner.locator('#phone-show').click();
  await owner.locator('#phone-result').waitFor({ state: 'visible' });
  link = await owner.locator('#phone-url').inputValue();
  assert.match(link, new RegExp(`^${escape(server.url)}(/[^#]*)?#token=${server.token}$`));
  assert.equal(await owner.locator('#phone-origin').textContent(), `For ${server.url} — works on this computer only`);
  // The QR code is drawn: a square canvas with both dark and light pixels.
  const qr = await owner.evaluate(() => {
    const c = document.getElementById('phone-qr');
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] < 128) dark++;
    return { w: c.width, h: c.height, dark, total: data.length / 4, shown: c.checkVisibility() };
  });
  assert.ok(qr.shown && qr.w > 100 && qr.w === qr.h, JSON.stringify(qr));
  assert.ok(qr.dark > qr.total * 0.2 && qr.dark < qr.total * 0.6, JSON.stringify(qr));
  assert.equal(await owner.locator('#phone-copy').isVisible(), true);

  await owner.locator('#phone-close').click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await tokenInPage(owner, server.token), false, 'the token stayed in the page after closing');
  // Opened again, it starts from "Show login code".
  await openAccountMenu(owner);
  await owner.locator('#phone-login-open').click();
  await dialog.waitFor({ state: 'visible' });
  assert.equal(await owner.locator('#phone-result').isVisible(), false);
  assert.equal(await owner.locator('#phone-show').isVisible(), true);
  await owner.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await assertClean(owner);
});

test('the link opens the login page with the token filled in, out of the address bar, and the PIN still asked', async () => {
  assert.ok(link, 'the first test got no link');
  const phone = await newPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await phone.goto(link);
  await phone.locator('#login-form').waitFor({ state: 'visible' });
  await phone.waitForFunction(() => document.getElementById('login-token').value !== '');
  assert.equal(await phone.locator('#login-token').inputValue(), server.token);
  assert.equal(new URL(phone.url()).hash, '', 'the token stayed in the address bar');
  assert.doesNotMatch(phone.url(), /token/);
  assert.equal(await phone.evaluate(() => document.activeElement?.id), 'login-pin');

  // Without the PIN there is no login.
  await phone.locator('#login-submit').click();
  await phone.locator('#login-message').filter({ hasText: 'Enter your PIN.' }).waitFor();
  assert.equal((await pageJson(phone, '/auth/session')).logged_in, false);
  await phone.locator('#login-pin').fill('0000000');
  await phone.locator('#login-submit').click();
  await phone.locator('#login-message').filter({ hasText: 'Wrong token or PIN.' }).waitFor();

  await phone.locator('#login-pin').fill(server.pin);
  await phone.locator('#login-submit').click();
  await phone.waitForFunction(() => window.__termgate?.activeStatus() === 'live', null, { timeout: 15_000 });
  await assertClean(phone);
  await phone.context().close();
});
