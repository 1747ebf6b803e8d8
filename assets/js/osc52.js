// osc52.js — OSC 52 clipboard writes from programs in the terminal (`ESC ] 52 ; c ; <base64>`
// ended by BEL or ST: tmux, vim, ssh sessions copying "to the local clipboard"). Write-only,
// opt-in and the owner's: only with Settings' switch on (prefs.osc52Copy, off by default),
// never on a guest's page (a shared terminal must not reach a guest's clipboard), never while
// a reconnect rebuilds the screen (that output copied once already), and a read request (`?`)
// is never answered: the clipboard is never read for a program. Every copy is said aloud.

import { notify } from './dialog.js';
import { prefs } from './prefs.js';
import { copyText } from './terminal.js';

/** Largest copy taken (decoded); more is refused rather than held in the clipboard. */
export const MAX_COPY_BYTES = 1024 * 1024;

/**
 * The text an OSC 52 payload (`Pc;Pd`, what follows `52;`) writes, or null for anything that
 * is not a write: a query (`?`), a clear (empty), or data that is not base64 of UTF-8 text.
 * @returns {{text: string, bytes: number}|null}
 */
export function parseCopy(payload) {
  const sep = payload.indexOf(';');
  if (sep < 0) return null;
  const selection = payload.slice(0, sep);
  const data = payload.slice(sep + 1);
  if (!/^[cpqs0-7]*$/.test(selection) || data === '' || data === '?') return null;
  if (data.length > Math.ceil(MAX_COPY_BYTES / 3) * 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) return null;
  let raw;
  try {
    raw = atob(data);
  } catch {
    return null;
  }
  const bytes = Uint8Array.from(raw, (c) => c.charCodeAt(0));
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), bytes: bytes.length };
  } catch {
    return null;
  }
}

/**
 * Handle one OSC 52 sequence. Always "handled" for xterm.js, so nothing else acts on it.
 * @param {string} payload what follows `52;`
 * @param {{owner: boolean, replaying: boolean}} where owner: the owner's page (not a guest's);
 *   replaying: the screen is being rebuilt from a snapshot or the scrollback
 */
export function onOsc52(payload, { owner, replaying }) {
  if (!owner || replaying || !prefs.osc52Copy) return true;
  const copy = parseCopy(payload);
  if (!copy) return true;
  copyText(copy.text).then(
    () => notify(`Copied ${copy.bytes} bytes to the clipboard (a program in the terminal asked to).`),
    () => notify('A program in the terminal tried to copy, but the browser refused the clipboard.'),
  );
  return true;
}
