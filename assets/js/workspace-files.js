// workspace-files.js — puts the file panel and the editor into the owner's workspace: the
// "Files" toggle (Ctrl+Shift+E), the panel as a column beside the terminals on a wide
// screen and as a drawer (with a backdrop, Esc closes it) on a phone, the editor splitting
// the stage with the terminals, and reopening the last edited file (with its draft) after a
// reload or a new login. Absent entirely when the server says `files: false`.

import { drafts } from './drafts.js';
import { Editor } from './editor.js';
import { FilesPanel } from './files.js';
import { readPref, writePref } from './prefs.js';

const OPEN_KEY = 'termgate.files.open'; // display preference only
const phone = window.matchMedia('(max-width: 700px)');

export class FilesLayout {
  /**
   * @param {{toggle: HTMLButtonElement, panel: HTMLElement, backdrop: HTMLElement, editor: HTMLElement,
   *          notify: (t: string) => void, openTerminal: (cwd: string) => Promise<any>,
   *          focusTerminal: () => void}} ctx
   */
  constructor(ctx) {
    this.ctx = ctx;
    this.enabled = false;
    this.panel = null;
    this.stage = ctx.editor.parentElement;
    this.editor = new Editor(ctx.editor, {
      notify: ctx.notify,
      onOpen: () => this.stage.classList.add('editing'),
      onClose: () => {
        this.stage.classList.remove('editing');
        ctx.focusTerminal();
      },
    });
    ctx.toggle.addEventListener('click', () => this.toggle());
    ctx.backdrop.addEventListener('click', () => this.setOpen(false));
    ctx.panel.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && phone.matches && !document.querySelector('dialog[open]')) {
        this.setOpen(false);
        ctx.toggle.focus();
      }
    });
    phone.addEventListener('change', () => this.enabled && this.setOpen(!phone.matches && this.isOpen));
  }

  get isOpen() {
    return !this.ctx.panel.hidden;
  }

  /** Show the panel (if the server serves files) and reopen the last edited file. */
  async start(enabled) {
    this.enabled = enabled;
    this.ctx.toggle.hidden = !enabled;
    if (!enabled) {
      this.ctx.panel.hidden = true;
      this.ctx.backdrop.hidden = true;
      return;
    }
    this.panel ??= new FilesPanel(this.ctx.panel, {
      notify: this.ctx.notify,
      openFile: (path) => this.openFile(path),
      openTerminal: (cwd) => {
        if (phone.matches) this.setOpen(false);
        return this.ctx.openTerminal(cwd);
      },
      onPathMoved: (from, to) => this.editor.pathMoved(from, to),
      onPathDeleted: (path) => this.editor.pathDeleted(path),
      close: () => {
        this.setOpen(false);
        this.ctx.toggle.focus();
      },
    });
    this.setOpen(!phone.matches && readPref(OPEN_KEY) !== '0');
    await this.panel.load();
    const last = drafts.openPath;
    if (last) await this.editor.open(last);
    else if (drafts.paths().length) this.ctx.notify('Some files have unsaved changes (marked ●): open them to continue.');
  }

  toggle() {
    const open = !this.isOpen;
    this.setOpen(open);
    if (open) (this.panel.tree.querySelector('[role="treeitem"][tabindex="0"]') || this.panel.tree).focus();
    else this.ctx.focusTerminal();
  }

  setOpen(open) {
    this.ctx.panel.hidden = !open;
    this.ctx.toggle.setAttribute('aria-expanded', String(open));
    this.ctx.backdrop.hidden = !(open && phone.matches);
    if (!phone.matches) writePref(OPEN_KEY, open ? '1' : '0');
  }

  async openFile(path) {
    if (phone.matches) this.setOpen(false);
    await this.editor.open(path);
  }

  /** Leaving the workspace (logout, session end): hide everything, keep the drafts. */
  detach() {
    this.enabled = false;
    this.editor.detach();
    this.stage.classList.remove('editing');
    this.ctx.toggle.hidden = true;
    this.ctx.panel.hidden = true;
    this.ctx.backdrop.hidden = true;
  }

  /** The owner logged out on purpose: unsaved drafts go too. */
  forget() {
    this.detach();
    drafts.clearAll();
  }
}
