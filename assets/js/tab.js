// tab.js — one terminal tab: its panel, xterm view, WebSocket and the overlay that says why
// the tab is offline ("Connection lost — reconnecting…", or that termgate was stopped).
// The tab bar (tabs.js) owns the list of these; this file wires one view to one socket.
// Every view shows the PTY's size. A writing view also says what size it would like and
// when it is being used (focus); the server applies the wish of the owner's view used last
// (docs/PROTOCOL.md, "Size rule"). A read-only view sends neither input nor wishes.

import { api } from './api.js';
import { onOsc52 } from './osc52.js';
import { PromptMarks } from './prompts.js';
import { describeExit, ShutdownReason } from './protocol.js';
import { whenSettled } from './settle.js';
import { TabDoor } from './tab-door.js';
import { STOPPED_RETRY_MS, TermSocket } from './socket.js';
import { TermView } from './terminal.js';

/** What the overlay says when termgate itself went away (close 1001 with a reason). */
const STOPPED_TEXT = {
  [ShutdownReason.IDLE]: 'termgate stopped itself after a long time without activity while it was public. Start it again to continue.',
  [ShutdownReason.OWNER]: 'termgate was stopped. Start it again to continue.',
};

export class Tab {
  /**
   * @param {object} info Terminal from the API: {id, title, name, busy, cols, rows, created_at, clients, exited, recording}
   * @param {{panes: HTMLElement, filterInput?: (data: string) => string,
   *          onChange: (tab: Tab) => void, onGone: (tab: Tab) => void,
   *          onSessionEnded: () => void, onActivity?: () => void, readonly?: boolean,
   *          guest?: boolean, onApproval?: (state: string) => void}} ctx  guest: a share link's
   *          view (does not report visibility); onApproval: an interactive guest's standing
   *          with the owner (`approval` messages, then `denied` / `kicked` closes)
   */
  constructor(info, ctx) {
    this.id = info.id;
    this.ctx = ctx;
    this.serverTitle = info.title || info.id;
    // The owner's name for the tab, kept by the server (so every browser and a reload see
    // it); null when none. The shell's own title (OSC 0/2) shows only while it is null.
    this.name = typeof info.name === 'string' ? info.name : null;
    this.oscTitle = '';
    this.exited = info.exited || null;
    this.status = 'connecting';
    this.exitNoted = false;
    this.failures = 0;
    this.readonly = Boolean(ctx.readonly);
    // An interactive guest waits for the owner's Allow: its view takes no input meanwhile
    // (the server drops it anyway).
    this.held = false;
    // The owner locked the PTY's size: no view's wish applies (shown in the tab strip).
    this.sizeLocked = info.size_locked === true;
    // The tab's output is being recorded: every viewer, a guest's too, shows REC.
    this.recording = info.recording === true;
    // The owner locked the tab: a new socket waits at its door (tab-door.js) for the PIN.
    this.locked = info.locked === true;
    // What is typed is recorded too (--record-input): REC says "REC + keys".
    this.recordingInput = this.recording && info.recording_input === true;

    this.pane = document.createElement('section');
    this.pane.className = 'pane';
    this.pane.id = `pane-${this.id}`;
    this.pane.setAttribute('role', 'tabpanel');
    this.pane.setAttribute('aria-labelledby', `tab-${this.id}`);
    this.pane.hidden = true;
    const host = document.createElement('div');
    host.className = 'term-host';
    // REC over the terminal, where everyone watching sees it whatever the tab strip shows.
    this.recMark = document.createElement('span');
    this.recMark.className = 'rec-mark';
    this.recMark.setAttribute('role', 'status');
    this.setRecording(this.recording, this.recordingInput);
    this.pane.append(host, this.recMark, this.buildOverlay());
    ctx.panes.append(this.pane);
    this.door = new TabDoor(this.pane, {
      unlock: (pin, code) => this.socket.sendUnlock(pin, code),
      title: () => this.title,
    });

    this.view = new TermView(host, {
      onInput: (bytes) => {
        // While the screen is being rebuilt, whatever the terminal "types" is its own
        // reply to something in the rebuild (a query): never the shell's business.
        if (this.readonly || this.held || this.rebuilding) return;
        this.socket.sendBytes(bytes);
        ctx.onActivity?.();
      },
      filterInput: ctx.filterInput,
      onTitle: (title) => {
        this.oscTitle = title;
        ctx.onChange(this);
      },
      onWish: (cols, rows) => {
        if (!this.readonly) this.socket.sendResize(cols, rows);
      },
      onFocus: () => {
        if (!this.readonly) this.socket.sendFocus();
      },
      // A program's clipboard write: the owner's live output only, never a rebuild's.
      onOsc52: (payload) => onOsc52(payload, { owner: !ctx.guest, replaying: Boolean(this.rebuilding) }),
    });
    // Where each command's prompt is, for the Commands panel (live output only).
    this.prompts = new PromptMarks(this.view.term, { replaying: () => Boolean(this.rebuilding) });

    this.socket = new TermSocket(this.id, {
      // Opening from a visible page takes the size; a hidden tab (or page) sends its
      // size when shown (see show()). A read-only viewer never sizes the PTY.
      getSize: () => (this.sizes() ? this.view.fitNow() : null),
      // The size goes in the socket's URL once the layout has settled (settle.js), so the
      // screen comes drawn for it. A hidden page has no frames to wait for: none then.
      settledSize: () => (this.sizes() ? whenSettled(this.view.container).then(() => (this.sizes() ? this.view.fitNow() : null)) : null),
      onHello: (hello) => {
        // In through the door: the typing goes to the terminal now.
        if (this.door.hide() && !this.pane.hidden) queueMicrotask(() => this.view.focus());
        // The screen follows: rebuild it from scratch instead of appending to it.
        this.view.reset();
        this.prompts.clear();
        this.rebuilding = true;
        this.exitNoted = false;
        this.readonly = Boolean(this.ctx.readonly) || hello.readonly;
        this.view.setReadonly(this.readonly || this.held);
        this.view.mirrorSize(hello.cols, hello.rows);
        this.sizeLocked = hello.sizeLocked;
        this.setRecording(hello.recording, hello.recordingInput);
        if (hello.title) this.serverTitle = hello.title;
        this.name = hello.name;
        ctx.onChange(this);
      },
      onOutput: (bytes) => this.view.write(bytes),
      onMessage: (msg) => this.onMessage(msg),
      onStatus: (status, detail) => this.onStatus(status, detail),
      // Only the owner's watching keeps a public termgate from stopping itself.
      reportVisibility: !ctx.guest,
    });
    // After the caller had the chance to show this tab, so a tab shown at once is measured
    // for its socket's URL.
    queueMicrotask(() => this.socket.connect());
  }

