// visibility.test.mjs — the owner's page tells the server whether it is on screen: a
// `{"type":"visibility","visible":…}` text frame on each socket after `hello`, and on every
// `visibilitychange` on all its open sockets; the server takes it without an `error`. (That
// a visible viewer keeps a public termgate from idle shutdown is the server's Rust test.)
// Headless Chromium never hides a page by itself, so the change is simulated: the page's
// `document.visibilityState` is overridden and the event dispatched, which is what the
// browser does when the tab goes to the background.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite, recordFrames, run, waitForScreen } from './harness.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await openSuite());
});

after(() => closeSuite(server, browser));

const isVisibility = (f, visible) => f.dir === 'sent' && f.msg.type === 'visibility' && f.msg.visible === visible;

test('the owner page reports its visibility on every socket, after hello and on each change', async () => {
  const page = await newPage(browser);
  const frames = recordFrames(page);
  await login(page, server);
  // A second tab: two sockets.
  await page.locator('#new-tab').click();
  await page.waitForFunction(() => window.__termgate.tabTitles().length === 2 && window.__termgate.activeStatus() === 'live');
  const sockets = () => [...new Set(frames.filter((f) => f.msg.type === 'hello').map((f) => f.socket))];
  await frames.until(() => sockets().length === 2 && sockets().every((s) => frames.some((f) => f.socket === s && isVisibility(f, true))), 'visible:true on both sockets');
  for (const s of sockets()) {
    const mine = frames.filter((f) => f.socket === s);
    const hello = mine.findIndex((f) => f.msg.type === 'hello');
    const visible = mine.findIndex((f) => isVisibility(f, true));
    assert.ok(hello >= 0 && visible > hello, `visibility sent before hello on ${s.url()}`);
  }

  // The tab goes to the background, then comes back.
  const setVisibility = (state) =>
    page.evaluate((st) => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => st });
      document.dispatchEvent(new Event('visibilitychange'));
    }, state);
  await setVisibility('hidden');
  await frames.until(() => sockets().every((s) => frames.some((f) => f.socket === s && isVisibility(f, false))), 'visible:false on both sockets');
  await setVisibility('visible');
  await frames.until(() => sockets().every((s) => frames.filter((f) => f.socket === s && isVisibility(f, true)).length >= 2), 'visible:true again on both sockets');

  // The server took them: it answered none with an error. Output of a command typed after
  // them comes on the same socket after any such answer, so waiting for it is enough.
  await run(page, 'echo seen-$((3+4))');
  await waitForScreen(page, /^seen-7$/);
  const errors = frames.filter((f) => f.dir === 'received' && f.msg.type === 'error');
  assert.deepEqual(errors.map((f) => f.msg), [], 'the server refused a visibility message');
  await assertClean(page);
  await page.context().close();
});
