// keybar.test.mjs — the phone key bar (issue 15): PgUp/PgDn/Home/End, F1–F12 behind a
// latching "Fn", sticky Ctrl on those keys, and Paste send what xterm sends (checked as the
// bytes on the terminal's socket, against literals and against xterm.js's own output for the
// physical key, and once end to end as the bytes the shell read); Home/End/arrows follow
// application cursor mode set by a program. Layout: at 390 px every key's label stays clear
// of its border (Fn off and on) and no row scrolls; at 844×390 (a phone on its side) the
// top bar and the key bar are one row each and nothing sticks out of the screen.

import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { assertClean, launchBrowser, login, newPage, run, startServer, waitForScreen } from './harness.mjs';

let server;
let browser;

before(async () => {
  browser = await launchBrowser();
});

after(() => browser?.close());

// A server per test: a test that fails with a program still running (cat) leaves the next
// one a fresh shell at its prompt.
beforeEach(async () => {
  server = await startServer();
});

afterEach(() => server?.stop());

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const LANDSCAPE = { viewport: { width: 844, height: 390 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** The binary (input) frames the page sends on its terminal sockets, as strings. */
function recordInput(page) {
  const sent = [];
  const waiters = new Set();
  page.on('websocket', (ws) => {
    if (!/\/api\/terminals\/[^/]+\/ws(\?|$)/.test(ws.url())) return; // the query: the size
    ws.on('framesent', (f) => {
      if (typeof f.payload === 'string') return; // JSON control messages
      sent.push(Buffer.from(f.payload).toString('latin1'));
      for (const w of waiters) w();
    });
  });
  /** Resolves with the next frame sent after this call. */
  sent.next = (what, timeout = 10_000) => {
    const from = sent.length;
    return {
      from,
      done: new Promise((resolve, reject) => {
        const check = () => {
          if (sent.length <= from) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(sent[from]);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no input frame after ${what}; frames so far: ${JSON.stringify(sent)}`));
        }, timeout);
        waiters.add(check);
      }),
    };
  };
  return sent;
}

/** What one action sends: the first input frame after it. */
async function sends(sent, what, action) {
  const { done } = sent.next(what);
  await action();
  return done;
}

const esc = (s) => JSON.stringify(s);
const key = (page, k) => page.locator(`#keybar [data-key="${k}"]`);

test('key bar: PgUp/PgDn/Home/End, F1–F12 and Ctrl+F5 send xterm sequences; the shell reads them', async () => {
  const page = await newPage(browser, PHONE);
  const sent = recordInput(page);
  await login(page, server);
  await run(page, 'cat > /dev/null'); // the keys go to cat, not to readline
  await waitForScreen(page, /cat > \/dev\/null\s*$/);

  const expected = { pgup: '\x1b[5~', pgdn: '\x1b[6~', home: '\x1b[H', end: '\x1b[F' };
  for (const [k, want] of Object.entries(expected)) {
    assert.equal(esc(await sends(sent, k, () => key(page, k).tap())), esc(want), `${k} from the key bar`);
  }
  // The same keys on a hardware keyboard, as xterm.js encodes them: the bar must agree.
  const physical = { pgup: 'PageUp', pgdn: 'PageDown', home: 'Home', end: 'End' };
  for (const [k, name] of Object.entries(physical)) {
    assert.equal(esc(await sends(sent, name, () => page.keyboard.press(name))), esc(expected[k]), `xterm.js's own ${name}`);
  }

  // Fn latches the first row into F1–F12 (the arrows stay), and back.
  assert.equal(await key(page, 'f5').isVisible(), false, 'F5 shown before Fn');
  await key(page, 'fn').tap();
  assert.equal(await key(page, 'fn').getAttribute('aria-pressed'), 'true');
  assert.ok(await key(page, 'up').isVisible(), 'the arrows went away with Fn');
  const fkeys = { f1: '\x1bOP', f4: '\x1bOS', f5: '\x1b[15~', f6: '\x1b[17~', f10: '\x1b[21~', f11: '\x1b[23~', f12: '\x1b[24~' };
  for (const [k, want] of Object.entries(fkeys)) {
    assert.equal(esc(await sends(sent, k, () => key(page, k).tap())), esc(want), `${k} from the key bar`);
  }
  assert.ok(await key(page, 'f12').isVisible(), 'Fn is a latch: the F-keys stay after one press');
  // A sticky modifier reaches the F-key and the navigation keys (xterm's `;5` for Ctrl).
  await key(page, 'fn').tap();
  await key(page, 'ctrl').tap();
  await key(page, 'fn').tap();
  assert.equal(esc(await sends(sent, 'Ctrl F5', () => key(page, 'f5').tap())), esc('\x1b[15;5~'));
  await key(page, 'fn').tap();
  await key(page, 'ctrl').tap();
  assert.equal(esc(await sends(sent, 'Ctrl PgUp', () => key(page, 'pgup').tap())), esc('\x1b[5;5~'));
  assert.equal(await key(page, 'ctrl').getAttribute('aria-pressed'), 'false', 'Ctrl stayed pressed');
  assert.equal(await key(page, 'f5').isVisible(), false, 'Fn did not toggle back');
  await page.keyboard.press('Control+C');

  // End to end: the bytes the shell reads, quoted by printf %q.
  await run(page, "IFS= read -r l; printf 'got=%q\\n' \"$l\"");
  await waitForScreen(page, /"\$l"\s*$/); // the line may wrap on a phone
  await key(page, 'pgdn').tap();
  await key(page, 'fn').tap();
  await key(page, 'f5').tap();
  await key(page, 'fn').tap();
  await page.keyboard.press('Enter');
  await waitForScreen(page, /^got=\$'\\E\[6~\\E\[15~'$/);
  await assertClean(page);
  await page.context().close();
});

test('key bar: Home, End and the arrows follow application cursor mode set by a program', async () => {
  const page = await newPage(browser, PHONE);
  const sent = recordInput(page);
  await login(page, server);
  await run(page, "printf '\\033[?1h'; cat > /dev/null");
  await page.waitForFunction(() => window.__termgate.activeTerminal().modes.applicationCursorKeysMode === true);
  const want = { home: '\x1bOH', end: '\x1bOF', up: '\x1bOA', left: '\x1bOD' };
  for (const [k, seq] of Object.entries(want)) {
    assert.equal(esc(await sends(sent, k, () => key(page, k).tap())), esc(seq), `${k} in application cursor mode`);
  }
  assert.equal(esc(await sends(sent, 'Home', () => page.keyboard.press('Home'))), esc(want.home), "xterm.js's own Home");
  await page.keyboard.press('Control+C');
  await run(page, "printf '\\033[?1l'");
  await page.waitForFunction(() => window.__termgate.activeTerminal().modes.applicationCursorKeysMode === false);
  await run(page, 'cat > /dev/null');
  await waitForScreen(page, /\n[^\n]*cat > \/dev\/null\s*$/);
  assert.equal(esc(await sends(sent, 'home', () => key(page, 'home').tap())), esc('\x1b[H'), 'Home after the mode is reset');
  await page.keyboard.press('Control+C');
  await assertClean(page);
  await page.context().close();
});

test('key bar: Paste types the clipboard through xterm (bracketed for bash), focus stays', async () => {
  const page = await newPage(browser, { ...PHONE, permissions: ['clipboard-read', 'clipboard-write'] });
  const sent = recordInput(page);
  await login(page, server);
  await page.evaluate(() => navigator.clipboard.writeText('echo pasted-$((6*7))'));
  const frame = await sends(sent, 'Paste', () => key(page, 'paste').tap());
  const bracketed = await page.evaluate(() => window.__termgate.activeTerminal().modes.bracketedPasteMode);
  assert.equal(esc(frame), esc(bracketed ? '\x1b[200~echo pasted-$((6*7))\x1b[201~' : 'echo pasted-$((6*7))'));
  assert.ok(await page.evaluate(() => document.activeElement?.classList.contains('xterm-helper-textarea')), 'Paste took the focus');
  await page.keyboard.press('Enter');
  await waitForScreen(page, /^pasted-42$/);
  await assertClean(page);
  await page.context().close();
});

/** For every visible key: the gap between its label and its border, left and right. */
function labelClearances(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('#keybar .key')]
      .filter((b) => b.getClientRects().length > 0)
      .map((b) => {
        const range = document.createRange();
        range.selectNodeContents(b);
        const text = range.getBoundingClientRect();
        const box = b.getBoundingClientRect();
        const css = getComputedStyle(b);
        const left = text.left - (box.left + parseFloat(css.borderLeftWidth));
        const right = box.right - parseFloat(css.borderRightWidth) - text.right;
        return { key: b.dataset.key, left, right, boxRight: box.right };
      }),
  );
}

const rowsScroll = (page) =>
  page.evaluate(() => [...document.querySelectorAll('#keybar .keyrow')].filter((r) => r.scrollWidth > r.clientWidth + 1).map((r) => r.dataset.row));

test('key bar at 390 px: no label touches its border (Fn off and on), no row scrolls', async () => {
  const page = await newPage(browser, PHONE);
  await login(page, server);
  for (const fn of [false, true]) {
    if (fn) await key(page, 'fn').tap();
    const keys = await labelClearances(page);
    for (const k of keys) {
      assert.ok(k.left >= 4 && k.right >= 4, `"${k.key}" label is ${k.left.toFixed(1)} / ${k.right.toFixed(1)} px from its border (Fn ${fn})`);
      assert.ok(k.boxRight <= 390, `"${k.key}" sticks out of the screen (right edge ${k.boxRight})`);
    }
    assert.ok(keys.length >= 18, `only ${keys.length} keys visible`);
    assert.deepEqual(await rowsScroll(page), [], `rows that scroll (Fn ${fn})`);
  }
  await assertClean(page);
  await page.context().close();
});

test('a phone on its side (844×390): the top bar and the key bar are one row each', async () => {
  const page = await newPage(browser, LANDSCAPE);
  await login(page, server);
  const layout = await page.evaluate(() => {
    const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    const rows = (els) => {
      const r = els.filter(visible).map((el) => el.getBoundingClientRect());
      return { top: Math.min(...r.map((x) => x.top)), maxTop: Math.max(...r.map((x) => x.top)), right: Math.max(...r.map((x) => x.right)) };
    };
    const bar = document.querySelector('.topbar');
    return {
      bar: rows([...bar.querySelectorAll('button, .tab, .time-left')]),
      barHeight: bar.getBoundingClientRect().height,
      barOverflows: bar.scrollWidth > bar.clientWidth + 1,
      keys: rows([...document.querySelectorAll('#keybar .key')]),
      keybarHeight: document.querySelector('#keybar').getBoundingClientRect().height,
    };
  });
  const why = JSON.stringify(layout);
  assert.ok(layout.bar.maxTop - layout.bar.top < 10, `top bar controls on more than one row: ${why}`);
  assert.ok(layout.bar.right <= 844, `a top bar control sticks out of the screen: ${why}`);
  assert.equal(layout.barOverflows, false, `the top bar overflows: ${why}`);
  assert.ok(layout.barHeight <= 48, `top bar ${layout.barHeight} px high: ${why}`);
  assert.ok(layout.keys.maxTop - layout.keys.top < 4, `key bar on more than one row: ${why}`);
  assert.ok(layout.keybarHeight <= 48, `key bar ${layout.keybarHeight} px high: ${why}`);
  // Log out is still there, in the menu.
  await page.locator('#menu-toggle').tap();
  await page.locator('#logout').waitFor({ state: 'visible' });
  await assertClean(page);
  await page.context().close();
});
