// files.js — the file panel beside the terminals: a tree (role=tree, lazily loaded folders,
// arrow-key navigation), a toolbar (new file/folder, upload, refresh, hidden files) and
// actions on the selected item (rename, delete with confirmation, download — folders as
// .tar.gz — and "open a terminal here"). Moving by drag and drop and uploads with progress
// bars are in filedrop.js. Paths are relative to the server's file root ("" = the root).

import { api } from './api.js';
import { askText } from './dialog.js';
import { drafts } from './drafts.js';
import { checkName, joinPath, parentOf } from './file-paths.js';
import { FileDrop } from './filedrop.js';
import { icon } from './icons.js';
import { readPref, writePref } from './prefs.js';

const HIDDEN_KEY = 'termgate.files.hidden'; // display preference only

/** A toolbar button: text `label`, or an icon when `label` is `{icon: name}`. */
function button(label, aria, onClick, extraClass = '') {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = `files-button ${extraClass}`.trim();
  if (typeof label === 'string') b.textContent = label;
  else b.append(icon(label.icon));
  b.title = aria;
  if (label !== aria) b.setAttribute('aria-label', aria);
  b.addEventListener('click', onClick);
  return b;
}

export class FilesPanel {
  /**
   * @param {HTMLElement} el the (empty) <aside>
   * @param {{notify: (t: string) => void, openFile: (path: string) => void,
   *          openTerminal: (cwd: string) => void, onPathMoved: (from: string, to: string) => void,
   *          onPathDeleted: (path: string) => void, close: () => void}} ctx
   */
  constructor(el, ctx) {
    this.el = el;
    this.ctx = ctx;
    this.nodes = new Map(); // path -> {path, name, kind, li, group, loaded, expanded}
    this.selected = null; // path of the selected item; null = the root
    this.showHidden = readPref(HIDDEN_KEY) === '1';

    const head = document.createElement('div');
    head.className = 'files-head';
    const title = document.createElement('h2');
    title.textContent = 'Files';
    this.hiddenButton = button({ icon: 'eye' }, 'Show hidden files', () => this.toggleHidden(), 'icon');
    this.hiddenButton.setAttribute('aria-pressed', String(this.showHidden));
    head.append(
      title, // its margin pushes the buttons to the right
      button({ icon: 'file-plus' }, 'New file', () => this.newFile(), 'icon'),
      button({ icon: 'folder-plus' }, 'New folder', () => this.newFolder(), 'icon'),
      button({ icon: 'upload' }, 'Upload files', () => this.drop.pick(), 'icon'),
      this.hiddenButton,
      button({ icon: 'refresh' }, 'Refresh', () => this.reload(''), 'icon'),
      button({ icon: 'x' }, 'Close the file panel', () => ctx.close(), 'icon files-close'),
    );
    head.setAttribute('role', 'toolbar');
    head.setAttribute('aria-label', 'Files');

    this.actions = document.createElement('div');
    this.actions.className = 'files-actions';
    this.actions.setAttribute('role', 'toolbar');
    this.actions.setAttribute('aria-label', 'Selected item');
    this.selLabel = document.createElement('span');
    this.selLabel.className = 'files-selected';
    this.renameButton = button('Rename', 'Rename or move (F2)', () => this.rename());
    this.deleteButton = button('Delete', 'Delete (Del)', () => this.remove(), 'danger');
    this.downloadButton = button('Download', 'Download', () => this.download());
    this.terminalButton = button('Terminal', 'Open a terminal here', () => ctx.openTerminal(this.folderOfSelection()));
    this.actions.append(this.selLabel, this.renameButton, this.deleteButton, this.downloadButton, this.terminalButton);

    this.tree = document.createElement('ul');
    this.tree.className = 'tree';
    this.tree.setAttribute('role', 'tree');
    this.tree.setAttribute('aria-label', 'Files');
    this.tree.tabIndex = 0; // until an item exists to take the roving focus
    this.tree.addEventListener('keydown', (ev) => this.onKeyDown(ev));
    this.tree.addEventListener('click', (ev) => this.onClick(ev));
    this.tree.addEventListener('focus', () => this.focusItem(this.selected ?? this.visible()[0]?.path));

    this.emptyRoot = document.createElement('p');
    this.emptyRoot.className = 'tree-empty';
    this.emptyRoot.textContent = 'empty';
    this.emptyRoot.hidden = true;

    this.drop = new FileDrop(this, ctx.notify);
    el.append(head, this.actions, this.emptyRoot, this.tree, this.drop.el);
    this.unsubscribe = drafts.onChange(() => this.markDrafts());
    this.renderSelection();
  }

