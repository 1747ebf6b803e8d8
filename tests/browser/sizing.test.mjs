// sizing.test.mjs — the size rule with two devices of the owner (docs/PROTOCOL.md, "Size
// rule"): a phone that opens the tab gets it at the phone's size, the desk then shows that
// size instead of garbling it, clicking into the desk's terminal takes the size back, and a
// locked size stays whichever device is used. Each step waits for the PTY's own answer
// (`stty size` in the shell), never for a delay. A reload whose layout changes after load
// (the file panel opens) opens its socket with its final size, so no resize follows the screen.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite, recordFrames, run, waitForScreen } from './harness.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await openSuite());
});

after(() => closeSuite(server, browser));

const size = (page) => page.evaluate(() => window.__termgate.activeSize());

/** Wait until `page` displays `want` ({cols, rows}); the error says what it shows instead. */
async function waitSize(page, want, what) {
  try {
    await page.waitForFunction(
      (w) => {
        const s = window.__termgate.activeSize();
        return s && s.cols === w.cols && s.rows === w.rows;
      },
      want,
      { timeout: 10_000 },
    );
  } catch {
    assert.fail(`${what}: shows ${JSON.stringify(await size(page))}, not ${JSON.stringify(want)}`);
  }
}

/** The PTY's size as the shell sees it, asked through `page`. */
async function ptySize(page, tag) {
  await run(page, `echo ${tag}=$(stty size)`);
  await waitForScreen(page, new RegExp(`^${tag}=\\d+ \\d+$`));
  const text = await page.evaluate(() => window.__termgate.activeText());
  const [rows, cols] = text.match(new RegExp(`^${tag}=(\\d+) (\\d+)$`, 'm')).slice(1).map(Number);
  return { cols, rows };
}

test('a phone opening the tab takes its size, the desk shows it, focus takes it back, a lock holds', async () => {
  const desk = await newPage(browser, { viewport: { width: 1280, height: 720 } });
  await login(desk, server);
  await desk.locator('.xterm-helper-textarea').first().focus();
  const deskSize = await size(desk);
  assert.deepEqual(await ptySize(desk, 'desk1'), deskSize);

  const phone = await newPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await login(phone, server);
  const phoneSize = await size(phone);
  assert.ok(phoneSize.cols < deskSize.cols, `the phone is narrower: ${JSON.stringify({ phoneSize, deskSize })}`);
  // The desk follows the PTY instead of keeping its own, larger size.
  await waitSize(desk, phoneSize, 'the desk after the phone opened');
  assert.deepEqual(await ptySize(phone, 'phone1'), phoneSize);

  // Clicking into the desk's terminal takes the size back; the phone then shows the desk's.
  await desk.locator('.xterm-screen').first().click();
  await waitSize(desk, deskSize, 'the desk after a click');
  await waitSize(phone, deskSize, 'the phone after the desk was used');
  assert.deepEqual(await ptySize(desk, 'desk2'), deskSize);

  // Locked at the desk's size: typing on the phone does not shrink it.
  await desk.locator('#size-lock').click();
  await desk.waitForFunction(() => document.getElementById('size-lock').getAttribute('aria-pressed') === 'true');
  await phone.waitForFunction(() => document.querySelector('.tab.active')?.classList.contains('size-locked'));
  await phone.locator('.xterm-helper-textarea').first().focus();
  assert.deepEqual(await ptySize(phone, 'phone2'), deskSize, 'the phone resized a locked terminal');

  // Unlocked: the phone, used last, gets its size.
  await desk.locator('#size-lock').click();
  await desk.waitForFunction(() => document.getElementById('size-lock').getAttribute('aria-pressed') === 'false');
  await phone.locator('.xterm-helper-textarea').first().focus();
  await run(phone, 'true');
  await waitSize(phone, phoneSize, 'the phone after unlocking');
  assert.deepEqual(await ptySize(phone, 'phone3'), phoneSize);

  await assertClean(desk);
  await assertClean(phone);
  await desk.context().close();
  await phone.context().close();
});

test('a reload opens its socket at its settled size: the screen comes drawn for it, no resize follows', async () => {
  // The file panel opens by default on a wide page, after the page has loaded.
  const desk = await newPage(browser, { viewport: { width: 1000, height: 640 } });
  await login(desk, server);
  await desk.locator('#files').waitFor({ state: 'visible' });
  await desk.locator('.xterm-helper-textarea').first().focus();
  const deskSize = await size(desk);
  assert.deepEqual(await ptySize(desk, 'before'), deskSize);
  // Another device takes the size, so the desk's reload must bring its own back.
  const other = await newPage(browser, { viewport: { width: 700, height: 420 } });
  await login(other, server);
  const otherSize = await size(other);
  assert.notDeepEqual(otherSize, deskSize);
  await waitSize(desk, otherSize, 'the desk after the other page opened');
  await other.context().close();

  const frames = recordFrames(desk);
  await desk.reload();
  await desk.waitForFunction(() => window.__termgate?.activeStatus() === 'live', null, { timeout: 15_000 });
  await desk.locator('#files').waitFor({ state: 'visible' });
  const live = await frames.until((fs) => fs.some((f) => f.dir === 'received' && f.msg.type === 'live'), 'live after the reload');
  const socket = live.find((f) => f.msg.type === 'live').socket;
  // The shell's answer comes after whatever the page sent on opening has been applied.
  await desk.locator('.xterm-helper-textarea').first().focus();
  assert.deepEqual(await ptySize(desk, 'after'), deskSize, 'the reloaded desk does not have its size');
  const url = new URL(socket.url());
  const mine = frames.filter((f) => f.socket === socket);
  const hello = mine.find((f) => f.msg.type === 'hello').msg;
  const resizes = mine.filter((f) => f.msg.type === 'resize').map((f) => [f.dir, f.msg.cols, f.msg.rows]);
  assert.deepEqual(
    { url: [url.searchParams.get('cols'), url.searchParams.get('rows')], hello: [hello.cols, hello.rows], resizes },
    { url: [String(deskSize.cols), String(deskSize.rows)], hello: [deskSize.cols, deskSize.rows], resizes: [] },
    `the socket did not open at the settled size ${JSON.stringify(deskSize)}`,
  );
  assert.deepEqual(await size(desk), deskSize);
  await assertClean(desk);
  await desk.context().close();
});
