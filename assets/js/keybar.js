// keybar.js — the phone key bar (Esc, Tab, sticky Ctrl/Alt, arrows, | ~ / -) and
// visualViewport tracking so the on-screen keyboard never covers the prompt.
// Buttons never take focus from the terminal: pointerdown/mousedown are preventDefault'ed.

const KEYS = [
  { key: 'esc', label: 'Esc', aria: 'Escape' },
  { key: 'tab', label: 'Tab', aria: 'Tab' },
  { key: 'ctrl', label: 'Ctrl', aria: 'Control (applies to the next key)', sticky: true },
  { key: 'alt', label: 'Alt', aria: 'Alt (applies to the next key)', sticky: true },
  { key: 'left', label: '←', aria: 'Left arrow' },
  { key: 'up', label: '↑', aria: 'Up arrow' },
  { key: 'down', label: '↓', aria: 'Down arrow' },
  { key: 'right', label: '→', aria: 'Right arrow' },
  { key: '|', label: '|', aria: 'Pipe' },
  { key: '~', label: '~', aria: 'Tilde' },
  { key: '/', label: '/', aria: 'Slash' },
  { key: '-', label: '-', aria: 'Dash' },
];

const ARROWS = { up: 'A', down: 'B', right: 'C', left: 'D' };

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
   * @param {{send: (data: string) => void, modes: () => ({applicationCursorKeysMode: boolean}|null)}} ctx
   */
  constructor(el, ctx) {
    this.el = el;
    this.ctx = ctx;
    this.ctrl = false;
    this.alt = false;
    this.buttons = {};
    for (const spec of KEYS) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = spec.sticky ? 'key sticky' : 'key';
      b.textContent = spec.label;
      b.dataset.key = spec.key;
      b.setAttribute('aria-label', spec.aria);
      if (spec.sticky) b.setAttribute('aria-pressed', 'false');
      // Keep focus (and the on-screen keyboard) on the terminal.
      b.addEventListener('pointerdown', (ev) => ev.preventDefault());
      b.addEventListener('mousedown', (ev) => ev.preventDefault());
      b.addEventListener('click', () => this.press(spec.key));
      this.buttons[spec.key] = b;
      el.append(b);
    }
  }

  press(key) {
    if (key === 'ctrl' || key === 'alt') {
      this[key] = !this[key];
      this.sync();
      return;
    }
    let data;
    if (key === 'esc') data = '\x1b';
    else if (key === 'tab') data = '\t';
    else if (ARROWS[key]) data = this.arrow(ARROWS[key]);
    else data = key;
    if (!ARROWS[key]) data = this.apply(data);
    this.release();
    this.ctx.send(data);
  }

  arrow(letter) {
    const mod = 1 + (this.alt ? 2 : 0) + (this.ctrl ? 4 : 0);
    if (mod > 1) return `\x1b[1;${mod}${letter}`;
    const app = this.ctx.modes()?.applicationCursorKeysMode;
    return app ? `\x1bO${letter}` : `\x1b[${letter}`;
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
    for (const key of ['ctrl', 'alt']) {
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
