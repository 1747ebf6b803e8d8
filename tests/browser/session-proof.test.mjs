// session-proof.test.mjs — the session cookie reaches other ports of the host, the proof
// does not. A real server on another port of 127.0.0.1 (standing in for another local
// user's web server that the owner visits) receives termgate's cookie from Chromium and
// replays it with forged headers: refused. The owner's page works, downloads included
// (a plain link cannot carry the proof, so the UI fetches the file and saves the blob).

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite, pageFetch } from './harness.mjs';

let server;
let browser;
let page;

before(async () => {
  ({ server, browser } = await openSuite());
  writeFileSync(join(server.cwd, 'notes.md'), '# Notes\n\nsecret plans\n');
  page = await newPage(browser, { viewport: { width: 1280, height: 760 } });
  await login(page, server);
});

after(() => closeSuite(server, browser));

/** A plain HTTP server on another port of 127.0.0.1 that records the Cookie header it gets. */
async function otherPortServer() {
  const seen = [];
  const other = createServer((req, res) => {
    seen.push(req.headers.cookie || '');
    res.setHeader('Content-Type', 'text/html');
    res.end('<!doctype html><title>another server on this host</title><p>hello</p>');
  });
  await new Promise((resolve) => other.listen(0, '127.0.0.1', resolve));
  return { seen, url: `http://127.0.0.1:${other.address().port}/`, close: () => other.close() };
}

test('another port of the host gets the cookie, and the cookie alone opens nothing', async () => {
  const other = await otherPortServer();
  try {
    const visit = await page.context().newPage(); // same browser profile: same cookie jar
    await visit.goto(other.url);
    const cookie = other.seen.find((c) => c.includes('termgate_session='));
    assert.ok(cookie, `Chromium sent termgate's cookie to another port: ${JSON.stringify(other.seen)}`);
    await visit.close();

    // The other server replays it, forging what a browser would send to termgate.
    const replay = (path, init = {}) =>
      fetch(`${server.url}${path}`, {
        ...init,
        headers: { cookie, origin: server.url, host: new URL(server.url).host, ...(init.headers || {}) },
      });
    for (const [path, init] of [
      ['/api/terminals', {}],
      ['/api/files/download?path=notes.md', {}],
      ['/api/shares', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }],
    ]) {
      const answer = await replay(path, init);
      assert.equal(answer.status, 401, `${path}: ${await answer.text()}`);
    }
    assert.equal((await (await replay('/auth/session')).json()).logged_in, false);

    // The owner's page, which holds the proof, still works.
    const listed = await pageFetch(page, 'api/terminals');
    assert.equal(listed.status, 200);
    assert.ok(listed.body.terminals.length >= 1);
  } finally {
    other.close();
  }
});

test('the proof is in this origin\'s storage, not in a cookie; a reload keeps the login', async () => {
  const cookies = await page.context().cookies();
  const proof = await page.evaluate(() => window.__termgate.proofHeaders()['X-Termgate-Proof']);
  assert.ok(proof && proof.length >= 43, 'the page holds a 256-bit proof');
  assert.ok(cookies.every((c) => !c.value.includes(proof)), 'no cookie carries the proof');
  await page.reload();
  await page.locator('#workspace').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#login-form').isVisible(), false);
});

test('Download saves the file through a fetch that carries the proof', async () => {
  const item = page.locator('#files [role="treeitem"][data-path="notes.md"] > .tree-row');
  await item.click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('#files button', { hasText: /^Download$/ }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'notes.md');
  const stream = await download.createReadStream();
  let text = '';
  for await (const chunk of stream) text += chunk;
  assert.equal(text, '# Notes\n\nsecret plans\n');
  await assertClean(page);
});
