// share.js — the owner's Share dialog: mint a temporary link (scope, lifetime, uses, bound
// to the active tab or not; an interactive one is sensitive: the prompt, reauth.js, asks for
// the PIN when it was not entered lately), show it once with a Copy button and
// its QR code drawn on a <canvas> (CSP-safe: no image URL, no inline style), and list the
// active links with a Revoke button each (refreshed while the dialog is open). The link
// says which origin it is for: termgate's public one, or one only this computer reaches.

import { api, ApiError, serverNow } from './api.js';
import { cancelled } from './reauth.js';
import { copyText } from './terminal.js';

const LIST_REFRESH_MS = 3000;
const QUIET_ZONE = 4; // modules of white around the code, as the QR standard asks

const $ = (id) => document.getElementById(id);

/**
 * Draw a QR matrix (`modules`: N strings of N '0'/'1' characters, '1' = dark) on `canvas`
 * with a quiet zone, `scale` device pixels per module. Returns false for a bad matrix.
 */
export function drawQr(canvas, qr, scale = 6) {
  const size = Number(qr?.size);
  const rows = qr?.modules;
  if (!Number.isInteger(size) || size <= 0 || !Array.isArray(rows) || rows.length !== size) return false;
  const full = (size + 2 * QUIET_ZONE) * scale;
  canvas.width = full;
  canvas.height = full;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, full, full);
  ctx.fillStyle = '#000000';
  for (let y = 0; y < size; y++) {
    const row = String(rows[y]);
    for (let x = 0; x < size; x++) {
      if (row[x] === '1') ctx.fillRect((x + QUIET_ZONE) * scale, (y + QUIET_ZONE) * scale, scale, scale);
    }
  }
  return true;
}

/**
 * Which origin a link is for, in words: the server says (`origin`, `public`) since the
 * owner may be on http://127.0.0.1 while the link is for the public tunnel. A loopback
 * origin works on this computer only, which is worth saying before someone sends it.
 */
export function describeOrigin(link) {
  let origin = typeof link?.origin === 'string' ? link.origin : '';
  if (!origin) {
    try {
      origin = new URL(link.url).origin;
    } catch {
      return '';
    }
  }
  if (link.public === true) return `For ${origin} (public)`;
  let host = '';
  try {
    host = new URL(origin).hostname;
  } catch {
    /* not a URL: say it as it is */
  }
  const loopback = host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\./.test(host);
  return loopback ? `For ${origin} — works on this computer only` : `For ${origin}`;
}

