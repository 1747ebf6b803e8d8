// guest-approval.test.mjs — an interactive guest waits for the owner's live approval
// (issue 16): the owner's page and the guest's page in two browser contexts. The guest's page
// says it waits and its keystrokes reach nothing; the owner's page shows "Guest wants to type
// (link …, from …)"; Allow lets the guest type; Read-only stops it again; Kick ends its view.
// Then the same on the phone layout (390 px) for both, where the panel fits the screen.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite, pageFetch, run, screenText, waitForScreen, waitLive } from './harness.mjs';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

let server;
let browser;

before(async () => {
  ({ server, browser } = await openSuite());
});

after(() => closeSuite(server, browser));

/** Mints an interactive link to the owner's active tab from the owner's page; returns its URL. */
async function mintInteractive(owner) {
  const terminal = await owner.evaluate(() => window.__termgate.activeTabId());
  const minted = await pageFetch(owner, 'api/shares', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ scope: 'interactive', ttl_secs: 900, uses: 1, terminal, pin: server.pin }),
  });
  assert.equal(minted.status, 201, JSON.stringify(minted.body));
  return minted.body.url;
}

/** The guest opens the link and watches; its page says it waits for the owner. */
async function openAsGuest(link, options = {}) {
  const guest = await newPage(browser, options);
  await guest.goto(link);
  await guest.locator('#landing-open').click();
  await guest.waitForFunction(() => window.__termgate?.activeStatus() === 'live');
  await guest.locator('#guest-approval').filter({ hasText: 'Waiting for the owner to let you type…' }).waitFor();
  return guest;
}

/** The owner's row for the (one) guest in `state`. */
const row = (owner, state) => owner.locator(`#guests-list li.guest-${state}`);

/** Clicks `label` on the guest's row, by tap on a touch screen. */
async function press(owner, state, label, touch = false) {
  const button = row(owner, state).getByRole('button', { name: label, exact: true });
  if (touch) await button.tap();
  else await button.click();
}

async function flow(ownerOptions, guestOptions, touch) {
  const owner = await newPage(browser, ownerOptions);
  await login(owner, server);
  await waitLive(owner);
  const link = await mintInteractive(owner);
  const guest = await openAsGuest(link, guestOptions);

  // The owner is asked, naming the link and where the guest is.
  const asking = row(owner, 'waiting');
  await asking.waitFor();
  assert.match(await asking.textContent(), /^Guest wants to type \(link [A-Za-z0-9_-]+, from 127\.0\.0\.1/);

  // Typed while waiting: it reaches nothing.
  await guest.locator('.xterm-screen').first().click();
  await run(guest, 'echo early-$((1+1))');
  await owner.locator('.xterm-helper-textarea').first().focus();
  await run(owner, 'echo marker-$((3+3))');
  await waitForScreen(owner, /^marker-6$/);
  assert.doesNotMatch(await screenText(owner), /early-2/, 'a waiting guest typed');

  await press(owner, 'waiting', 'Allow', touch);
  await guest.locator('#guest-approval').filter({ hasText: 'The owner let you type.' }).waitFor();
  await row(owner, 'allowed').waitFor();
  await guest.locator('.xterm-screen').first().click();
  await run(guest, 'echo guest-$((6*7))');
  await waitForScreen(owner, /^guest-42$/);

  // Back to watching: typing stops reaching the shell.
  await press(owner, 'allowed', 'Read-only', touch);
  await guest.locator('#guest-approval').filter({ hasText: /read-only/ }).waitFor();
  await row(owner, 'read-only').waitFor();
  await guest.locator('.xterm-screen').first().click();
  await run(guest, 'echo late-$((2+5))');
  await owner.locator('.xterm-helper-textarea').first().focus();
  await run(owner, 'echo marker-$((4+4))');
  await waitForScreen(owner, /^marker-8$/);
  assert.doesNotMatch(await screenText(owner), /late-7/, 'a read-only guest typed');

  // The panel is on screen whole, whatever the width.
  const box = await owner.locator('#guests').boundingBox();
  const width = owner.viewportSize().width;
  assert.ok(box && box.x >= 0 && box.x + box.width <= width, `${JSON.stringify(box)} in ${width}`);

  await press(owner, 'read-only', 'Kick', touch);
  await guest.locator('.overlay-text').filter({ hasText: 'The owner removed you from this terminal.' }).waitFor();
  await guest.locator('#guest-approval').filter({ hasText: 'The owner removed you from this terminal.' }).waitFor();
  // Nobody is left to decide about: the panel goes.
  await owner.locator('#guests').waitFor({ state: 'hidden' });
  await assertClean(owner);
  await assertClean(guest);
  await guest.context().close();
  await owner.context().close();
}

test('the owner allows a waiting guest, drops it to read-only and kicks it', async () => {
  await flow({}, {}, false);
});

test('the same on the phone layout (390 px) for owner and guest', async () => {
  await flow(PHONE, PHONE, true);
});

test('Deny closes the guest view for good', async () => {
  const owner = await newPage(browser);
  await login(owner, server);
  await waitLive(owner);
  const guest = await openAsGuest(await mintInteractive(owner));
  await press(owner, 'waiting', 'Deny');
  await guest.locator('.overlay-text').filter({ hasText: 'The owner did not let you in.' }).waitFor();
  assert.equal(await guest.locator('.overlay button').isVisible(), false, 'a reconnect offered after a denial');
  await owner.locator('#guests').waitFor({ state: 'hidden' });
  await guest.context().close();
  await owner.context().close();
});
