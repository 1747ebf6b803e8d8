// tab-locks.js — the top bar's two locks for the active tab, which look different:
//   - "Lock size" (the size-lock icon): no device's window changes the PTY's size;
//   - "Lock tab" (the padlock): every new viewer of the tab (another device, a reload, a
//     guest) first proves the owner's PIN (and code) at the tab's door (tab-door.js).
//     Locking and unlocking are sensitive: the prompt (reauth.js) asks for the PIN when it
//     was not entered within the last few minutes.
// The tab strip marks each (tabs.js, tabs.css); the server keeps both (`Terminal`).

import { api } from './api.js';
import { cancelled } from './reauth.js';

export class TabLocks {
  /**
   * @param {{sizeButton: HTMLButtonElement, tabButton: HTMLButtonElement,
   *          activeTab: () => any, render: (tab: any) => void, notify: (text: string) => void}} ctx
   */
  constructor(ctx) {
    this.ctx = ctx;
    ctx.sizeButton.addEventListener('click', () => this.toggleSize());
    ctx.tabButton.addEventListener('click', () => this.toggleTab());
  }

  async toggleSize() {
    const tab = this.ctx.activeTab();
    if (!tab) return;
    try {
      const info = await api.lockTerminalSize(tab.id, !tab.sizeLocked);
      tab.sizeLocked = info.size_locked === true;
      this.ctx.render(tab);
    } catch (err) {
      this.ctx.notify(`Could not change the size lock: ${err.message}`);
    }
    tab.focus();
  }

  async toggleTab() {
    const tab = this.ctx.activeTab();
    if (!tab) return;
    const locking = !tab.locked;
    try {
      const info = await api.lockTerminal(tab.id, locking);
      tab.locked = info.locked === true;
      this.ctx.render(tab);
      this.ctx.notify(tab.locked
        ? 'Tab locked: a new viewer of it asks for your PIN first. Views open now stay.'
        : 'Tab unlocked.');
    } catch (err) {
      if (!cancelled(err)) this.ctx.notify(`Could not ${locking ? 'lock' : 'unlock'} the tab: ${err.message}`);
    }
    tab.focus();
  }

  /** The buttons follow the active tab. */
  render(tab) {
    const size = this.ctx.sizeButton;
    const sizeLocked = Boolean(tab?.sizeLocked);
    size.disabled = !tab;
    size.setAttribute('aria-pressed', String(sizeLocked));
    size.querySelector('.label').textContent = sizeLocked ? 'Unlock size' : 'Lock size';
    const lock = this.ctx.tabButton;
    const locked = Boolean(tab?.locked);
    lock.disabled = !tab;
    lock.setAttribute('aria-pressed', String(locked));
    lock.querySelector('.label').textContent = locked ? 'Unlock tab' : 'Lock tab';
  }
}