/** "12:34" (minutes:seconds), or "1:02:03" past an hour. */
export function formatClock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export class ShareDialog {
  /**
   * @param {{activeTab: () => ({id: string, title: string}|null), tabTitle: (id: string) => string|null,
   *          focusTerminal: () => void}} ctx
   */
  constructor(ctx) {
    this.ctx = ctx;
    this.dialog = $('share-dialog');
    this.form = $('share-form');
    this.error = $('share-error');
    this.uses = $('share-uses');
    this.bind = $('share-bind');
    this.result = $('share-result');
    this.url = $('share-url');
    this.list = $('share-list');
    this.timer = null;
    this.shares = [];

    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.create();
    });
    $('share-close').addEventListener('click', () => this.close());
    this.dialog.addEventListener('close', () => this.onClosed());
    $('share-copy').addEventListener('click', async () => {
      await copyText(this.url.value);
      $('share-copy').textContent = 'Copied';
    });
    this.list.addEventListener('click', (ev) => {
      const button = ev.target instanceof Element ? ev.target.closest('button[data-revoke]') : null;
      if (button) this.revoke(button.dataset.revoke, button);
    });
  }

  get scope() {
    return this.form.elements.namedItem('scope').value;
  }

  open() {
    const tab = this.ctx.activeTab();
    this.bind.disabled = !tab;
    this.bind.checked = Boolean(tab);
    $('share-bind-label').textContent = tab ? `only this tab (${tab.title})` : 'only this tab';
    this.error.textContent = '';
    this.result.hidden = true;
    this.dialog.showModal();
    this.form.querySelector('input[name="scope"]:checked').focus();
    this.refresh();
    clearInterval(this.timer);
    this.timer = setInterval(() => this.refresh(), LIST_REFRESH_MS);
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  onClosed() {
    clearInterval(this.timer);
    this.timer = null;
    this.url.value = ''; // the link is shown once; it is not kept around
    $('share-origin').textContent = '';
    this.result.hidden = true;
    this.ctx.focusTerminal();
  }

  async create() {
    const uses = Number.parseInt(this.uses.value, 10);
    if (!Number.isInteger(uses) || uses < 1 || uses > 100) {
      this.error.textContent = 'Uses must be a number from 1 to 100.';
      this.uses.focus();
      return;
    }
    const spec = {
      scope: this.scope,
      ttl_secs: Number($('share-ttl').value),
      uses,
      terminal: this.bind.checked ? this.ctx.activeTab()?.id ?? null : null,
    };
    const button = $('share-create');
    button.disabled = true;
    this.error.textContent = '';
    try {
      const link = await api.mintShare(spec);
      this.url.value = link.url;
      $('share-origin').textContent = describeOrigin(link);
      $('share-copy').textContent = 'Copy';
      this.result.hidden = false;
      if (!drawQr($('share-qr'), link.qr)) $('share-qr').hidden = true;
      else $('share-qr').hidden = false;
      this.url.focus();
      this.url.select();
      this.refresh();
    } catch (err) {
      if (!cancelled(err)) this.error.textContent = describeMintError(err);
    } finally {
      button.disabled = false;
    }
  }

  async refresh() {
    try {
      const { shares } = await api.listShares();
      this.shares = Array.isArray(shares) ? shares : [];
    } catch {
      return; // keep the last list; the next tick retries
    }
    this.render();
  }

  render() {
    const now = serverNow();
    const live = this.shares.filter((s) => Number(s.expires_at) > now);
    $('share-none').hidden = live.length > 0;
    $('share-table').hidden = live.length === 0;
    const rows = live.map((s) => {
      const tr = document.createElement('tr');
      const tab = s.terminal ? this.ctx.tabTitle(s.terminal) || s.terminal : 'all tabs';
      const cells = [
        s.scope === 'interactive' ? 'interactive' : 'read-only',
        tab,
        formatClock(Number(s.expires_at) - now),
        String(s.uses_left),
        String(s.guests),
      ];
      for (const text of cells) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      const td = document.createElement('td');
      const revoke = document.createElement('button');
      revoke.type = 'button';
      revoke.className = 'danger';
      revoke.textContent = 'Revoke';
      revoke.dataset.revoke = s.id;
      revoke.setAttribute('aria-label', `Revoke the ${cells[0]} link for ${tab}`);
      td.append(revoke);
      tr.append(td);
      tr.dataset.share = s.id;
      return tr;
    });
    // Keep the focus on the list when a Revoke button is replaced by the refresh.
    const focused = document.activeElement?.dataset?.revoke;
    this.list.replaceChildren(...rows);
    if (focused) this.list.querySelector(`button[data-revoke="${CSS.escape(focused)}"]`)?.focus();
  }

  async revoke(id, button) {
    button.disabled = true;
    try {
      await api.revokeShare(id);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) {
        this.error.textContent = `Could not revoke: ${err.message}`;
        button.disabled = false;
        return;
      }
    }
    this.shares = this.shares.filter((s) => s.id !== id);
    this.render();
    (this.list.querySelector('button[data-revoke]') || $('share-close')).focus();
  }
}

function describeMintError(err) {
  if (!(err instanceof ApiError)) return 'Could not create the link.';
  if (err.status === 401) return 'Wrong PIN.';
  if (err.code === 'too_many_shares') return 'At most 4 links can be active at once: revoke one first.';
  if (err.status === 429) return `Too many attempts, try again in ${err.retryAfter ?? 60} s.`;
  return err.message;
}
