// keybar.js — the phone key bar and visualViewport tracking so the on-screen keyboard never
// covers the prompt. Two rows on a narrow screen (one on a wide one): Esc, Tab, sticky
// Ctrl/Alt, | ~ / -, Paste; Fn, Home, End, PgUp, PgDn and the arrows. "Fn" latches the first
// row into F1–F12 (htop, mc and less want those while the arrows stay in reach).
// Sequences are xterm's, as xterm.js sends them for the physical keys (the sticky modifiers
// use xterm's `;mod` parameter, Home/End/arrows follow application cursor mode).
// Keys are sized by their labels and never shrink: a label always keeps its padding, a row
// that cannot fit scrolls instead of squeezing text onto the border.
// Buttons never take focus from the terminal: pointerdown/mousedown are preventDefault'ed.
// Each accessible name starts with the visible label (WCAG 2.5.3, axe label-content-name-mismatch):
// a speech user says what they see.

const MAIN_ROW = [
  { key: 'esc', label: 'Esc', aria: 'Esc (Escape)' },
  { key: 'tab', label: 'Tab', aria: 'Tab' },
  { key: 'ctrl', label: 'Ctrl', aria: 'Ctrl (Control, applies to the next key)', sticky: true },
  { key: 'alt', label: 'Alt', aria: 'Alt (applies to the next key)', sticky: true },
  { key: '|', label: '|', aria: 'Pipe' },
  { key: '~', label: '~', aria: 'Tilde' },
  { key: '/', label: '/', aria: 'Slash' },
  { key: '-', label: '-', aria: 'Dash' },
  { key: 'paste', label: 'Paste', aria: 'Paste from the clipboard' },
];

const FN_ROW = Array.from({ length: 12 }, (_, i) => ({ key: `f${i + 1}`, label: `F${i + 1}`, aria: `F${i + 1}` }));

const NAV_ROW = [
  { key: 'fn', label: 'Fn', aria: 'Fn (function keys F1 to F12)', toggle: true },
  { key: 'home', label: 'Home', aria: 'Home' },
  { key: 'end', label: 'End', aria: 'End' },
  { key: 'pgup', label: 'PgUp', aria: 'PgUp (page up)' },
  { key: 'pgdn', label: 'PgDn', aria: 'PgDn (page down)' },
  { key: 'left', label: '←', aria: 'Left arrow' },
  { key: 'up', label: '↑', aria: 'Up arrow' },
  { key: 'down', label: '↓', aria: 'Down arrow' },
  { key: 'right', label: '→', aria: 'Right arrow' },
];

/** Keys whose plain form is CSI/SS3 + a final letter (arrows, Home, End, F1–F4). */
const LETTER_KEYS = { up: 'A', down: 'B', right: 'C', left: 'D', home: 'H', end: 'F', f1: 'P', f2: 'Q', f3: 'R', f4: 'S' };
/** Keys sent as CSI n ~ (xterm's numbering skips 16 and 22). */
const TILDE_KEYS = { pgup: 5, pgdn: 6, f5: 15, f6: 17, f7: 18, f8: 19, f9: 20, f10: 21, f11: 23, f12: 24 };
/** Keys whose plain form follows DECCKM (application cursor mode): ESC O x instead of ESC [ x. */
const CURSOR_KEYS = new Set(['up', 'down', 'right', 'left', 'home', 'end']);

/**
 * The bytes xterm sends for a special key. `mods`: {ctrl, alt}; `appCursor`: DECCKM is set.
 * Returns null for keys that are not special (characters, Esc, Tab).
 */
export function keySequence(key, { ctrl = false, alt = false } = {}, appCursor = false) {
  const mod = 1 + (alt ? 2 : 0) + (ctrl ? 4 : 0);
  if (key in TILDE_KEYS) return mod > 1 ? `\x1b[${TILDE_KEYS[key]};${mod}~` : `\x1b[${TILDE_KEYS[key]}~`;
  const letter = LETTER_KEYS[key];
  if (!letter) return null;
  if (mod > 1) return `\x1b[1;${mod}${letter}`;
  // F1–F4 are always SS3; the cursor keys are SS3 only in application cursor mode.
  if (!CURSOR_KEYS.has(key) || appCursor) return `\x1bO${letter}`;
  return `\x1b[${letter}`;
}

