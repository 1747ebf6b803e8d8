// settings.js — the Settings dialog (top bar, "Settings"): the terminal's colour palette and
// font family, whether Alt+1..9 switches tabs, the editor's soft wrap, and whether programs
// may copy to the clipboard (OSC 52, off by default; never on a guest's page). Every change
// applies at once (prefs.js tells every open terminal and the editor) and is kept in
// localStorage; the dialog only shows and edits those preferences.

import { FONT_CHOICES, PALETTES } from './palettes.js';
import { prefs } from './prefs.js';

export class SettingsDialog {
  /** @param {HTMLDialogElement} dialog @param {{focusTerminal: () => void}} ctx */
  constructor(dialog, ctx) {
    this.dialog = dialog;
    this.ctx = ctx;
    const $ = (id) => dialog.querySelector(`#${id}`);
    this.palette = $('pref-palette');
    this.font = $('pref-font');
    this.custom = $('pref-font-custom');
    this.customRow = $('pref-font-custom-row');
    this.altDigits = $('pref-alt-digits');
    this.softWrap = $('pref-soft-wrap');
    this.osc52 = $('pref-osc52');
    fill(this.palette, Object.entries(PALETTES).map(([value, p]) => [value, p.label]));
    fill(this.font, Object.entries(FONT_CHOICES));

    this.palette.addEventListener('change', () => prefs.setPalette(this.palette.value));
    this.font.addEventListener('change', () => {
      this.customRow.hidden = this.font.value !== 'custom';
      // "Custom…" with no name yet keeps the current font until one is typed.
      if (this.font.value !== 'custom' || this.custom.value.trim()) this.applyFont();
      else this.custom.focus();
    });
    this.custom.addEventListener('change', () => this.applyFont());
    this.altDigits.addEventListener('change', () => prefs.setAltDigits(this.altDigits.checked));
    this.softWrap.addEventListener('change', () => prefs.setSoftWrap(this.softWrap.checked));
    this.osc52.addEventListener('change', () => prefs.setOsc52Copy(this.osc52.checked));
    // Enter in the family field applies it (the form's submit) without closing the dialog.
    $('settings-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.applyFont();
    });
    $('settings-close').addEventListener('click', () => this.close());
    dialog.addEventListener('close', () => this.ctx.focusTerminal());
    prefs.onChange(() => this.render());
    this.render();
  }

  applyFont() {
    prefs.setFontFamily(this.font.value, this.custom.value);
  }

  /** Show the current preferences (they may change from elsewhere: the editor's Wrap button). */
  render() {
    this.palette.value = prefs.palette;
    this.altDigits.checked = prefs.altDigits;
    this.softWrap.checked = prefs.softWrap;
    this.osc52.checked = prefs.osc52Copy;
  }

  open() {
    // The font controls are synced on opening only: a half-typed family name stays put.
    this.font.value = prefs.fontChoice;
    this.custom.value = prefs.fontCustom;
    this.customRow.hidden = this.font.value !== 'custom';
    this.render();
    if (!this.dialog.open) this.dialog.showModal();
    this.palette.focus();
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }
}

function fill(select, options) {
  for (const [value, label] of options) {
    const option = document.createElement('option');
    option.value = value;
    option.textContent = label;
    select.append(option);
  }
}
