// socket.js — one terminal's WebSocket: binary frames, close-code handling, reconnect.
//
// Input keeps at most INPUT_WINDOW bytes in flight (sent but not yet acknowledged by the
// server's `input_ack`); the rest of a big paste waits here. So a Ctrl-C typed during the
// paste is never stuck behind it in the connection: it drops what is still waiting here
// and goes out at once, and the server applies it ahead of its own queue.
//
// Reconnects with exponential backoff (0.5 s doubling to 10 s, reset once `hello` arrives)
// after network errors and unexpected closes; never after 4000 (shell exited), 4001 (login ended) or 4004 (terminal gone), which are reported
// through `onStatus` for the caller to act on.
//
// A close 1001 whose reason says termgate itself stopped (idle shutdown, or its owner
// stopped it) is not a network blip: it will not be back until someone starts it again.
// The socket then retries every 10 s and keeps reporting that reason (status 'stopped')
// until a `hello` arrives, so the page keeps saying why instead of "reconnecting".
//
// An owner's socket also tells the server whether the page is on screen (`visibility`),
// after `hello` and on every change.

import { socketProtocols } from './proof.js';
import { Close, focusMessage, INPUT_WINDOW, parseServerMessage, resizeMessage, ShutdownReason, socketUrl, unlockMessage, visibilityMessage } from './protocol.js';

const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 10_000;
export const STOPPED_RETRY_MS = 10_000;
const STOP_REASONS = new Set(Object.values(ShutdownReason));
const MAX_FRAME = 64 * 1024;
// Signal keys (Ctrl-C, Ctrl-\, Ctrl-Z) in their default bindings.
const SIGNAL_KEYS = new Set([0x03, 0x1c, 0x1a]);

/**
 * Status values passed to onStatus:
 *   'connecting'     first connection in progress
 *   'live'           hello received, output flowing
 *   'reconnecting'   connection lost, waiting to retry (detail: {delayMs})
 *   'stopped'        termgate stopped (close 1001 with a ShutdownReason); retrying slowly
 *                    (detail: {reason, delayMs}), until hello or another final status
 *   'exited'         shell ended (close 4000); no more reconnects
 *   'not-found'      terminal gone (close 4004)
 *   'session-ended'  login session ended (close 4001)
 *   'denied'         the owner did not let this guest in (close 4003)
 *   'kicked'         the owner removed this guest (close 4005)
 *   'closed'         closed normally (1000) by the server, or by us
 */
export class TermSocket {
  /**
   * @param {string} id terminal id
   * @param {{onHello?: Function, onOutput?: Function, onMessage?: Function,
   *          onStatus?: Function, getSize?: () => ({cols:number, rows:number} | null),
   *          settledSize?: () => (Promise<{cols:number, rows:number} | null> | null),
   *          reportVisibility?: boolean}} handlers  settledSize: the size for the socket's
   *          URL once the layout has settled (null: none, open at once); reportVisibility:
   *          the owner's page
   */
  constructor(id, handlers) {
    this.id = id;
    this.handlers = handlers;
    this.ws = null;
    this.delay = BACKOFF_START_MS;
    this.timer = null;
    this.stopped = false;
    this.status = 'connecting';
    this.stopReason = null; // a ShutdownReason while termgate is known to be stopped
    this.attempts = 0; // connections tried (for the tests: a retry happened)
    this.settling = false; // waiting for the view's layout before opening
    this.resetInput();
    this.onOnline = () => this.retryNow();
    window.addEventListener('online', this.onOnline);
    this.onVisibility = () => this.sendVisibility();
    if (handlers.reportVisibility) document.addEventListener('visibilitychange', this.onVisibility);
  }

  /**
   * Opens the socket, first asking `settledSize` (if given) for the size to put in its URL:
   * the server then draws the screen at that size, and no resize follows it. The view
   * measures itself once its layout has settled (settle.js), which takes a few frames at
   * most; a hidden or read-only view gives none and sends its size when shown.
   */
  connect() {
    if (this.stopped || this.settling) return;
    clearTimeout(this.timer);
    this.timer = null;
    const sizing = this.handlers.settledSize?.() ?? null;
    if (!sizing) {
      this.open(null);
      return;
    }
    this.settling = true;
    const open = (size) => {
      this.settling = false;
      if (!this.stopped && !this.ws) this.open(size);
    };
    sizing.then(open, () => open(null));
  }

