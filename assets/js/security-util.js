// security-util.js — small helpers the Security dialog's three sections share: dates and
// ages as people read them ("3 Dec, 06:40", "5 min ago", "in 30 days"), the words for an
// API error, a PIN read from a field, and a Copy button that says it copied.

import { ApiError, serverNow } from './api.js';
import { copyText } from './terminal.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * "3 Dec, 06:40" (the year too when it is not this one), in the browser's
 * locale; with `seconds`, "3 Dec, 06:40:12" (the audit log's rows).
 */
export function formatDate(ms, { seconds = false } = {}) {
  const date = new Date(ms);
  const sameYear = date.getFullYear() === new Date(serverNow()).getFullYear();
  return date.toLocaleString(undefined, {
    day: 'numeric',
    month: 'short',
    ...(sameYear ? {} : { year: 'numeric' }),
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
  });
}

/** "just now", "5 min ago", "3 h ago", else the date: how long ago `ms` was. */
export function formatAgo(ms) {
  const past = serverNow() - ms;
  if (past < MINUTE) return 'just now';
  if (past < HOUR) return `${Math.floor(past / MINUTE)} min ago`;
  if (past < DAY) return `${Math.floor(past / HOUR)} h ago`;
  return formatDate(ms);
}

/** "in 12 min", "in 5 h", "in 30 days", or "expired": how far off `ms` is. */
export function formatUntil(ms) {
  const left = ms - serverNow();
  if (left <= 0) return 'expired';
  if (left < HOUR) return `in ${Math.max(1, Math.round(left / MINUTE))} min`;
  if (left < 2 * DAY) return `in ${Math.round(left / HOUR)} h`;
  return `in ${Math.round(left / DAY)} days`;
}

/**
 * Words for a failed request of the dialog. `factors` names what a 401 means there: the
 * server answers one 401 whichever of the PIN and the code was wrong.
 */
export function describeError(err, factors = 'PIN') {
  if (!(err instanceof ApiError)) return 'Something went wrong.';
  if (err.status === 401) return `Wrong ${factors}.`;
  if (err.status === 429) return `Too many attempts, try again in ${err.retryAfter ?? 60} s.`;
  return err.message;
}

/** Wire `button` to copy what `text()` gives, saying "Copied" after; `reset` puts the label back. */
export function copyButton(button, text) {
  const label = button.textContent;
  button.addEventListener('click', async () => {
    await copyText(text());
    button.textContent = 'Copied';
  });
  return { reset: () => (button.textContent = label) };
}

/** A list item of the dialog: a name line, detail lines, and an optional button at its end. */
export function listItem({ name, badge = '', details, button = null }) {
  const li = document.createElement('li');
  li.className = 'sec-item';
  const text = document.createElement('div');
  text.className = 'sec-item-text';
  const title = document.createElement('p');
  title.className = 'sec-item-name';
  title.textContent = name;
  if (badge) {
    const mark = document.createElement('span');
    mark.className = 'sec-badge';
    mark.textContent = badge;
    title.append(' ', mark);
  }
  text.append(title);
  for (const line of details) {
    const p = document.createElement('p');
    p.className = 'sec-item-meta';
    if (typeof line === 'string') p.textContent = line;
    else {
      p.textContent = line.text;
      if (line.title) p.title = line.title;
    }
    text.append(p);
  }
  li.append(text);
  if (button) li.append(button);
  return li;
}

/** A small danger button for a list row, named in full for screen readers. */
export function rowButton(label, fullName, data) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'danger';
  button.textContent = label;
  button.setAttribute('aria-label', fullName);
  Object.assign(button.dataset, data);
  return button;
}
