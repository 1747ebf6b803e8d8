// drafts.js — unsaved editor text kept in sessionStorage, so edits survive a reload, a lost
// connection or a session that ended (log in again and they are back). A draft is
// {path, base (the sha256 the edit started from), text, at}. sessionStorage is per browser
// tab and cleared when the tab closes; file text is not a secret like the token or PIN,
// and an explicit "Log out" drops every draft (see clearAll).

const PREFIX = 'termgate.draft.';
const OPEN_KEY = 'termgate.editor.open';
const listeners = new Set();

function store() {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

function changed() {
  for (const fn of listeners) fn();
}

export const drafts = {
  /** @returns {{path: string, base: string|null, text: string, at: number}|null} */
  get(path) {
    try {
      const raw = store()?.getItem(PREFIX + path);
      const d = raw ? JSON.parse(raw) : null;
      return d && typeof d.text === 'string' ? d : null;
    } catch {
      return null;
    }
  },

  /** Keep a draft; returns false when storage is full or disabled (the edit is then at risk). */
  put(path, base, text) {
    const had = this.has(path);
    try {
      store()?.setItem(PREFIX + path, JSON.stringify({ path, base, text, at: Date.now() }));
    } catch {
      return false;
    }
    if (!had) changed();
    return true;
  },

  drop(path) {
    if (!this.has(path)) return;
    store()?.removeItem(PREFIX + path);
    changed();
  },

  has(path) {
    return store()?.getItem(PREFIX + path) != null;
  },

  /** Paths that have a draft. */
  paths() {
    const s = store();
    if (!s) return [];
    const out = [];
    for (let i = 0; i < s.length; i++) {
      const key = s.key(i);
      if (key?.startsWith(PREFIX)) out.push(key.slice(PREFIX.length));
    }
    return out;
  },

  /** The file the editor showed last (reopened after a reload). */
  get openPath() {
    return store()?.getItem(OPEN_KEY) ?? null;
  },

  set openPath(path) {
    if (path) store()?.setItem(OPEN_KEY, path);
    else store()?.removeItem(OPEN_KEY);
  },

  /** Forget everything (explicit logout). */
  clearAll() {
    for (const path of this.paths()) store()?.removeItem(PREFIX + path);
    store()?.removeItem(OPEN_KEY);
    changed();
  },

  onChange(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
};