  /** Load the root listing (again). */
  async load() {
    this.tree.replaceChildren();
    this.nodes.clear();
    await this.fill('', this.tree);
  }

  async fill(dir, group) {
    let entries = [];
    let cursor = null;
    try {
      do {
        const page = await api.listFiles(dir, { hidden: this.showHidden, cursor });
        entries = entries.concat(Array.isArray(page.entries) ? page.entries : []);
        cursor = page.next_cursor || null;
      } while (cursor && entries.length < 50_000);
    } catch (err) {
      if (err.status !== 401) this.ctx.notify(`Could not list “${dir || '/'}”: ${err.message}`);
      return false;
    }
    group.replaceChildren(...entries.map((e) => this.buildItem(dir, e, group === this.tree ? 1 : 0)));
    // An empty root says so beside the tree: a tree may own treeitems and groups only.
    if (group === this.tree) this.emptyRoot.hidden = entries.length > 0;
    else if (!entries.length) {
      const empty = document.createElement('li');
      empty.className = 'tree-empty';
      empty.setAttribute('role', 'none');
      empty.textContent = 'empty';
      group.append(empty);
    }
    this.markDrafts();
    this.syncTabStop();
    return true;
  }

  buildItem(dir, entry, level) {
    const path = joinPath(dir, entry.name);
    const parent = this.nodes.get(dir);
    const depth = level || (parent ? parent.depth + 1 : 1);
    const li = document.createElement('li');
    li.setAttribute('role', 'treeitem');
    li.setAttribute('aria-level', String(depth));
    li.setAttribute('aria-selected', String(this.selected === path));
    li.tabIndex = -1;
    li.dataset.path = path;
    li.dataset.kind = entry.kind;
    const row = document.createElement('div');
    row.className = 'tree-row';
    row.draggable = true;
    const icon = document.createElement('span');
    icon.className = 'tree-icon';
    icon.setAttribute('aria-hidden', 'true');
    const name = document.createElement('span');
    name.className = 'tree-name';
    name.textContent = entry.name;
    const mark = document.createElement('span');
    mark.className = 'tree-dirty';
    mark.textContent = '●';
    mark.title = 'unsaved changes';
    row.append(icon, name, mark);
    li.append(row);
    const node = { path, name: entry.name, kind: entry.kind, li, group: null, loaded: false, expanded: false, depth };
    if (entry.kind === 'folder') {
      li.setAttribute('aria-expanded', 'false');
      node.group = document.createElement('ul');
      node.group.setAttribute('role', 'group');
      node.group.hidden = true;
      li.append(node.group);
    } else if (entry.kind === 'symlink' && !entry.target_inside) {
      li.setAttribute('aria-disabled', 'true');
      row.title = 'link to outside the file root';
    }
    if (Number.isFinite(entry.size) && entry.kind === 'file') row.title = `${entry.size.toLocaleString()} bytes`;
    this.nodes.set(path, node);
    return li;
  }

  async expand(node, open = !node.expanded) {
    if (node.kind !== 'folder') return;
    node.expanded = open;
    node.li.setAttribute('aria-expanded', String(open));
    node.group.hidden = !open;
    if (open && !node.loaded) {
      node.loaded = await this.fill(node.path, node.group);
    }
  }

