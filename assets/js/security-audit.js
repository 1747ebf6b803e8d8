// security-audit.js — the Security dialog's "Audit" tab: the security audit log
// (GET /api/audit), newest first, read-only. A select narrows it to one kind of event (the
// kinds the server writes, grouped as a person looks for them), Newer / Older page through
// it, and each row says in words what happened: when (local time, to the second — the log's
// point is the order of things), what, from which address, and its details. Pages are
// counted from the newest event (the server's offset): an event written while one reads
// shifts the next page by a row, so a row may show twice, never go missing — the safer
// way round for an audit.

import { request } from './api.js';
import { describeError, formatDate } from './security-util.js';

const $ = (id) => document.getElementById(id);

/** Rows per page: a phone screen or two. The browser test counts them. */
export const PAGE_SIZE = 20;

/** "tab_unlock" -> "tab unlock": a machine word as words, for what has no phrase below. */
const words = (text) => String(text).replaceAll('_', ' ');
const plural = (n, one, many = `${one}s`) => `${n} ${Number(n) === 1 ? one : many}`;

/** What a PIN (or code) was asked for, by the `purpose` the server names. */
const PURPOSES = {
  totp_enroll: 'turning two-step login on',
  totp_disable: 'turning two-step login off',
  backup_codes: 'new backup codes',
  api_token: 'a new API token',
  revoke_others: 'signing out the other sessions',
  logout_all: 'logging out everywhere',
  extend: 'extending the session',
  tab_lock: 'locking or unlocking a tab',
  tab_unlock: 'unlocking a tab',
  tab_door: "a locked tab's door",
  revoke_session: 'signing a session out',
  share: 'an interactive share link',
  share_interactive: 'an interactive share link',
};
const purpose = (e) => `for ${PURPOSES[e.purpose] ?? words(e.purpose ?? 'a check')}`;

const LOGIN_REASONS = {
  wrong_pin: 'wrong PIN',
  wrong_token: 'wrong token',
  wrong_token_and_pin: 'wrong token and PIN',
  code: 'wrong or missing code',
};

const LINK_REFUSALS = {
  malformed: 'not a link termgate made',
  bad_signature: 'tampered with',
  expired: 'expired',
  unknown_or_revoked: 'unknown or revoked',
  used_up: 'used up',
};

const tab = (id) => (id ? `tab ${id}` : 'any tab');
/** The owner's answer to a guest: `source` is the owner's address, `guest_source` the guest's. */
const guest = (e) => `guest at ${e.guest_source ?? 'an unknown address'}, ${tab(e.terminal)}, link ${e.share}`;
const size = (bytes) => (bytes >= 1024 * 1024 ? `${(bytes / 1048576).toFixed(1)} MiB` : bytes >= 1024 ? `${Math.round(bytes / 1024)} KiB` : plural(bytes, 'byte'));

/**
 * Every event the server writes (src/audit/events.rs, EVENTS: a unit test keeps the two the same), in groups for the filter:
 * [event, what it is in words, its details in words (or none)]. An event not listed here
 * still shows, under its own name, with its fields as "name value".
 */
