// app.js — boot: decide between the login page and the workspace, wire the top bar,
// tab bar, search box, key bar and global keyboard shortcuts together.

import './csp-shim.js'; // must run before xterm.js creates any style
import { api, onUnauthorized } from './api.js';
import { notify } from './dialog.js';
import { followVisualViewport, KeyBar } from './keybar.js';
import { hideLogin, showLogin } from './login.js';
import { prefs } from './prefs.js';
import { SearchBar } from './search.js';
import { SessionClock } from './session.js';
import { Tabs } from './tabs.js';

const $ = (id) => document.getElementById(id);
const workspace = $('workspace');

const keybar = new KeyBar($('keybar'), {
  send: (data) => tabs.active?.sendInput(data),
  modes: () => tabs.active?.view.modes ?? null,
});

const tabs = new Tabs({
  tablist: $('tabs'),
  panes: $('panes'),
  filterInput: (data) => keybar.filter(data),
  notify,
  onSessionEnded: () => toLogin('Your session ended — log in again.'),
  onActivity: () => clock.noteActivity(),
  onActiveChange: (tab) => {
    document.title = tab ? `${tab.title} — termgate` : 'termgate';
    if (search.isOpen) search.bind();
  },
});

const search = new SearchBar($('search'), () => tabs.active?.view ?? null);

const clock = new SessionClock({
  label: $('time-left'),
  extend: $('extend'),
  logout: $('logout'),
  logoutAll: $('logout-all'),
  onEnded: (note) => toLogin(note),
  focusTerminal: () => tabs.active?.focus(),
});

let inWorkspace = false;
const IS_MAC = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

function toLogin(note) {
  inWorkspace = false;
  clock.stop();
  tabs.clear();
  search.el.hidden = true;
  workspace.hidden = true;
  document.title = 'termgate — log in';
  showLogin(note, enterWorkspace);
}

async function enterWorkspace(info) {
  hideLogin();
  workspace.hidden = false;
  inWorkspace = true;
  clock.start(info);
  try {
    await tabs.load();
  } catch (err) {
    if (err.status !== 401) notify(`Could not load terminals: ${err.message}`);
  }
  tabs.active?.focus();
}

// --- top bar ---------------------------------------------------------------------------
$('new-tab').addEventListener('click', () => tabs.create().then((t) => t?.focus()));
$('font-dec').addEventListener('click', () => prefs.bumpFont(-1));
$('font-inc').addEventListener('click', () => prefs.bumpFont(1));
$('theme').addEventListener('click', () => prefs.cycleTheme());
$('search-open').addEventListener('click', () => search.open());

// Phone layout: tools and session controls live in a drop-down menu.
const menu = $('topbar-menu');
const menuToggle = $('menu-toggle');
function setMenu(open) {
  menu.classList.toggle('open', open);
  menuToggle.setAttribute('aria-expanded', String(open));
}
menuToggle.addEventListener('click', () => setMenu(!menu.classList.contains('open')));
menu.addEventListener('click', (ev) => {
  if (ev.target instanceof HTMLButtonElement && !['font-dec', 'font-inc', 'theme'].includes(ev.target.id)) setMenu(false);
});
document.addEventListener('pointerdown', (ev) => {
  if (!menu.contains(ev.target) && !menuToggle.contains(ev.target)) setMenu(false);
});
menu.addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape' && menu.classList.contains('open')) {
    setMenu(false);
    menuToggle.focus();
  }
});

function renderThemeButton() {
  const label = { auto: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' }[prefs.themePref];
  $('theme').title = `${label} (click to change)`;
  $('theme').setAttribute('aria-label', label);
  $('theme').dataset.pref = prefs.themePref;
}
prefs.onChange(renderThemeButton);
renderThemeButton();

// The top-bar buttons should not keep focus: typing goes back to the terminal.
for (const id of ['font-dec', 'font-inc', 'theme']) {
  $(id).addEventListener('click', () => tabs.active?.focus());
}

// --- keyboard shortcuts (capture phase, before xterm sees the key) ----------------------
document.addEventListener(
  'keydown',
  (ev) => {
    if (!inWorkspace || document.querySelector('dialog[open]')) return;
    const ctrlShift = ev.ctrlKey && ev.shiftKey && !ev.altKey && !ev.metaKey;
    const altOnly = ev.altKey && !ev.ctrlKey && !ev.shiftKey && !ev.metaKey;
    let action = null;
    if (ctrlShift && ev.code === 'KeyT') action = () => tabs.create().then((t) => t?.focus());
    else if (ctrlShift && ev.code === 'KeyW') action = () => tabs.close();
    else if (ctrlShift && ev.code === 'PageUp') action = () => tabs.step(-1);
    else if (ctrlShift && ev.code === 'PageDown') action = () => tabs.step(1);
    else if (ctrlShift && ev.code === 'KeyF') action = () => search.toggle();
    // Alt+digit types characters on macOS (Option+1 = ¡): leave it alone there.
    else if (altOnly && !IS_MAC && /^Digit[1-9]$/.test(ev.code)) {
      const n = Number(ev.code.slice(5));
      action = () => tabs.pick(n);
    }
    if (!action) return;
    ev.preventDefault();
    ev.stopPropagation();
    action();
  },
  true,
);

followVisualViewport(workspace);

// --- read-only hook for the browser tests ------------------------------------------------
window.__termgate = Object.freeze({
  activeText: () => tabs.active?.view.text() ?? '',
  activeSize: () => (tabs.active ? { ...tabs.active.view.size } : null),
  activeStatus: () => tabs.active?.status ?? null,
  activeSelection: () => tabs.active?.view.term.getSelection() ?? '',
  tabTitles: () => tabs.tabs.map((t) => t.title),
});

// --- boot ----------------------------------------------------------------------------------
onUnauthorized(() => {
  if (inWorkspace) toLogin('Your session ended — log in again.');
});

async function boot() {
  try {
    const info = await api.session();
    if (info && info.logged_in) {
      await enterWorkspace(info);
      return;
    }
    toLogin('');
  } catch (err) {
    toLogin(err.status === 0 ? 'Cannot reach the termgate server.' : '');
  }
}

boot();
