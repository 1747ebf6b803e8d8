// recording-seek.test.mjs — the player's timeline: a tab recorded from its start (--record)
// prints six markers, one per Enter, and the test notes the live viewer's screen after each;
// the player, paused, is sought to the middle of the pause after the third marker and must
// show the screen the live viewer had then (markers 1–3, none after), End shows all six and
// Home none, Page and arrow keys step, and playing on from a seek ends with every marker
// drawn once. The slider is labelled and fits a 390 px phone layout. No CSP violation.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, listTerminals, login, newPage, openSuite, pageFetch, run, screenText, waitForScreen } from './harness.mjs';

/** As player.js: no pause is played longer than this (seconds). */
const IDLE_LIMIT_S = 2;
const MARKS = 6;

let server;
let browser;
let page;

before(async () => {
  ({ server, browser } = await openSuite({ TERMGATE_RECORD: '1' }));
  page = await newPage(browser);
  await login(page, server);
});

after(() => closeSuite(server, browser));

/** The lines of a screen without trailing blanks, and without the blank lines at its end. */
const tidy = (text) => {
  const lines = text.split('\n').map((line) => line.replace(/\u00a0/g, ' ').trimEnd());
  while (lines.length && !lines.at(-1)) lines.pop();
  return lines;
};

/** The player's screen as lines (its DOM rows: the recording fits the screen, nothing scrolled). */
const playerLines = async () =>
  tidy(await page.evaluate(() => [...document.querySelectorAll('#player-screen .xterm-rows > div')].map((row) => row.textContent).join('\n')));

/** The markers a screen shows, in order. */
const marks = (lines) => lines.filter((line) => /^mark-\d$/.test(line));

