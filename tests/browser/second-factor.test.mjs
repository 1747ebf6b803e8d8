// second-factor.test.mjs — the owner turns TOTP on in the Security dialog (the PIN, then the
// secret read from the scan step's text and a code computed here from it, as an
// authenticator app would), is shown ten backup codes once, and from then on the login page
// asks for a code: a wrong one is refused with one message, a right one logs in. Run on a
// wide screen and on the phone layout (390×844), where no step may be wider than the screen.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PHONE, assertClean, assertNoSideways, launchBrowser, login, newPage, openAccountMenu, startServer, waitLive } from './harness.mjs';
import { fromBase32, now, totp } from './totp.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

for (const [layout, options] of [['wide screen', {}], ['phone', PHONE]]) {
  test(`${layout}: turned on in the dialog, the second factor makes the login page ask for a code and take only a right one`, async () => {
    const server = await startServer(); // its own: the second factor is on once this ends
    const fits = (page, what) => (options === PHONE ? assertNoSideways(page, `${layout}: ${what}`) : undefined);
    try {
      const owner = await newPage(browser, options);
      await login(owner, server);
      assert.equal(await owner.locator('#login-code').isVisible(), false);
      await openAccountMenu(owner);
      await owner.locator('#security-open').click();
      await owner.locator('#totp-status').filter({ hasText: /^Off:/ }).waitFor();
      await owner.locator('#totp-on').click();
      // No PIN here: turning on is sensitive and the login's re-authentication window covers it.
      await fits(owner, 'the first step');
      await owner.locator('#totp-submit').click();
      await owner.locator('#totp-scan').waitFor({ state: 'visible' });
      await fits(owner, 'the QR step');
      const secret = fromBase32((await owner.locator('#totp-secret').textContent()).replace(/ /g, ''));
      const at = now();
      await owner.locator('#totp-code').fill(totp(secret, at));
      await owner.locator('#totp-submit').click();
      await owner.locator('#totp-codes-box').waitFor({ state: 'visible' });
      assert.equal(await owner.locator('#totp-codes li').count(), 10);
      await fits(owner, 'the backup codes');
      await owner.locator('#totp-codes-done').click();
      await owner.locator('#totp-status').filter({ hasText: /^On:/ }).waitFor();
      await fits(owner, 'the status, on');

      const other = await newPage(browser, options);
      await other.goto(server.url + '/');
      await other.locator('#login-code').waitFor({ state: 'visible' });
      assert.equal(await other.locator('label[for="login-code"]').isVisible(), true);
      await other.locator('#login-token').fill(server.token);
      await other.locator('#login-pin').fill(server.pin);
      await other.locator('#login-code').fill('000000');
      await other.locator('#login-submit').click();
      await other.locator('#login-message').filter({ hasText: 'Wrong token, PIN or code.' }).waitFor();
      assert.equal(await other.locator('#login-code').inputValue(), '', 'a wrong code is cleared');
      await fits(other, 'the login page with its code field');
      await other.locator('#login-pin').fill(server.pin);
      await other.locator('#login-code').fill(totp(secret, at + 30)); // the next step: the enrolment used this one
      await other.locator('#login-submit').click();
      await waitLive(other);
      await assertClean(other);
      await assertClean(owner);
      await other.context().close();
      await owner.context().close();
    } finally {
      await server.stop();
    }
  });
}
