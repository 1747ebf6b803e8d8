// editor.js — the text editor (CodeMirror 6, vendored as one bundle and loaded on first
// use): opens a text file, marks unsaved changes, saves with Ctrl+S under the hash
// precondition (If-Match: "<sha256>"), keeps a draft in sessionStorage on every change
// (drafts.js) so edits survive a reload or a lost session, and on a 409 stale_version
// hands over to the conflict view (conflict.js) that shows both versions. While a file is
// open, disk-watch.js notices it changing on disk and offers to reload it.

import { api, ApiError } from './api.js';
import { ConflictView } from './conflict.js';
import { askText } from './dialog.js';
import { DiskWatch } from './disk-watch.js';
import { drafts } from './drafts.js';
import { icon } from './icons.js';
import { effectiveTheme, prefs } from './prefs.js';

const DRAFT_DELAY_MS = 250;
let cmModule = null;

/** The CodeMirror bundle (~270 kB gzip), fetched once, when the first file opens. */
export function loadCodeMirror() {
  cmModule ??= import('../vendor/codemirror.mjs');
  return cmModule;
}

/** Syntax highlighting by file extension (plain text for anything else). */
export function languageFor(path, cm) {
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : '';
  switch (ext) {
    case 'js': case 'mjs': case 'cjs': return cm.javascript();
    case 'jsx': return cm.javascript({ jsx: true });
    case 'ts': case 'mts': case 'cts': return cm.javascript({ typescript: true });
    case 'tsx': return cm.javascript({ jsx: true, typescript: true });
    case 'py': case 'pyw': return cm.python();
    case 'rs': return cm.rust();
    case 'json': case 'jsonc': return cm.json();
    case 'md': case 'markdown': return cm.markdown();
    case 'html': case 'htm': case 'svg': case 'xml': return cm.html();
    case 'css': return cm.css();
    case 'yaml': case 'yml': return cm.yaml();
    default: return [];
  }
}

/** The extensions every editor gets (CodeMirror's basic setup, assembled from the bundle). */
export function baseExtensions(cm) {
  return [
    cm.lineNumbers(), cm.highlightActiveLineGutter(), cm.highlightSpecialChars(), cm.history(),
    cm.foldGutter(), cm.drawSelection(), cm.dropCursor(), cm.EditorState.allowMultipleSelections.of(true),
    cm.indentOnInput(), cm.syntaxHighlighting(cm.defaultHighlightStyle, { fallback: true }),
    cm.bracketMatching(), cm.closeBrackets(), cm.autocompletion(), cm.rectangularSelection(),
    cm.crosshairCursor(), cm.highlightActiveLine(), cm.highlightSelectionMatches(),
    cm.keymap.of([
      ...cm.closeBracketsKeymap, ...cm.defaultKeymap, ...cm.searchKeymap, ...cm.historyKeymap,
      ...cm.foldKeymap, ...cm.completionKeymap, cm.indentWithTab,
    ]),
  ];
}

/**
 * One Dark on the page's dark terminal background: on its own (#282c34, the active line
 * #2c313a) its red (#e06c75: headings, tags) and comment grey (#7d8799) read 3.6–4.4:1, under
 * WCAG's 4.5:1 (axe color-contrast in a11y.test.mjs). On #16181d, the active line and gutter
 * on #1b1e25, every One Dark text colour reads at least 4.6:1.
 */
const darkBackground = (cm) =>
  cm.EditorView.theme(
    {
      '&': { backgroundColor: '#16181d' },
      '.cm-gutters': { backgroundColor: '#16181d' },
      '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: '#1b1e25' },
    },
    { dark: true },
  );
// First: CodeMirror mounts the earlier of two themes last, so its rules win.
export const themeFor = (cm) => (effectiveTheme() === 'dark' ? [darkBackground(cm), cm.oneDark] : []);
/** Soft wrap (Settings, or the editor's Wrap button): long lines wrap instead of scrolling. */
export const wrapFor = (cm) => (prefs.softWrap ? cm.EditorView.lineWrapping : []);

