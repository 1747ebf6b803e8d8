// socket.js — one terminal's WebSocket: binary frames, close-code handling, reconnect.
//
// Reconnects with exponential backoff (0.5 s doubling to 10 s, reset once `hello` arrives)
// after network errors and unexpected closes; never after 4000 (shell exited), 4001 (login ended) or 4004 (terminal gone), which are reported
// through `onStatus` for the caller to act on.

import { Close, parseServerMessage, resizeMessage, socketUrl } from './protocol.js';

const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 10_000;
const MAX_FRAME = 64 * 1024;

/**
 * Status values passed to onStatus:
 *   'connecting'     first connection in progress
 *   'live'           hello received, output flowing
 *   'reconnecting'   waiting to retry (detail: {delayMs})
 *   'exited'         shell ended (close 4000); no more reconnects
 *   'not-found'      terminal gone (close 4004)
 *   'session-ended'  login session ended (close 4001)
 *   'closed'         closed normally (1000) by the server, or by us
 */
export class TermSocket {
  /**
   * @param {string} id terminal id
   * @param {{onHello?: Function, onOutput?: Function, onMessage?: Function,
   *          onStatus?: Function, getSize?: () => {cols:number, rows:number}}} handlers
   */
  constructor(id, handlers) {
    this.id = id;
    this.handlers = handlers;
    this.ws = null;
    this.delay = BACKOFF_START_MS;
    this.timer = null;
    this.stopped = false;
    this.status = 'connecting';
    this.onOnline = () => this.retryNow();
    window.addEventListener('online', this.onOnline);
  }

  connect() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = null;
    const ws = new WebSocket(socketUrl(this.id));
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      const size = this.handlers.getSize?.();
      if (size) this.sendResize(size.cols, size.rows);
    };
    ws.onmessage = (event) => {
      if (this.ws !== ws) return;
      if (event.data instanceof ArrayBuffer) {
        this.handlers.onOutput?.(new Uint8Array(event.data));
        return;
      }
      const msg = parseServerMessage(event.data);
      if (!msg) return;
      if (msg.type === 'hello') {
        this.delay = BACKOFF_START_MS;
        this.handlers.onHello?.(msg);
        this.setStatus('live');
      } else {
        this.handlers.onMessage?.(msg);
      }
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.handleClose(event.code);
    };
    // onerror is always followed by onclose; nothing to do here.
    ws.onerror = () => {};
  }

  handleClose(code) {
    if (this.stopped) return;
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
      case Close.NORMAL:
        this.stop('closed');
        return;
      default: {
        const delayMs = this.delay;
        this.delay = Math.min(this.delay * 2, BACKOFF_MAX_MS);
        this.setStatus('reconnecting', { delayMs });
        this.timer = setTimeout(() => this.connect(), delayMs);
      }
    }
  }

  /** Skip the remaining backoff (e.g. the browser came back online or the user asked). */
  retryNow() {
    if (this.stopped || this.ws) return;
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
    window.removeEventListener('online', this.onOnline);
    this.setStatus(status);
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Send raw terminal input bytes (Uint8Array). Dropped while disconnected. A big paste is
   * split into 64 KiB frames (the server refuses frames over 1 MiB).
   */
  sendBytes(bytes) {
    if (!this.isOpen) return;
    for (let i = 0; i < bytes.length; i += MAX_FRAME) this.ws.send(bytes.subarray(i, i + MAX_FRAME));
  }

  sendResize(cols, rows) {
    if (this.isOpen && cols > 0 && rows > 0) this.ws.send(resizeMessage(cols, rows));
  }

  /** Close for good (tab closed, logout); never reconnects. */
  close() {
    const ws = this.ws;
    this.ws = null;
    this.stopped = true;
    clearTimeout(this.timer);
    window.removeEventListener('online', this.onOnline);
    if (ws) ws.close(Close.NORMAL);
  }
}
