// tabs.js — the tab bar: create, switch, rename (double-click or F2), close, keyboard
// navigation (role=tablist, roving tabindex, arrow keys), and the collection of Tab objects.
// For a guest (share link) the bar only switches between the tabs the link covers.
// Closing a tab whose shell is running a program asks first, naming it (the server's
// `busy`). The active tab is remembered per browser tab, so a reload comes back to it.
// The strip scrolls sideways when the tabs do not fit; the active one is kept in view.

import { api, ApiError } from './api.js';
import { askText } from './dialog.js';
import { icon } from './icons.js';
import { Tab } from './tab.js';
import { editTabName } from './tab-rename.js';

/** sessionStorage: the id of this browser tab's active terminal (it survives a reload). */
const ACTIVE_KEY = 'termgate.activeTab';

export class Tabs {
  /**
   * @param {{tablist: HTMLElement, panes: HTMLElement, filterInput?: Function,
   *          notify: (text: string) => void, onSessionEnded: () => void,
   *          onActivity?: () => void, onActiveChange?: (tab: Tab|null) => void,
   *          guest?: boolean, readonly?: boolean, onApproval?: (state: string) => void}} ctx
   *          guest: no create/rename/close; onApproval: see Tab
   */
  constructor(ctx) {
    this.ctx = ctx;
    this.tabs = [];
    this.active = null;
    this.tablist = ctx.tablist;
    this.tablist.addEventListener('keydown', (ev) => this.onKeyDown(ev));
  }

  /** Open every existing terminal; create one if there are none. */
  async load() {
    await this.sync();
    if (this.tabs.length === 0 && !this.ctx.guest) await this.create();
  }

  /**
   * Open a tab for every terminal the server lists that has none yet, oldest first, and
   * activate the first if none is active. Returns how many tabs there are.
   */
  async sync() {
    const { terminals } = await api.listTerminals();
    const list = Array.isArray(terminals) ? terminals : [];
    list.sort((a, b) => (a.created_at || 0) - (b.created_at || 0));
    for (const info of list) this.add(info);
    if (!this.active) this.activate(this.find(rememberedActive()) || this.tabs[0]);
    return this.tabs.length;
  }