const GROUPS = [
  ['Logins and sessions', [
    ['login_ok', 'Logged in'],
    ['login_failed', 'Login refused', (e) => LOGIN_REASONS[e.reason] ?? words(e.reason)],
    ['lockout', 'Locked out', (e) => `too many wrong ${e.budget === 'pin' ? 'PINs' : 'logins'}: refused for ${e.secs} s`],
    ['pin_failed', 'Wrong PIN', purpose],
    ['reauth_ok', 'PIN entered again', purpose],
    ['logout', 'Logged out'],
    ['logout_all', 'Logged out everywhere', (e) => `${plural(e.sessions, 'session')} ended, ${plural(e.links, 'link')} revoked`],
    ['extend', 'Session extended'],
    ['session_revoked', 'Session signed out', (e) => `session ${e.session}`],
    ['sessions_revoked', 'Other sessions signed out', (e) => `${plural(e.sessions, 'session')} ended`],
    ['login_link_shown', 'Login link shown', (e) => (e.public ? 'for the public address' : 'for this address')],
    ['unlocked', 'Lockouts cleared', (e) => `${plural(e.lockouts, 'lockout')} cleared by ${e.by}`],
  ]],
  ['Two-step login', [
    ['totp_enabled', 'Two-step login turned on'],
    ['totp_disabled', 'Two-step login turned off'],
    ['totp_code_failed', 'Wrong code', purpose],
    ['backup_code_used', 'Backup code used', (e) => `${plural(e.left, 'backup code')} left`],
    ['backup_codes_regenerated', 'New backup codes made'],
  ]],
  ['API tokens', [
    ['api_token_created', 'API token created', (e) => `“${e.name}” (${(e.scopes ?? []).join(', ')}), ${e.expires_at ? `expires ${formatDate(e.expires_at * 1000)}` : 'never expires'}`],
    ['api_token_revoked', 'API token revoked', (e) => `“${e.name}”`],
    ['api_token_used', 'API token used', (e) => `“${e.name}”, ${plural(e.uses, 'request')}${e.allowed === false ? ', refused: outside its scopes' : ''}`],
    ['api_token_failed', 'Unknown API token'],
  ]],
  ['Share links and guests', [
    ['share_minted', 'Share link made', (e) => [e.scope, tab(e.terminal), e.ttl_secs && `for ${Math.round(e.ttl_secs / 60)} min`, e.uses && plural(e.uses, 'use'), e.passes_lock && 'past the tab’s lock', `link ${e.share}`].filter(Boolean).join(', ')],
    ['share_redeemed', 'Share link opened', (e) => `link ${e.share}, ${plural(e.uses_left, 'use')} left`],
    ['share_refused', 'Share link refused', (e) => `${LINK_REFUSALS[e.reason] ?? words(e.reason)} (link ${e.link})`],
    ['share_revoked', 'Share link revoked', (e) => `link ${e.share}, ${plural(e.guest_sessions, 'guest session')} ended`],
    ['guest_waiting', 'Guest asks to type', (e) => `${tab(e.terminal)}, link ${e.share}`],
    ['guest_allowed', 'Guest allowed to type', guest],
    ['guest_read_only', 'Guest made read-only', guest],
    ['guest_denied', 'Guest denied', guest],
    ['guest_kicked', 'Guest sent away', guest],
  ]],
  ['Tabs and recordings', [
    ['tab_locked', 'Tab locked', (e) => tab(e.terminal)],
    ['tab_unlocked', 'Tab unlocked', (e) => tab(e.terminal)],
    ['recording_started', 'Recording started', (e) => `${tab(e.terminal)}${e.by === 'record_all' ? ', every tab is recorded' : ''}`],
    ['recording_stopped', 'Recording stopped', (e) => `${tab(e.terminal)}: ${words(e.reason)}`],
    ['recording_deleted', 'Recording deleted', (e) => `${e.recording}${e.reason === 'limits' ? ', over the recordings’ limits' : ''}`],
  ]],
  ['Files', [
    ['file_write', 'File saved', (e) => `${e.path} (${size(e.size)})`],
    ['file_upload', 'File uploaded', (e) => `${e.path} (${size(e.size)})`],
    ['file_mkdir', 'Folder made', (e) => e.path],
    ['file_move', 'Moved', (e) => `${e.from} → ${e.to}`],
    ['file_delete', 'Deleted', (e) => `${e.path}${e.recursive ? ', with everything in it' : ''}`],
  ]],
  ['Public address', [
    ['tunnel_connected', 'Public address up', (e) => e.url],
    ['tunnel_unconfirmed', 'Public address unconfirmed', (e) => `${e.url}, not reachable after ${Math.round(e.waited_ms / 1000)} s`],
    ['tunnel_stopped', 'Public address stopped', (e) => words(e.reason)],
    ['audit_dropped', 'Audit lines lost', (e) => `${plural(e.count, 'line')} the disk could not take`],
  ]],
];

const EVENTS = new Map(GROUPS.flatMap(([, events]) => events.map(([name, label, details]) => [name, { label, details }])));

