// protocol.js — the terminal WebSocket wire format, mirroring src/term/protocol.rs.
//
// Binary frames carry raw terminal bytes both ways (keystrokes up, PTY output down; right
// after `hello` the server replays the scrollback as binary frames, then live output).
// Text frames carry exactly one JSON object tagged by "type":
//   client -> server: {type:"resize", cols, rows}
//   server -> client: {type:"hello", id, title, cols, rows, readonly}
//                     {type:"resize", cols, rows}            (PTY size changed; informational)
//                     {type:"resync"}                        (fell behind: a fresh replay follows)
//                     {type:"exit", code} | {type:"exit", signal}
//                     {type:"error", code, message}

/** WebSocket close codes used by the server. */
export const Close = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001, // server shutting down: reconnect with backoff
  EXITED: 4000, // the shell exited: do not reconnect
  SESSION_ENDED: 4001, // the login session ended: back to the login page
  NOT_FOUND: 4004, // the terminal does not exist (any more): remove the tab
});

export const LIMITS = Object.freeze({ maxCols: 1000, maxRows: 500 });

/** URL of a terminal's WebSocket, on the page's own origin. */
export function socketUrl(id) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/terminals/${encodeURIComponent(id)}/ws`;
}

/** The client's only control message: the terminal size it displays. */
export function resizeMessage(cols, rows) {
  const clamp = (n, max) => Math.min(max, Math.max(1, Math.floor(n)));
  return JSON.stringify({ type: 'resize', cols: clamp(cols, LIMITS.maxCols), rows: clamp(rows, LIMITS.maxRows) });
}

/**
 * Parse a server text frame. Returns null for anything that is not a known message, so
 * a newer server cannot crash an older page.
 */
export function parseServerMessage(text) {
  let msg;
  try {
    msg = JSON.parse(text);
  } catch {
    return null;
  }
  if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return null;
  switch (msg.type) {
    case 'hello':
      return {
        type: 'hello',
        id: String(msg.id ?? ''),
        title: String(msg.title ?? ''),
        cols: Number(msg.cols) || 0,
        rows: Number(msg.rows) || 0,
        readonly: msg.readonly === true,
      };
    case 'resize':
      return { type: 'resize', cols: Number(msg.cols) || 0, rows: Number(msg.rows) || 0 };
    case 'resync':
      // We fell behind: a fresh replay follows, as after `hello`.
      return { type: 'resync' };
    case 'exit':
      return {
        type: 'exit',
        code: typeof msg.code === 'number' ? msg.code : null,
        signal: typeof msg.signal === 'number' ? msg.signal : null,
      };
    case 'error':
      return { type: 'error', code: String(msg.code ?? 'error'), message: String(msg.message ?? '') };
    default:
      return null;
  }
}

/** Human text for an exit message or a Terminal's `exited` field. */
export function describeExit(exit) {
  if (!exit) return 'process exited';
  if (typeof exit.signal === 'number' && exit.signal !== null) return `process killed by signal ${exit.signal}`;
  if (typeof exit.code === 'number' && exit.code !== null) return `process exited with code ${exit.code}`;
  return 'process exited';
}
