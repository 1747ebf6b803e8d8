// recording.test.mjs — tab recordings in the browser: the owner turns recording on for the
// active tab, every viewer (the owner's page and a read-only guest's) shows REC over the
// terminal and in the tab strip, and neither does once it is off; the Recordings dialog lists
// the recording, plays it in its own xterm.js (the recorded output appears on the player's
// screen) and deletes it. No CSP violation on either page.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, listTerminals, login, newPage, openSuite, pageFetch, run, waitForScreen } from './harness.mjs';

let server;
let browser;
let owner;
let guest;

before(async () => {
  ({ server, browser } = await openSuite());
  owner = await newPage(browser);
  await login(owner, server);
});

after(() => closeSuite(server, browser));

const recMark = (page) => page.locator('.pane:not([hidden]) .rec-mark');

test('recording shows REC to every viewer, a guest included, until it is turned off', async () => {
  const [tab] = await listTerminals(owner);
  assert.equal(tab.recording, false);
  const minted = await pageFetch(owner, 'api/shares', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ scope: 'read-only', ttl_secs: 900, uses: 1, terminal: tab.id }),
  });
  assert.equal(minted.status, 201, JSON.stringify(minted.body));
  guest = await newPage(browser);
  await guest.goto(minted.body.url);
  await guest.locator('#landing-open').click();
  await guest.waitForFunction(() => window.__termgate?.activeStatus() === 'live');
  assert.equal(await recMark(guest).isVisible(), false, 'REC before recording');
  assert.equal(await guest.locator('#recordings-open').isVisible(), false, 'a guest has no recordings button');

  await owner.locator('#recordings-open').click();
  await owner.locator('#record-toggle').click();
  await recMark(owner).waitFor({ state: 'visible' });
  await recMark(guest).waitFor({ state: 'visible' });
  assert.equal(await owner.locator('#record-toggle').getAttribute('aria-pressed'), 'true');
  assert.equal(await owner.locator('#record-toggle').textContent(), 'Stop recording');
  // The recording is listed while it is written, and cannot be deleted yet.
  await owner.locator('#recordings-list tr').filter({ hasText: '(recording)' }).waitFor();
  assert.equal(await owner.locator('#recordings-list tr').getByRole('button', { name: /^Delete / }).isDisabled(), true);
  await owner.locator('#recordings-close').click();
  assert.match(await owner.locator('#recordings-open').getAttribute('class'), /\brecording\b/);
  await guest.waitForFunction(() => document.querySelector('.tab.active')?.classList.contains('recording'));
  assert.match(await guest.locator('.tab.active .tab-button').getAttribute('title'), /\(recording\)/);

  await owner.locator('.xterm-helper-textarea').first().focus();
  await run(owner, 'echo rec-$((6*7))');
  await waitForScreen(owner, /^rec-42$/);
  await waitForScreen(guest, /^rec-42$/);

  await owner.locator('#recordings-open').click();
  await owner.locator('#record-toggle').click();
  await recMark(owner).waitFor({ state: 'hidden' });
  await recMark(guest).waitFor({ state: 'hidden' });
  assert.equal(await owner.locator('#record-toggle').textContent(), 'Record');
  assert.equal(await owner.locator('#record-toggle').getAttribute('aria-pressed'), 'false');
  await owner.locator('#recordings-close').click();
  await assertClean(guest);
});

test('the Recordings dialog lists the recording, plays it and deletes it', async () => {
  await owner.locator('#recordings-open').click();
  const rows = owner.locator('#recordings-list tr');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().textContent(), /bash/);
  await rows.first().getByRole('button', { name: /^Play / }).click();
  await owner.locator('#player').waitFor({ state: 'visible' });
  await owner.locator('#player-speed').selectOption('8');
  // The recorded output is drawn by the player's own terminal.
  await owner.waitForFunction(() => /rec-42/.test(document.querySelector('#player-screen .xterm-rows')?.textContent || ''));
  await owner.waitForFunction(() => document.getElementById('player-toggle').textContent === 'Play', null, { timeout: 15_000 });
  await owner.locator('#player-close').click();
  await owner.locator('#player').waitFor({ state: 'hidden' });

  await rows.first().getByRole('button', { name: /^Delete / }).click();
  await owner.locator('#recordings-none').waitFor({ state: 'visible' });
  assert.equal(await rows.count(), 0);
  const listed = await pageFetch(owner, 'api/recordings');
  assert.deepEqual(listed.body.recordings, []);
  await owner.locator('#recordings-close').click();
  await assertClean(owner);
});