/** An unknown event's fields as "name value, …", never as JSON. */
function fieldsInWords(entry) {
  return Object.entries(entry)
    .filter(([key]) => !['ts', 'event', 'source'].includes(key))
    .map(([key, value]) => `${words(key)} ${Array.isArray(value) ? value.join(', ') : value && typeof value === 'object' ? Object.values(value).join(', ') : value}`)
    .join(', ');
}

/** What `entry` says, in words: [what, details]. */
export function describeEntry(entry) {
  const known = EVENTS.get(entry.event);
  if (!known) return [words(entry.event ?? 'event'), fieldsInWords(entry)];
  return [known.label, known.details ? known.details(entry) : ''];
}

export class AuditSection {
  constructor() {
    this.list = $('audit-list');
    this.filter = $('audit-event');
    this.none = $('audit-none');
    this.status = $('audit-status');
    this.error = $('audit-error');
    this.newer = $('audit-newer');
    this.older = $('audit-older');
    this.offset = 0;
    this.generation = 0; // bumped by forget() and by each load: only the last answer is shown

    for (const [group, events] of GROUPS) {
      const optgroup = document.createElement('optgroup');
      optgroup.label = group;
      for (const [name, label] of events) optgroup.append(new Option(label, name));
      this.filter.append(optgroup);
    }
    this.filter.addEventListener('change', () => {
      this.offset = 0;
      this.load();
    });
    this.newer.addEventListener('click', () => this.turn(-PAGE_SIZE, this.newer));
    this.older.addEventListener('click', () => this.turn(PAGE_SIZE, this.older));
  }

  /** A page `by` rows on; the focus stays on the pressed button, or moves to the other when it goes. */
  async turn(by, button) {
    this.offset = Math.max(0, this.offset + by);
    await this.load();
    if (button.disabled) (button === this.older ? this.newer : this.older).focus();
  }

  async load() {
    const generation = ++this.generation;
    const query = new URLSearchParams({ offset: String(this.offset), limit: String(PAGE_SIZE) });
    if (this.filter.value) query.set('event', this.filter.value);
    try {
      const page = await request('GET', `/api/audit?${query}`);
      if (generation !== this.generation) return;
      this.error.textContent = '';
      this.render(Array.isArray(page.entries) ? page.entries : [], Boolean(page.more));
    } catch (err) {
      if (generation === this.generation) this.error.textContent = `Could not read the audit log: ${describeError(err)}`;
    }
  }

  render(entries, more) {
    this.list.replaceChildren(...entries.map((entry) => row(entry)));
    this.none.hidden = entries.length > 0;
    this.newer.disabled = this.offset === 0;
    this.older.disabled = !more;
    const kind = this.filter.value ? ` of “${this.filter.selectedOptions[0].textContent}”` : '';
    this.status.textContent = entries.length
      ? `Events ${this.offset + 1}–${this.offset + entries.length}${kind}, newest first${more || !this.offset ? '' : ' (the oldest kept)'}.`
      : '';
  }

  forget() {
    this.generation += 1;
    this.offset = 0;
    this.filter.value = '';
    this.list.replaceChildren();
    this.status.textContent = '';
    this.error.textContent = '';
  }
}

/** One entry as a list row: what happened, when and from where, then its details. */
function row(entry) {
  const [what, details] = describeEntry(entry);
  const li = document.createElement('li');
  li.className = 'sec-item audit-item';
  li.dataset.event = String(entry.event ?? '');
  const text = document.createElement('div');
  text.className = 'sec-item-text';
  const name = document.createElement('p');
  name.className = 'sec-item-name';
  name.textContent = what;
  const meta = document.createElement('p');
  meta.className = 'sec-item-meta';
  const time = document.createElement('time');
  const ts = Number(entry.ts);
  if (Number.isFinite(ts)) {
    time.dateTime = new Date(ts).toISOString();
    time.textContent = formatDate(ts, { seconds: true });
  } else time.textContent = 'unknown time';
  // `share_minted` by `termgate --share` names its source "command line", not an address.
  const source = entry.source === 'command line' ? ' · on the command line' : entry.source ? ` · from ${entry.source}` : '';
  meta.append(time, source);
  text.append(name, meta);
  if (details) {
    const more = document.createElement('p');
    more.className = 'sec-item-meta';
    more.textContent = details;
    text.append(more);
  }
  li.append(text);
  return li;
}
