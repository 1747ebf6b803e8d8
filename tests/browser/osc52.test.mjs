// osc52.test.mjs — OSC 52 clipboard writes from programs in the terminal: off by default (the
// clipboard keeps what it had), on through Settings for the owner's page (the decoded text is
// on the clipboard and a "Copied N bytes" notice says so), never answered when a program asks
// to read it (`?`: no reply reaches the shell, the clipboard is not read), not done again when
// a reload rebuilds the screen, and never on a guest's page, whatever its settings.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite, pageFetch, run, waitForScreen, waitLive } from './harness.mjs';

const CLIPBOARD = { permissions: ['clipboard-read', 'clipboard-write'] };

let server;
let browser;
let owner;
let sent = []; // binary frames the owner's page sent (keystrokes, replies)

/** Record the page's clipboard writes and reads (and still do them). */
async function spyOnClipboard(page) {
  await page.addInitScript(() => {
    const proto = Object.getPrototypeOf(navigator.clipboard);
    const write = proto.writeText;
    const read = proto.readText;
    // `peek`: the test's own look at the clipboard, not counted.
    window.__clip = { writes: [], reads: 0, peek: () => read.call(navigator.clipboard) };
    proto.writeText = function (text) {
      window.__clip.writes.push(text);
      return write.call(this, text);
    };
    proto.readText = function () {
      window.__clip.reads += 1;
      return read.call(this);
    };
    const exec = document.execCommand.bind(document);
    document.execCommand = (cmd, ...rest) => {
      if (cmd === 'copy') window.__clip.writes.push('<execCommand copy>');
      return exec(cmd, ...rest);
    };
  });
}

const clip = (page) => page.evaluate(() => ({ writes: window.__clip.writes, reads: window.__clip.reads }));
/** What is on the clipboard, read behind the page's spy. */
const clipboardNow = (page) => page.evaluate(() => window.__clip.peek());
const setClipboard = (page, text) => page.evaluate((t) => navigator.clipboard.writeText(t), text);

/** Have the shell print OSC 52 `c;<base64 of text>` (BEL-terminated), then a marker to wait for. */
async function oscCopy(page, text, marker, end = '\\a') {
  const b64 = Buffer.from(text, 'utf8').toString('base64');
  await run(page, `printf '\\e]52;c;${b64}${end}'; echo ${marker}-$((40+2))`);
  await waitForScreen(page, new RegExp(`^${marker}-42$`));
}

before(async () => {
  ({ server, browser } = await openSuite());
  owner = await newPage(browser, CLIPBOARD);
  await spyOnClipboard(owner);
  owner.on('websocket', (ws) => {
    ws.on('framesent', (f) => {
      if (typeof f.payload !== 'string') sent.push(Buffer.from(f.payload));
    });
  });
  await login(owner, server);
});

after(() => closeSuite(server, browser));

test('off by default: a program cannot write the clipboard', async () => {
  await setClipboard(owner, 'sentinel-off');
  await oscCopy(owner, 'from-a-program', 'off');
  assert.equal(await clipboardNow(owner), 'sentinel-off');
  assert.deepEqual((await clip(owner)).writes, ['sentinel-off']);
  assert.equal(await owner.locator('#notice').filter({ hasText: /Copied/ }).count(), 0);
  await assertClean(owner);
});

test('on in Settings: the owner\'s page copies, says so, and never answers a read', async () => {
  await owner.locator('#settings-open').click();
  const box = owner.getByLabel(/Let programs in the terminal copy to the clipboard/);
  assert.equal(await box.isChecked(), false, 'on by default');
  await box.check();
  await owner.locator('#settings-close').click();
  await owner.locator('#settings-dialog').waitFor({ state: 'hidden' });

  const text = 'copied by a program ✓';
  await oscCopy(owner, text, 'on');
  await owner.locator('#notice').filter({ hasText: `Copied ${Buffer.byteLength(text)} bytes to the clipboard` }).waitFor();
  assert.equal(await clipboardNow(owner), text);
  // ST (ESC \) ends it as well as BEL.
  await oscCopy(owner, 'ended by ST', 'st', '\\e\\\\');
  await owner.waitForFunction(() => window.__clip.writes.at(-1) === 'ended by ST');

  // A read request: nothing answers it, nothing reads the clipboard.
  sent = [];
  await run(owner, "printf '\\e]52;c;?\\a'; echo asked-$((1+1))");
  await waitForScreen(owner, /^asked-2$/);
  await run(owner, 'echo after-$((3+3))');
  await waitForScreen(owner, /^after-6$/);
  const replies = sent.filter((b) => b.includes(Buffer.from('\x1b]52')));
  assert.deepEqual(replies, [], 'the page answered an OSC 52 query');
  assert.equal((await clip(owner)).reads, 0, 'the page read the clipboard');
  assert.equal(await clipboardNow(owner), 'ended by ST');
  await assertClean(owner);
});

test('a reload does not copy again', async () => {
  await setClipboard(owner, 'sentinel-reload');
  await owner.reload();
  await waitLive(owner);
  await run(owner, 'echo reloaded-$((5+5))');
  await waitForScreen(owner, /^reloaded-10$/);
  // The screen still shows the commands that copied; the rebuild did not copy them again
  // (the spy starts afresh with the reloaded page).
  await waitForScreen(owner, /^on-42$/);
  assert.deepEqual((await clip(owner)).writes, []);
  assert.equal(await clipboardNow(owner), 'sentinel-reload');
  // The setting is kept, and live output still copies.
  await oscCopy(owner, 'after the reload', 'live');
  await owner.waitForFunction(() => window.__clip.writes.at(-1) === 'after the reload');
  await assertClean(owner);
});

test('a guest\'s page never copies, even with the setting on', async () => {
  const { body: { url } } = await pageFetch(owner, 'api/shares', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scope: 'read-only', ttl_secs: 900 }),
  });
  const guest = await newPage(browser, CLIPBOARD);
  await spyOnClipboard(guest);
  await guest.addInitScript(() => localStorage.setItem('termgate.osc52Copy', 'on'));
  await guest.goto(url);
  await guest.locator('#landing-open').click();
  await guest.waitForFunction(() => window.__termgate?.activeStatus() === 'live');
  await owner.locator('.xterm-helper-textarea').first().focus();
  await oscCopy(owner, 'not for guests', 'guest');
  await waitForScreen(guest, /^guest-42$/);
  // The owner's page copied it: the same output reached both pages.
  await owner.waitForFunction(() => window.__clip.writes.at(-1) === 'not for guests');
  assert.deepEqual((await clip(guest)).writes, []);
  assert.equal(await guest.locator('#notice').filter({ hasText: /Copied/ }).count(), 0);
  await assertClean(guest);
  await guest.context().close();
});
