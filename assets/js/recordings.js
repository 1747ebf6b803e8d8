// recordings.js — the owner's side of tab recordings, in one dialog (the top bar's ● opens
// it, red while the active tab is recorded): the "Record" toggle for the active tab, and every recording with its tab title, start,
// duration and size (and whether it was cut at its size cap), a Play button that opens the
// player (player.js), Download (the .cast file, which `asciinema play` replays) and Delete.
// Every viewer's REC mark is the tab's own (tab.js); this file only changes and lists.

import { api } from './api.js';
import { CastPlayer, parseCast, SPEEDS } from './player.js';

const $ = (id) => document.getElementById(id);

/** "1.2 MB", "340 kB", "512 B". */
export function formatSize(bytes) {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} kB`;
  return `${bytes} B`;
}

/** "1:05:03", "4:07", "0:09". */
export function formatDuration(ms) {
  const total = Math.max(0, Math.round(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const pad = (n) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

export class Recordings {
  /** @param {{activeTab: () => object|null, render: (tab: object) => void, notify: (text: string) => void, focusTerminal: () => void}} ctx */
  constructor(ctx) {
    this.ctx = ctx;
    this.dialog = $('recordings-dialog');
    this.toggleButton = $('record-toggle');
    this.toggleButton.addEventListener('click', () => this.toggleActive());
    $('recordings-open').addEventListener('click', () => this.open());
    $('recordings-close').addEventListener('click', () => this.close());
    $('player-toggle').addEventListener('click', () => this.player.toggle());
    $('player-close').addEventListener('click', () => this.closePlayer());
    const speed = $('player-speed');
    for (const value of SPEEDS) {
      const option = document.createElement('option');
      option.value = String(value);
      option.textContent = `${value}×`;
      option.selected = value === 1;
      speed.append(option);
    }
    speed.addEventListener('change', () => this.player.setSpeed(Number(speed.value)));
    const seek = $('player-seek');
    // Every move while dragging seeks; the player draws only the latest of those it missed.
    seek.addEventListener('input', () => this.player.seek(Number(seek.value)));
    seek.addEventListener('keydown', (event) => this.seekKey(event));
    this.player = new CastPlayer($('player-screen'), (state) => this.renderPlayer(state));
    this.dialog.addEventListener('close', () => {
      this.closePlayer();
      this.ctx.focusTerminal();
    });
  }

  /** The toggle shows the active tab's state (REC itself is on the tab, for every viewer);
   * the top bar's button is red while the active tab is recorded. */
  renderToggle(tab) {
    const on = Boolean(tab?.recording);
    this.toggleButton.disabled = !tab || Boolean(tab.exited);
    this.toggleButton.setAttribute('aria-pressed', String(on));
    this.toggleButton.textContent = on ? 'Stop recording' : 'Record';
    const what = tab?.recordingInput ? ' (recording, typed keys too)' : ' (recording)';
    $('record-tab').textContent = tab ? `This terminal: ${tab.title}${on ? what : ''}` : 'No terminal open';
    $('recordings-open').classList.toggle('recording', on);
  }

  async toggleActive() {
    const tab = this.ctx.activeTab();
    if (!tab) return;
    try {
      const state = await api.setRecording(tab.id, !tab.recording);
      tab.setRecording?.(state?.recording === true, state?.recording_input === true);
      this.ctx.render(tab);
    } catch (err) {
      this.ctx.notify(`Could not change recording: ${err.message}`);
    }
    await this.refresh();
  }

  async open() {
    this.renderToggle(this.ctx.activeTab());
    if (!this.dialog.open) this.dialog.showModal();
    await this.refresh();
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  async refresh() {
    const body = $('recordings-list');
    let list = [];
    try {
      list = (await api.listRecordings())?.recordings ?? [];
      $('recordings-error').textContent = '';
    } catch (err) {
      $('recordings-error').textContent = `Could not list the recordings: ${err.message}`;
    }
    body.replaceChildren(...list.map((r) => this.row(r)));
    $('recordings-none').hidden = list.length > 0;
    $('recordings-table').hidden = list.length === 0;
  }

  row(recording) {
    const tr = document.createElement('tr');
    const cell = (text) => {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
      return td;
    };
    cell(recording.title || '(untitled)');
    cell(new Date(recording.started_at).toLocaleString());
    cell(formatDuration(recording.duration_ms) + (recording.active ? ' (recording)' : ''));
    cell(formatSize(recording.size) + (recording.truncated ? ' (cut at the size cap)' : ''));
    const actions = cell('');
    const button = (label, name, onClick) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = label;
      b.setAttribute('aria-label', `${name} ${recording.title} ${new Date(recording.started_at).toLocaleTimeString()}`);
      b.addEventListener('click', onClick);
      actions.append(b);
      return b;
    };
    button('Play', 'Play', () => this.play(recording));
    button('Download', 'Download', () => api.download(api.recordingUrl(recording.id)).catch((err) => this.ctx.notify(`Download failed: ${err.message}`)));
    const del = button('Delete', 'Delete', () => this.remove(recording));
    del.disabled = recording.active;
    return tr;
  }

  async play(recording) {
    try {
      const cast = parseCast(await api.recordingText(recording.id));
      $('player').hidden = false;
      $('player-title').textContent = recording.title || '(untitled)';
      this.player.load(cast);
      this.player.play();
      $('player-toggle').focus();
    } catch (err) {
      this.ctx.notify(`Cannot play this recording: ${err.message}`);
    }
  }

  closePlayer() {
    this.player.dispose();
    $('player').hidden = true;
  }

  renderPlayer(state) {
    $('player-toggle').textContent = state.playing ? 'Pause' : 'Play';
    const where = `${formatDuration(state.position * 1000)} / ${formatDuration(state.duration * 1000)}`;
    $('player-position').textContent = where;
    const seek = $('player-seek');
    seek.max = String(state.duration);
    // While a seek is drawn the position is where it goes (where the hand put the thumb).
    seek.value = String(state.position);
    seek.setAttribute('aria-valuetext', where.replace(' / ', ' of '));
  }

  /** Arrows step 5 s (or a twentieth of a short recording), Page keys 30 s, Home and End the
   * ends: the slider's own steps would be fractions of a second (its step is "any"). */
  seekKey(event) {
    const { duration } = this.player;
    const small = Math.min(5, Math.max(0.1, duration / 20));
    const steps = { ArrowLeft: -small, ArrowDown: -small, ArrowRight: small, ArrowUp: small, PageDown: -30, PageUp: 30 };
    let target;
    // From a seek still being drawn, so held keys add up.
    const from = this.player.seeking ? Number($('player-seek').value) : this.player.now();
    if (event.key in steps) target = from + steps[event.key];
    else if (event.key === 'Home') target = 0;
    else if (event.key === 'End') target = duration;
    else return;
    event.preventDefault();
    const clamped = Math.min(Math.max(0, target), duration);
    $('player-seek').value = String(clamped);
    this.player.seek(clamped);
  }

  async remove(recording) {
    try {
      await api.deleteRecording(recording.id);
    } catch (err) {
      this.ctx.notify(`Could not delete the recording: ${err.message}`);
    }
    await this.refresh();
  }
}
