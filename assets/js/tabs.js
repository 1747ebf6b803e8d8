// tabs.js — the tab bar: create, switch, rename (double-click or F2), close, keyboard
// navigation (role=tablist, roving tabindex, arrow keys), and the collection of Tab objects.
// For a guest (share link) the bar only switches between the tabs the link covers.

import { api, ApiError } from './api.js';
import { Tab } from './tab.js';

export class Tabs {
  /**
   * @param {{tablist: HTMLElement, panes: HTMLElement, filterInput?: Function,
   *          notify: (text: string) => void, onSessionEnded: () => void,
   *          onActivity?: () => void, onActiveChange?: (tab: Tab|null) => void,
   *          guest?: boolean, readonly?: boolean}} ctx  guest: no create/rename/close
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
    const { terminals } = await api.listTerminals();
    const list = Array.isArray(terminals) ? terminals : [];
    list.sort((a, b) => (a.created_at || 0) - (b.created_at || 0));
    for (const info of list) this.add(info);
    if (this.tabs.length === 0 && !this.ctx.guest) await this.create();
    else this.activate(this.tabs[0]);
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
    const label = document.createElement('span');
    label.className = 'tab-title';
    button.append(label);
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
    close.textContent = '×';
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
    tab.button.title = this.ctx.guest ? title : `${title} — double-click or F2 to rename, Delete to close`;
    tab.closeButton?.setAttribute('aria-label', `Close ${title}`);
    if (tab.closeButton) tab.closeButton.title = `Close ${title} (Ctrl+Shift+W)`;
    const selected = tab === this.active;
    tab.button.setAttribute('aria-selected', String(selected));
    tab.button.tabIndex = selected ? 0 : -1;
    tab.el.classList.toggle('active', selected);
    tab.el.classList.toggle('exited', Boolean(tab.exited));
    tab.el.classList.toggle('offline', tab.status === 'reconnecting' || tab.status === 'closed');
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

  /** Close a tab for good: the terminal is deleted on the server. */
  async close(tab = this.active) {
    if (!tab || this.ctx.guest) return;
    try {
      await api.deleteTerminal(tab.id);
    } catch (err) {
      if (!(err instanceof ApiError) || (err.status !== 404 && err.code !== 'not_found')) {
        if (err.status !== 401) this.ctx.notify(`Could not close the terminal: ${err.message}`);
        return;
      }
    }
    this.remove(tab);
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
    if (tab.renaming || this.ctx.guest) return;
    tab.renaming = true;
    const input = document.createElement('input');
    input.type = 'text';
    input.className = 'tab-rename';
    input.maxLength = 100;
    input.value = tab.title;
    input.setAttribute('aria-label', 'Terminal name');
    tab.label.replaceChildren(input);
    input.focus();
    input.select();
    let done = false;
    const finish = async (commit) => {
      if (done) return;
      done = true;
      tab.renaming = false;
      const title = input.value.trim();
      tab.label.textContent = tab.title;
      tab.focus();
      if (!commit || !title || title === tab.title) return;
      try {
        const info = await api.renameTerminal(tab.id, title);
        tab.setServerTitle(info?.title || title, true);
      } catch (err) {
        if (err.status !== 401) this.ctx.notify(`Could not rename: ${err.message}`);
      }
    };
    input.addEventListener('keydown', (ev) => {
      ev.stopPropagation();
      if (ev.key === 'Enter') finish(true);
      else if (ev.key === 'Escape') finish(false);
    });
    input.addEventListener('blur', () => finish(true));
    input.addEventListener('dblclick', (ev) => ev.stopPropagation());
    input.addEventListener('click', (ev) => ev.stopPropagation());
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