/** The control character for `ch` typed with Ctrl held, or `ch` if there is none. */
export function ctrlChar(ch) {
  const code = ch.charCodeAt(0);
  if ((code >= 0x40 && code <= 0x5f) || (code >= 0x61 && code <= 0x7a)) return String.fromCharCode(code & 0x1f);
  switch (ch) {
    case ' ':
    case '2':
      return '\x00';
    case '/':
    case '-':
    case '7':
      return '\x1f';
    case '?':
    case '8':
      return '\x7f';
    case '3':
      return '\x1b';
    case '4':
      return '\x1c';
    case '5':
      return '\x1d';
    case '6':
      return '\x1e';
    default:
      return ch;
  }
}

export class KeyBar {
  /**
   * @param {HTMLElement} el the (empty) key bar container
   * @param {{send: (data: string) => void, paste: () => void,
   *          modes: () => ({applicationCursorKeysMode: boolean}|null)}} ctx
   */
  constructor(el, ctx) {
    this.el = el;
    this.ctx = ctx;
    this.ctrl = false;
    this.alt = false;
    this.fn = false;
    this.buttons = {};
    this.rows = {
      main: this.row('main', MAIN_ROW),
      fn: this.row('fn', FN_ROW),
      nav: this.row('nav', NAV_ROW),
    };
    this.rows.fn.hidden = true;
  }

  row(name, specs) {
    const row = document.createElement('div');
    row.className = 'keyrow';
    row.dataset.row = name;
    for (const spec of specs) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = spec.sticky || spec.toggle ? 'key sticky' : 'key';
      b.textContent = spec.label;
      b.dataset.key = spec.key;
      b.setAttribute('aria-label', spec.aria);
      if (spec.sticky || spec.toggle) b.setAttribute('aria-pressed', 'false');
      // Keep focus (and the on-screen keyboard) on the terminal.
      b.addEventListener('pointerdown', (ev) => ev.preventDefault());
      b.addEventListener('mousedown', (ev) => ev.preventDefault());
      b.addEventListener('click', () => this.press(spec.key));
      this.buttons[spec.key] = b;
      row.append(b);
    }
    this.el.append(row);
    return row;
  }

  press(key) {
    if (key === 'ctrl' || key === 'alt') {
      this[key] = !this[key];
      this.sync();
      return;
    }
    if (key === 'fn') {
      // A latch, not a one-shot: F-keys come in runs (F6 then F9 in htop).
      this.fn = !this.fn;
      this.rows.main.hidden = this.fn;
      this.rows.fn.hidden = !this.fn;
      this.sync();
      return;
    }
    if (key === 'paste') {
      this.release();
      this.ctx.paste();
      return;
    }
    let data = keySequence(key, this, this.ctx.modes()?.applicationCursorKeysMode === true);
    if (data === null) {
      if (key === 'esc') data = '\x1b';
      else if (key === 'tab') data = '\t';
      else data = key;
      data = this.apply(data);
    }
    this.release();
    this.ctx.send(data);
  }

  /** Apply the sticky modifiers to `data` (first character only for Ctrl). */
  apply(data) {
    if (!data) return data;
    let out = data;
    if (this.ctrl) out = ctrlChar(out[0]) + out.slice(1);
    if (this.alt) out = `\x1b${out}`;
    return out;
  }

  /** Input filter for text typed on the (soft) keyboard: consumes pending modifiers. */
  filter(data) {
    // Escape sequences here are xterm's own reports (mouse, focus, cursor position), not typing.
    if ((!this.ctrl && !this.alt) || data.startsWith('\x1b')) return data;
    const out = this.apply(data);
    this.release();
    return out;
  }

  release() {
    if (!this.ctrl && !this.alt) return;
    this.ctrl = false;
    this.alt = false;
    this.sync();
  }

  sync() {
    for (const key of ['ctrl', 'alt', 'fn']) {
      this.buttons[key].setAttribute('aria-pressed', String(this[key]));
      this.buttons[key].classList.toggle('on', this[key]);
    }
  }
}

/**
 * Keep `root` exactly the size of the visual viewport, so when the on-screen keyboard
 * opens the layout shrinks (and the terminal refits) instead of being covered.
 */
export function followVisualViewport(root) {
  const vv = window.visualViewport;
  if (!vv) return;
  const update = () => {
    root.style.height = `${Math.round(vv.height)}px`;
    root.style.top = `${Math.round(vv.offsetTop)}px`;
  };
  vv.addEventListener('resize', update);
  vv.addEventListener('scroll', update);
  update();
}
