// api.js — fetch wrapper for the termgate JSON API.
// Sends/receives JSON with the same-origin session cookie, turns error bodies
// `{code, message}` into ApiError, and sends the app back to the login page on a 401
// (unless the caller expects 401 as an answer, e.g. a wrong PIN). `api` lists every endpoint
// the UI calls: login/session, terminals, share links, the phone login link, the Security
// dialog's routes (second factor, API tokens, sessions), the files API, the status route and
// recordings. Paths are written from the base (`/api/terminals`) and resolved by
// `appUrl` against `document.baseURI`: the server's `<base href>` in index.html is the --base-path.
// Every request carries the session's proof beside the cookie (proof.js); logging in or
// redeeming a link keeps the proof it answers, logging out forgets it. A sensitive route
// answering 401 `reauth_required` (no PIN within the last 5 minutes) is handed to the
// re-authentication prompt (reauth.js), which retries the call once with the PIN (and code).

import { forgetProof, keepProof, proofHeaders } from './proof.js';

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status (0 for a network failure)
   * @param {string} code machine-readable code from the server, e.g. "unauthorized"
   * @param {string} message human-readable message
   * @param {number|null} retryAfter seconds from the Retry-After header, if any
   */
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/**
 * Absolute URL of `path` under the base path: `/api/x` -> `https://host/term/api/x`.
 * @param {string} path written from the base, with or without its leading slash
 */
export function appUrl(path) {
  return new URL(path.replace(/^\/+/, ''), document.baseURI).href;
}

/** The base path itself, e.g. `/term/` (`/` at the root). */
export function basePath() {
  return new URL(document.baseURI).pathname;
}

let unauthorizedHandler = () => {};
let reauthHandler = null;
let clockSkewMs = 0;

/** Called with no arguments when any request (not opted out) gets a 401. */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/**
 * Called with `{secondFactor, retry}` when a sensitive route asks for the factors again;
 * `retry(pin, code)` repeats the request with them. What it resolves with (or throws) is
 * the request's answer.
 */
export function onReauth(handler) {
  reauthHandler = handler;
}

/** Server clock minus local clock, in ms, estimated from the last response's Date header. */
export function serverNow() {
  return Date.now() + clockSkewMs;
}

function noteDate(response) {
  const date = Date.parse(response.headers.get('Date') || '');
  // The header has 1 s resolution: only correct for skews larger than that.
  if (Number.isFinite(date)) {
    const skew = date - Date.now();
    clockSkewMs = Math.abs(skew) > 2000 ? skew : 0;
  }
}

/**
 * Perform one API request.
 * @param {string} method
 * @param {string} path
 * @param {object} [body] JSON body
 * @param {{expect401?: boolean, raw?: string|Blob, headers?: Record<string,string>}} [opts]
 *   expect401: a 401 is an answer (wrong PIN), not a logout; raw: a non-JSON body sent as is;
 *   reauthed: the retry after the prompt (it is not prompted again)
 * @returns {Promise<any>} parsed JSON, or null for an empty body (204)
 */
export async function request(method, path, body, opts = {}) {
  const init = {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { Accept: 'application/json', ...proofHeaders(), ...(opts.headers || {}) },
  };
  if (opts.raw !== undefined) {
    init.body = opts.raw;
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(appUrl(path), init);
  } catch (err) {
    throw new ApiError(0, 'network', 'Cannot reach the termgate server.');
  }
  noteDate(response);
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (response.ok) return data;

  const code = (data && typeof data.code === 'string' && data.code) || `http_${response.status}`;
  const message = (data && typeof data.message === 'string' && data.message) || response.statusText || 'Request failed';
  const retryHeader = Number.parseInt(response.headers.get('Retry-After') || '', 10);
  const err = new ApiError(response.status, code, message, Number.isFinite(retryHeader) ? retryHeader : null);
  err.body = data;
  if (code === 'reauth_required') {
    // Not a logout: the session is fine, the owner is asked to confirm it is them.
    if (!reauthHandler || opts.reauthed || opts.raw !== undefined) throw err;
    const retry = (pin, secondCode) => {
      const factors = secondCode ? { pin, code: secondCode } : { pin };
      return request(method, path, { ...(body || {}), ...factors }, { ...opts, expect401: true, reauthed: true });
    };
    return reauthHandler({ secondFactor: data?.second_factor === true, retry });
  }
  if (response.status === 401 && !opts.expect401) unauthorizedHandler();
  throw err;
}

