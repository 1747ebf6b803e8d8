// filedrop.js — drag and drop in the file panel and uploads: dragging a tree item onto a
// folder moves it; dropping files from the desktop onto a folder (or the panel) uploads
// them there; the Upload button picks files. Uploads use XMLHttpRequest for the progress
// bar (<progress>, no inline style), ask before replacing, and report 413 as "too large".

import { api } from './api.js';
import { proofHeaders } from './proof.js';
import { askText } from './dialog.js';

const DRAG_TYPE = 'application/x-termgate-path';

export class FileDrop {
  /** @param {import('./files.js').FilesPanel} panel */
  constructor(panel, notify) {
    this.panel = panel;
    this.notify = notify;
    this.el = document.createElement('div');
    this.el.className = 'uploads';
    this.el.setAttribute('aria-live', 'polite');
    this.input = document.createElement('input');
    this.input.type = 'file';
    this.input.multiple = true;
    this.input.hidden = true;
    this.input.setAttribute('aria-hidden', 'true');
    this.input.tabIndex = -1;
    this.input.addEventListener('change', () => {
      const files = [...this.input.files];
      this.input.value = '';
      this.uploadAll(panel.folderOfSelection(), files);
    });
    panel.el.append(this.input); // outside .uploads, which shows only while it has rows

    const root = panel.el;
    root.addEventListener('dragstart', (ev) => this.onDragStart(ev));
    root.addEventListener('dragover', (ev) => this.onDragOver(ev));
    root.addEventListener('dragleave', (ev) => this.highlight(ev.relatedTarget instanceof Node && root.contains(ev.relatedTarget) ? this.current : null));
    root.addEventListener('drop', (ev) => this.onDrop(ev));
    root.addEventListener('dragend', () => this.highlight(null));
  }

  pick() {
    this.input.click();
  }

  /** The folder a drop at `target` lands in: the folder under the pointer, a file's folder, or the root. */
  folderAt(target) {
    const li = target instanceof Element ? target.closest('li[role="treeitem"]') : null;
    const node = li ? this.panel.nodes.get(li.dataset.path) : null;
    if (!node) return { path: '', el: this.panel.tree };
    if (node.kind === 'folder') return { path: node.path, el: node.li };
    const parent = this.panel.nodes.get(node.path.includes('/') ? node.path.slice(0, node.path.lastIndexOf('/')) : '');
    return parent ? { path: parent.path, el: parent.li } : { path: '', el: this.panel.tree };
  }

  highlight(el) {
    if (this.current && this.current !== el) this.current.classList.remove('drop-target');
    this.current = el;
    el?.classList.add('drop-target');
  }

  onDragStart(ev) {
    const li = ev.target instanceof Element ? ev.target.closest('li[role="treeitem"]') : null;
    if (!li) return;
    ev.dataTransfer.setData(DRAG_TYPE, li.dataset.path);
    ev.dataTransfer.setData('text/plain', li.dataset.path);
    ev.dataTransfer.effectAllowed = 'move';
  }

  onDragOver(ev) {
    const types = [...ev.dataTransfer.types];
    if (!types.includes(DRAG_TYPE) && !types.includes('Files')) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = types.includes(DRAG_TYPE) ? 'move' : 'copy';
    this.highlight(this.folderAt(ev.target).el);
  }

  async onDrop(ev) {
    const types = [...ev.dataTransfer.types];
    if (!types.includes(DRAG_TYPE) && !types.includes('Files')) return;
    ev.preventDefault();
    this.highlight(null);
    const dest = this.folderAt(ev.target).path;
    const from = ev.dataTransfer.getData(DRAG_TYPE);
    if (from) {
      const name = from.slice(from.lastIndexOf('/') + 1);
      const to = dest ? `${dest}/${name}` : name;
      if (to === from || dest === from || dest.startsWith(`${from}/`)) return; // no-op, or into itself
      if (await this.panel.move(from, to)) this.panel.focusItem(to);
      return;
    }
    this.uploadAll(dest, [...ev.dataTransfer.files]);
  }

  async uploadAll(dir, files) {
    let done = 0;
    for (const file of files) {
      if (await this.upload(dir, file)) done += 1;
    }
    if (done) {
      await this.panel.reload(dir);
      this.notify(done === 1 ? `Uploaded “${files[0].name}”.` : `Uploaded ${done} files.`);
    }
  }

  /** Upload one file with a progress bar; asks before replacing an existing file. */
  async upload(dir, file, overwrite = false) {
    const path = dir ? `${dir}/${file.name}` : file.name;
    const row = document.createElement('div');
    row.className = 'upload';
    const label = document.createElement('span');
    label.textContent = file.name;
    const bar = document.createElement('progress');
    bar.max = Math.max(1, file.size);
    bar.value = 0;
    bar.setAttribute('aria-label', `Uploading ${file.name}`);
    row.append(label, bar);
    this.el.append(row);
    const result = await new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', api.uploadUrl(path, overwrite));
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      for (const [name, value] of Object.entries(proofHeaders())) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) bar.value = e.loaded;
      };
      xhr.onload = () => {
        let body = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          /* not JSON */
        }
        resolve({ status: xhr.status, body });
      };
      xhr.onerror = () => resolve({ status: 0, body: null });
      xhr.send(file);
    });
    row.remove();
    if (result.status === 201 || result.status === 200) return true;
    if (result.status === 409 && !overwrite) {
      const replace = await askText({
        title: 'Replace file?', message: `“${path}” already exists. Replace it with the uploaded file?`,
        confirmLabel: 'Replace', danger: true, action: async () => true,
      });
      return replace ? this.upload(dir, file, true) : false;
    }
    if (result.status === 413) this.notify(`“${file.name}” is too large to upload.`);
    else if (result.status === 0) this.notify(`Upload of “${file.name}” failed: cannot reach the server.`);
    else this.notify(`Upload of “${file.name}” failed: ${result.body?.message || `HTTP ${result.status}`}`);
    return false;
  }
}
