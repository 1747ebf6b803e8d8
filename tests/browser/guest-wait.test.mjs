// guest-wait.test.mjs — a `--share` link (for whichever tab exists) opened before the owner
// opened any tab: the landing screen says "Waiting for the owner to open a terminal…" and
// retries by itself (the server answers 409 `no_terminal_yet` without spending a use) until
// the owner creates a tab, then shows it. A guest who reloads after the owner closed every
// tab waits in the workspace the same way.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, launchBrowser, newPage, run, startServer, waitForScreen } from './harness.mjs';

let server;
let browser;
let owner;
let guest;

const WAIT_TEXT = 'Waiting for the owner to open a terminal…';
// The page retries every 2 s; generous for a loaded machine.
const TIMEOUT = 30_000;

before(async () => {
  server = await startServer({}, { args: ['--share', 'read-only', '--share-uses', '3'] });
  browser = await launchBrowser();
});

after(() => closeSuite(server, browser));

/**
 * The owner's API, from a page on the server's origin (same-origin, with its cookie and
 * proof). A login's proof is kept by the page's own proof.js, as api.login keeps it.
 */
const ownerApi = (method, path, body) =>
  owner.evaluate(
    async ([m, p, b]) => {
      const headers = { 'Content-Type': 'application/json', ...window.__termgate.proofHeaders() };
      const r = await fetch(p, { method: m, headers, body: b === undefined ? undefined : JSON.stringify(b) });
      const text = await r.text();
      const answer = { status: r.status, body: text ? JSON.parse(text) : null };
      if (answer.body?.proof) (await import('/assets/js/proof.js')).keepProof(answer.body.proof);
      return answer;
    },
    [method, path, body],
  );

/** Resolves once `page` got `n` answers with `status` to a POST /s/redeem. */
function redeemAnswers(page, status, n) {
  let seen = 0;
  return new Promise((resolve, reject) => {
    // A deadline, so a page that stops asking fails here instead of hanging the file.
    const timer = setTimeout(() => {
      page.off('response', onResponse);
      reject(new Error(`${seen} of ${n} answers ${status} to POST /s/redeem within ${TIMEOUT} ms`));
    }, TIMEOUT);
    const onResponse = (r) => {
      if (r.request().method() !== 'POST' || new URL(r.url()).pathname !== '/s/redeem') return;
      if (r.status() === status && ++seen >= n) {
        clearTimeout(timer);
        page.off('response', onResponse);
        resolve();
      }
    };
    page.on('response', onResponse);
  });
}

test('the landing screen waits for the first tab without spending the link', async () => {
  const [, link] = await server.waitForOutput(/^share link \(read-only, 15 min, 3 uses\): (\S+)$/m);
  owner = await newPage(browser);
  await owner.goto(server.url + '/');
  await owner.locator('#login-form').waitFor({ state: 'visible' });
  assert.equal((await ownerApi('POST', '/auth/login', { token: server.token, pin: server.pin })).status, 200);
  assert.deepEqual((await ownerApi('GET', '/api/terminals')).body.terminals, [], 'a tab exists already');

  guest = await newPage(browser);
  const twoRefusals = redeemAnswers(guest, 409, 2);
  await guest.goto(link);
  await guest.locator('#landing-open').click();
  await guest.locator('#landing-wait').filter({ hasText: WAIT_TEXT }).waitFor({ state: 'visible', timeout: TIMEOUT });
  assert.equal(await guest.locator('#workspace').isVisible(), false);
  await twoRefusals; // it asked again by itself
  assert.equal(await guest.locator('#landing-wait').textContent(), WAIT_TEXT);
  assert.equal(await guest.locator('#landing-message').isVisible(), false, 'an error is shown while waiting');

  const created = await ownerApi('POST', '/api/terminals', { cols: 80, rows: 24 });
  assert.equal(created.status, 201, JSON.stringify(created));
  await guest.waitForFunction(() => window.__termgate?.activeStatus() === 'live', null, { timeout: TIMEOUT });
  assert.equal(new URL(guest.url()).pathname, '/');
  assert.equal(await guest.locator('#landing').isVisible(), false);
  assert.equal(await guest.locator('#guest-waiting').isVisible(), false);

  // The owner's page opens that same tab (it creates none: one exists) and types in it.
  await owner.reload();
  await owner.waitForFunction(() => window.__termgate?.activeStatus() === 'live', null, { timeout: TIMEOUT });
  assert.equal((await ownerApi('GET', '/api/terminals')).body.terminals.length, 1);
  await owner.locator('.xterm-helper-textarea').first().focus();
  await run(owner, 'echo waited-$((40+2))');
  await waitForScreen(guest, /^waited-42$/, TIMEOUT);

  // Two or more refusals, one redemption: one use spent.
  const { shares } = (await ownerApi('GET', '/api/shares')).body;
  assert.equal(shares.length, 1);
  assert.equal(shares[0].uses_left, 2, JSON.stringify(shares));
  assert.equal(shares[0].terminal, null);
  await assertClean(guest);
  await assertClean(owner);
});

test('a guest who reloads after the owner closed every tab waits in the workspace', async () => {
  assert.ok(guest, 'the first test did not get a guest in');
  const { terminals } = (await ownerApi('GET', '/api/terminals')).body;
  for (const t of terminals) assert.equal((await ownerApi('DELETE', `/api/terminals/${t.id}`)).status < 300, true);
  await guest.reload();
  await guest.locator('#guest-waiting').filter({ hasText: WAIT_TEXT }).waitFor({ state: 'visible', timeout: TIMEOUT });
  assert.equal(await guest.locator('#workspace').isVisible(), true);
  assert.doesNotMatch((await guest.locator('#notice').textContent()) ?? '', /gone/);

  await owner.reload();
  await owner.waitForFunction(() => window.__termgate?.activeStatus() === 'live', null, { timeout: TIMEOUT });
  await guest.waitForFunction(() => window.__termgate?.activeStatus() === 'live', null, { timeout: TIMEOUT });
  assert.equal(await guest.locator('#guest-waiting').isVisible(), false);
  await owner.locator('.xterm-helper-textarea').first().focus();
  await run(owner, 'echo again-$((5*5))');
  await waitForScreen(guest, /^again-25$/, TIMEOUT);
  await assertClean(guest);
  await assertClean(owner);
  await guest.context().close();
});