export class Editor {
  /** @param {HTMLElement} el the (empty) editor section; @param {{notify: Function, onClose?: Function}} ctx */
  constructor(el, ctx) {
    this.el = el;
    this.ctx = ctx;
    this.view = null;
    this.path = null;
    this.base = null; // sha256 the text was loaded from (null: not on disk)
    this.savedText = '';
    this.dirty = false;
    this.saving = false;

    const head = document.createElement('div');
    head.className = 'editor-head';
    this.title = document.createElement('span');
    this.title.className = 'editor-path';
    this.mark = document.createElement('span');
    this.mark.className = 'editor-dirty';
    this.mark.textContent = '● unsaved';
    this.mark.hidden = true;
    this.status = document.createElement('span');
    this.status.className = 'editor-status';
    this.status.setAttribute('role', 'status');
    const spacer = document.createElement('span');
    spacer.className = 'editor-spacer';
    this.wrapButton = document.createElement('button');
    this.wrapButton.type = 'button';
    this.wrapButton.textContent = 'Wrap';
    this.wrapButton.title = 'Wrap long lines';
    this.wrapButton.addEventListener('click', () => prefs.setSoftWrap(!prefs.softWrap));
    this.saveButton = document.createElement('button');
    this.saveButton.type = 'button';
    this.saveButton.textContent = 'Save';
    this.saveButton.title = 'Save (Ctrl+S)';
    this.saveButton.addEventListener('click', () => this.save());
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'icon';
    close.append(icon('x'));
    close.title = 'Close the editor';
    close.setAttribute('aria-label', 'Close the editor');
    close.addEventListener('click', () => this.close());
    head.append(this.title, this.mark, spacer, this.status, this.wrapButton, this.saveButton, close);
    this.host = document.createElement('div');
    this.host.className = 'editor-host';
    this.conflict = new ConflictView(this);
    this.watch = new DiskWatch(this);
    el.append(head, this.watch.el, this.host, this.conflict.el);

    prefs.onChange(() => this.applyTheme());
    this.renderWrap();
    window.addEventListener('pagehide', () => this.flushDraft());
  }

  get isOpen() {
    return this.path !== null;
  }

  get text() {
    return this.view ? this.view.state.doc.toString() : '';
  }

