// prompts.test.mjs — matchPrompts (assets/js/prompts.js), which pairs the server's command
// history with the prompts a page saw: order kept even for commands milliseconds apart,
// nothing paired beyond MATCH_MS, and what one side missed left out. Plain Node, no browser.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MATCH_MS, matchPrompts } from '../../assets/js/prompts.js';

const pairs = (found) => [...found].map(([id, mark]) => [id, mark.name]).sort((a, b) => a[0] - b[0]);

test('commands a few milliseconds apart pair in order whatever the clock error', () => {
  // The server saw them at 1000, 1004, 1008; the page 6 ms later each, and its skew estimate
  // is 5 ms off: by time alone, each would take the next one's prompt.
  const commands = [3, 2, 1].map((id) => ({ id, started_at: 996 + 4 * id }));
  const marks = ['a', 'b', 'c'].map((name, i) => ({ name, at: 2006 + 4 * i }));
  assert.deepEqual(pairs(matchPrompts(commands, marks, -1000 + 5)), [[1, 'a'], [2, 'b'], [3, 'c']]);
});

test('a command the page never saw and a prompt the server lost stay unpaired', () => {
  const commands = [
    { id: 1, started_at: 10_000 }, // before the page joined
    { id: 2, started_at: 20_000 },
    { id: 3, started_at: 30_000 },
  ];
  const marks = [
    { name: 'x', at: 20_010 },
    { name: 'lost', at: 25_000 }, // its command fell in a flood the server skipped
    { name: 'z', at: 30_020 },
  ];
  assert.deepEqual(pairs(matchPrompts(commands, marks, 0)), [[2, 'x'], [3, 'z']]);
});

test('nothing pairs beyond the tolerance', () => {
  const found = matchPrompts([{ id: 1, started_at: 0 }], [{ name: 'far', at: MATCH_MS + 1 }], 0);
  assert.equal(found.size, 0);
});
