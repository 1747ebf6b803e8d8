// exposed.test.mjs — termgate exposed through the zrok fake (tests/fixtures/tunnel-bin/zrok,
// which prints zrok's real output with a URL like https://fake1.share.zrok.io) while the
// owner uses it on http://127.0.0.1: a share link and the phone login code are for the
// public origin, and the dialogs say so.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, launchBrowser, login, newPage, openAccountMenu, startServer } from './harness.mjs';

let server;
let browser;
let owner;

before(async () => {
  server = await startServer({}, { zrok: true });
  browser = await launchBrowser();
  owner = await newPage(browser);
  await login(owner, server);
});

after(() => closeSuite(server, browser));

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('the owner on 127.0.0.1 mints a read-only link: it is for the public origin, and the dialog names it', async () => {
  assert.match(server.publicUrl, /^https:\/\/[a-z0-9]+\.share\.zrok\.io$/);
  assert.match(owner.url(), /^http:\/\/127\.0\.0\.1:\d+\//);
  await owner.locator('#share-open').click();
  await owner.locator('#share-dialog').waitFor({ state: 'visible' });
  assert.equal(await owner.locator('input[name="scope"][value="read-only"]').isChecked(), true);
  await owner.locator('#share-create').click();
  await owner.locator('#share-result').waitFor({ state: 'visible' });
  const link = await owner.locator('#share-url').inputValue();
  assert.match(link, new RegExp(`^${escape(server.publicUrl)}/s/#[A-Za-z0-9_-]+$`));
  assert.equal(await owner.locator('#share-origin').textContent(), `For ${server.publicUrl} (public)`);
  await owner.locator('#share-close').click();
  await owner.locator('#share-dialog').waitFor({ state: 'hidden' });
  await assertClean(owner);
});

test('the phone login code is for the public origin too', async () => {
  // Independent of how the test before ended.
  await owner.evaluate(() => document.querySelectorAll('dialog[open]').forEach((d) => d.close()));
  await openAccountMenu(owner);
  await owner.locator('#phone-login-open').click();
  await owner.locator('#phone-dialog').waitFor({ state: 'visible' });
  await owner.locator('#phone-show').click();
  await owner.locator('#phone-result').waitFor({ state: 'visible' });
  const url = await owner.locator('#phone-url').inputValue();
  assert.match(url, new RegExp(`^${escape(server.publicUrl)}(/[^#]*)?#token=${server.token}$`));
  assert.equal(await owner.locator('#phone-origin').textContent(), `For ${server.publicUrl} (public)`);
  // What the page holds at the very moment the dialog stops being open (a mutation
  // observer runs before any later task, such as the dialog's queued `close` event).
  await owner.evaluate(() => {
    const dialog = document.getElementById('phone-dialog');
    new MutationObserver((_, observer) => {
      if (dialog.open) return;
      window.linkWhenHidden = document.getElementById('phone-url').value;
      observer.disconnect();
    }).observe(dialog, { attributes: true, attributeFilter: ['open'] });
  });
  await owner.keyboard.press('Escape');
  await owner.locator('#phone-dialog').waitFor({ state: 'hidden' });
  assert.equal(await owner.evaluate(() => window.linkWhenHidden), '');
  assert.equal(await owner.locator('#phone-url').inputValue(), '');
  await assertClean(owner);
});