/** Waits until the player's screen shows exactly `want` markers; the error shows the screen. */
async function waitForMarks(want, what) {
  const deadline = Date.now() + 15_000;
  let seen;
  for (;;) {
    seen = await playerLines();
    if (JSON.stringify(marks(seen)) === JSON.stringify(want)) return seen;
    if (Date.now() > deadline) assert.fail(`${what}: the player never showed ${JSON.stringify(want)}:\n${seen.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100)); // a poll interval, not a synchronisation
  }
}

/** When each event happened in player time (pauses capped as the player caps them). */
function eventTimes(cast) {
  const [, ...lines] = cast.split('\n').filter((line) => line && !line.startsWith('#'));
  let at = 0;
  return lines.map((line) => {
    const [interval, code, data] = JSON.parse(line);
    at += Math.min(Math.max(0, interval), IDLE_LIMIT_S);
    return { at, code, data };
  });
}

const expected = (n) => Array.from({ length: n }, (_, i) => `mark-${i + 1}`);

test('seeking shows the screen a live viewer had at that time; keys and playing on work from there', async () => {
  const [tab] = await listTerminals(page);
  assert.equal(tab.recording, true, 'the first tab is recorded from its start');
  await page.locator('.xterm-helper-textarea').first().focus();
  // One marker per Enter (read -s: the Enter is not echoed), so the test knows the live
  // screen between two markers without racing the shell.
  await run(page, `for i in $(seq ${MARKS}); do echo mark-$i; read -rs; done; echo done-$((6*7))`);
  const live = [];
  for (let i = 1; i <= MARKS; i++) {
    await waitForScreen(page, new RegExp(`^mark-${i}$`));
    live[i] = tidy(await screenText(page));
    assert.deepEqual(marks(live[i]), expected(i), `the live screen after mark-${i}`);
    await page.keyboard.press('Enter');
  }
  await waitForScreen(page, /^done-42$/);

  // Turning recording off ends the file; the next event after mark-3 is mark-4.
  const off = await pageFetch(page, `api/terminals/${tab.id}/recording`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ on: false }),
  });
  assert.equal(off.status, 200, JSON.stringify(off.body));
  const [recording] = (await pageFetch(page, 'api/recordings')).body.recordings;
  const cast = await pageFetch(page, `api/recordings/${recording.id}`);
  assert.equal(cast.status, 200);
  const events = eventTimes(cast.body);
  const third = events.findIndex((e) => e.code === 'o' && e.data.includes('mark-3'));
  const fourth = events.findIndex((e) => e.code === 'o' && e.data.includes('mark-4'));
  assert.ok(third >= 0 && fourth > third, 'the cast has the markers in order');
  const middle = (events[third].at + events[fourth].at) / 2;
  assert.ok(events[fourth].at > events[third].at, 'the markers are apart in time');

  await page.locator('#recordings-open').click();
  await page.locator('#recordings-list tr').first().getByRole('button', { name: /^Play / }).click();
  await page.locator('#player').waitFor({ state: 'visible' });
  await page.locator('#player-toggle').click(); // pause
  await page.locator('#player-toggle').filter({ hasText: /^Play$/ }).waitFor();

  const seek = page.locator('#player-seek');
  assert.equal(await page.getByLabel('Position in the recording').getAttribute('id'), 'player-seek');
  await seek.fill(String(middle));
  const atMiddle = await waitForMarks(expected(3), 'seeking to the middle');
  assert.deepEqual(atMiddle, live[3], 'the player at the middle shows what the live viewer had after mark-3');
  assert.equal(await page.locator('#player-toggle').textContent(), 'Play', 'a seek while paused stays paused');
  assert.match(await seek.getAttribute('aria-valuetext'), /^\d+:\d\d of \d+:\d\d$/);

  // The keyboard: End and Home, then a step back from the end (short recording: a twentieth).
  await seek.focus();
  await page.keyboard.press('End');
  await waitForMarks(expected(MARKS), 'End');
  await page.keyboard.press('Home');
  await waitForMarks([], 'Home');
  await page.keyboard.press('PageUp');
  await waitForMarks(expected(MARKS), 'PageUp (30 s, past the end)');

  // Playing on from a seek: from the middle to the end, every marker drawn exactly once.
  await seek.fill(String(middle));
  await waitForMarks(expected(3), 'seeking back to the middle');
  await page.locator('#player-speed').selectOption('8');
  await page.locator('#player-toggle').click();
  await page.locator('#player-toggle').filter({ hasText: /^Play$/ }).waitFor({ timeout: 20_000 });
  const end = await waitForMarks(expected(MARKS), 'playing on to the end');
  assert.equal(end.filter((line) => line === 'done-42').length, 1, `the end once:\n${end.join('\n')}`);
  assert.deepEqual(end, tidy(await screenText(page)).slice(0, end.length), 'the end is the live screen');

  // A 390 px phone: the slider keeps the dialog's width and still seeks.
  await page.setViewportSize({ width: 390, height: 800 });
  const box = await seek.boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `the slider fits: ${JSON.stringify(box)}`);
  assert.ok(box.width >= 200, `the slider is wide enough to drag: ${box.width}px`);
  await seek.fill(String(middle));
  await waitForMarks(expected(3), 'seeking at 390 px');
  await page.locator('#recordings-close').click();
  await assertClean(page);
});

test('while a seek draws, the timeline already shows where it goes', async () => {
  // The player module itself, on a recording built here: 4 MiB of output before the middle
  // keeps xterm busy long after seek() returns, and every state the player reports is kept.
  const states = await page.evaluate(async () => {
    const { CastPlayer } = await import(new URL('assets/js/player.js', document.baseURI).href);
    const screen = document.createElement('div');
    document.body.append(screen);
    const seen = [];
    const player = new CastPlayer(screen, (state) => seen.push(state));
    const line = `${'x'.repeat(78)}\r\n`;
    const big = line.repeat((4 << 20) / line.length);
    const events = [0, 10, 20].map((at) => ({ at, code: 'o', data: at === 10 ? big : `t${at}\r\n` }));
    player.load({ cols: 80, rows: 24, title: 't', events });
    const reportedBefore = seen.length;
    const drawn = player.seek(15);
    const during = seen.slice(reportedBefore);
    await drawn;
    const after = seen.at(-1);
    player.dispose();
    screen.remove();
    return { during, after };
  });
  assert.ok(states.during.length > 0, 'seek() reports at once');
  for (const state of states.during) {
    assert.equal(state.seeking, true, JSON.stringify(state));
    assert.equal(state.position, 15, `the timeline shows the seek's target while it draws: ${JSON.stringify(state)}`);
  }
  assert.equal(states.after.seeking, false);
  assert.equal(states.after.position, 15, 'and stays there once drawn');
});
