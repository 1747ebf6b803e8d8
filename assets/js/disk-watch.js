// disk-watch.js — notices that the file open in the editor changed on disk behind its back
// (another program, the shell, a git checkout). It asks GET /api/files/version (the hash, no
// text, and no "activity": a poll must not keep an absent owner's session alive) when the page
// gets focus, when it is shown again, and every 10 s while it is visible. A version other than
// the one the editor was loaded from shows a non-modal bar above the text: "changed on disk —
// Reload" while the buffer is unmodified, "saving will show both versions" (the conflict view,
// conflict.js) once it is not. Nothing is ever reloaded without the click.

import { api, ApiError } from './api.js';

const POLL_MS = 10_000;

export class DiskWatch {
  /** @param {import('./editor.js').Editor} editor */
  constructor(editor) {
    this.editor = editor;
    this.disk = undefined; // the version seen on disk, when it differs from the editor's base
    this.asking = false;
    this.el = document.createElement('div');
    this.el.className = 'editor-changed';
    this.el.setAttribute('role', 'status');
    this.el.hidden = true;
    this.text = document.createElement('span');
    this.reloadButton = document.createElement('button');
    this.reloadButton.type = 'button';
    this.reloadButton.textContent = 'Reload';
    this.reloadButton.title = 'Load the version on disk into the editor';
    this.reloadButton.addEventListener('click', () => this.reload());
    this.el.append(this.text, this.reloadButton);

    window.addEventListener('focus', () => this.check());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.check();
    });
    // A hidden page's timers are throttled anyway; the check on showing catches up.
    setInterval(() => {
      if (document.visibilityState === 'visible') this.check();
    }, POLL_MS);
  }

  /** Ask the server for the open file's version and show or clear the bar. */
  async check() {
    const ed = this.editor;
    // Not on disk yet (base null), or a save or a conflict is under way: they know better.
    if (!ed.path || ed.base === null || ed.saving || ed.conflict.isOpen || this.asking) return;
    const { path, base } = ed;
    this.asking = true;
    let now;
    try {
      now = (await api.fileVersion(path)).sha256 ?? null;
    } catch (err) {
      // Gone from disk: a save then shows both versions (the disk side empty).
      if (!(err instanceof ApiError && err.status === 404)) return; // offline, 401: ask later
      now = null;
    } finally {
      this.asking = false;
    }
    // The editor moved on meanwhile (another file, a save): this answer is about the past.
    if (ed.path !== path || ed.base !== base) return;
    if (now === base) this.clear();
    else {
      this.disk = now;
      this.render();
    }
  }

  /** Say what a change on disk means for the buffer as it is now (called on every dirty change). */
  render() {
    const ed = this.editor;
    if (this.disk === undefined || !ed.path) {
      this.el.hidden = true;
      return;
    }
    const name = `“${ed.path}”`;
    const clean = !ed.dirty && this.disk !== null;
    this.text.textContent = clean
      ? `${name} changed on disk.`
      : `${name} ${this.disk === null ? 'is gone from disk' : 'changed on disk'}: saving will show both versions.`;
    this.reloadButton.hidden = !clean;
    this.el.hidden = false;
  }

  /** The editor holds what is on disk again (opened, saved, resolved): no bar. */
  clear() {
    this.disk = undefined;
    this.el.hidden = true;
  }

  /** Load the disk's version into the (unmodified) buffer. */
  async reload() {
    const ed = this.editor;
    const path = ed.path;
    let file;
    try {
      file = await api.readFile(path);
    } catch (err) {
      if (err.status !== 401) ed.ctx.notify(`Could not reload “${path}”: ${err.message}`);
      return;
    }
    if (ed.path !== path) return;
    if (file.kind !== 'text') {
      ed.ctx.notify(`“${path}” is no longer a text file the editor can show.`);
      return;
    }
    ed.replaceText(file.text, file.sha256);
    ed.focus();
  }
}
