// player.js — plays an asciicast v3 recording (docs/PROTOCOL.md, "Recordings") in a
// vendored xterm.js terminal: play/pause, seek, speed 0.5–8×, and long pauses shortened to
// IDLE_LIMIT_S so a recording of an idle shell does not make you wait. Output is written
// to the terminal as it was recorded; a resize event resizes it.
// Seeking does not replay the pauses: everything up to the target is written in one go
// (from the start when going back, from where it is when going forward), and playing goes
// on from there once xterm's write callback says the screen is drawn. Seeks that come
// while one is drawn (a dragged slider) are coalesced into the latest.

import './csp-shim.js';
import { Terminal } from '../vendor/xterm.mjs';

/** No pause between two events is played longer than this (seconds). */
export const IDLE_LIMIT_S = 2;
export const SPEEDS = [0.5, 1, 2, 4, 8];

/**
 * Parse a `.cast` file: the header line, then `[interval, code, data]` events.
 * Returns {cols, rows, title, events: [{at, code, data}]} with `at` in seconds from the
 * start (pauses shortened to IDLE_LIMIT_S), or throws on a file that is not asciicast v3.
 */
export function parseCast(text) {
  const lines = text.split('\n').filter((line) => line && !line.startsWith('#'));
  const header = JSON.parse(lines.shift() || 'null');
  if (!header || header.version !== 3 || !header.term) throw new Error('not an asciicast v3 file');
  const events = [];
  let at = 0;
  for (const line of lines) {
    const event = JSON.parse(line);
    if (!Array.isArray(event) || event.length !== 3) throw new Error('bad event line');
    at += Math.min(Math.max(0, Number(event[0]) || 0), IDLE_LIMIT_S);
    events.push({ at, code: String(event[1]), data: String(event[2]) });
  }
  return { cols: Number(header.term.cols) || 80, rows: Number(header.term.rows) || 24, title: String(header.title ?? ''), events };
}

export class CastPlayer {
  /** @param {HTMLElement} screen where the terminal goes @param {(state: object) => void} onState */
  constructor(screen, onState) {
    this.screen = screen;
    this.onState = onState;
    this.term = null;
    this.cast = null;
    this.speed = 1;
    this.next = 0; // index of the next event to play
    this.position = 0; // seconds of the recording played so far
    this.timer = null;
    this.startedAt = 0; // performance.now() when `position` was taken, while playing
    this.seeking = null; // the promise of the seek being drawn
    this.target = null; // the latest seek asked while one is drawn
    this.resume = false; // play again once the seek is drawn
    this.goal = null; // where the seek being drawn ends up (what the timeline shows meanwhile)
  }

  /** Show `cast` (parsed) from its start, paused. */
  load(cast) {
    this.stop();
    this.term?.dispose();
    this.cast = cast;
    this.term = new Terminal({ cols: cast.cols, rows: cast.rows, disableStdin: true, convertEol: false, scrollback: 5000 });
    this.term.open(this.screen);
    this.next = 0;
    this.position = 0;
    this.seeking = null;
    this.target = null;
    this.goal = null;
    this.report();
  }

  get playing() {
    return this.timer !== null;
  }

  /** Playing, or about to once a seek is drawn (what Play/Pause shows). */
  get wantsToPlay() {
    return this.seeking ? this.resume : this.playing;
  }

  get duration() {
    return this.cast?.events.at(-1)?.at ?? 0;
  }

  play() {
    if (!this.cast || this.playing) return;
    if (this.seeking) {
      this.resume = true;
      this.report();
      return;
    }
    if (this.next >= this.cast.events.length) {
      // At the end: start over.
      this.resume = true;
      this.seek(0);
      return;
    }
    this.startedAt = performance.now();
    this.schedule();
    this.report();
  }

  pause() {
    if (this.seeking) this.resume = false;
    if (!this.playing) return this.report();
    this.position = this.now();
    this.stop();
    this.report();
  }

  toggle() {
    if (this.wantsToPlay) this.pause();
    else this.play();
  }

