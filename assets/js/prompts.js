// prompts.js — where each command's prompt is in one terminal's own buffer, so that the
// Commands panel (commands.js) can scroll to it. The shell integration marks (OSC 133, see
// README "Command history") reach this page with the output: an xterm.js marker is set at
// each prompt start (`A`) and stamped with this page's clock when its command starts (`C`).
// The server's history times the same `C`; commands.js matches the two by time, with the
// server's clock from the answer (so a wrong clock here does not matter).
//
// Markers go with their lines (scrolled out of the 10,000 lines) and all go when the screen
// is rebuilt (tab.js calls clear): an older command has no place here any more. A rebuild's snapshot holds no
// marks, and a raw replay's marks are old ones: those are not stamped.

/** Prompts kept per terminal; the oldest markers are let go. */
export const MAX_PROMPTS = 1000;

export class PromptMarks {
  /**
   * @param {import('../vendor/xterm.mjs').Terminal} term
   * @param {{replaying: () => boolean}} opts replaying: the screen is being rebuilt
   */
  constructor(term, { replaying }) {
    this.term = term;
    this.replaying = replaying;
    this.pending = null; // the marker of the prompt being edited
    /** @type {{marker: {line: number, isDisposed: boolean, dispose: () => void}, at: number}[]} */
    this.marks = [];
    // Never "handled": nothing else in xterm.js acts on OSC 133, and this only watches.
    term.parser.registerOscHandler(133, (data) => {
      this.mark(data.split(';', 1)[0]);
      return false;
    });
  }

  mark(kind) {
    if (this.replaying()) return;
    if (kind === 'A') {
      // A prompt drawn again (Ctrl+L, a resize) moves the mark to where it is now.
      this.pending?.dispose();
      this.pending = this.term.registerMarker(0) ?? null;
    } else if (kind === 'C' && this.pending) {
      this.marks.push({ marker: this.pending, at: Date.now() });
      this.pending = null;
      if (this.marks.length > MAX_PROMPTS) this.marks.shift().marker.dispose();
    }
  }

  /** The screen is rebuilt from scratch (a reset): none of the prompts is where it was. */
  clear() {
    this.pending?.dispose();
    this.pending = null;
    for (const m of this.marks) m.marker.dispose();
    this.marks = [];
  }

  /** The prompts still in the buffer, oldest first. */
  live() {
    this.marks = this.marks.filter((m) => !m.marker.isDisposed && m.marker.line >= 0);
    return this.marks;
  }

  /** Scrolls the terminal so that `mark`'s prompt is the top line. False: it is gone. */
  scrollTo(mark) {
    if (!mark || mark.marker.isDisposed || mark.marker.line < 0) return false;
    this.term.scrollToLine(mark.marker.line);
    return true;
  }
}

/** How far apart this page's and the server's time of one command's start may be. */
export const MATCH_MS = 2000;

/** What one pair is worth in matchPrompts, less its gap: more pairs beat closer ones. */
const PAIR = 2 * MATCH_MS;

/**
 * Pairs the server's commands with this page's prompts, in order: both happen in the same
 * order, so the pairing keeps it (times alone cannot tell apart commands a few milliseconds
 * apart, typed ahead or pasted), pairs only what is within MATCH_MS on the server's clock
 * (`skew`: server minus page), and leaves unpaired what one side missed (a page that joined
 * late, a mark the server lost in a flood). The best pairing by dynamic programming:
 * n × m steps, a million at most, and only when a command is clicked.
 * @param {{id: number, started_at: number}[]} commands in any order
 * @param {{at: number}[]} marks oldest first
 * @param {number} skew
 * @returns {Map<number, object>} command id -> its mark
 */
export function matchPrompts(commands, marks, skew) {
  const cs = [...commands].sort((a, b) => a.started_at - b.started_at || a.id - b.id);
  const n = cs.length;
  const k = marks.length;
  const w = k + 1;
  const score = new Float64Array((n + 1) * w);
  const step = new Uint8Array((n + 1) * w); // 1: skip the command, 2: skip the mark, 3: pair them
  for (let i = 1; i <= n; i++) step[i * w] = 1;
  for (let j = 1; j <= k; j++) step[j] = 2;
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= k; j++) {
      let best = score[(i - 1) * w + j];
      let how = 1;
      if (score[i * w + j - 1] > best) {
        best = score[i * w + j - 1];
        how = 2;
      }
      const gap = Math.abs(marks[j - 1].at + skew - cs[i - 1].started_at);
      if (gap <= MATCH_MS && score[(i - 1) * w + j - 1] + PAIR - gap > best) {
        best = score[(i - 1) * w + j - 1] + PAIR - gap;
        how = 3;
      }
      score[i * w + j] = best;
      step[i * w + j] = how;
    }
  }
  const found = new Map();
  for (let i = n, j = k; i > 0 && j > 0; ) {
    const how = step[i * w + j];
    if (how === 3) found.set(cs[i - 1].id, marks[j - 1]);
    if (how !== 2) i--;
    if (how !== 1) j--;
  }
  return found;
}