  /** Open `path` (restoring its draft, if any); returns false when it cannot be edited. */
  async open(path) {
    if (this.path === path) {
      this.el.hidden = false;
      this.focus();
      return true;
    }
    const cm = await loadCodeMirror();
    let file;
    try {
      file = await api.readFile(path);
    } catch (err) {
      if (err.status !== 401) this.ctx.notify(`Could not open “${path}”: ${err.message}`);
      return false;
    }
    if (file.kind !== 'text') {
      const why = file.kind === 'too_large' ? 'too large to edit' : 'not a text file';
      this.ctx.notify(`“${path}” is ${why}: download it instead.`);
      return false;
    }
    this.flushDraft();
    this.conflict.hide();
    this.watch.clear();
    const draft = drafts.get(path);
    this.path = path;
    this.base = file.sha256;
    this.savedText = file.text;
    let text = file.text;
    if (draft && draft.text !== file.text) {
      text = draft.text;
      this.base = draft.base ?? null;
    } else if (draft) {
      drafts.drop(path);
    }
    this.cm = cm;
    this.themeSlot = new cm.Compartment();
    this.wrapSlot = new cm.Compartment();
    const state = cm.EditorState.create({
      doc: text,
      extensions: [
        cm.keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => (this.save(), true) }]),
        baseExtensions(cm),
        languageFor(path, cm),
        this.themeSlot.of(themeFor(cm)),
        this.wrapSlot.of(wrapFor(cm)),
        cm.EditorView.contentAttributes.of({ 'aria-label': `Contents of ${path}` }),
        cm.EditorView.updateListener.of((u) => {
          if (u.docChanged) this.changed();
        }),
      ],
    });
    if (this.view) this.view.setState(state);
    else this.view = new cm.EditorView({ state, parent: this.host });
    this.title.textContent = path;
    this.title.title = path;
    this.status.textContent = '';
    drafts.openPath = path;
    this.el.hidden = false;
    this.updateDirty();
    if (draft && draft.text !== file.text) {
      const stale = draft.base !== file.sha256;
      this.ctx.notify(`Restored unsaved changes to “${path}”.${stale ? ' The file changed on disk meanwhile: saving will show both versions.' : ''}`);
    }
    this.ctx.onOpen?.(path);
    this.focus();
    return true;
  }

  changed() {
    clearTimeout(this.draftTimer);
    this.draftTimer = setTimeout(() => this.flushDraft(), DRAFT_DELAY_MS);
    if (!this.dirty) this.updateDirty();
  }

  /** Store (or drop) the draft of the open file now. */
  flushDraft() {
    clearTimeout(this.draftTimer);
    this.draftTimer = null;
    if (!this.view || !this.path) return;
    this.updateDirty();
    if (!this.dirty) drafts.drop(this.path);
    else if (!drafts.put(this.path, this.base, this.text)) this.status.textContent = 'Draft not kept (storage full)';
  }

  updateDirty() {
    this.dirty = Boolean(this.view) && (this.base === null || this.text !== this.savedText);
    this.mark.hidden = !this.dirty;
    this.el.classList.toggle('dirty', this.dirty);
    this.watch.render(); // "Reload" only while there is nothing to lose
  }

  async save() {
    if (!this.view || this.saving || this.conflict.isOpen) return;
    const text = this.text;
    const path = this.path;
    this.saving = true;
    this.status.textContent = 'Saving…';
    try {
      const res = await api.writeFile(path, text, this.base);
      this.saved(path, text, res.sha256);
    } catch (err) {
      this.status.textContent = '';
      if (err instanceof ApiError && err.status === 409 && err.code === 'stale_version') {
        await this.conflict.show(text);
      } else if (err instanceof ApiError && err.code === 'already_exists') {
        await this.conflict.show(text);
      } else if (err.status !== 401) {
        this.ctx.notify(`Could not save “${path}”: ${err.message}`);
      }
    } finally {
      this.saving = false;
    }
  }

  /** `text` is now on disk as version `sha256`. */
  saved(path, text, sha256) {
    if (path !== this.path) return;
    this.base = sha256;
    this.savedText = text;
    this.watch.clear();
    this.flushDraft();
    this.status.textContent = `Saved ${new Date().toLocaleTimeString()}`;
  }

  /** Replace the editor's text (conflict resolved with the disk version). */
  replaceText(text, sha256) {
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text } });
    this.base = sha256;
    this.savedText = text;
    this.watch.clear();
    this.flushDraft();
  }

  applyTheme() {
    const effects = this.cm ? [this.themeSlot.reconfigure(themeFor(this.cm)), this.wrapSlot.reconfigure(wrapFor(this.cm))] : [];
    if (this.view && this.cm) this.view.dispatch({ effects });
    this.conflict.applyTheme();
    this.renderWrap();
  }

  renderWrap() {
    this.wrapButton.setAttribute('aria-pressed', String(prefs.softWrap));
  }

  /** The panel renamed or moved a path: follow the open file. */
  pathMoved(from, to) {
    if (!this.path || (this.path !== from && !this.path.startsWith(`${from}/`))) return;
    const next = to + this.path.slice(from.length);
    drafts.drop(this.path);
    this.watch.clear(); // what it saw was about the old path
    this.path = next;
    this.title.textContent = next;
    drafts.openPath = next;
    this.flushDraft();
  }

  /** The panel deleted a path: keep the text, a save creates the file again. */
  pathDeleted(path) {
    if (!this.path || (this.path !== path && !this.path.startsWith(`${path}/`))) return;
    this.base = null;
    this.watch.clear();
    this.flushDraft();
    this.ctx.notify(`“${this.path}” was deleted; its text stays in the editor until you close it.`);
  }

  focus() {
    if (this.conflict.isOpen) this.conflict.focus();
    else this.view?.focus();
  }

  /** Leave the page (session ended): hide and free the view, but keep the drafts. */
  detach() {
    this.flushDraft();
    this.conflict.hide();
    this.watch.clear();
    this.view?.destroy();
    this.view = null;
    this.path = null;
    this.el.hidden = true;
  }

  /** Close; asks first when there are unsaved changes (which are dropped then). */
  async close() {
    if (!this.path) return true;
    this.updateDirty();
    if (this.dirty) {
      const ok = await askText({
        title: 'Discard changes?', message: `“${this.path}” has unsaved changes. Close it and discard them?`,
        confirmLabel: 'Discard', danger: true, action: async () => true,
      });
      if (!ok) return false;
    }
    clearTimeout(this.draftTimer);
    drafts.drop(this.path);
    drafts.openPath = null;
    this.conflict.hide();
    this.watch.clear();
    this.path = null;
    this.el.hidden = true;
    this.view?.destroy();
    this.view = null;
    this.ctx.onClose?.();
    return true;
  }
}
