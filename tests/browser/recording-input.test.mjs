// recording-input.test.mjs — with --record-input every viewer's mark says that typed keys
// are recorded: "REC + keys" over the owner's terminal and a read-only guest's, the tab
// strip's title says so too, and the Recordings dialog names it. No CSP violation.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, listTerminals, login, newPage, openSuite, pageFetch } from './harness.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await openSuite({ TERMGATE_RECORD: '1', TERMGATE_RECORD_INPUT: '1' }));
});

after(() => closeSuite(server, browser));

const recMark = (page) => page.locator('.pane:not([hidden]) .rec-mark');

test('every viewer, a guest included, sees REC + keys while typed input is recorded', async () => {
  const owner = await newPage(browser);
  await login(owner, server);
  const [tab] = await listTerminals(owner);
  assert.equal(tab.recording_input, true, JSON.stringify(tab));
  await recMark(owner).filter({ hasText: /^REC \+ keys$/ }).waitFor();
  assert.match(await recMark(owner).getAttribute('title'), /typed/);
  assert.match(await owner.locator('.tab.active .tab-button').getAttribute('title'), /\(recording, typed keys too\)/);

  const minted = await pageFetch(owner, 'api/shares', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ scope: 'read-only', ttl_secs: 900, uses: 1, terminal: tab.id }),
  });
  assert.equal(minted.status, 201, JSON.stringify(minted.body));
  const guest = await newPage(browser);
  await guest.goto(minted.body.url);
  await guest.locator('#landing-open').click();
  await guest.waitForFunction(() => window.__termgate?.activeStatus() === 'live');
  await recMark(guest).filter({ hasText: /^REC \+ keys$/ }).waitFor();

  // Off and on again through the dialog: the message carries `input` both ways.
  await owner.locator('#recordings-open').click();
  assert.match(await owner.locator('#record-tab').textContent(), /typed keys too/);
  await owner.locator('#record-toggle').click();
  await recMark(guest).waitFor({ state: 'hidden' });
  await owner.locator('#record-toggle').click();
  await recMark(guest).filter({ hasText: /^REC \+ keys$/ }).waitFor();
  await recMark(owner).filter({ hasText: /^REC \+ keys$/ }).waitFor();
  await owner.locator('#recordings-close').click();
  await assertClean(owner);
  await assertClean(guest);
});
