// settle.js — waits until an element's layout has settled, so it can be measured once for
// good. A tab's socket opens with its size in the URL (the screen then comes drawn at that
// size); measured too early after a reload (fonts loading, the file panel opening once the
// tabs are listed), the size would change right after the snapshot, and the server's
// screen model and xterm.js's reflow would disagree on where the cursor is.

// Animation frames in a row at the same size that count as settled.
const QUIET_FRAMES = 3;
// A connect is never held longer than this for the layout, whatever it does.
export const SETTLE_MAX_MS = 400;

/**
 * Resolves once the document's fonts are loaded and `element`'s size has stayed the same
 * for QUIET_FRAMES animation frames, or after `maxMs` at the latest.
 */
export function whenSettled(element, maxMs = SETTLE_MAX_MS) {
  return new Promise((resolve) => {
    let done = false;
    let frame = 0;
    const finish = () => {
      if (done) return;
      done = true;
      cancelAnimationFrame(frame);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(finish, maxMs);
    let last = '';
    let same = 0;
    const look = () => {
      const size = `${element.offsetWidth}x${element.offsetHeight}`;
      same = size === last ? same + 1 : 0;
      last = size;
      if (same >= QUIET_FRAMES) finish();
      else frame = requestAnimationFrame(look);
    };
    const fonts = document.fonts?.ready ?? Promise.resolve();
    fonts.then(() => {
      if (!done) frame = requestAnimationFrame(look);
    }, finish);
  });
}
