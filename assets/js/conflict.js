// conflict.js — what the editor shows when a save finds the file changed on disk (409
// stale_version): both versions side by side (CodeMirror's MergeView, differences marked),
// "your version" still editable so the owner can merge by hand, and three choices:
// keep mine (overwrite the disk version, If-Match its hash), take the disk version, or
// go back to editing (the next save asks again).

import { api, ApiError } from './api.js';
import { languageFor, loadCodeMirror, themeFor } from './editor.js';

export class ConflictView {
  /** @param {import('./editor.js').Editor} editor */
  constructor(editor) {
    this.editor = editor;
    this.merge = null;
    this.disk = null;
    this.el = document.createElement('div');
    this.el.className = 'conflict';
    this.el.hidden = true;
    this.el.setAttribute('role', 'region');
    this.el.setAttribute('aria-labelledby', 'conflict-title');

    const head = document.createElement('div');
    head.className = 'conflict-head';
    const title = document.createElement('h3');
    title.id = 'conflict-title';
    title.textContent = 'The file changed on disk since you opened it.';
    this.mine = this.button('Keep mine', 'Save your version over the one on disk', () => this.keepMine(), 'primary');
    this.theirs = this.button('Use the disk version', 'Drop your changes and take the version on disk', () => this.takeDisk());
    const back = this.button('Back to editing', 'Close this view; the next save asks again', () => this.hide(true));
    head.append(title, this.mine, this.theirs, back);

    const labels = document.createElement('div');
    labels.className = 'conflict-labels';
    const a = document.createElement('span');
    a.textContent = 'Your version (editable)';
    const b = document.createElement('span');
    b.textContent = 'On disk now';
    labels.append(a, b);
    this.body = document.createElement('div');
    this.body.className = 'conflict-body';
    this.el.append(head, labels, this.body);
  }

  button(text, title, onClick, cls = '') {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = text;
    b.title = title;
    if (cls) b.className = cls;
    b.addEventListener('click', onClick);
    return b;
  }

  get isOpen() {
    return !this.el.hidden;
  }

  /** Fetch the disk version and show it next to `mine`. */
  async show(mine) {
    const ed = this.editor;
    const cm = await loadCodeMirror();
    let disk;
    try {
      disk = await api.readFile(ed.path);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) disk = { kind: 'missing', sha256: null, text: '' };
      else {
        ed.ctx.notify(`Could not read the disk version: ${err.message}`);
        return;
      }
    }
    this.disk = disk;
    this.merge?.destroy();
    const lang = languageFor(ed.path, cm);
    const theme = (this.themeSlot = new cm.Compartment());
    const common = [cm.lineNumbers(), cm.highlightSpecialChars(), cm.syntaxHighlighting(cm.defaultHighlightStyle, { fallback: true }), lang, theme.of(themeFor(cm))];
    const diskText = disk.kind === 'text' ? disk.text : disk.kind === 'missing' ? '' : `(${disk.kind === 'too_large' ? 'too large to show' : 'binary'}: ${disk.size} bytes)`;
    this.merge = new cm.MergeView({
      a: { doc: mine, extensions: [...common, cm.history(), cm.keymap.of([...cm.defaultKeymap, ...cm.historyKeymap]), cm.EditorView.contentAttributes.of({ 'aria-label': 'Your version' })] },
      b: { doc: diskText, extensions: [...common, cm.EditorState.readOnly.of(true), cm.EditorView.editable.of(false), cm.EditorView.contentAttributes.of({ 'aria-label': 'Version on disk' })] },
      parent: this.body,
      gutter: true,
    });
    this.slots = [this.themeSlot];
    this.theirs.disabled = disk.kind !== 'text';
    this.theirs.textContent = disk.kind === 'missing' ? 'Use the disk version (deleted)' : 'Use the disk version';
    this.el.hidden = false;
    ed.host.hidden = true;
    ed.el.classList.add('in-conflict');
    this.mine.focus();
  }

  async keepMine() {
    const ed = this.editor;
    const text = this.merge.a.state.doc.toString();
    this.mine.disabled = true;
    try {
      const res = await api.writeFile(ed.path, text, this.disk?.sha256 ?? null);
      this.hide();
      ed.replaceText(text, res.sha256);
      ed.saved(ed.path, text, res.sha256);
      ed.focus();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        await this.show(text); // changed again meanwhile: show the newest disk version
      } else if (err.status !== 401) {
        ed.ctx.notify(`Could not save: ${err.message}`);
      }
    } finally {
      this.mine.disabled = false;
    }
  }

  takeDisk() {
    const ed = this.editor;
    if (this.disk?.kind !== 'text') return;
    const { text, sha256 } = this.disk;
    this.hide();
    ed.replaceText(text, sha256);
    ed.status.textContent = 'Took the disk version';
    ed.focus();
  }

  /** Close the view; `keepEdits`: copy hand-merged text back into the editor. */
  hide(keepEdits = false) {
    const ed = this.editor;
    if (keepEdits && this.merge && ed.view) {
      const text = this.merge.a.state.doc.toString();
      if (text !== ed.text) ed.view.dispatch({ changes: { from: 0, to: ed.view.state.doc.length, insert: text } });
    }
    this.merge?.destroy();
    this.merge = null;
    this.el.hidden = true;
    ed.host.hidden = false;
    ed.el.classList.remove('in-conflict');
    if (keepEdits) ed.focus();
  }

  applyTheme() {
    if (!this.merge) return;
    loadCodeMirror().then((cm) => {
      const effects = this.themeSlot.reconfigure(themeFor(cm));
      this.merge?.a.dispatch({ effects });
      this.merge?.b.dispatch({ effects });
    });
  }

  focus() {
    this.mine.focus();
  }
}
