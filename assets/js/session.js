// session.js — the login session in the top bar: time left (refreshed from /auth/session
// every minute), "extend" offered shortly before the absolute limit, "log out" and "log out
// everywhere" (confirmed first). Extend and log out everywhere are sensitive: the prompt
// (reauth.js) asks for the PIN when it was not entered within the last few minutes.

import { api, serverNow } from './api.js';
import { askText, notify } from './dialog.js';
import { cancelled } from './reauth.js';

const REFRESH_MS = 60_000;
const TICK_MS = 15_000;
const EXTEND_WINDOW_MS = 30 * 60_000; // offer "extend" in the last 30 minutes

/** "2h 05m", "14m", "45s" */
export function formatLeft(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export class SessionClock {
  /**
   * @param {{label: HTMLElement, extend: HTMLButtonElement, logout: HTMLButtonElement,
   *          logoutAll: HTMLButtonElement, onEnded: (note: string) => void,
   *          onLoggedOut?: () => void, focusTerminal?: () => void}} ctx  onLoggedOut: by the user
   */
  constructor(ctx) {
    this.ctx = ctx;
    this.info = null;
    this.timers = [];
    ctx.extend.addEventListener('click', () => this.extend());
    ctx.logout.addEventListener('click', () => this.logout());
    ctx.logoutAll.addEventListener('click', () => this.logoutAll());
  }

  /** Start showing `info` ({idle_expires_at, absolute_expires_at, ...}) and refreshing it. */
  start(info) {
    this.stop();
    this.timers.push(setInterval(() => this.refresh(), REFRESH_MS));
    this.timers.push(setInterval(() => this.render(), TICK_MS));
    this.update(info);
  }

  stop() {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    clearTimeout(this.expiryTimer);
  }

  update(info) {
    this.info = { ...this.info, ...info };
    this.render();
  }

  async refresh() {
    try {
      const info = await api.session();
      if (!info.logged_in) {
        this.ctx.onEnded('Your session ended — log in again.');
        return;
      }
      this.update(info);
    } catch {
      /* offline: keep counting down locally */
    }
  }

  /** Keystrokes count as activity server-side: move the local idle estimate along. */
  noteActivity() {
    const info = this.info;
    if (!info || !info.idle_timeout_secs) return;
    const now = serverNow();
    if (now - (this.lastActivity || 0) < 5000) return;
    this.lastActivity = now;
    info.idle_expires_at = now + info.idle_timeout_secs * 1000;
    this.render();
  }

  render() {
    const info = this.info;
    if (!info) return;
    const now = serverNow();
    const idleLeft = Number(info.idle_expires_at) - now;
    const absLeft = Number(info.absolute_expires_at) - now;
    const { label, extend } = this.ctx;
    if (!Number.isFinite(absLeft) && !Number.isFinite(idleLeft)) {
      label.textContent = '';
      return;
    }
    // Normally the absolute limit is what matters; the idle limit only when it is close.
    const idleSoon = Number.isFinite(idleLeft) && idleLeft < 5 * 60_000 && !(absLeft < idleLeft);
    label.textContent = idleSoon ? `idle: ${formatLeft(idleLeft)} left` : `${formatLeft(absLeft)} left`;
    const idleText = Number.isFinite(idleLeft) ? `logged out after ${formatLeft(idleLeft)} without activity` : '';
    const absText = Number.isFinite(absLeft) ? `session ends in ${formatLeft(absLeft)}` : '';
    label.title = [absText, idleText].filter(Boolean).join('; ');
    const left = Math.min(Number.isFinite(idleLeft) ? idleLeft : Infinity, Number.isFinite(absLeft) ? absLeft : Infinity);
    label.classList.toggle('warn', left < 5 * 60_000);
    extend.hidden = !(absLeft < EXTEND_WINDOW_MS);
    // Ask the server right after the nearer limit passes (it may have been pushed back).
    clearTimeout(this.expiryTimer);
    if (this.timers.length && Number.isFinite(left)) {
      this.expiryTimer = setTimeout(() => this.refresh(), Math.min(Math.max(1000, left + 1000), 2 ** 31 - 1));
    }
  }

  async extend() {
    // Sensitive: the prompt (reauth.js) asks for the PIN unless it was entered lately.
    try {
      const info = await api.extend();
      if (info && typeof info === 'object') this.update(info);
    } catch (err) {
      if (!cancelled(err)) notify(`Could not extend the session: ${err.message}`);
    }
    this.ctx.focusTerminal?.();
  }

  async logout() {
    try {
      await api.logout();
    } catch {
      /* the cookie may already be gone; go to the login page anyway */
    }
    this.ctx.onLoggedOut?.();
    this.ctx.onEnded('You are logged out.');
  }

  async logoutAll() {
    // Asked first whatever the window: it ends every login, in every browser.
    const done = await askText({
      title: 'Log out everywhere',
      message: 'This ends every login session, in every browser, and revokes every share link.',
      confirmLabel: 'Log out everywhere',
      danger: true,
      action: () => api.logoutAll(),
    }).catch((err) => {
      if (!cancelled(err)) notify(`Could not log out everywhere: ${err.message}`);
      return null;
    });
    if (done) {
      this.ctx.onLoggedOut?.();
      this.ctx.onEnded('You are logged out everywhere.');
    }
    else this.ctx.focusTerminal?.();
  }
}