  /** Whether this view sizes the PTY now: a writing view, shown on a visible page. */
  sizes() {
    return !this.pane.hidden && !this.readonly && document.visibilityState === 'visible';
  }

  buildOverlay() {
    const overlay = document.createElement('div');
    overlay.className = 'overlay';
    overlay.hidden = true;
    overlay.setAttribute('role', 'status');
    const text = document.createElement('span');
    text.className = 'overlay-text';
    const detail = document.createElement('span');
    detail.className = 'overlay-detail';
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Reconnect now';
    button.addEventListener('click', () => {
      this.socket.retryNow();
      this.view.focus();
    });
    overlay.append(text, detail, button);
    this.overlay = overlay;
    this.overlayText = text;
    this.overlayDetail = detail;
    return overlay;
  }

  showOverlay(text, detail = '') {
    this.overlayText.textContent = text;
    this.overlayDetail.textContent = detail;
    this.overlayDetail.hidden = !detail;
    this.overlay.hidden = false;
  }

  onMessage(msg) {
    if (msg.type === 'title') {
      // The owner (in this browser or another) named the tab or cleared its name.
      this.setNames(msg);
    } else if (msg.type === 'exit') {
      this.exited = { code: msg.code, signal: msg.signal };
      this.noteExit();
    } else if (msg.type === 'locked') {
      // Nothing of the tab follows until the door opens.
      this.locked = true;
      this.door.show(msg.secondFactor);
      this.ctx.onChange(this);
    } else if (msg.type === 'error') {
      if (!this.door.refused(msg)) this.view.note(`error: ${msg.message || msg.code}`);
    }
    // 'resize': the PTY's size changed (this view's wish, or another's): show it.
    if (msg.type === 'resize') this.view.mirrorSize(msg.cols, msg.rows);
    if (msg.type === 'recording') {
      this.setRecording(msg.on, msg.input);
      this.ctx.onChange(this);
    }
    if (msg.type === 'size_lock') {
      this.sizeLocked = msg.locked;
      this.ctx.onChange(this);
    }
    // Locked or unlocked from another page: this view stays, its padlock follows.
    if (msg.type === 'tab_lock') {
      this.locked = msg.locked;
      this.ctx.onChange(this);
    }
    // 'resync': the screen that follows rebuilds it from scratch.
    if (msg.type === 'resync') {
      this.view.reset();
      this.prompts.clear();
      this.rebuilding = true;
    }
    if (msg.type === 'approval') {
      this.held = msg.state !== 'allowed';
      this.view.setReadonly(this.readonly || this.held);
      this.ctx.onApproval?.(msg.state);
    }
    // 'live': the rebuild is complete once xterm has parsed it; input counts again then.
    if (msg.type === 'live') this.view.afterWrites(() => (this.rebuilding = false));
  }

