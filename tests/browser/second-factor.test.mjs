// second-factor.test.mjs — once the owner turns TOTP on (through the API the settings use:
// the PIN, then a code computed here from the secret, as an authenticator app would), the
// login page asks for a code: a wrong one is refused with one message, a right one logs in.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite, pageFetch, waitLive } from './harness.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await openSuite());
});

after(() => closeSuite(server, browser));

/** RFC 4648 base32 (no padding) to bytes. */
function fromBase32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** The 6-digit TOTP code (RFC 6238, SHA-1, 30 s) for `secret` at unix time `t`. */
function totp(secret, t) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const h = createHmac('sha1', secret).update(counter).digest();
  const o = h[h.length - 1] & 15;
  const v = (((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3]) % 1_000_000;
  return String(v).padStart(6, '0');
}

const now = () => Math.floor(Date.now() / 1000);

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