  /** Open a new terminal, optionally started in `cwd` (a folder relative to the file root). */
  async create(cwd) {
    if (this.ctx.guest) return null;
    const size = this.active ? this.active.view.size : null;
    try {
      const info = await api.createTerminal(size?.cols, size?.rows, cwd);
      const tab = this.add(info);
      this.activate(tab);
      return tab;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'too_many_terminals') {
        this.ctx.notify('Too many terminals open — close one first.');
      } else if (err instanceof ApiError && err.status !== 401) {
        this.ctx.notify(`Could not open a terminal: ${err.message}`);
      }
      return null;
    }
  }

  add(info) {
    const existing = this.find(info.id);
    if (existing) return existing;
    const tab = new Tab(info, {
      panes: this.ctx.panes,
      filterInput: this.ctx.filterInput,
      onChange: (t) => this.render(t),
      onGone: (t) => {
        this.ctx.notify(`Terminal “${t.title}” is gone.`);
        this.remove(t);
      },
      onSessionEnded: this.ctx.onSessionEnded,
      onActivity: this.ctx.onActivity,
      readonly: this.ctx.readonly,
      guest: this.ctx.guest,
      onApproval: this.ctx.onApproval,
    });
    tab.el = this.buildTabElement(tab);
    this.tabs.push(tab);
    this.tablist.append(tab.el);
    this.render(tab);
    return tab;
  }

  buildTabElement(tab) {
    const wrap = document.createElement('div');
    wrap.className = 'tab';
    wrap.setAttribute('role', 'presentation');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'tab-button';
    button.id = `tab-${tab.id}`;
    button.setAttribute('role', 'tab');
    button.setAttribute('aria-controls', tab.pane.id);
    if (!this.ctx.guest) button.setAttribute('aria-keyshortcuts', 'F2 Delete Control+Shift+W');
    const label = document.createElement('span');
    label.className = 'tab-title';
    // The padlock shows while the tab is locked, the corners while its size is (tabs.css).
    button.append(icon('lock', 'lock-mark'), icon('size-lock', 'size-mark'), label);
    button.addEventListener('click', () => {
      this.activate(tab);
      tab.focus();
    });
    button.addEventListener('dblclick', () => this.startRename(tab));
    wrap.append(button);
    tab.button = button;
    tab.label = label;
    if (this.ctx.guest) return wrap;
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'tab-close';
    close.tabIndex = -1;
    // Out of the accessibility tree: a tablist may own tabs only (axe aria-required-children),
    // and the keyboard closes the focused tab with Delete or Ctrl+Shift+W (the tab's
    // aria-keyshortcuts and title say so); the × stays for the pointer.
    close.setAttribute('aria-hidden', 'true');
    close.append(icon('x'));
    close.addEventListener('click', () => this.close(tab));
    wrap.append(close);
    tab.closeButton = close;
    return wrap;
  }

  /** Refresh one tab's label/state (titles are always set as text, never markup). */
  render(tab) {
    if (!tab.el) return;
    const title = tab.title;
    if (!tab.renaming) tab.label.textContent = title;
    const locked = (tab.locked ? ' (locked)' : '') + (tab.sizeLocked ? ' (size locked)' : '') + (tab.recording ? (tab.recordingInput ? ' (recording, typed keys too)' : ' (recording)') : '');
    tab.button.title = this.ctx.guest ? `${title}${locked}` : `${title}${locked} — double-click or F2 to rename, Delete to close`;
    tab.closeButton?.setAttribute('aria-label', `Close ${title}`);
    if (tab.closeButton) tab.closeButton.title = `Close ${title} (Ctrl+Shift+W)`;
    const selected = tab === this.active;
    tab.button.setAttribute('aria-selected', String(selected));
    tab.button.tabIndex = selected ? 0 : -1;
    tab.el.classList.toggle('active', selected);
    tab.el.classList.toggle('exited', Boolean(tab.exited));
    tab.el.classList.toggle('size-locked', Boolean(tab.sizeLocked));
    tab.el.classList.toggle('locked', Boolean(tab.locked));
    tab.el.classList.toggle('recording', Boolean(tab.recording));
    tab.el.classList.toggle('offline', ['reconnecting', 'stopped', 'closed'].includes(tab.status));
    if (selected) this.ctx.onActiveChange?.(tab);
  }

  find(id) {
    return this.tabs.find((t) => t.id === id) || null;
  }

  activate(tab) {
    if (!tab) return;
    const previous = this.active;
    this.active = tab;
    if (previous && previous !== tab) {
      previous.hide();
      this.render(previous);
    }
    tab.show();
    this.render(tab);
    this.reveal(tab);
    try {
      sessionStorage.setItem(ACTIVE_KEY, tab.id);
    } catch {
      /* storage refused (private mode, quota): a reload falls back to the first tab */
    }
  }

  /** Scroll the tab strip just enough that `tab` is wholly visible. */
  reveal(tab) {
    const strip = this.tablist.getBoundingClientRect();
    const box = tab.el.getBoundingClientRect();
    // Whole pixels, rounded outwards: scrollLeft drops fractions, which would leave the
    // tab clipped by less than a pixel.
    if (box.left < strip.left) this.tablist.scrollLeft -= Math.ceil(strip.left - box.left);
    else if (box.right > strip.right) this.tablist.scrollLeft += Math.ceil(box.right - strip.right);
  }

  /** Move by `delta` tabs, wrapping around. */
  step(delta) {
    if (!this.tabs.length) return;
    const i = Math.max(0, this.tabs.indexOf(this.active));
    const next = this.tabs[(i + delta + this.tabs.length) % this.tabs.length];
    this.activate(next);
    next.focus();
  }

  /** Alt+1..8 picks that tab, Alt+9 the last one (like browsers). */
  pick(n) {
    const tab = n >= 9 ? this.tabs[this.tabs.length - 1] : this.tabs[n - 1];
    if (tab) {
      this.activate(tab);
      tab.focus();
    }
  }

  /**
   * Close a tab for good: the terminal is deleted on the server, which ends whatever runs
   * in it. While a program other than the shell is in the foreground, ask first.
   */
  async close(tab = this.active) {
    if (!tab || this.ctx.guest || tab.closing) return;
    tab.closing = true; // × clicked twice, or Delete held down: one question, one close
    try {
      let busy = null;
      if (!tab.exited) {
        const { terminals } = await api.listTerminals();
        busy = (Array.isArray(terminals) ? terminals : []).find((t) => t.id === tab.id)?.busy ?? null;
      }
      if (busy && !(await this.confirmClose(tab, busy))) return;
      await api.deleteTerminal(tab.id);
    } catch (err) {
      if (!(err instanceof ApiError) || (err.status !== 404 && err.code !== 'not_found')) {
        if (err.status !== 401) this.ctx.notify(`Could not close the terminal: ${err.message}`);
        return;
      }
    } finally {
      tab.closing = false;
    }
    this.remove(tab);
  }

  /** Ask whether to end `program` by closing `tab`; resolves true to go ahead. */
  async confirmClose(tab, program) {
    const yes = await askText({
      title: 'Close this terminal?',
      message: `“${program}” is still running in “${tab.title}”. Closing the terminal ends it.`,
      confirmLabel: `Close and end ${program}`,
      danger: true,
      action: async () => true,
    });
    // Cancelled from the × button: typing goes back to the terminal, not to the ×.
    if (!yes && (document.activeElement === tab.closeButton || document.activeElement === document.body)) tab.focus();
    return Boolean(yes);
  }

  remove(tab) {
    const i = this.tabs.indexOf(tab);
    if (i < 0) return;
    this.tabs.splice(i, 1);
    tab.dispose();
    tab.el.remove();
    if (this.active === tab) {
      this.active = null;
      const next = this.tabs[Math.min(i, this.tabs.length - 1)];
      if (next) {
        this.activate(next);
        next.focus();
      } else {
        this.ctx.onActiveChange?.(null);
      }
    }
  }

  /** Drop every tab locally (logout): terminals keep running on the server. */
  clear() {
    for (const tab of this.tabs) {
      tab.dispose();
      tab.el.remove();
    }
    this.tabs = [];
    this.active = null;
  }

  startRename(tab) {
    if (this.ctx.guest) return;
    editTabName(tab, async (name) => {
      try {
        tab.setNames(await api.renameTerminal(tab.id, name));
      } catch (err) {
        if (err.status !== 401) this.ctx.notify(`Could not rename: ${err.message}`);
      }
    });
  }

  onKeyDown(ev) {
    const tab = this.tabs.find((t) => t.button === ev.target);
    if (!tab) return;
    const i = this.tabs.indexOf(tab);
    let target = null;
    switch (ev.key) {
      case 'ArrowLeft':
        target = this.tabs[(i - 1 + this.tabs.length) % this.tabs.length];
        break;
      case 'ArrowRight':
        target = this.tabs[(i + 1) % this.tabs.length];
        break;
      case 'Home':
        target = this.tabs[0];
        break;
      case 'End':
        target = this.tabs[this.tabs.length - 1];
        break;
      case 'F2':
        ev.preventDefault();
        this.startRename(tab);
        return;
      case 'Delete':
        ev.preventDefault();
        this.close(tab);
        return;
      case 'Enter':
        // Enter/Space also "click"; make Enter go to the terminal explicitly.
        ev.preventDefault();
        this.activate(tab);
        tab.focus();
        return;
      default:
        return;
    }
    ev.preventDefault();
    this.activate(target);
    target.button.focus();
  }
}

/** The terminal id this browser tab had active before a reload, if storage allows. */
function rememberedActive() {
  try {
    return sessionStorage.getItem(ACTIVE_KEY);
  } catch {
    return null;
  }
}