  open(size) {
    const ws = new WebSocket(socketUrl(this.id, size), socketProtocols());
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.attempts += 1;
    // Counts start again with every socket, as the server's do.
    this.resetInput();
    ws.onopen = () => {
      if (this.ws !== ws) return;
      // Not in the URL (a tab not shown then), or changed since: wish and take now.
      const now = this.handlers.getSize?.();
      if (now && (now.cols !== size?.cols || now.rows !== size?.rows)) {
        this.sendResize(now.cols, now.rows);
        this.sendFocus();
      }
    };
    ws.onmessage = (event) => {
      if (this.ws !== ws) return;
      if (event.data instanceof ArrayBuffer) {
        this.handlers.onOutput?.(new Uint8Array(event.data));
        return;
      }
      const msg = parseServerMessage(event.data);
      if (!msg) return;
      if (msg.type === 'input_ack') {
        this.acked = Math.max(this.acked, msg.bytes);
        this.pump();
      } else if (msg.type === 'hello') {
        this.delay = BACKOFF_START_MS;
        this.stopReason = null;
        if (this.handlers.reportVisibility) this.sendVisibility();
        this.handlers.onHello?.(msg);
        this.setStatus('live');
      } else {
        this.handlers.onMessage?.(msg);
      }
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.handleClose(event.code, event.reason);
    };
    // onerror is always followed by onclose; nothing to do here.
    ws.onerror = () => {};
  }

  handleClose(code, reason = '') {
    if (this.stopped) return;
    if (code === Close.GOING_AWAY && STOP_REASONS.has(reason)) this.stopReason = reason;
    switch (code) {
      case Close.EXITED:
        this.stop('exited');
        return;
      case Close.NOT_FOUND:
        this.stop('not-found');
        return;
      case Close.SESSION_ENDED:
        this.stop('session-ended');
        return;
      case Close.DENIED:
        this.stop('denied');
        return;
      case Close.KICKED:
        this.stop('kicked');
        return;
      case Close.NORMAL:
        this.stop('closed');
        return;
      default: {
        if (this.stopReason) {
          // Every failed retry until termgate is back (no close frame then) keeps the reason.
          this.setStatus('stopped', { reason: this.stopReason, delayMs: STOPPED_RETRY_MS });
          this.timer = setTimeout(() => this.connect(), STOPPED_RETRY_MS);
          return;
        }
        const delayMs = this.delay;
        this.delay = Math.min(this.delay * 2, BACKOFF_MAX_MS);
        this.setStatus('reconnecting', { delayMs });
        this.timer = setTimeout(() => this.connect(), delayMs);
      }
    }
  }

  /** Skip the remaining backoff (e.g. the browser came back online or the user asked). */
  retryNow() {
    if (this.stopped || this.ws || this.settling) return;
    this.delay = BACKOFF_START_MS;
    this.connect();
  }

  setStatus(status, detail = {}) {
    this.status = status;
    this.handlers.onStatus?.(status, detail);
  }

  stop(status) {
    this.stopped = true;
    clearTimeout(this.timer);
    this.removeListeners();
    this.setStatus(status);
  }

  removeListeners() {
    window.removeEventListener('online', this.onOnline);
    document.removeEventListener('visibilitychange', this.onVisibility);
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  resetInput() {
    this.pending = [];
    this.sent = 0;
    this.acked = 0;
  }

  /**
   * Send raw terminal input bytes (Uint8Array). Dropped while disconnected. A big paste is
   * split into 64 KiB frames (the server refuses frames over 1 MiB) and paced by the input
   * window. A signal key on its own cancels whatever input is still waiting.
   */
  sendBytes(bytes) {
    if (!this.isOpen) return;
    if (bytes.length === 1 && SIGNAL_KEYS.has(bytes[0]) && this.pending.length > 0) {
      this.pending = [];
      this.ws.send(bytes);
      this.sent += 1;
      return;
    }
    for (let i = 0; i < bytes.length; i += MAX_FRAME) this.pending.push(bytes.subarray(i, i + MAX_FRAME));
    this.pump();
  }

  /** Sends waiting input while the window allows (at least one frame when nothing is in flight). */
  pump() {
    while (this.isOpen && this.pending.length > 0) {
      const next = this.pending[0];
      const inFlight = this.sent - this.acked;
      if (inFlight > 0 && inFlight + next.length > INPUT_WINDOW) return;
      this.pending.shift();
      this.ws.send(next);
      this.sent += next.length;
    }
  }

  /** Bytes of input still waiting to be sent (for tests and the UI). */
  get pendingBytes() {
    return this.pending.reduce((n, b) => n + b.length, 0);
  }

  sendResize(cols, rows) {
    if (this.isOpen && cols > 0 && rows > 0) this.ws.send(resizeMessage(cols, rows));
  }

  /** This view is being used: its size applies (the server ignores a guest's). */
  sendFocus() {
    if (this.isOpen) this.ws.send(focusMessage());
  }

  /** A locked tab's door: the owner's factors, on this socket only (tab-door.js). */
  sendUnlock(pin, code) {
    if (this.isOpen) this.ws.send(unlockMessage(pin, code));
  }

  /** Tell the server whether this page is on screen now (a hidden tab is not watching). */
  sendVisibility() {
    if (this.isOpen) this.ws.send(visibilityMessage(document.visibilityState === 'visible'));
  }

  /** Close for good (tab closed, logout); never reconnects. */
  close() {
    const ws = this.ws;
    this.ws = null;
    this.stopped = true;
    clearTimeout(this.timer);
    this.removeListeners();
    if (ws) ws.close(Close.NORMAL);
  }
}
