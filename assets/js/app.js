// app.js — boot: decide between the share-link "Open" screen, the login page, the owner's
// workspace and a guest's view; wire the top bar, tab bar, search box, key bar, file panel,
// editor, share, recordings, phone-login and security dialogs, public badge, host figures,
// Commands panel and global keyboard shortcuts together.

import { proofHeaders } from './proof.js';
import './csp-shim.js'; // must run before xterm.js creates any style
import { api, onUnauthorized } from './api.js';
import { CommandsPanel } from './commands.js';
import { notify } from './dialog.js';
import { GuestBanner, shareToken, showEnded, showLanding, wasGuest } from './guest.js';
import { ApprovalNote, GuestApprovals } from './guests.js';
import { fillIcons } from './icons.js';
import { HostFigures } from './host.js';
import { followVisualViewport, KeyBar } from './keybar.js';
import { forgetHandedToken, hideLogin, showLogin } from './login.js';
import { closeMenus, initMenus } from './menus.js';
import { initReauth } from './reauth.js';
import { PhoneLoginDialog } from './phone-login.js';
import { Recordings } from './recordings.js';
import { effectiveTheme, prefs } from './prefs.js';
import { SearchBar } from './search.js';
import { SecurityDialog } from './security.js';
import { SessionClock } from './session.js';
import { SettingsDialog } from './settings.js';
import { ShareDialog } from './share.js';
import { PublicBadge } from './status.js';
import { TabLocks } from './tab-locks.js';
import { TabWaiter } from './tab-wait.js';
import { Tabs } from './tabs.js';
import { TermDrop } from './term-drop.js';
import { FilesLayout } from './workspace-files.js';

const $ = (id) => document.getElementById(id);
fillIcons(); // the markup's <svg data-icon> elements
const workspace = $('workspace');

const keybar = new KeyBar($('keybar'), {
  send: (data) => tabs.active?.sendInput(data),
  paste: () => pasteClipboard(),
  modes: () => tabs.active?.view.modes ?? null,
});

// Before the tabs, whose first activation shows the Record toggle.
const recordings = new Recordings({
  activeTab: () => tabs.active,
  render: (tab) => tabs.render(tab),
  notify,
  focusTerminal: () => tabs.active?.focus(),
});

// The size lock and the tab lock of the active tab (tab-locks.js).
const locks = new TabLocks({
  sizeButton: $('size-lock'),
  tabButton: $('tab-lock'),
  activeTab: () => tabs.active,
  render: (tab) => tabs.render(tab),
  notify,
});
// Sensitive actions ask for the PIN (and code) again through one prompt.
initReauth();

const tabs = new Tabs({
  tablist: $('tabs'),
  panes: $('panes'),
  filterInput: (data) => keybar.filter(data),
  notify,
  onSessionEnded: () => sessionEnded(),
  onActivity: () => clock.noteActivity(),
  // Only an interactive guest's sockets say where it stands with the owner.
  onApproval: (state) => approvalNote.show(state),
  onActiveChange: (tab) => {
    document.title = tab ? `${tab.title} — termgate` : 'termgate';
    locks.render(tab);
    recordings.renderToggle(tab);
    if (search.isOpen) search.bind();
    commands.tabChanged();
    // A guest's last tab went away: an unbound link waits for the next one.
    if (!tab && guest && inWorkspace) waitForTab();
  },
});

const search = new SearchBar($('search'), () => tabs.active?.view ?? null);

const commands = new CommandsPanel($('commands'), {
  toggle: $('commands-open'),
  activeTab: () => tabs.active,
  notify,
  focusTerminal: () => tabs.active?.focus(),
});

const clock = new SessionClock({
  label: $('time-left'),
  extend: $('extend'),
  logout: $('logout'),
  logoutAll: $('logout-all'),
  onEnded: (note) => toLogin(note),
  onLoggedOut: () => files.forget(),
  focusTerminal: () => tabs.active?.focus(),
});

const share = new ShareDialog({
  activeTab: () => (tabs.active ? { id: tabs.active.id, title: tabs.active.title } : null),
  tabTitle: (id) => tabs.find(id)?.title ?? null,
  focusTerminal: () => tabs.active?.focus(),
});

