// reconnect.test.mjs — the server goes away: the page shows "Reconnecting…" and retries;
// when a new server answers on the same port (the old login is unknown to it), the page
// goes back to the login screen instead of retrying forever.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite, run, startServer, waitForScreen } from './harness.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await openSuite());
});

after(() => closeSuite(server, browser));

test('server restart: "Reconnecting…" overlay, then back to the login page', async () => {
  const page = await newPage(browser);
  await login(page, server);
  await run(page, 'echo before-$((1+1))');
  await waitForScreen(page, /^before-2$/);

  const port = new URL(server.url).port;
  await server.stop();
  const overlay = page.locator('.pane:not([hidden]) .overlay');
  await overlay.filter({ hasText: 'Reconnecting…' }).waitFor({ state: 'visible' });
  assert.match(await page.locator('.tab.active').getAttribute('class'), /offline/);

  server = await startServer({}, { port: Number(port) });
  await page.locator('#login-form').waitFor({ state: 'visible', timeout: 30_000 });
  await page.locator('#login-note').filter({ hasText: 'Your session ended' }).waitFor();

  // And logging in again works on the new server.
  await page.locator('#login-token').fill(server.token);
  await page.locator('#login-pin').fill(server.pin);
  await page.locator('#login-submit').click();
  await page.waitForFunction(() => window.__termgate?.activeStatus() === 'live');
  await assertClean(page);
  await page.context().close();
});