  /** Re-list a folder, keeping its open subfolders open. */
  async reload(dir) {
    if (dir === '') {
      const open = [...this.nodes.values()].filter((n) => n.expanded).map((n) => n.path);
      const selected = this.selected;
      await this.load();
      for (const path of open.sort()) {
        const n = this.nodes.get(path);
        if (n) await this.expand(n, true);
      }
      this.select(this.nodes.has(selected) ? selected : null);
      return;
    }
    const node = this.nodes.get(dir);
    if (!node) return this.reload('');
    for (const path of [...this.nodes.keys()]) if (path.startsWith(`${dir}/`)) this.nodes.delete(path);
    node.loaded = false;
    await this.expand(node, true);
  }

  visible() {
    return [...this.tree.querySelectorAll('li[role="treeitem"]')]
      .filter((li) => !li.closest('ul[hidden]'))
      .map((li) => this.nodes.get(li.dataset.path))
      .filter(Boolean);
  }

  select(path) {
    this.selected = path && this.nodes.has(path) ? path : null;
    for (const n of this.nodes.values()) n.li.setAttribute('aria-selected', String(n.path === this.selected));
    this.renderSelection();
    this.syncTabStop();
  }

  /** One item in the tree is reachable with Tab: the selected one, else the first. */
  syncTabStop() {
    const target = this.nodes.get(this.selected) ?? this.visible()[0];
    for (const n of this.nodes.values()) n.li.tabIndex = n === target ? 0 : -1;
    this.tree.tabIndex = target ? -1 : 0;
  }

  focusItem(path) {
    const node = this.nodes.get(path);
    if (!node) return;
    this.select(path);
    node.li.focus();
  }

  renderSelection() {
    const node = this.nodes.get(this.selected);
    this.selLabel.textContent = node ? node.name : '/';
    this.selLabel.title = node ? node.path : 'the file root';
    this.renameButton.disabled = !node;
    this.deleteButton.disabled = !node;
    this.downloadButton.textContent = node?.kind === 'folder' || !node ? 'Download .tar.gz' : 'Download';
  }

  folderOfSelection() {
    const node = this.nodes.get(this.selected);
    if (!node) return '';
    return node.kind === 'folder' ? node.path : parentOf(node.path);
  }

  markDrafts() {
    const dirty = new Set(drafts.paths());
    for (const n of this.nodes.values()) n.li.classList.toggle('dirty', dirty.has(n.path));
  }

  activate(node) {
    if (node.kind === 'folder') this.expand(node);
    else if (node.li.getAttribute('aria-disabled') !== 'true') this.ctx.openFile(node.path);
  }

  onClick(ev) {
    const li = ev.target instanceof Element ? ev.target.closest('li[role="treeitem"]') : null;
    if (!li) return;
    const node = this.nodes.get(li.dataset.path);
    this.focusItem(node.path);
    this.activate(node);
  }

  onKeyDown(ev) {
    const li = ev.target instanceof Element ? ev.target.closest('li[role="treeitem"]') : null;
    const node = li && this.nodes.get(li.dataset.path);
    if (!node) return;
    const list = this.visible();
    const i = list.indexOf(node);
    let target = null;
    switch (ev.key) {
      case 'ArrowDown': target = list[i + 1]; break;
      case 'ArrowUp': target = list[i - 1]; break;
      case 'Home': target = list[0]; break;
      case 'End': target = list[list.length - 1]; break;
      case 'ArrowRight':
        if (node.kind === 'folder' && !node.expanded) this.expand(node, true);
        else if (node.kind === 'folder') target = list[i + 1]?.depth > node.depth ? list[i + 1] : null;
        break;
      case 'ArrowLeft':
        if (node.kind === 'folder' && node.expanded) this.expand(node, false);
        else target = this.nodes.get(parentOf(node.path)) ?? null;
        break;
      case 'Enter': this.activate(node); break;
      case 'F2': this.rename(); break;
      case 'Delete': this.remove(); break;
      default: return;
    }
    ev.preventDefault();
    ev.stopPropagation();
    if (target) this.focusItem(target.path);
  }

