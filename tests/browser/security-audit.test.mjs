// security-audit.test.mjs — the Security dialog's Audit tab, used as a person would, on a
// wide screen and on the phone layout (390×844, and 360 px wide): after a login refused for
// a wrong PIN, a login, a share link minted and a folder made (a long name), the tab lists
// them newest first in words (never JSON);
// the filter set to "Login refused" lists only those; with more events than one page
// (PAGE_SIZE of security-audit.js, read from the file), Older shows the older ones and Newer
// goes back. The tab is reached with the arrow keys, its filter with Tab, and nothing is
// wider than the phone's screen at any step.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  PHONE,
  ROOT,
  assertClean,
  assertNoSideways,
  launchBrowser,
  newPage,
  openAccountMenu,
  pageFetch,
  startServer,
  submitLogin,
  waitLive,
} from './harness.mjs';

/** The UI's page size, as the module states it: the test counts rows against it. */
const PAGE_SIZE = Number(readFileSync(join(ROOT, 'assets/js/security-audit.js'), 'utf8').match(/export const PAGE_SIZE = (\d+);/)[1]);
const VIEWPORTS = [
  ['wide screen', {}],
  ['phone', PHONE],
  // Narrower phones too: there four tab names on one line would not fit.
  ['360 px phone', { ...PHONE, viewport: { width: 360, height: 780 } }],
];

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

/** A login from node, as a second device would: a `login_ok` (or, with a wrong PIN, `login_failed`). */
async function loginFromNode(server, pin = server.pin) {
  const reply = await fetch(`${server.url}/auth/login`, {
    method: 'POST',
    // A browser's login sends its Origin; one without is refused (403) as a cross-site form.
    headers: { 'content-type': 'application/json', origin: server.url },
    body: JSON.stringify({ token: server.token, pin }),
  });
  return reply.status;
}

/** The events of the listed rows, top to bottom. */
const listed = (page) => page.locator('#audit-list li').evaluateAll((rows) => rows.map((r) => r.dataset.event));

/** The rows' times (ms), top to bottom. */
const times = (page) => page.locator('#audit-list time').evaluateAll((ts) => ts.map((t) => Date.parse(t.dateTime)));

/** Wait until the list shows exactly `events` (top to bottom); the error shows what it does. */
async function waitListed(page, events, what) {
  try {
    await page.waitForFunction(
      (want) => JSON.stringify([...document.querySelectorAll('#audit-list li')].map((r) => r.dataset.event)) === want,
      JSON.stringify(events),
      { timeout: 15_000 },
    );
  } catch {
    throw new Error(`${what}: the list never showed ${JSON.stringify(events)}; it shows ${JSON.stringify(await listed(page))}`);
  }
}

for (const [layout, options] of VIEWPORTS) {
  test(`${layout}: the audit tab lists the events newest first, in words, filters by kind and pages`, async () => {
    const server = await startServer(); // its own: exactly the events this test makes
    try {
      const page = await newPage(browser, options);
      await page.goto(server.url + '/');
      await page.locator('#login-form').waitFor({ state: 'visible' });
      await submitLogin(page, server.token, '0000000');
      await page.locator('#login-message').filter({ hasText: 'Wrong token or PIN.' }).waitFor();
      await submitLogin(page, server.token, server.pin);
      await waitLive(page);
      const minted = await pageFetch(page, 'api/shares', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ scope: 'read-only', ttl_secs: 900 }),
      });
      assert.equal(minted.status, 201, JSON.stringify(minted.body));
      // A folder whose name has no place to break: its row must still fit a phone.
      const folder = `reports-${'x'.repeat(100)}`;
      const made = await pageFetch(page, 'api/files/mkdir', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ path: folder }),
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));

      // Opened from the account menu (☰ on a phone), the arrow keys reach the Audit tab.
      await openAccountMenu(page);
      await page.locator('#security-open').click();
      await page.locator('#security-dialog').waitFor({ state: 'visible' });
      await page.keyboard.press('End');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'sec-tab-audit');
      await page.locator('#sec-audit').waitFor({ state: 'visible' });
      await waitListed(page, ['file_mkdir', 'share_minted', 'login_ok', 'login_failed'], 'the first four events');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'audit-event', 'Tab goes on to the filter');

      const rows = page.locator('#audit-list li');
      const [mkdir, share, login, refused] = await rows.allInnerTexts();
      assert.match(mkdir, new RegExp(`^Folder made\n+.+\n+${folder}$`));
      assert.match(share, /^Share link made\n+.+ · from 127\.0\.0\.1\n+read-only, any tab, for 15 min, .*link \S+$/);
      assert.match(login, /^Logged in\n+.+ · from 127\.0\.0\.1$/);
      assert.match(refused, /^Login refused\n+.+ · from 127\.0\.0\.1\n+wrong PIN$/);
      for (const text of [mkdir, share, login, refused]) assert.doesNotMatch(text, /[{}"]|share_minted|login_ok|login_failed/, `words, not JSON: ${text}`);
      const shown = await times(page);
      assert.deepEqual([...shown].sort((a, b) => b - a), shown, 'newest first');
      assert.ok(shown.every((t) => Math.abs(t - Date.now()) < 10 * 60_000), `times of this run: ${shown}`);
      assert.equal(await page.locator('#audit-newer').isDisabled(), true);
      assert.equal(await page.locator('#audit-older').isDisabled(), true, 'one page holds them all');
      await assertNoSideways(page, `${layout}: the audit tab`);

      // Filtered to one kind: a second refused login (from node) and only the two refusals.
      assert.equal(await loginFromNode(server, '1111111'), 401);
      await page.locator('#audit-event').selectOption({ label: 'Login refused' });
      await waitListed(page, ['login_failed', 'login_failed'], 'filtered to login_failed');
      await page.locator('#audit-status').filter({ hasText: 'Events 1–2 of “Login refused”' }).waitFor();
      await assertNoSideways(page, `${layout}: the audit tab filtered`);

      // More events than a page: the newest page is full, Older shows the rest, oldest last.
      for (let i = 0; i < PAGE_SIZE; i += 1) assert.equal(await loginFromNode(server), 200);
      await page.locator('#audit-event').selectOption('');
      const total = PAGE_SIZE + 5; // refused, login, share, folder, refused from node, the logins from node
      await waitListed(page, Array(PAGE_SIZE).fill('login_ok'), 'the newest page');
      assert.equal(await page.locator('#audit-older').isEnabled(), true);
      await page.locator('#audit-older').click();
      await waitListed(page, ['login_failed', 'file_mkdir', 'share_minted', 'login_ok', 'login_failed'], 'the older page');
      assert.equal(total - PAGE_SIZE, await rows.count());
      await page.locator('#audit-status').filter({ hasText: `Events ${PAGE_SIZE + 1}–${total}, newest first (the oldest kept).` }).waitFor();
      assert.equal(await page.locator('#audit-older').isDisabled(), true);
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'audit-newer', 'the focus moves on when Older goes');
      await assertNoSideways(page, `${layout}: the older page`);
      await page.keyboard.press('Enter');
      await waitListed(page, Array(PAGE_SIZE).fill('login_ok'), 'the newest page again');
      assert.equal(await page.locator('#audit-newer').isDisabled(), true);

      await page.locator('#security-close').click();
      await page.locator('#security-dialog').waitFor({ state: 'hidden' });
      assert.equal(await rows.count(), 0, 'the list leaves the page with the dialog');
      await assertClean(page);
      await page.context().close();
    } finally {
      await server.stop();
    }
  });
}