  setSpeed(speed) {
    const playing = this.playing;
    if (playing) this.pause();
    this.speed = SPEEDS.includes(speed) ? speed : 1;
    if (playing) this.play();
    this.report();
  }

  /**
   * Show the screen at `target` seconds (clamped to the recording), then go on playing if
   * it was playing. Resolves once that screen is drawn.
   */
  seek(target) {
    if (!this.cast) return Promise.resolve();
    this.target = Math.min(Math.max(0, Number(target) || 0), this.duration);
    this.goal = this.target;
    if (this.seeking) {
      this.report();
      return this.seeking;
    }
    this.resume ||= this.playing;
    if (this.playing) this.position = this.now();
    this.stop();
    const term = this.term;
    const run = async () => {
      while (this.target !== null && this.term === term) {
        const next = this.target;
        this.target = null;
        await this.drawTo(next);
      }
    };
    this.seeking = run().finally(() => {
      if (this.term !== term) return; // disposed or another recording loaded meanwhile
      this.seeking = null;
      this.goal = null;
      const resume = this.resume;
      this.resume = false;
      if (resume && this.next < this.cast.events.length) this.play();
      else this.report();
    });
    this.report();
    return this.seeking;
  }

  /** Writes every event up to `target` at once, from the start if it lies behind. */
  async drawTo(target) {
    const term = this.term;
    // What schedule() wrote is still being parsed: a reset before it is done would see
    // the old output land on the fresh screen.
    await this.written('');
    if (this.term !== term) return;
    if (target < this.position) {
      term.reset();
      term.resize(this.cast.cols, this.cast.rows);
      this.next = 0;
    }
    const events = this.cast.events;
    let out = '';
    while (this.next < events.length && events[this.next].at <= target) {
      const event = events[this.next++];
      if (event.code === 'o') out += event.data;
      else if (event.code === 'r') {
        // The output before a resize is drawn at the old size, as it was played.
        if (out) await this.written(out);
        if (this.term !== term) return;
        out = '';
        const [cols, rows] = event.data.split('x').map(Number);
        if (cols > 0 && rows > 0) term.resize(cols, rows);
      }
    }
    if (out) await this.written(out);
    this.position = target;
  }

  /** Resolves once xterm has parsed `data` (and everything written before it). */
  written(data) {
    const term = this.term;
    return new Promise((resolve) => term.write(data, resolve));
  }

  dispose() {
    this.stop();
    this.term?.dispose();
    this.term = null;
    this.cast = null;
    this.seeking = null;
    this.target = null;
    this.goal = null;
    this.resume = false;
  }

  /** Where playback is now, in recording seconds. */
  now() {
    if (!this.playing) return this.position;
    return this.position + ((performance.now() - this.startedAt) / 1000) * this.speed;
  }

  /** Writes every event that is due, then waits for the next one. */
  schedule() {
    const events = this.cast.events;
    const now = this.now();
    let out = '';
    while (this.next < events.length && events[this.next].at <= now) {
      const event = events[this.next++];
      if (event.code === 'o') out += event.data;
      else if (event.code === 'r') {
        if (out) this.term.write(out);
        out = '';
        const [cols, rows] = event.data.split('x').map(Number);
        if (cols > 0 && rows > 0) this.term.resize(cols, rows);
      }
    }
    if (out) this.term.write(out);
    if (this.next >= events.length) {
      this.position = this.duration;
      this.stop();
      this.report();
      return;
    }
    const wait = ((events[this.next].at - now) / this.speed) * 1000;
    this.timer = setTimeout(() => this.schedule(), Math.max(0, wait));
    this.report();
  }

  stop() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  report() {
    this.onState?.({
      playing: this.wantsToPlay,
      seeking: this.seeking !== null,
      speed: this.speed,
      // While a seek draws, where it goes: the timeline moves at once, not when drawn.
      position: this.seeking ? this.goal : this.now(),
      duration: this.duration,
      ended: this.cast && !this.seeking ? this.next >= this.cast.events.length : false,
    });
  }
}
