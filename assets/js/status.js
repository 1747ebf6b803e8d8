// status.js — the "public" badge: polls GET /api/status once a minute and, while termgate is
// exposed through a tunnel (`public_url` set), shows the public URL (copyable) and the time
// left before the exposure or the idle auto-shutdown ends. A 404 (older server) shows nothing.

import { api, ApiError, basePath, serverNow } from './api.js';
import { formatLeft } from './session.js';
import { copyText } from './terminal.js';

const POLL_MS = 60_000;
const TICK_MS = 15_000;

export class PublicBadge {
  /** @param {{badge: HTMLElement, link: HTMLAnchorElement, left: HTMLElement, copy: HTMLButtonElement}} els */
  constructor(els) {
    this.els = els;
    this.status = null;
    this.timers = [];
    els.copy.addEventListener('click', () => {
      // The link as rendered: the public origin with the base path.
      if (this.status?.public_url) copyText(this.els.link.href);
    });
  }

  start() {
    this.stop();
    this.timers.push(setInterval(() => this.poll(), POLL_MS));
    this.timers.push(setInterval(() => this.render(), TICK_MS));
    this.poll();
  }

  stop() {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.status = null;
    this.render();
  }

  async poll() {
    try {
      this.status = await api.status();
    } catch (err) {
      // 404: the server has no status route; anything else: keep the last answer.
      if (err instanceof ApiError && (err.status === 404 || err.status === 403)) this.status = null;
    }
    this.render();
  }

  render() {
    const { badge, link, left } = this.els;
    const s = this.status;
    const url = s && typeof s.public_url === 'string' && /^https?:\/\//.test(s.public_url) ? s.public_url : null;
    badge.hidden = !url;
    if (!url) return;
    // The server reports the public origin; the UI lives under the base path there too.
    const full = url.replace(/\/+$/, '') + basePath();
    link.href = full;
    link.textContent = full.replace(/^https?:\/\//, '').replace(/\/$/, '');
    const now = serverNow();
    const parts = [];
    if (Number.isFinite(s.public_expires_at)) parts.push(`public for ${formatLeft(s.public_expires_at - now)}`);
    if (Number.isFinite(s.idle_shutdown_at)) parts.push(`idle shutdown in ${formatLeft(s.idle_shutdown_at - now)}`);
    left.textContent = parts.join(' · ');
    left.hidden = parts.length === 0;
    badge.title = `Reachable from the internet at ${url}`;
  }
}
