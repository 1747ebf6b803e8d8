// commands.test.mjs — the owner's Commands panel and host figures. bash reads the documented
// snippet (`termgate shell-integration bash`, written to the test HOME's .bashrc), runs
// `true`, `false` and `(exit 3)`, and output pushes them up; the panel lists all of them
// newest first, "failed only" leaves `(exit 3)` and `false` with their codes, the text filter
// narrows further, and clicking a command scrolls the terminal to its prompt. The top bar
// shows the host's figures, and asks for them again only while the page is visible. No CSP
// exemption is needed for any of it.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite, pageFetch, ROOT, run } from './harness.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await openSuite());
  const bin = process.env.TERMGATE_BIN || join(ROOT, 'target', 'debug', 'termgate');
  const snippet = execFileSync(bin, ['shell-integration', 'bash'], { encoding: 'utf8' });
  // The test's HOME is the server's root: the first tab's bash reads this.
  writeFileSync(join(server.cwd, '.bashrc'), `PS1='tg$ '\nunset HISTFILE\n${snippet}`);
});

after(() => closeSuite(server, browser));

/** Types `command` and waits for the prompt after it. */
async function runAtPrompt(page, command) {
  const prompts = () => page.evaluate(() => window.__termgate.activeText().split('\n').filter((l) => l.startsWith('tg$')).length);
  const before = await prompts();
  await run(page, command);
  await page.waitForFunction(
    (n) => {
      const lines = window.__termgate.activeText().split('\n');
      return lines.filter((l) => l.startsWith('tg$')).length > n && lines[lines.length - 1].trimEnd() === 'tg$';
    },
    before,
    { timeout: 10_000 },
  ).catch(async (e) => {
    throw new Error(`${e.message}: ${JSON.stringify(await page.evaluate(() => window.__termgate.activeText()))}`);
  });
}

const listed = (page) =>
  page.$$eval('#commands-list .command', (items) =>
    items.map((li) => ({ text: li.querySelector('.command-text').textContent, meta: li.querySelector('.command-meta').textContent })),
  );

/** Waits until the panel lists exactly `want` (command texts, newest first). */
async function waitListed(page, want) {
  try {
    await page.waitForFunction(
      (w) => JSON.stringify([...document.querySelectorAll('#commands-list .command-text')].map((e) => e.textContent)) === JSON.stringify(w),
      want,
      { timeout: 10_000 },
    );
  } catch {
    assert.deepEqual((await listed(page)).map((c) => c.text), want);
  }
}

test('the Commands panel lists the tab history, filters failed ones and scrolls to a prompt', async () => {
  const page = await newPage(browser);
  await login(page, server);
  // Each typed at its own prompt: typed ahead while a command runs, the tty would echo it
  // where the prompt then lands, and the screen (so the history) would show that mix.
  for (const command of ['true', 'false', '(exit 3)']) await runAtPrompt(page, command);
  // Enough output to push the three prompts out of view.
  await runAtPrompt(page, 'seq 1 100');

  // From the search bar: its Commands button closes it and opens the panel.
  await page.locator('#search-open').click();
  await page.locator('#commands-open').click();
  await page.locator('#commands').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#search').isHidden(), true);
  // The panel asks again while open: the last command's end arrives by itself.
  await waitListed(page, ['seq 1 100', '(exit 3)', 'false', 'true']);

  await page.locator('#commands-failed').check();
  await waitListed(page, ['(exit 3)', 'false']);
  const failed = await listed(page);
  assert.match(failed[0].meta, /^exit 3 · /);
  assert.match(failed[1].meta, /^exit 1 · /);

  await page.locator('#commands-filter').fill('EXIT');
  await waitListed(page, ['(exit 3)']);

  // The prompt of `(exit 3)` is above the screen; a click brings it to the top.
  const top = () =>
    page.evaluate(() => {
      const buffer = window.__termgate.activeTerminal().buffer.active;
      return buffer.getLine(buffer.viewportY)?.translateToString(true) ?? '';
    });
  assert.doesNotMatch(await top(), /exit 3/);
  await page.locator('#commands-list .command-button').first().click();
  await page.waitForFunction(() => {
    const buffer = window.__termgate.activeTerminal().buffer.active;
    return buffer.getLine(buffer.viewportY)?.translateToString(true) === 'tg$ (exit 3)';
  });

  // Esc closes the panel and gives the keyboard back to the terminal.
  await page.locator('#commands-filter').press('Escape');
  await page.locator('#commands').waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('xterm-helper-textarea')), true);

  // The host's figures, in the top bar when it has room for them: whole, or not at all.
  const whole = () =>
    page.evaluate(() => {
      const el = document.getElementById('host-figures');
      const first = el.firstElementChild;
      return el.offsetWidth === 0 || (first !== null && first.offsetLeft + first.offsetWidth <= el.clientWidth);
    });
  assert.equal(await whole(), true, 'the figures show cut at 1100 px');
  await page.setViewportSize({ width: 1600, height: 700 });
  await page.locator('#host-figures').waitFor({ state: 'visible' });
  assert.equal(await whole(), true);
  assert.match(await page.locator('#host-figures').textContent(), /^CPU \d+%· mem \d+%· disk \d+%· load \d+\.\d\d$/);
  assert.match(await page.locator('#host-figures').getAttribute('title'), /up \d/);
  // Narrower: however the bar lays out at 900 px, once it has (two frames: the layout, then
  // host.js's resize observer), the figures are whole or gone.
  await page.setViewportSize({ width: 900, height: 700 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal(await whole(), true, 'the figures show cut at 900 px');
  await page.setViewportSize({ width: 700, height: 700 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal(await whole(), true, 'the figures show cut at 700 px');
  await assertClean(page);
  await page.context().close();
});

test('the host figures are asked for every few seconds while the page is visible, never while hidden', async () => {
  const page = await newPage(browser);
  const asked = [];
  const waiters = new Set();
  page.on('request', (r) => {
    asked.push(new URL(r.url()).pathname);
    for (const w of waiters) w();
  });
  const polls = () => asked.filter((p) => p.endsWith('/api/status')).length;
  /** Resolves once `pred()` holds, checked on every request. */
  const until = (pred) =>
    new Promise((res) => {
      const check = () => pred() && (waiters.delete(check), res());
      waiters.add(check);
      check();
    });
  /** A request of the test's own: every poll the page made before it was seen before it. */
  const flushed = async () => {
    const n = asked.length;
    await pageFetch(page, 'api/terminals');
    await until(() => asked.slice(n).some((p) => p.endsWith('/api/terminals')));
  };
  const setVisibility = (state) =>
    page.evaluate((st) => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => st });
      document.dispatchEvent(new Event('visibilitychange'));
    }, state);

  // Logged in on the real clock (a fake one under load stalled the login's settling); the
  // fake clock (time flows as usual, and the test can jump it ahead) then takes over the poll
  // chain from its next timer: each poll arms the next with setTimeout.
  await login(page, server);
  await page.waitForFunction(() => document.getElementById('host-figures').title !== '');
  await page.clock.install();
  let seen = polls();
  await until(() => polls() > seen); // a poll on the real timer; the next one is on the fake clock
  seen = polls();
  await page.clock.fastForward(5_100);
  await until(() => polls() > seen); // the next one, a period later

  await setVisibility('hidden');
  await flushed();
  seen = polls();
  await page.clock.fastForward(20_000); // four periods, and less than the public badge's minute
  await flushed();
  assert.equal(polls(), seen, 'asked while hidden');

  await setVisibility('visible');
  await until(() => polls() > seen); // at once, not a period later
  await assertClean(page);
  await page.context().close();
});
