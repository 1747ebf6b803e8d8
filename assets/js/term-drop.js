// term-drop.js — dropping files from the desktop onto a terminal (the owner's, with the files
// API): each is uploaded into the folder the tab's foreground job works in (`cwd` from
// GET /api/terminals, asked at the drop so a `cd` just before counts) and its quoted path is
// typed at the prompt, without Enter, as desktop terminals do. A shell outside the file root
// (`cwd` null; the server never says where) gets the files in the root and nothing typed: a
// name there would not resolve from where the shell is. Uploads go through filedrop.js.

import { api } from './api.js';

/** `text` as one POSIX shell word: single quotes, each `'` as `'\''`. */
export function shellQuote(text) {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

export class TermDrop {
  /**
   * @param {HTMLElement} panes the terminals' container
   * @param {{enabled: () => boolean, activeTab: () => import('./tab.js').Tab|null,
   *          drop: () => import('./filedrop.js').FileDrop, notify: (t: string) => void}} ctx
   */
  constructor(panes, ctx) {
    this.panes = panes;
    this.ctx = ctx;
    panes.addEventListener('dragover', (ev) => {
      if (!this.accepts(ev)) return;
      ev.preventDefault();
      ev.dataTransfer.dropEffect = 'copy';
      panes.classList.add('drop-target');
    });
    panes.addEventListener('dragleave', (ev) => {
      if (!(ev.relatedTarget instanceof Node && panes.contains(ev.relatedTarget))) panes.classList.remove('drop-target');
    });
    panes.addEventListener('drop', (ev) => this.onDrop(ev));
  }

  /** Files from outside (not a tree item being moved), on a tab that types. */
  accepts(ev) {
    const types = [...(ev.dataTransfer?.types ?? [])];
    const tab = this.ctx.activeTab();
    return types.includes('Files') && this.ctx.enabled() && Boolean(tab) && !tab.readonly;
  }

  async onDrop(ev) {
    this.panes.classList.remove('drop-target');
    if (!this.accepts(ev)) return;
    ev.preventDefault();
    const tab = this.ctx.activeTab();
    const files = [...ev.dataTransfer.files];
    if (!files.length) return;
    let cwd = null;
    try {
      const { terminals } = await api.listTerminals();
      cwd = terminals.find((t) => t.id === tab.id)?.cwd ?? null;
    } catch {
      /* unknown: the root, nothing typed */
    }
    const dir = typeof cwd === 'string' ? cwd : '';
    const drop = this.ctx.drop();
    const done = [];
    for (const file of files) {
      if (await drop.upload(dir, file)) done.push(file.name);
    }
    if (!done.length) return;
    drop.panel.reload(dir);
    const what = done.length === 1 ? `“${done[0]}”` : `${done.length} files`;
    if (cwd === null) {
      this.ctx.notify(`Uploaded ${what} to the file root; the shell is outside it, so no path was typed.`);
      return;
    }
    this.ctx.notify(`Uploaded ${what} to ${dir ? `“${dir}”` : 'the file root'}.`);
    // The shell is in `dir`, where the files now are: their names are their paths.
    tab.sendInput(done.map(shellQuote).join(' '));
    tab.focus();
  }
}
