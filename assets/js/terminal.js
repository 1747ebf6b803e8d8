// terminal.js — one xterm.js view: addons (fit, search, links, unicode11), the palette
// (palettes.js), font size and family, copy-on-select, and the rules that keep terminal
// output from acting on the browser (OSC 52 only through the owner's opt-in, osc52.js, and
// never a clipboard read; titles as text only; only http/https links opened).

import './csp-shim.js';
import { Terminal } from '../vendor/xterm.mjs';
import { FitAddon } from '../vendor/addon-fit.mjs';
import { SearchAddon } from '../vendor/addon-search.mjs';
import { Unicode11Addon } from '../vendor/addon-unicode11.mjs';
import { WebLinksAddon } from '../vendor/addon-web-links.mjs';
import { paletteIsDark, paletteTheme } from './palettes.js';
import { effectiveTheme, prefs } from './prefs.js';

const SEARCH_DECORATIONS = {
  dark: { matchBackground: '#5a4a1a', activeMatchBackground: '#b58900', matchOverviewRuler: '#b58900', activeMatchColorOverviewRuler: '#ffd75f' },
  light: { matchBackground: '#fff3b0', activeMatchBackground: '#ffb000', matchOverviewRuler: '#ffb000', activeMatchColorOverviewRuler: '#d08000' },
};

/** The xterm.js theme for the current palette and page theme. */
const currentTheme = () => paletteTheme(prefs.palette, effectiveTheme());
const searchDecorations = () => SEARCH_DECORATIONS[paletteIsDark(prefs.palette, effectiveTheme()) ? 'dark' : 'light'];

/** Open a URL from terminal output only if it is http(s), in a new tab with no opener. */
export function openSafeLink(uri) {
  let url;
  try {
    url = new URL(uri);
  } catch {
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
  window.open(url.href, '_blank', 'noopener,noreferrer');
}

/** Copy text to the clipboard; falls back to a `copy` event for non-secure contexts. */
export async function copyText(text) {
  if (!text) return;
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    /* fall through */
  }
  const onCopy = (event) => {
    event.clipboardData.setData('text/plain', text);
    event.preventDefault();
  };
  document.addEventListener('copy', onCopy, { once: true });
  try {
    document.execCommand('copy');
  } finally {
    document.removeEventListener('copy', onCopy);
  }
}

export class TermView {
  /**
   * @param {HTMLElement} container element the terminal fills
   * @param {{onInput: (bytes: Uint8Array) => void, filterInput?: (data: string) => string,
   *          onTitle?: (title: string) => void,
   *          onWish?: (cols: number, rows: number) => void,  the size that fits, when it changes
   *          onFocus?: () => void,                            the view got focus (it is being used)
   *          onOsc52?: (payload: string) => boolean,          an OSC 52 (what follows `52;`)
   *          keyFilter?: (ev: KeyboardEvent) => boolean}} handlers
   */
  constructor(container, handlers) {
    this.container = container;
    this.handlers = handlers;
    this.encoder = new TextEncoder();
    this.term = new Terminal({
      allowProposedApi: true, // unicode11 and search decorations
      fontFamily: prefs.fontFamily,
      fontSize: prefs.fontSize,
      theme: currentTheme(),
      scrollback: 10_000,
      cursorBlink: true,
      macOptionIsMeta: true,
      rightClickSelectsWord: true,
      // OSC 8 hyperlinks: same rule as plain links, and no confirm() dialog.
      linkHandler: { activate: (_event, text) => openSafeLink(text), allowNonHttpProtocols: false },
    });
    this.fit = new FitAddon();
    this.search = new SearchAddon();
    this.term.loadAddon(this.fit);
    this.term.loadAddon(this.search);
    this.term.loadAddon(new Unicode11Addon());
    this.term.unicode.activeVersion = '11';
    this.term.loadAddon(new WebLinksAddon((_event, uri) => openSafeLink(uri)));

    // OSC 52 (clipboard write/read) is always handled here, so xterm.js never acts on it:
    // the tab decides (osc52.js: writes only, opt-in, the owner's page only).
    this.term.parser.registerOscHandler(52, (payload) => this.handlers.onOsc52?.(payload) ?? true);

    this.term.attachCustomKeyEventHandler((ev) => this.keyFilter(ev));
    this.term.onData((data) => {
      const committed = this.commitFilter(data);
      if (committed) this.handlers.onInput(this.encoder.encode(this.filtered(committed)));
    });
    this.term.onBinary((data) => {
      const bytes = new Uint8Array(data.length);
      for (let i = 0; i < data.length; i++) bytes[i] = data.charCodeAt(i) & 0xff;
      this.handlers.onInput(bytes);
    });
    this.term.onTitleChange((title) => this.handlers.onTitle?.(title));

    let copyTimer = null;
    this.term.onSelectionChange(() => {
      clearTimeout(copyTimer);
      if (!this.term.hasSelection()) return;
      copyTimer = setTimeout(() => copyText(this.term.getSelection()), 120);
    });

    this.term.open(container);
    // A view focused or touched is one being used: its size becomes the PTY's (see fitNow).
    // (Focus alone misses a click into a terminal that kept the focus while another
    // device was used.)
    this.term.textarea?.addEventListener('focus', () => this.handlers.onFocus?.());
    container.addEventListener('pointerdown', () => this.handlers.onFocus?.());
    this.guardCommits(this.term.textarea);
    this.unsubscribePrefs = prefs.onChange(() => this.applyPrefs());
    this.resizeObserver = new ResizeObserver(() => this.scheduleFit());
    this.resizeObserver.observe(container);
    this.scheduleFit();
  }

