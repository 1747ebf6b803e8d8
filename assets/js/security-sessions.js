// security-sessions.js — the Security dialog's "Sessions" tab: every login session and guest
// session the server holds (device from its user agent, address, owner or guest with its
// scope, started, last active; this device marked), "Sign out" on each row but this
// device's (its sockets close within a second, and that page goes back to its login), and
// "Sign out all other sessions", confirmed in a small form (share links stay: the Share dialog
// revokes them). Both are sensitive: the prompt (reauth.js) asks for the PIN when due.

import { api, ApiError } from './api.js';
import { cancelled } from './reauth.js';
import { describeError, formatAgo, formatDate, listItem, rowButton } from './security-util.js';

const $ = (id) => document.getElementById(id);

/** "you (owner)" or "guest, read-only link": whose session it is and what it may do. */
function describeKind(s) {
  if (s.kind !== 'guest') return 'you (owner)';
  return `guest, ${s.scope === 'interactive' ? 'interactive' : 'read-only'} link`;
}

export class SessionsSection {
  constructor() {
    this.list = $('session-list');
    this.status = $('sessions-status');
    this.error = $('sessions-error');
    this.actions = $('sessions-actions');
    this.others = $('sessions-others');
    this.form = $('sessions-form');
    this.formError = $('sessions-form-error');
    this.confirm = $('sessions-confirm');
    this.generation = 0; // bumped by forget(): a reply for a closed dialog is dropped

    this.others.addEventListener('click', () => this.startOthers());
    $('sessions-cancel').addEventListener('click', () => this.endForm());
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.endOthers();
    });
    this.list.addEventListener('click', (ev) => {
      const button = ev.target instanceof Element ? ev.target.closest('button[data-end]') : null;
      if (button) this.end(button.dataset.end, button.dataset.device, button);
    });
  }

  async load() {
    const generation = this.generation;
    try {
      const { sessions } = await api.listSessions();
      if (generation !== this.generation) return;
      this.error.textContent = '';
      this.render(Array.isArray(sessions) ? sessions : []);
    } catch (err) {
      if (generation === this.generation) this.error.textContent = `Could not list the sessions: ${describeError(err)}`;
    }
  }

  render(sessions) {
    // Keep the focus on the list when a Sign out button is replaced by the new rows.
    const focused = document.activeElement?.dataset?.end;
    this.list.replaceChildren(
      ...sessions.map((s) => {
        const device = s.device || 'an unknown device';
        const item = listItem({
          name: device,
          badge: s.this_device ? 'This device' : '',
          details: [
            `${s.source || 'unknown address'} · ${describeKind(s)}`,
            { text: `started ${formatDate(s.started_at)} · active ${formatAgo(s.last_active_at)}`, title: `last active ${formatDate(s.last_active_at)}` },
          ],
          // This device's own session ends with "Log out" in the account menu.
          button: s.this_device ? null : rowButton('Sign out', `Sign out ${device} at ${s.source || 'an unknown address'}`, { end: s.id, device }),
        });
        item.dataset.session = s.id;
        if (s.this_device) item.classList.add('this-device');
        return item;
      }),
    );
    if (focused) this.list.querySelector(`button[data-end="${CSS.escape(focused)}"]`)?.focus();
  }

  async end(id, device, button) {
    button.disabled = true;
    this.error.textContent = '';
    this.status.textContent = '';
    try {
      await api.endSession(id);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) {
        if (!cancelled(err)) this.error.textContent = `Could not sign out ${device}: ${describeError(err)}`;
        button.disabled = false;
        return;
      }
    }
    this.status.textContent = `Signed out ${device}.`;
    await this.load();
    (this.list.querySelector('button[data-end]') || this.others).focus();
  }

  startOthers() {
    this.status.textContent = '';
    this.formError.textContent = '';
    this.actions.hidden = true;
    this.form.hidden = false;
    this.confirm.focus();
  }

  endForm({ focus = true } = {}) {
    this.form.hidden = true;
    this.actions.hidden = false;
    if (focus) this.others.focus();
  }

  async endOthers() {
    if (this.confirm.disabled) return;
    const generation = this.generation;
    this.confirm.disabled = true;
    this.formError.textContent = '';
    try {
      const { ended } = await api.endOtherSessions();
      if (generation !== this.generation) return;
      this.endForm();
      const n = Number(ended) || 0;
      this.status.textContent = n ? `Signed out ${n} other session${n === 1 ? '' : 's'}.` : 'No other session was signed in.';
      await this.load();
    } catch (err) {
      if (generation !== this.generation) return;
      if (!cancelled(err)) this.formError.textContent = describeError(err);
      this.confirm.focus();
    } finally {
      this.confirm.disabled = false;
    }
  }

  forget() {
    this.generation += 1;
    this.endForm({ focus: false });
    this.confirm.disabled = false;
    this.status.textContent = '';
    this.error.textContent = '';
    this.formError.textContent = '';
  }
}
