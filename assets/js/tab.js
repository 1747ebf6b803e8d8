// tab.js — one terminal tab: its panel, xterm view, WebSocket and "reconnecting…" overlay.
// The tab bar (tabs.js) owns the list of these; this file wires one view to one socket.
// A read-only view (a read-only share link, or `hello.readonly`) sends neither input nor
// resizes: it fits only its local xterm, the PTY keeps the owner's size.

import { api } from './api.js';
import { describeExit } from './protocol.js';
import { TermSocket } from './socket.js';
import { TermView } from './terminal.js';

const RENAMED_KEY = 'termgate.renamed.';

export class Tab {
  /**
   * @param {object} info Terminal from the API: {id, title, cols, rows, created_at, clients, exited}
   * @param {{panes: HTMLElement, filterInput?: (data: string) => string,
   *          onChange: (tab: Tab) => void, onGone: (tab: Tab) => void,
   *          onSessionEnded: () => void, onActivity?: () => void, readonly?: boolean}} ctx
   */
  constructor(info, ctx) {
    this.id = info.id;
    this.ctx = ctx;
    this.serverTitle = info.title || info.id;
    this.oscTitle = '';
    this.renamed = sessionStorage.getItem(RENAMED_KEY + this.id) === '1';
    this.exited = info.exited || null;
    this.status = 'connecting';
    this.exitNoted = false;
    this.failures = 0;
    this.readonly = Boolean(ctx.readonly);

    this.pane = document.createElement('section');
    this.pane.className = 'pane';
    this.pane.id = `pane-${this.id}`;
    this.pane.setAttribute('role', 'tabpanel');
    this.pane.setAttribute('aria-labelledby', `tab-${this.id}`);
    this.pane.hidden = true;
    const host = document.createElement('div');
    host.className = 'term-host';
    this.pane.append(host, this.buildOverlay());
    ctx.panes.append(this.pane);

    this.view = new TermView(host, {
      onInput: (bytes) => {
        if (this.readonly) return;
        this.socket.sendBytes(bytes);
        ctx.onActivity?.();
      },
      filterInput: ctx.filterInput,
      onTitle: (title) => {
        this.oscTitle = title;
        ctx.onChange(this);
      },
      onResize: (cols, rows) => {
        if (!this.readonly) this.socket.sendResize(cols, rows);
      },
    });

    this.socket = new TermSocket(this.id, {
      // A hidden tab cannot be measured; it sends its size when shown (see show()).
      // A read-only viewer never sizes the PTY.
      getSize: () => (this.pane.hidden || this.readonly ? null : this.view.fitNow()),
      onHello: (hello) => {
        // The replay follows: rebuild the screen from scratch instead of appending to it.
        this.view.reset();
        this.exitNoted = false;
        this.readonly = Boolean(this.ctx.readonly) || hello.readonly;
        this.view.setReadonly(this.readonly);
        if (this.readonly) this.view.mirrorSize(hello.cols, hello.rows);
        if (hello.title) this.serverTitle = hello.title;
        ctx.onChange(this);
      },
      onOutput: (bytes) => this.view.write(bytes),
      onMessage: (msg) => this.onMessage(msg),
      onStatus: (status, detail) => this.onStatus(status, detail),
    });
    this.socket.connect();
  }

  buildOverlay() {
    const overlay = document.createElement('div');
    overlay.className = 'overlay';
    overlay.hidden = true;
    overlay.setAttribute('role', 'status');
    const text = document.createElement('span');
    text.className = 'overlay-text';
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Reconnect now';
    button.addEventListener('click', () => {
      this.socket.retryNow();
      this.view.focus();
    });
    overlay.append(text, button);
    this.overlay = overlay;
    this.overlayText = text;
    return overlay;
  }

  showOverlay(text) {
    this.overlayText.textContent = text;
    this.overlay.hidden = false;
  }

  onMessage(msg) {
    if (msg.type === 'exit') {
      this.exited = { code: msg.code, signal: msg.signal };
      this.noteExit();
    } else if (msg.type === 'error') {
      this.view.note(`error: ${msg.message || msg.code}`);
    }
    // 'resize': another client resized the PTY. A read-only view follows it; a writer's
    // own size wins again when it takes focus.
    if (msg.type === 'resize' && this.readonly) this.view.mirrorSize(msg.cols, msg.rows);
    // 'resync': the replay that follows rebuilds the screen from scratch.
    if (msg.type === 'resync') this.view.reset();
  }

  noteExit() {
    if (this.exitNoted) return;
    this.exitNoted = true;
    this.view.note(describeExit(this.exited));
    this.ctx.onChange(this);
  }

  onStatus(status) {
    this.status = status;
    switch (status) {
      case 'live':
        this.failures = 0;
        this.overlay.hidden = true;
        break;
      case 'reconnecting':
        this.showOverlay('Reconnecting…');
        this.failures += 1;
        if (this.failures >= 2) this.verify();
        break;
      case 'exited':
        this.overlay.hidden = true;
        if (!this.exited) this.exited = {};
        this.noteExit();
        break;
      case 'closed':
        this.showOverlay('Disconnected.');
        break;
      case 'not-found':
        this.ctx.onGone(this);
        return;
      case 'session-ended':
        this.ctx.onSessionEnded();
        return;
      default:
        break;
    }
    this.ctx.onChange(this);
  }

  /**
   * A refused WebSocket upgrade (login expired, terminal gone after a server restart) looks
   * like any network error to the page; ask the API which it is instead of retrying forever.
   */
  async verify() {
    try {
      const session = await api.session();
      if (!session.logged_in) {
        this.ctx.onSessionEnded();
        return;
      }
      const { terminals } = await api.listTerminals();
      if (Array.isArray(terminals) && !terminals.some((t) => t.id === this.id)) this.ctx.onGone(this);
    } catch {
      /* server unreachable: keep retrying */
    }
  }

  /** The label shown in the tab bar: a name the user gave wins over the shell's title. */
  get title() {
    if (this.renamed) return this.serverTitle;
    return this.oscTitle || this.serverTitle;
  }

  setServerTitle(title, byUser) {
    this.serverTitle = title;
    if (byUser) {
      this.renamed = true;
      sessionStorage.setItem(RENAMED_KEY + this.id, '1');
    }
    this.ctx.onChange(this);
  }

  /** Send text typed elsewhere (key bar) as input. */
  sendInput(data) {
    if (this.readonly || this.view.term.options.disableStdin) return;
    this.socket.sendBytes(new TextEncoder().encode(data));
    this.ctx.onActivity?.();
  }

  show() {
    this.pane.hidden = false;
    const size = this.view.fitNow();
    // Several browsers may watch the same terminal: the one in front sets the size.
    if (size && !this.readonly) this.socket.sendResize(size.cols, size.rows);
  }

  hide() {
    this.pane.hidden = true;
  }

  focus() {
    this.view.focus();
  }

  /** Close the socket and free the view (the terminal itself lives on server-side). */
  dispose() {
    this.socket.close();
    this.view.dispose();
    this.pane.remove();
  }
}