  /**
   * xterm.js sends a committed composition from a timer after `compositionend`, reading the
   * textarea from where the composition started to its end. A character a soft keyboard
   * inserts meanwhile (the space after a word; it may even come before `compositionend`) is
   * sent by its own input event and then a second time in the commit (xterm.js #3600;
   * tests/browser/ime.test.mjs). So from a composition's start until its commit's time is
   * over, data from input events is held: the commit that includes it sends it once, in
   * order; if none does, it goes out when that time is over.
   */
  guardCommits(textarea) {
    this.commitFilter = (data) => data;
    if (!textarea) return;
    let composing = false;
    let pending = false;
    let held = '';
    let fromInput = null; // the data of the input event being dispatched
    const flush = () => {
      if (composing) return; // the next composition's end flushes
      pending = false;
      if (held) this.handlers.onInput(this.encoder.encode(this.filtered(held)));
      held = '';
    };
    textarea.addEventListener('compositionstart', () => {
      composing = true;
      pending = true;
    });
    // Registered after xterm's listener, so these timers run after xterm's commit timer.
    textarea.addEventListener('compositionend', () => {
      composing = false;
      setTimeout(() => setTimeout(flush, 0), 0);
    });
    // xterm's own input listener is a capture listener on the textarea, so ours goes on its
    // parent: an ancestor's capture listener runs before any listener on the target.
    const scope = textarea.parentElement ?? textarea;
    scope.addEventListener('input', (ev) => (fromInput = ev.target === textarea && !ev.isComposing && ev.inputType === 'insertText' ? ev.data : null), true);
    textarea.addEventListener('input', () => (fromInput = null));
    this.commitFilter = (data) => {
      if (!pending) return data;
      if (fromInput !== null && data === fromInput) {
        held += data;
        return '';
      }
      const out = held && !data.endsWith(held) ? data + held : data;
      held = '';
      return out;
    };
  }

  filtered(data) {
    return this.handlers.filterInput ? this.handlers.filterInput(data) : data;
  }

  keyFilter(ev) {
    if (this.handlers.keyFilter && !this.handlers.keyFilter(ev)) return false;
    if (ev.type !== 'keydown') return true;
    // Let the browser paste natively (xterm handles the paste event, bracketed if enabled).
    const ctrlShiftV = ev.ctrlKey && ev.shiftKey && !ev.altKey && ev.code === 'KeyV';
    const shiftInsert = ev.shiftKey && !ev.ctrlKey && ev.key === 'Insert';
    if (ctrlShiftV || shiftInsert) return false;
    if (ev.ctrlKey && ev.shiftKey && !ev.altKey && ev.code === 'KeyC') {
      if (this.term.hasSelection()) copyText(this.term.getSelection());
      ev.preventDefault();
      return false;
    }
    return true;
  }

