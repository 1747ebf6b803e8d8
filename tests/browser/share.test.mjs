// share.test.mjs — share links end to end: the owner mints a read-only link for the active
// tab (Share dialog, URL + QR), a guest in its own browser context is told what the link allows
// and until when before "Open" (as for an interactive link: watch and type), opens it, watches the
// owner's output live, cannot type, and sees "This shared view has ended." when the owner
// revokes the link. A tampered link shows the one neutral message.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite, pageJson, run, screenshot, screenText, waitForScreen } from './harness.mjs';

let server;
let browser;
let owner;
let guest;
let link;

before(async () => {
  ({ server, browser } = await openSuite());
  owner = await newPage(browser);
  await login(owner, server);
});

after(() => closeSuite(server, browser));

const ownerShares = () => pageJson(owner, '/api/shares');

test('the owner mints a read-only link for the active tab', async () => {
  await owner.locator('#share-open').click();
  const dialog = owner.locator('#share-dialog');
  await dialog.waitFor({ state: 'visible' });
  assert.equal(await owner.locator('input[name="scope"][value="read-only"]').isChecked(), true);
  assert.equal(await owner.locator('#share-bind').isChecked(), true);
  // The dialog asks no PIN: an interactive link is sensitive, and the re-authentication
  // prompt asks for it when due (security-reauth.test.mjs).
  assert.equal(await owner.locator('#share-dialog input[type="password"]').count(), 0);

  await owner.locator('#share-create').click();
  await owner.locator('#share-result').waitFor({ state: 'visible' });
  link = await owner.locator('#share-url').inputValue();
  // The token is the fragment, which no request line carries.
  assert.match(link, new RegExp(`^${server.url}/s/#[A-Za-z0-9_-]+$`));
  // Not exposed: the link is for this origin, which only this computer reaches.
  assert.equal(await owner.locator('#share-origin').textContent(), `For ${server.url} — works on this computer only`);
  // The QR code is drawn: a square canvas with both dark and light pixels.
  const qr = await owner.evaluate(() => {
    const c = document.getElementById('share-qr');
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] < 128) dark++;
    return { w: c.width, h: c.height, dark, total: data.length / 4 };
  });
  assert.ok(qr.w > 100 && qr.w === qr.h, JSON.stringify(qr));
  assert.ok(qr.dark > qr.total * 0.2 && qr.dark < qr.total * 0.6, JSON.stringify(qr));
  await owner.locator('#share-list tr').first().waitFor();
  assert.equal(await owner.locator('#share-list tr').count(), 1);
  assert.match(await owner.locator('#share-list tr').first().textContent(), /read-only/);
  await screenshot(owner, 'share.png');
  await owner.locator('#share-close').click();
  await dialog.waitFor({ state: 'hidden' });
  await assertClean(owner);
});

test('a guest opens the link, watches live output and cannot type', async () => {
  // A smaller window than the owner's: the guest still shows the PTY's own size.
  guest = await newPage(browser, { viewport: { width: 820, height: 560 } });
  await guest.goto(link);
  await guest.locator('#landing').waitFor({ state: 'visible' });
  // Before Open: what the link allows (read-only: watch, no typing) and for how long.
  await guest.locator('#landing-scope').filter({ hasText: /^Watch: you see the terminal live; what you type is not sent\.$/ }).waitFor();
  await guest.locator('#landing-expiry').filter({ hasText: /^Expires in 1[45] minutes · 1 use left$/ }).waitFor();
  assert.match(await guest.locator('#landing-title').textContent(), /You have been invited to watch a terminal/);
  assert.equal(guest.url(), `${server.url}/s/`, 'the token stayed in the address bar before opening');
  const token = link.slice(link.indexOf('#') + 1);
  const redeem = guest.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/s/redeem');
  await guest.locator('#landing-open').click();
  const sent = await redeem;
  assert.deepEqual(sent.postDataJSON(), { token }, 'the token is not in the redeem body');
  assert.ok(!sent.url().includes(token), sent.url());
  await guest.waitForFunction(() => window.__termgate?.activeStatus() === 'live');
  assert.equal(new URL(guest.url()).pathname, '/', 'the token stayed in the address bar');
  await guest.locator('#guest-banner').filter({ hasText: /^read-only view · expires in \d+:\d\d$/ }).waitFor();
  for (const id of ['new-tab', 'share-open', 'files-toggle', 'logout-all', 'extend', 'files']) {
    assert.equal(await guest.locator(`#${id}`).isVisible(), false, `#${id} is visible to a guest`);
  }
  assert.equal(await guest.locator('#login').isVisible(), false);

  await owner.locator('.xterm-helper-textarea').first().focus();
  await run(owner, 'echo shared-$((6*7))');
  await waitForScreen(guest, /^shared-42$/);

  const sameSize = (want) => {
    const got = window.__termgate.activeSize();
    return got && got.cols === want.cols && got.rows === want.rows;
  };
  const ownerSize = await owner.evaluate(() => window.__termgate.activeSize());
  await guest.waitForFunction(sameSize, ownerSize);
  // The owner's window shrinks, the PTY follows it, and so does the guest's view.
  await owner.setViewportSize({ width: 900, height: 600 });
  await owner.waitForFunction((old) => window.__termgate.activeSize().cols !== old.cols, ownerSize);
  await guest.waitForFunction(sameSize, await owner.evaluate(() => window.__termgate.activeSize()));
  await owner.setViewportSize({ width: 1100, height: 700 });

  await guest.locator('.xterm-screen').first().click();
  await run(guest, 'echo nope-$((1+1))');
  await run(owner, 'echo after-$((2+2))');
  await waitForScreen(owner, /^after-4$/);
  await waitForScreen(guest, /^after-4$/);
  assert.doesNotMatch(await screenText(owner), /nope/, 'guest input reached the shell');
  const { shares } = await ownerShares();
  assert.equal(shares.length, 1);
  assert.equal(shares[0].guests, 1);
  assert.equal(shares[0].dropped_input, 0, 'the read-only page sent input anyway');
  await screenshot(guest, 'guest.png');
  await assertClean(guest);
});

