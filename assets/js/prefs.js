// prefs.js — harmless display preferences kept in localStorage: font size, theme, and the
// Settings dialog's (settings.js) palette, font family, Alt+1..9 tab switching, the
// editor's soft wrap and whether programs may copy to the clipboard (OSC 52, osc52.js). Nothing secret is ever stored here. Listeners are told of changes.

import { FONT_CHOICES, PALETTES, cleanFamily, fontFamilyFor } from './palettes.js';

const KEY_FONT = 'termgate.fontSize';
const KEY_THEME = 'termgate.theme';
export const FONT_MIN = 8;
export const FONT_MAX = 32;
const FONT_DEFAULT = 14;
const THEMES = ['auto', 'light', 'dark'];
const KEY_PALETTE = 'termgate.palette';
const KEY_FONT_CHOICE = 'termgate.fontFamily';
const KEY_FONT_CUSTOM = 'termgate.fontFamilyCustom';
const KEY_ALT_DIGITS = 'termgate.altDigits';
const KEY_SOFT_WRAP = 'termgate.softWrap';
const KEY_OSC52 = 'termgate.osc52Copy';

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
let palette = Object.hasOwn(PALETTES, readPref(KEY_PALETTE) ?? '') ? readPref(KEY_PALETTE) : 'default';
let fontChoice = Object.hasOwn(FONT_CHOICES, readPref(KEY_FONT_CHOICE) ?? '') ? readPref(KEY_FONT_CHOICE) : 'default';
let fontCustom = cleanFamily(readPref(KEY_FONT_CUSTOM));
let altDigits = readPref(KEY_ALT_DIGITS) !== 'off'; // on unless switched off
let softWrap = readPref(KEY_SOFT_WRAP) === 'on'; // off unless switched on
let osc52Copy = readPref(KEY_OSC52) === 'on'; // off unless switched on: output reaching the clipboard is a choice

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
  get palette() {
    return palette;
  },
  setPalette(name) {
    if (!Object.hasOwn(PALETTES, name) || name === palette) return;
    palette = name;
    writePref(KEY_PALETTE, name);
    notify();
  },
  get fontChoice() {
    return fontChoice;
  },
  get fontCustom() {
    return fontCustom;
  },
  /** The terminal's CSS font-family, from the choice (and the typed name for 'custom'). */
  get fontFamily() {
    return fontFamilyFor(fontChoice, fontCustom);
  },
  setFontFamily(choice, custom = fontCustom) {
    if (!Object.hasOwn(FONT_CHOICES, choice)) return;
    fontChoice = choice;
    fontCustom = cleanFamily(custom);
    writePref(KEY_FONT_CHOICE, fontChoice);
    writePref(KEY_FONT_CUSTOM, fontCustom);
    notify();
  },
  /** Alt+1..9 switches tabs (true) or goes to the shell as ESC+digit (false). */
  get altDigits() {
    return altDigits;
  },
  setAltDigits(on) {
    altDigits = Boolean(on);
    writePref(KEY_ALT_DIGITS, altDigits ? 'on' : 'off');
    notify();
  },
  /** The editor wraps long lines. */
  get softWrap() {
    return softWrap;
  },
  setSoftWrap(on) {
    softWrap = Boolean(on);
    writePref(KEY_SOFT_WRAP, softWrap ? 'on' : 'off');
    notify();
  },
  /** Programs in the terminal may write the clipboard (OSC 52; the owner's page only). */
  get osc52Copy() {
    return osc52Copy;
  },
  setOsc52Copy(on) {
    osc52Copy = Boolean(on);
    writePref(KEY_OSC52, osc52Copy ? 'on' : 'off');
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
