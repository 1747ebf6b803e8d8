// base-path.test.mjs — termgate under https://localhost:PORT/term/ behind a real nginx
// (examples/nginx-base-path.conf, `--base-path /term/`): the owner logs in, a terminal
// shows a command's output, the file browser lists the root, the "public" badge links
// under /term/, and a share link (which
// points under /term/) opens for a guest who watches the owner's output. Every request
// either page makes must stay under /term/: nginx answers 404 for anything outside it.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertClean, launchBrowser, login, newPage, run, waitForScreen } from './harness.mjs';
import { startBehindNginx } from './nginx.mjs';

let proxied;
let browser;
let owner;
const outside = [];

/** A page on the self-signed nginx that records every request leaving /term/. */
async function pageUnderTerm(options = {}) {
  const page = await newPage(browser, { ignoreHTTPSErrors: true, ...options });
  page.on('request', (request) => {
    if (!request.url().startsWith(`${proxied.url}/`)) outside.push(request.url());
  });
  return page;
}

before(async () => {
  proxied = await startBehindNginx();
  writeFileSync(join(proxied.cwd, 'beside-term.txt'), 'hello\n');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await proxied?.stop();
});

test('the owner logs in under /term/, runs a command and lists files', async () => {
  owner = await pageUnderTerm({ viewport: { width: 1280, height: 760 } });
  await login(owner, proxied);
  assert.equal(new URL(owner.url()).pathname, '/term/');
  await run(owner, 'echo under-term-$((6*7))');
  await waitForScreen(owner, /^under-term-42$/);
  await owner.locator('#files').waitFor({ state: 'visible' });
  await owner.locator('#files [role="treeitem"][data-path="beside-term.txt"]').waitFor();
  const cookies = await owner.context().cookies();
  const session = cookies.find((c) => c.name.endsWith('termgate_session'));
  assert.equal(session?.name, '__Secure-termgate_session', JSON.stringify(cookies));
  assert.equal(session.path, '/term/');
  // The "public" badge (from --public-url) links to the UI under the base, not the bare origin.
  await owner.locator('#public-badge').waitFor({ state: 'visible' });
  assert.equal(await owner.locator('#public-url').getAttribute('href'), `${proxied.url}/`);
  assert.deepEqual(outside, []);
  await assertClean(owner);
});

test('a share link minted under /term/ opens as a guest', async () => {
  await owner.locator('#share-open').click();
  await owner.locator('#share-dialog').waitFor({ state: 'visible' });
  await owner.locator('#share-create').click();
  await owner.locator('#share-result').waitFor({ state: 'visible' });
  const link = await owner.locator('#share-url').inputValue();
  assert.match(link, new RegExp(`^${proxied.url}/s/#[A-Za-z0-9_-]+$`));
  await owner.locator('#share-close').click();

  const guest = await pageUnderTerm();
  await guest.goto(link);
  await guest.locator('#landing').waitFor({ state: 'visible' });
  await guest.locator('#landing-open').click();
  await guest.waitForFunction(() => window.__termgate?.activeStatus() === 'live');
  assert.equal(new URL(guest.url()).pathname, '/term/', 'the token stayed in the address bar');
  await guest.locator('#guest-banner').waitFor({ state: 'visible' });

  await owner.locator('.xterm-helper-textarea').first().focus();
  await run(owner, 'echo shared-under-term-$((6*7))');
  await waitForScreen(guest, /^shared-under-term-42$/);
  assert.deepEqual(outside, []);
  await assertClean(owner);
  await assertClean(guest);
  await guest.context().close();
});
