// prefs.js — harmless display preferences (font size, theme) kept in localStorage.
// Nothing secret is ever stored here. Listeners are told when a preference changes.

const KEY_FONT = 'termgate.fontSize';
const KEY_THEME = 'termgate.theme';
export const FONT_MIN = 8;
export const FONT_MAX = 32;
const FONT_DEFAULT = 14;
const THEMES = ['auto', 'light', 'dark'];

const listeners = new Set();
const darkQuery = window.matchMedia('(prefers-color-scheme: dark)');

export function readPref(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage disabled: defaults only
  }
}

export function writePref(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* storage disabled: the change lasts for this page only */
  }
}

let fontSize = Number.parseInt(readPref(KEY_FONT) || '', 10);
if (!Number.isFinite(fontSize)) fontSize = FONT_DEFAULT;
fontSize = Math.min(FONT_MAX, Math.max(FONT_MIN, fontSize));
let themePref = THEMES.includes(readPref(KEY_THEME)) ? readPref(KEY_THEME) : 'auto';

function notify() {
  applyThemeToDocument();
  for (const fn of listeners) fn();
}

function applyThemeToDocument() {
  document.documentElement.dataset.theme = effectiveTheme();
}

darkQuery.addEventListener('change', () => {
  if (themePref === 'auto') notify();
});

export const prefs = {
  get fontSize() {
    return fontSize;
  },
  /** Change the font size by `delta` points, clamped to FONT_MIN..FONT_MAX. */
  bumpFont(delta) {
    const next = Math.min(FONT_MAX, Math.max(FONT_MIN, fontSize + delta));
    if (next === fontSize) return;
    fontSize = next;
    writePref(KEY_FONT, String(fontSize));
    notify();
  },
  get themePref() {
    return themePref;
  },
  /**
   * Flip the theme you see: every click changes it (a plain auto -> light -> dark cycle did
   * nothing on the first click of a light system). Lands on 'auto' whenever the system's
   * theme is the one wanted, so following the system is one click away.
   */
  cycleTheme() {
    const next = effectiveTheme() === 'dark' ? 'light' : 'dark';
    themePref = systemTheme() === next ? 'auto' : next;
    writePref(KEY_THEME, themePref);
    notify();
  },
  onChange(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
};

/** 'light' or 'dark': the preference, or the system's when the preference is 'auto'. */
export function effectiveTheme() {
  return themePref === 'auto' ? systemTheme() : themePref;
}

function systemTheme() {
  return darkQuery.matches ? 'dark' : 'light';
}

applyThemeToDocument();