  toggleHidden() {
    this.showHidden = !this.showHidden;
    writePref(HIDDEN_KEY, this.showHidden ? '1' : '0');
    this.hiddenButton.setAttribute('aria-pressed', String(this.showHidden));
    this.reload('');
  }

  async newFile() {
    const dir = this.folderOfSelection();
    const path = await askText({
      title: 'New file', message: `In ${dir ? `“${dir}”` : 'the file root'}.`, label: 'File name', confirmLabel: 'Create',
      action: async (name) => {
        checkName(name);
        await api.writeFile(joinPath(dir, name), '', null).catch((err) => {
          throw new Error(err.code === 'already_exists' ? 'A file with that name exists.' : err.message);
        });
        return joinPath(dir, name);
      },
    });
    if (typeof path !== 'string') return;
    await this.reload(dir);
    this.focusItem(path);
    this.ctx.openFile(path);
  }

  async newFolder() {
    const dir = this.folderOfSelection();
    const path = await askText({
      title: 'New folder', message: `In ${dir ? `“${dir}”` : 'the file root'}.`, label: 'Folder name', confirmLabel: 'Create',
      action: async (name) => {
        checkName(name);
        await api.mkdir(joinPath(dir, name));
        return joinPath(dir, name);
      },
    });
    if (typeof path !== 'string') return;
    await this.reload(dir);
    this.focusItem(path);
  }

  /** Rename in place, or move: a value with "/" is a path from the root. */
  async rename() {
    const node = this.nodes.get(this.selected);
    if (!node) return;
    const to = await askText({
      title: 'Rename or move', message: 'A name renames in place; a path with “/” moves it (from the file root).',
      label: 'New name', value: node.name, confirmLabel: 'Rename',
      action: async (value) => {
        const target = value.includes('/') ? value.replace(/^\/+/, '') : joinPath(parentOf(node.path), value);
        if (!value.includes('/')) checkName(value);
        if (target === node.path) return target;
        await this.move(node.path, target, true);
        return target;
      },
    });
    if (typeof to === 'string') this.focusItem(to);
  }

  /** Move `from` to `to` (never overwriting); refreshes both folders. */
  async move(from, to, throwErrors = false) {
    try {
      await api.move(from, to);
    } catch (err) {
      const text = err.status === 409 ? `“${to}” already exists.` : `Could not move: ${err.message}`;
      if (throwErrors) throw new Error(text);
      this.ctx.notify(text);
      return false;
    }
    this.ctx.onPathMoved(from, to);
    await this.reload(parentOf(from));
    if (parentOf(to) !== parentOf(from)) await this.reload(parentOf(to));
    return true;
  }

  async remove() {
    const node = this.nodes.get(this.selected);
    if (!node) return;
    const what = node.kind === 'folder' ? `the folder “${node.path}” and everything in it` : `“${node.path}”`;
    const done = await askText({
      title: 'Delete', message: `Delete ${what}? This cannot be undone.`, confirmLabel: 'Delete', danger: true,
      action: async () => api.deletePath(node.path, { recursive: node.kind === 'folder' }).catch((err) => {
        if (err.status !== 404) throw new Error(err.message);
      }),
    });
    if (!done) return;
    this.ctx.onPathDeleted(node.path);
    const parent = parentOf(node.path);
    this.selected = parent || null;
    await this.reload(parent);
    if (parent) this.focusItem(parent);
  }

  async download() {
    const node = this.nodes.get(this.selected);
    const url = node && node.kind !== 'folder' ? api.downloadUrl(node.path) : api.archiveUrl(node ? node.path : '');
    try {
      await api.download(url);
    } catch (err) {
      this.ctx.notify(`Download failed: ${err.message}`);
    }
  }
}