  applyPrefs() {
    const theme = currentTheme();
    if (this.term.options.theme !== theme) this.term.options.theme = theme;
    // A new font size or family changes the cell size: the fitting size changes with it.
    if (this.term.options.fontSize !== prefs.fontSize || this.term.options.fontFamily !== prefs.fontFamily) {
      this.term.options.fontSize = prefs.fontSize;
      this.term.options.fontFamily = prefs.fontFamily;
      this.scheduleFit();
    }
  }

  scheduleFit() {
    if (this.fitPending) return;
    this.fitPending = true;
    requestAnimationFrame(() => {
      this.fitPending = false;
      this.fitNow();
    });
  }

  /**
   * Show the terminal at the PTY's size. Every view does: several may watch one terminal,
   * and a program drawn for one size comes out garbled at another. Which view's wish the PTY
   * takes is the server's rule (docs/PROTOCOL.md, "Size rule").
   */
  mirrorSize(cols, rows) {
    if (!(cols > 0 && rows > 0)) return;
    this.term.resize(cols, rows);
  }

  /**
   * The size that fits the container, or null while it cannot be measured (hidden, fonts
   * loading). A new wish is reported to `onWish`; the view itself changes size only when the
   * server says the PTY did (mirrorSize).
   */
  fitNow() {
    if (this.disposed) return null;
    if (!(this.container.offsetWidth > 0 && this.container.offsetHeight > 0)) return null;
    let proposed;
    try {
      proposed = this.fit.proposeDimensions();
    } catch {
      /* not measurable yet (fonts loading); the next resize retries */
    }
    if (!proposed || !(proposed.cols > 0 && proposed.rows > 0)) return null;
    const wish = { cols: proposed.cols, rows: proposed.rows };
    if (this.wished?.cols !== wish.cols || this.wished?.rows !== wish.rows) {
      this.wished = wish;
      this.handlers.onWish?.(wish.cols, wish.rows);
    }
    return wish;
  }

  get size() {
    return { cols: this.term.cols, rows: this.term.rows };
  }

  write(bytes) {
    this.term.write(bytes);
  }

  /** Start over before a replay, so a reconnect rebuilds the screen instead of repeating it. */
  /** Calls `done` once everything written so far has been parsed. */
  afterWrites(done) {
    this.term.write('', done);
  }

  reset() {
    this.term.reset();
  }

  /** A dim informational line written locally (never sent to the shell). */
  note(text) {
    this.term.write(`\r\n\x1b[2m[${text}]\x1b[0m\r\n`);
  }

  /** Paste text as if from the clipboard (bracketed when the program enabled it). */
  paste(text) {
    this.term.paste(text);
  }

  setReadonly(readonly) {
    this.term.options.disableStdin = readonly;
  }

  focus() {
    this.term.focus();
  }

  /** Search the scrollback. Returns true when a match was found. */
  find(query, backwards = false) {
    if (!query) {
      this.search.clearDecorations();
      this.term.clearSelection();
      return false;
    }
    const opts = { caseSensitive: false, decorations: searchDecorations() };
    return backwards ? this.search.findPrevious(query, opts) : this.search.findNext(query, opts);
  }

  /**
   * Search while typing: stays on the current match if it still matches, else the nearest
   * older one; with no match selected yet it starts from the bottom (the newest output).
   * (The addon searches upwards from the end of the buffer when nothing is selected, and a
   * changed query is first tried where the selection starts.)
   */
  findIncremental(query) {
    const opts = { caseSensitive: false, incremental: true, decorations: searchDecorations() };
    return this.search.findPrevious(query, opts);
  }

  onSearchResults(fn) {
    return this.search.onDidChangeResults(fn);
  }

  clearSearch() {
    this.search.clearDecorations();
    this.term.clearSelection();
  }

  /** Plain text of the whole buffer (scrollback + screen), trailing blank lines dropped. */
  text() {
    const buffer = this.term.buffer.active;
    const lines = [];
    for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    return lines.join('\n');
  }

  get modes() {
    return this.term.modes;
  }

  dispose() {
    this.disposed = true;
    this.resizeObserver.disconnect();
    this.unsubscribePrefs();
    this.term.dispose();
  }
}
