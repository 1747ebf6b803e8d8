// terminal.js — one xterm.js view: addons (fit, search, links, unicode11), themes, font size,
// copy-on-select, and the rules that keep terminal output from acting on the browser
// (no OSC 52 clipboard writes, titles as text only, only http/https links opened).

import './csp-shim.js';
import { Terminal } from '../vendor/xterm.mjs';
import { FitAddon } from '../vendor/addon-fit.mjs';
import { SearchAddon } from '../vendor/addon-search.mjs';
import { Unicode11Addon } from '../vendor/addon-unicode11.mjs';
import { WebLinksAddon } from '../vendor/addon-web-links.mjs';
import { effectiveTheme, prefs } from './prefs.js';

const DARK = {
  background: '#16181d', foreground: '#d8dee9', cursor: '#f0f0f0', cursorAccent: '#16181d',
  selectionBackground: '#3b4a66', selectionForeground: '#ffffff',
  black: '#1d2027', red: '#e06c75', green: '#98c379', yellow: '#e5c07b', blue: '#61afef',
  magenta: '#c678dd', cyan: '#56b6c2', white: '#c8ccd4',
  brightBlack: '#5c6370', brightRed: '#ef8189', brightGreen: '#a9d88b', brightYellow: '#f0d197',
  brightBlue: '#7cc0f5', brightMagenta: '#d492e7', brightCyan: '#6fcad5', brightWhite: '#ffffff',
};

const LIGHT = {
  background: '#fbfbfa', foreground: '#24292f', cursor: '#24292f', cursorAccent: '#fbfbfa',
  selectionBackground: '#b6d3f7', selectionForeground: '#000000',
  black: '#24292f', red: '#c4262e', green: '#1a7f37', yellow: '#8a6100', blue: '#0550ae',
  magenta: '#8250df', cyan: '#0f7b8a', white: '#6e7781',
  brightBlack: '#57606a', brightRed: '#d73a49', brightGreen: '#2da44e', brightYellow: '#9a6700',
  brightBlue: '#218bff', brightMagenta: '#a475f9', brightCyan: '#1b9aaa', brightWhite: '#8c959f',
};

const SEARCH_DECORATIONS = {
  dark: { matchBackground: '#5a4a1a', activeMatchBackground: '#b58900', matchOverviewRuler: '#b58900', activeMatchColorOverviewRuler: '#ffd75f' },
  light: { matchBackground: '#fff3b0', activeMatchBackground: '#ffb000', matchOverviewRuler: '#ffb000', activeMatchColorOverviewRuler: '#d08000' },
};

const FONT_FAMILY = '"DejaVu Sans Mono", "Cascadia Mono", "SF Mono", Menlo, Consolas, "Liberation Mono", monospace';

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
   *          onResize?: (cols: number, rows: number) => void,
   *          keyFilter?: (ev: KeyboardEvent) => boolean}} handlers
   */
  constructor(container, handlers) {
    this.container = container;
    this.handlers = handlers;
    this.encoder = new TextEncoder();
    const theme = effectiveTheme();
    this.term = new Terminal({
      allowProposedApi: true, // unicode11 and search decorations
      fontFamily: FONT_FAMILY,
      fontSize: prefs.fontSize,
      theme: theme === 'dark' ? DARK : LIGHT,
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

    // OSC 52 (clipboard write/read) is refused: handled = true, nothing done.
    this.term.parser.registerOscHandler(52, () => true);

    this.term.attachCustomKeyEventHandler((ev) => this.keyFilter(ev));
    this.term.onData((data) => {
      const out = this.handlers.filterInput ? this.handlers.filterInput(data) : data;
      this.handlers.onInput(this.encoder.encode(out));
    });
    this.term.onBinary((data) => {
      const bytes = new Uint8Array(data.length);
      for (let i = 0; i < data.length; i++) bytes[i] = data.charCodeAt(i) & 0xff;
      this.handlers.onInput(bytes);
    });
    this.term.onTitleChange((title) => this.handlers.onTitle?.(title));
    this.term.onResize(({ cols, rows }) => this.handlers.onResize?.(cols, rows));

    let copyTimer = null;
    this.term.onSelectionChange(() => {
      clearTimeout(copyTimer);
      if (!this.term.hasSelection()) return;
      copyTimer = setTimeout(() => copyText(this.term.getSelection()), 120);
    });

    this.term.open(container);
    this.unsubscribePrefs = prefs.onChange(() => this.applyPrefs());
    this.resizeObserver = new ResizeObserver(() => this.scheduleFit());
    this.resizeObserver.observe(container);
    this.scheduleFit();
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
    const theme = effectiveTheme();
    this.term.options.theme = theme === 'dark' ? DARK : LIGHT;
    if (this.term.options.fontSize !== prefs.fontSize) {
      this.term.options.fontSize = prefs.fontSize;
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
   * Show the terminal at the PTY's own size instead of fitting the window: a read-only
   * viewer cannot resize the PTY, and a full-screen program drawn for another size
   * would come out garbled.
   */
  mirrorSize(cols, rows) {
    if (!(cols > 0 && rows > 0)) return;
    this.mirrored = { cols, rows };
    this.term.resize(cols, rows);
  }

  /** Fit to the container if it is visible; returns the resulting size. */
  fitNow() {
    if (this.disposed) return null;
    if (this.mirrored) return { ...this.mirrored };
    if (this.container.offsetWidth > 0 && this.container.offsetHeight > 0) {
      try {
        this.fit.fit();
      } catch {
        /* not measurable yet (fonts loading); the next resize retries */
      }
    }
    return { cols: this.term.cols, rows: this.term.rows };
  }

  get size() {
    return { cols: this.term.cols, rows: this.term.rows };
  }

  write(bytes) {
    this.term.write(bytes);
  }

  /** Start over before a replay, so a reconnect rebuilds the screen instead of repeating it. */
  reset() {
    this.term.reset();
  }

  /** A dim informational line written locally (never sent to the shell). */
  note(text) {
    this.term.write(`\r\n\x1b[2m[${text}]\x1b[0m\r\n`);
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
    const opts = { caseSensitive: false, decorations: SEARCH_DECORATIONS[effectiveTheme()] };
    return backwards ? this.search.findPrevious(query, opts) : this.search.findNext(query, opts);
  }

  /** Search while typing: stays on the current match if it still matches. */
  findIncremental(query) {
    const opts = { caseSensitive: false, incremental: true, decorations: SEARCH_DECORATIONS[effectiveTheme()] };
    return this.search.findNext(query, opts);
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
