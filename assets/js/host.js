// host.js — the host's figures in the owner's top bar (CPU, memory, the file root's disk,
// load; uptime and the details in its tooltip), from GET /api/status's `host`. Asked every
// few seconds only while the page is visible: a hidden page asks nothing, and showing it
// again asks at once. The server reads them when asked, so this is all they cost.

import { api } from './api.js';

const POLL_MS = 5000;

/** "3.2 GB", "512 MB" (powers of 1024, as free(1) counts them). */
export function formatBytes(n) {
  if (!Number.isFinite(n)) return '?';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n >= 10 || i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

/** "3 d 4 h", "5 h 12 min", "7 min" */
export function formatUptime(secs) {
  if (!Number.isFinite(secs)) return '?';
  const d = Math.floor(secs / 86400);
  const h = Math.floor((secs % 86400) / 3600);
  const m = Math.floor((secs % 3600) / 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  return `${m} min`;
}

const share = (used, total) => (Number.isFinite(used) && total > 0 ? Math.round((used / total) * 100) : null);

/**
 * What the bar says (one short figure each) and the tooltip tells, or null when the server
 * has no figures.
 * @returns {{parts: string[], detail: string}|null}
 */
export function describeHost(host) {
  if (!host || typeof host !== 'object') return null;
  const parts = [];
  const detail = [];
  if (Number.isFinite(host.cpu_percent)) {
    parts.push(`CPU ${Math.round(host.cpu_percent)}%`);
    detail.push(`CPU ${host.cpu_percent.toFixed(1)}% busy${host.cpus ? ` of ${host.cpus}` : ''}`);
  }
  const mem = share(host.memory_total - host.memory_available, host.memory_total);
  if (mem !== null) {
    parts.push(`mem ${mem}%`);
    detail.push(`memory ${formatBytes(host.memory_available)} free of ${formatBytes(host.memory_total)}`);
  }
  const disk = share(host.disk_total - host.disk_available, host.disk_total);
  if (disk !== null) {
    parts.push(`disk ${disk}%`);
    detail.push(`disk ${formatBytes(host.disk_available)} free of ${formatBytes(host.disk_total)} (the file root's)`);
  }
  if (Array.isArray(host.load) && host.load.length === 3) {
    parts.push(`load ${host.load[0].toFixed(2)}`);
    detail.push(`load ${host.load.map((l) => l.toFixed(2)).join(' ')}`);
  }
  if (Number.isFinite(host.uptime_secs)) detail.push(`up ${formatUptime(host.uptime_secs)}`);
  return parts.length ? { parts, detail: detail.join('\n') } : null;
}

export class HostFigures {
  /** @param {HTMLElement} el */
  constructor(el) {
    this.el = el;
    this.timer = null;
    this.running = false;
    // The box as it narrows, and the bar (a box taken out has no size left to observe); room
    // freed by a closed tab shows at the next poll's render.
    const resized = new ResizeObserver(() => this.fit());
    resized.observe(el);
    if (el.parentElement) resized.observe(el.parentElement);
    document.addEventListener('visibilitychange', () => {
      if (this.running) this.schedule(document.visibilityState === 'visible' ? 0 : null);
    });
  }

  start() {
    this.running = true;
    this.schedule(0);
  }

  stop() {
    this.running = false;
    this.schedule(null);
    this.el.hidden = true;
  }

  /** The next poll in `ms`, or none (null, or while the page is hidden). */
  schedule(ms) {
    clearTimeout(this.timer);
    this.timer = null;
    if (ms !== null && document.visibilityState === 'visible') this.timer = setTimeout(() => this.poll(), ms);
  }

  async poll() {
    try {
      const status = await api.status();
      this.render(status?.host);
    } catch {
      // Keep what was shown: the next poll tries again (a 401 ends the workspace anyway).
    }
    if (this.running) this.schedule(POLL_MS);
  }

  render(host) {
    const described = describeHost(host);
    this.el.hidden = !described;
    if (!described) return;
    // One element a figure, so that those the bar has no room for wrap away whole (commands.css).
    const figures = described.parts.map((text, i) => {
      const span = document.createElement('span');
      span.textContent = i ? `· ${text}` : text;
      return span;
    });
    this.el.replaceChildren(...figures);
    this.el.title = described.detail;
    this.fit();
  }

  /** Out of the bar while not even the first figure fits (the bar is full): measured with
   * the box back in, all before the next paint. */
  fit() {
    this.el.classList.remove('cramped');
    const first = this.el.firstElementChild;
    if (this.el.hidden || !first) return;
    this.el.classList.toggle('cramped', first.offsetLeft + first.offsetWidth > this.el.clientWidth);
  }
}