const q = (path) => encodeURIComponent(path);

/** The file name of a `Content-Disposition` answer: the UTF-8 `filename*` if any, else `filename`. */
export function dispositionName(header) {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header || '');
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall back to the plain name */
    }
  }
  const plain = /filename="([^"]*)"/i.exec(header || '');
  return plain ? plain[1] : 'download';
}

async function fetchText(url) {
  const response = await fetchOk(url);
  return response.text();
}

/** GET `url` with the proof; an error answer becomes an ApiError. */
async function fetchOk(url) {
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: proofHeaders() });
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the termgate server.');
  }
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    if (response.status === 401) unauthorizedHandler();
    throw new ApiError(response.status, data?.code || `http_${response.status}`, data?.message || 'Download failed');
  }
  return response;
}

async function saveDownload(url) {
  const response = await fetchOk(url);
  const blob = await response.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = dispositionName(response.headers.get('Content-Disposition'));
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The click has handed the blob to the download by now; free it soon after.
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}

export const api = {
  session: () => request('GET', '/auth/session'),
  /** `code`: the second factor's code, sent only when the form asks for one. */
  login: async (token, pin, code) => {
    const body = code ? { token, pin, code } : { token, pin };
    const info = await request('POST', '/auth/login', body, { expect401: true });
    keepProof(info?.proof);
    return info;
  },
  logout: async () => {
    try {
      return await request('POST', '/auth/logout', undefined, { expect401: true });
    } finally {
      forgetProof();
    }
  },
  // Sensitive routes (the PIN within 5 minutes): the prompt asks when the server says so.
  logoutAll: () => request('POST', '/auth/logout-all', {}),
  extend: () => request('POST', '/auth/extend', {}),
  listTerminals: () => request('GET', '/api/terminals'),
  createTerminal: (cols, rows, cwd) => request('POST', '/api/terminals', { ...(cols && rows ? { cols, rows } : {}), ...(cwd !== undefined ? { cwd } : {}) }),
  renameTerminal: (id, title) => request('PATCH', `/api/terminals/${encodeURIComponent(id)}`, { title }),
  /** Lock the PTY's size (no view's wish applies) or unlock it. */
  lockTerminalSize: (id, locked) =>
    request('PATCH', `/api/terminals/${encodeURIComponent(id)}`, { size_locked: Boolean(locked) }),
  /** The tab's command history (shell integration), newest first, with the server's clock. */
  commands: (id) => request('GET', `/api/terminals/${encodeURIComponent(id)}/commands`),
  deleteTerminal: (id) => request('DELETE', `/api/terminals/${encodeURIComponent(id)}`),
  /** Lock the tab (every new viewer proves the owner's factors) or unlock it; sensitive. */
  lockTerminal: (id, locked) => request('POST', `/api/terminals/${encodeURIComponent(id)}/lock`, { locked: Boolean(locked) }),
  // share links (owner) and the guest's side of one
  listShares: () => request('GET', '/api/shares'),
  mintShare: (spec) => request('POST', '/api/shares', spec),
  revokeShare: (id) => request('DELETE', `/api/shares/${encodeURIComponent(id)}`),
  // interactive guests waiting for (or holding) the owner's Allow: a long poll, and a decision
  guests: (since) => request('GET', `/api/guests${since == null ? '' : `?since=${encodeURIComponent(since)}`}`),
  decideGuest: (id, action) => request('POST', `/api/guests/${encodeURIComponent(id)}`, { action }),
  // The token goes in the body, never the path: request lines end up in proxy logs.
  redeemShare: async (token) => {
    const info = await request('POST', '/s/redeem', { token }, { expect401: true });
    keepProof(info?.proof, { guest: true });
    return info;
  },
  // What the link allows and until when, for the landing page; spends nothing.
  peekShare: (token) => request('POST', '/s/peek', { token }, { expect401: true }),
  // the owner's "Log in on your phone" link (holds the access token; fetched on request only)
  loginLink: () => request('POST', '/api/login-link', {}),
  // the Security dialog (security-*.js). A 401 from a route that takes a code is the answer
  // "wrong code", not a logout; the sensitive ones ask through the prompt.
  totpStatus: () => request('GET', '/api/totp'),
  totpEnroll: () => request('POST', '/api/totp/enroll', {}),
  totpConfirm: (code) => request('POST', '/api/totp/confirm', { code }, { expect401: true }),
  totpNewCodes: () => request('POST', '/api/totp/backup-codes', {}),
  totpDisable: () => request('POST', '/api/totp/disable', {}),
  listTokens: () => request('GET', '/api/tokens'),
  mintToken: (spec) => request('POST', '/api/tokens', spec),
  revokeToken: (id) => request('DELETE', `/api/tokens/${encodeURIComponent(id)}`),
  listSessions: () => request('GET', '/api/sessions'),
  endSession: (id) => request('DELETE', `/api/sessions/${encodeURIComponent(id)}`),
  endOtherSessions: () => request('POST', '/api/sessions/revoke-others', {}),
  // files (owner; every route 404s with --terminal-only)
  listFiles: (path, { hidden = false, cursor = null } = {}) =>
    request('GET', `/api/files/list?path=${q(path)}${hidden ? '&hidden=1' : ''}${cursor ? `&cursor=${q(cursor)}` : ''}`),
  readFile: (path) => request('GET', `/api/files/content?path=${q(path)}`),
  // the open file's hash only, polled by disk-watch.js (not activity on the server)
  fileVersion: (path) => request('GET', `/api/files/version?path=${q(path)}`),
  /** sha256: the version the edit started from, or null for a new file. */
  writeFile: (path, text, sha256) =>
    request('PUT', `/api/files/content?path=${q(path)}`, undefined, {
      raw: text,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', ...(sha256 ? { 'If-Match': `"${sha256}"` } : { 'If-None-Match': '*' }) },
    }),
  mkdir: (path) => request('POST', '/api/files/mkdir', { path }),
  move: (from, to) => request('POST', '/api/files/move', { from, to, overwrite: false }),
  /** recursive only for a folder the owner agreed to delete with its contents: without it
   * the server refuses a folder that is not empty (409 not_empty), the net for a stale view. */
  deletePath: (path, { recursive = false } = {}) =>
    request('DELETE', `/api/files?path=${q(path)}${recursive ? '&recursive=1' : ''}`),
  downloadUrl: (path) => appUrl(`/api/files/download?path=${q(path)}`),
  archiveUrl: (path) => appUrl(`/api/files/archive?path=${q(path)}`),
  /** Saves what `url` (downloadUrl, archiveUrl) answers as a file: fetched with the proof,
   * which a plain link cannot send, then handed to the browser as a blob. */
  download: (url) => saveDownload(url),
  uploadUrl: (path, overwrite) => appUrl(`/api/files/upload?path=${q(path)}${overwrite ? '&overwrite=1' : ''}`),
  status: () => request('GET', '/api/status'),
  // recordings (owner): turn a tab's on or off, list, fetch, delete
  setRecording: (id, on) => request('POST', `/api/terminals/${encodeURIComponent(id)}/recording`, { on: Boolean(on) }),
  listRecordings: () => request('GET', '/api/recordings'),
  recordingUrl: (id) => appUrl(`/api/recordings/${encodeURIComponent(id)}`),
  /** The .cast file's text, for the player. */
  recordingText: (id) => fetchText(appUrl(`/api/recordings/${encodeURIComponent(id)}`)),
  deleteRecording: (id) => request('DELETE', `/api/recordings/${encodeURIComponent(id)}`),
};