const phoneLogin = new PhoneLoginDialog({ focusTerminal: () => tabs.active?.focus() });

const security = new SecurityDialog({ focusTerminal: () => tabs.active?.focus() });

const settings = new SettingsDialog($('settings-dialog'), { focusTerminal: () => tabs.active?.focus() });

const waiter = new TabWaiter($('guest-waiting'), {
  poll: () => tabs.sync(),
  onFound: () => tabs.active?.focus(),
});

/**
 * The key bar's Paste: a phone has no Ctrl+Shift+V. The text goes through xterm's paste
 * (bracketed when the program asked for it), like a native paste would.
 */
async function pasteClipboard() {
  const tab = tabs.active;
  if (!tab) return;
  let text = '';
  try {
    text = await navigator.clipboard.readText();
  } catch {
    notify('The browser did not let termgate read the clipboard: long-press the terminal and choose Paste.');
    return;
  }
  if (text && tabs.active === tab) tab.view.paste(text);
}

/** A guest with no tab: an unbound link waits for one; a bound link's tab is gone for good. */
function waitForTab() {
  if (guest.terminal == null) waiter.start();
  else notify('The shared terminal is gone.');
}

const hostFigures = new HostFigures($('host-figures'));
const badge = new PublicBadge({ badge: $('public-badge'), link: $('public-url'), left: $('public-left'), copy: $('public-copy') });
const banner = new GuestBanner($('guest-banner'));
const approvalNote = new ApprovalNote($('guest-approval'));
const guestApprovals = new GuestApprovals($('guests'), { list: $('guests-list'), notify });

const files = new FilesLayout({
  toggle: $('files-toggle'),
  panel: $('files'),
  backdrop: $('files-backdrop'),
  editor: $('editor'),
  notify,
  openTerminal: (cwd) => tabs.create(cwd).then((t) => t?.focus()),
  focusTerminal: () => tabs.active?.focus(),
});

// Files dropped on a terminal: uploaded where its shell is, their paths typed.
new TermDrop($('panes'), {
  enabled: () => !guest && files.enabled && files.panel !== null,
  activeTab: () => tabs.active,
  drop: () => files.panel.drop,
  notify,
});

let inWorkspace = false;
let guest = null; // the guest's session info while showing a shared view
const IS_MAC = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

function leaveWorkspace() {
  inWorkspace = false;
  clock.stop();
  badge.stop();
  hostFigures.stop();
  commands.close();
  banner.stop();
  approvalNote.clear();
  guestApprovals.stop();
  waiter.stop();
  files.detach();
  share.close();
  recordings.close();
  phoneLogin.close();
  security.close();
  settings.close();
  tabs.clear();
  search.el.hidden = true;
  workspace.hidden = true;
}

function toLogin(note) {
  leaveWorkspace();
  document.title = 'termgate — log in';
  showLogin(note, enterWorkspace);
}

/** The login (owner) or the link (guest) ended: a guest never sees the login page. */
function sessionEnded() {
  if (guest) {
    leaveWorkspace();
    guest = null;
    showEnded();
  } else {
    toLogin('Your session ended — log in again.');
  }
}

async function enterWorkspace(info) {
  hideLogin();
  forgetHandedToken();
  guest = null;
  document.body.classList.remove('guest');
  workspace.hidden = false;
  inWorkspace = true;
  tabs.ctx.guest = false;
  tabs.ctx.readonly = false;
  $('keybar').hidden = false;
  clock.start(info);
  badge.start();
  guestApprovals.start();
  hostFigures.start();
  try {
    await tabs.load();
  } catch (err) {
    if (err.status !== 401) notify(`Could not load terminals: ${err.message}`);
  }
  tabs.active?.focus();
  // The login answer has no `files`; the session does.
  let filesServed = info.files;
  if (typeof filesServed !== 'boolean') filesServed = await api.session().then((s) => s.files === true, () => false);
  if (inWorkspace) await files.start(filesServed === true);
}