test('the landing says an interactive link lets the guest type, and when it expires, before Open', async () => {
  await owner.locator('#share-open').click();
  await owner.locator('input[name="scope"][value="interactive"]').check();
  await owner.locator('#share-ttl').selectOption('3600');
  await owner.locator('#share-uses').fill('3');
  await owner.locator('#share-create').click();
  await owner.locator('#share-result').waitFor({ state: 'visible' });
  const typing = await owner.locator('#share-url').inputValue();
  const id = (await ownerShares()).shares.find((s) => s.scope === 'interactive').id;
  await owner.locator('#share-close').click();

  const page = await newPage(browser);
  await page.goto(typing);
  await page.locator('#landing-scope').filter({ hasText: /^Watch and type: you see the terminal live and can type into it\.$/ }).waitFor();
  await page.locator('#landing-expiry').filter({ hasText: /^Expires in (59|60) minutes · 3 uses left$/ }).waitFor();
  assert.match(await page.locator('#landing-title').textContent(), /You have been invited to watch and type in a terminal/);
  // Said above the button, which is still there to press.
  const [scopeBox, openBox] = await Promise.all([page.locator('#landing-scope').boundingBox(), page.locator('#landing-open').boundingBox()]);
  assert.ok(scopeBox.y + scopeBox.height <= openBox.y, `${JSON.stringify(scopeBox)} ${JSON.stringify(openBox)}`);
  assert.equal(await page.locator('#landing-open').isEnabled(), true);
  // Looking spent nothing.
  assert.equal((await ownerShares()).shares.find((s) => s.id === id).uses_left, 3);
  await assertClean(page);
  await page.context().close();
  await owner.locator('#share-open').click();
  await owner.locator(`#share-list button[data-revoke="${id}"]`).click();
  await owner.locator(`#share-list button[data-revoke="${id}"]`).waitFor({ state: 'detached' });
  // The dialog keeps its choices: back to the defaults the later tests mint with.
  await owner.locator('input[name="scope"][value="read-only"]').check();
  await owner.locator('#share-ttl').selectOption('900');
  await owner.locator('#share-uses').fill('1');
  await owner.locator('#share-close').click();
});

test('revoking the link ends the guest view', async () => {
  await owner.locator('#share-open').click();
  const revoke = owner.locator('#share-list button[data-revoke]');
  await revoke.first().waitFor();
  await revoke.first().click();
  await owner.locator('#share-none').waitFor({ state: 'visible' });
  await guest.locator('#ended').filter({ hasText: 'This shared view has ended.' }).waitFor({ timeout: 3000 });
  assert.equal(await guest.locator('#workspace').isVisible(), false);
  assert.equal(await guest.locator('#login').isVisible(), false, 'a guest was sent to the login page');
  assert.deepEqual((await ownerShares()).shares, []);
  await owner.locator('#share-close').click();
  await assertClean(owner);
  await assertClean(guest);
  await guest.context().close();
});

test('a tampered link shows the neutral message', async () => {
  await owner.locator('#share-open').click();
  await owner.locator('#share-create').click();
  await owner.locator('#share-result').waitFor({ state: 'visible' });
  const good = await owner.locator('#share-url').inputValue();
  await owner.locator('#share-close').click();
  const token = good.slice(good.lastIndexOf('#') + 1);
  const i = Math.floor(token.length / 2);
  const bad = `${good.slice(0, good.lastIndexOf('#') + 1)}${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`;

  const page = await newPage(browser);
  await page.goto(bad);
  // Said before Open is pressed (the page peeked), and Open is off: it could not get better.
  await page.locator('#landing-message').filter({ hasText: 'This link is invalid, has expired, was revoked or is used up.' }).waitFor();
  assert.equal(await page.locator('#landing-open').isDisabled(), true);
  assert.equal(await page.locator('#landing-scope').isVisible(), false);
  assert.equal(await page.locator('#workspace').isVisible(), false);
  // The real link was not used up by any of this.
  const { shares } = await ownerShares();
  assert.equal(shares.length, 1);
  assert.equal(shares[0].uses_left, 1);
  await assertClean(page);

  // A link in the old format (`/s/<token>`) is refused with a page that says why.
  const old = await page.goto(`${server.url}/s/${token}`);
  assert.equal(old.status(), 404);
  assert.match(await page.locator('body').textContent(), /share link format changed/);
  assert.ok(!(await page.content()).includes(token), 'the old page echoes the token');
  assert.equal((await ownerShares()).shares[0].uses_left, 1);
  await page.context().close();
});
