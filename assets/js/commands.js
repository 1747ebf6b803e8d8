// commands.js — the owner's Commands panel: the active tab's command history
// (GET /api/terminals/{id}/commands, built from the shell integration marks; README "Command
// history"), newest first, filtered by text and by "failed only". Clicking a command scrolls
// the terminal to its prompt while that is still in the terminal's buffer (prompts.js). While
// open on a visible page it asks again every few seconds, so a command that ends shows up.

import { api } from './api.js';
import { matchPrompts } from './prompts.js';

const POLL_MS = 3000;

/** "1.2 s", "850 ms", "3 min 5 s" */
export function formatDuration(ms) {
  if (!Number.isFinite(ms)) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const min = Math.floor(ms / 60_000);
  return `${min} min ${Math.floor((ms % 60_000) / 1000)} s`;
}

/** A command ended with a status other than 0 (running and unknown ones have not failed). */
export const failed = (command) => Number.isInteger(command.exit_code) && command.exit_code !== 0;

export class CommandsPanel {
  /**
   * @param {HTMLElement} el the panel (#commands)
   * @param {{toggle: HTMLButtonElement, activeTab: () => ({id: string, prompts: import('./prompts.js').PromptMarks}|null),
   *          notify: (text: string) => void, focusTerminal: () => void}} ctx
   */
  constructor(el, ctx) {
    this.el = el;
    this.ctx = ctx;
    this.filter = el.querySelector('#commands-filter');
    this.failedOnly = el.querySelector('#commands-failed');
    this.list = el.querySelector('#commands-list');
    this.empty = el.querySelector('#commands-empty');
    this.commands = [];
    this.skew = 0; // server clock minus this page's
    this.tabId = null;
    this.timer = null;
    this.filter.addEventListener('input', () => this.render());
    this.failedOnly.addEventListener('change', () => this.render());
    el.querySelector('#commands-close').addEventListener('click', () => this.close(true));
    el.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        this.close(true);
      }
    });
    document.addEventListener('visibilitychange', () => this.schedule());
  }

  get isOpen() {
    return !this.el.hidden;
  }

  toggle() {
    if (this.isOpen) this.close(true);
    else this.open();
  }

  open() {
    this.el.hidden = false;
    this.ctx.toggle.setAttribute('aria-expanded', 'true');
    this.filter.focus();
    this.refresh();
  }

  /** focus: give the keyboard back to the terminal (a close by the user). */
  close(focus = false) {
    this.el.hidden = true;
    this.ctx.toggle.setAttribute('aria-expanded', 'false');
    this.schedule();
    if (focus) this.ctx.focusTerminal();
  }

  /** The active tab changed: show its commands. */
  tabChanged() {
    if (this.isOpen) this.refresh();
  }

  /** Polls only while open and visible: nobody reads a hidden list. */
  schedule() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.isOpen && document.visibilityState === 'visible') this.timer = setTimeout(() => this.refresh(), POLL_MS);
  }

  async refresh() {
    const tab = this.ctx.activeTab();
    if (tab?.id !== this.tabId) {
      this.tabId = tab?.id ?? null;
      this.commands = [];
      this.render();
    }
    if (tab) {
      try {
        const answer = await api.commands(tab.id);
        if (this.ctx.activeTab()?.id === tab.id) {
          this.skew = Number.isFinite(answer.now) ? answer.now - Date.now() : 0;
          const commands = Array.isArray(answer.commands) ? answer.commands : [];
          // Unchanged (the usual poll): the list stays as it is, scroll and focus included.
          const changed = JSON.stringify(commands) !== JSON.stringify(this.commands);
          this.commands = commands;
          if (changed || !this.list.childElementCount || !this.empty.hidden) this.render();
        }
      } catch (err) {
        if (err.status !== 401) this.showEmpty(`Could not load the commands: ${err.message}`);
      }
    }
    this.schedule();
  }

  showEmpty(text) {
    this.empty.textContent = text;
    this.empty.hidden = !text;
  }

  render() {
    const query = this.filter.value.trim().toLowerCase();
    const shown = this.commands.filter(
      (c) => (!this.failedOnly.checked || failed(c)) && (!query || (c.command ?? '').toLowerCase().includes(query)),
    );
    // A command keeps the keyboard focus across a render (the poll's, or the filter's).
    const focused = this.list.contains(document.activeElement) ? document.activeElement.dataset.id : null;
    this.list.replaceChildren(...shown.map((c) => this.item(c)));
    if (focused) this.list.querySelector(`[data-id="${focused}"]`)?.focus();
    if (shown.length) this.showEmpty('');
    else if (this.commands.length) this.showEmpty('No command matches.');
    else this.showEmpty('No commands yet. They are listed once the shell sends its marks: `termgate shell-integration bash` (or zsh, fish) prints the two lines for your rc file.');
  }

  item(command) {
    const li = document.createElement('li');
    li.className = 'command';
    if (failed(command)) li.classList.add('failed');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'command-button';
    button.dataset.id = String(command.id);
    const text = document.createElement('span');
    text.className = 'command-text';
    text.textContent = command.command ?? '(not known)';
    const meta = document.createElement('span');
    meta.className = 'command-meta';
    const status = command.running ? 'running' : Number.isInteger(command.exit_code) ? `exit ${command.exit_code}` : 'exit ?';
    const started = new Date(command.started_at - this.skew);
    // The time of day for today's commands, the date too for older ones.
    const when = started.toDateString() === new Date().toDateString() ? started.toLocaleTimeString() : started.toLocaleString();
    meta.textContent = [status, when, formatDuration(command.duration_ms)].filter(Boolean).join(' · ');
    button.append(text, meta);
    // The folder relative to the file root ("" is the root; null outside it or not told).
    button.title = typeof command.cwd === 'string' ? `in ${command.cwd === '' ? 'the file root' : command.cwd}` : '';
    button.addEventListener('click', () => this.scrollTo(command));
    li.append(button);
    return li;
  }

  scrollTo(command) {
    const tab = this.ctx.activeTab();
    if (!tab) return;
    // Matched over the whole list, so that two quick commands never share one prompt.
    const mark = matchPrompts(this.commands, tab.prompts.live(), this.skew).get(command.id);
    if (!tab.prompts.scrollTo(mark)) this.ctx.notify('That command is no longer in this terminal’s scrollback.');
  }
}