/** A guest holding a share link: only the terminal(s) the link covers, and the banner. */
async function enterGuest(info) {
  guest = info;
  document.body.classList.add('guest');
  document.title = 'Shared terminal — termgate';
  workspace.hidden = false;
  inWorkspace = true;
  const readonly = info.scope !== 'interactive';
  tabs.ctx.guest = true;
  tabs.ctx.readonly = readonly;
  $('keybar').hidden = readonly;
  banner.start(info, () => sessionEnded());
  try {
    await tabs.load();
  } catch (err) {
    if (err.status === 401 || err.status === 403) sessionEnded();
    else notify(`Could not load the shared terminal: ${err.message}`);
    return;
  }
  if (!tabs.tabs.length) waitForTab();
  tabs.active?.focus();
}

// --- top bar ---------------------------------------------------------------------------
$('new-tab').addEventListener('click', () => tabs.create().then((t) => t?.focus()));
$('font-dec').addEventListener('click', () => prefs.bumpFont(-1));
$('font-inc').addEventListener('click', () => prefs.bumpFont(1));
$('theme').addEventListener('click', () => prefs.cycleTheme());
$('search-open').addEventListener('click', () => search.open());
// The Commands panel opens from the search bar: a search of what ran rather than of what
// was printed, and no room taken in the top bar.
$('commands-open').addEventListener('click', () => {
  search.close();
  commands.open();
});
$('share-open').addEventListener('click', () => {
  closeMenus();
  share.open();
});
$('settings-open').addEventListener('click', () => {
  closeMenus();
  settings.open();
});
$('phone-login-open').addEventListener('click', () => {
  closeMenus();
  phoneLogin.open();
});
$('security-open').addEventListener('click', () => {
  closeMenus();
  security.open();
});

// The ☰ menu (phone layout) and the account menu (wide layout): menus.js.
initMenus();

function renderThemeButton() {
  // Says what a click will not: which theme "system" currently is.
  const label = { auto: `Theme: system (${effectiveTheme()})`, light: 'Theme: light', dark: 'Theme: dark' }[prefs.themePref];
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
    else if (ctrlShift && ev.code === 'KeyE' && !guest && files.enabled) action = () => files.toggle();
    // Alt+digit types characters on macOS (Option+1 = ¡): leave it alone there. Switched
    // off in Settings, it goes to the shell as ESC+digit (readline's and irssi's keys).
    else if (altOnly && !IS_MAC && prefs.altDigits && /^Digit[1-9]$/.test(ev.code)) {
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
  activeTabId: () => tabs.active?.id ?? null,
  // connections the active tab's socket has tried, and whether one is under way
  activeSocketState: () => (tabs.active ? { attempts: tabs.active.socket.attempts, trying: tabs.active.socket.ws !== null || tabs.active.socket.settling } : null),
  activeSelection: () => tabs.active?.view.term.getSelection() ?? '',
  activePendingInput: () => tabs.active?.socket.pendingBytes ?? 0,
  activeTerminal: () => tabs.active?.view.term ?? null,
  terminals: () => tabs.tabs.map((t) => t.view.term),
  tabTitles: () => tabs.tabs.map((t) => t.title),
  editorPath: () => files.editor.path,
  editorText: () => files.editor.text,
  editorDirty: () => files.editor.dirty,
  // the header a request of this page carries, for tests that call the API from the page
  proofHeaders: () => proofHeaders(),
});

// --- boot ----------------------------------------------------------------------------------
onUnauthorized(() => {
  if (inWorkspace) sessionEnded();
});

async function boot() {
  const token = shareToken();
  if (token) await showLanding(token); // resolves once the link is redeemed (address bar: /)
  try {
    const info = await api.session();
    if (info && info.logged_in && info.principal === 'guest') {
      await enterGuest(info);
      return;
    }
    if (info && info.logged_in) {
      await enterWorkspace(info);
      return;
    }
    if (wasGuest()) showEnded();
    else toLogin('');
  } catch (err) {
    toLogin(err.status === 0 ? 'Cannot reach the termgate server.' : '');
  }
}

boot();
