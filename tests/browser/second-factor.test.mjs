// second-factor.test.mjs — once the owner turns TOTP on (through the API the settings use:
// the PIN, then a code computed here from the secret, as an authenticator app would), the
// login page asks for a code: a wrong one is refused with one message, a right one logs in.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite, pageFetch, waitLive } from './harness.mjs';
import { fromBase32, now, totp } from './totp.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await openSuite());
});

after(() => closeSuite(server, browser));

test('with the second factor on, the login page asks for a code and takes only a right one', async () => {
  const owner = await newPage(browser);
  await login(owner, server);
  assert.equal(await owner.locator('#login-code').isVisible(), false);
  const json = { 'content-type': 'application/json' };
  const enrolled = await pageFetch(owner, 'api/totp/enroll', { method: 'POST', headers: json, body: JSON.stringify({ pin: server.pin }) });
  assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
  const secret = fromBase32(enrolled.body.secret);
  const at = now();
  const confirmed = await pageFetch(owner, 'api/totp/confirm', { method: 'POST', headers: json, body: JSON.stringify({ code: totp(secret, at) }) });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  assert.equal(confirmed.body.backup_codes.length, 10);

  const phone = await newPage(browser);
  await phone.goto(server.url + '/');
  await phone.locator('#login-code').waitFor({ state: 'visible' });
  assert.equal(await phone.locator('label[for="login-code"]').isVisible(), true);
  await phone.locator('#login-token').fill(server.token);
  await phone.locator('#login-pin').fill(server.pin);
  await phone.locator('#login-code').fill('000000');
  await phone.locator('#login-submit').click();
  await phone.locator('#login-message').filter({ hasText: 'Wrong token, PIN or code.' }).waitFor();
  assert.equal(await phone.locator('#login-code').inputValue(), '', 'a wrong code is cleared');
  await phone.locator('#login-pin').fill(server.pin);
  await phone.locator('#login-code').fill(totp(secret, at + 30)); // the next step: the enrolment used this one
  await phone.locator('#login-submit').click();
  await waitLive(phone);
  await assertClean(phone);
  await assertClean(owner);
  await phone.context().close();
  await owner.context().close();
});