  /** REC while recorded; "REC + keys" when what anyone types is in the recording too. */
  setRecording(on, input = false) {
    this.recording = Boolean(on);
    this.recordingInput = this.recording && Boolean(input);
    this.recMark.hidden = !this.recording;
    this.recMark.textContent = this.recordingInput ? 'REC + keys' : 'REC';
    this.recMark.title = this.recordingInput
      ? 'This terminal is being recorded, what is typed included: do not type secrets here'
      : 'This terminal is being recorded';
  }

  noteExit() {
    if (this.exitNoted) return;
    this.exitNoted = true;
    this.view.note(describeExit(this.exited));
    this.ctx.onChange(this);
  }

  onStatus(status, detail = {}) {
    this.status = status;
    // The door belongs to the socket that said `locked`; the next one asks again.
    if (status !== 'live' && status !== 'connecting') this.door.hide();
    switch (status) {
      case 'live':
        this.failures = 0;
        this.overlay.hidden = true;
        break;
      case 'reconnecting':
        this.showOverlay('Connection lost — reconnecting…');
        this.failures += 1;
        if (this.failures >= 2) this.verify();
        break;
      case 'stopped':
        // After a restart the old login is gone: verify() then leads to the login page.
        this.showOverlay(STOPPED_TEXT[detail.reason] ?? STOPPED_TEXT[ShutdownReason.OWNER], `Trying again every ${Math.round((detail.delayMs ?? STOPPED_RETRY_MS) / 1000)} s.`);
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
      case 'denied':
      case 'kicked':
        // Final for this guest session: no reconnect to offer.
        this.showOverlay(status === 'denied' ? 'The owner did not let you in.' : 'The owner removed you from this terminal.');
        this.overlay.querySelector('button').hidden = true;
        this.ctx.onApproval?.(status);
        break;
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

  /** The label shown in the tab bar: the owner's name wins over the shell's title. */
  get title() {
    return this.name || this.oscTitle || this.serverTitle;
  }

  /** Take the server's word on the names ({title, name}: a PATCH reply or a `title` message). */
  setNames({ title, name }) {
    if (title) this.serverTitle = title;
    this.name = typeof name === 'string' && name ? name : null;
    this.ctx.onChange(this);
  }

  /** Send text typed elsewhere (key bar) as input. */
  sendInput(data) {
    if (this.readonly || this.held || this.view.term.options.disableStdin) return;
    this.socket.sendBytes(new TextEncoder().encode(data));
    this.ctx.onActivity?.();
  }

  show() {
    this.pane.hidden = false;
    const size = this.view.fitNow();
    // Several browsers may watch the same terminal: the one in front sets the size.
    if (size && !this.readonly) {
      this.socket.sendResize(size.cols, size.rows);
      this.socket.sendFocus();
    }
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
