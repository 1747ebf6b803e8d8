// protocol.js — the terminal WebSocket wire format, mirroring src/term/protocol.rs.
//
// Binary frames carry raw terminal bytes both ways (keystrokes up, PTY output down; right
// after `hello` the server replays the scrollback as binary frames, then live output).
// Text frames carry exactly one JSON object tagged by "type":
//   client -> server: {type:"resize", cols, rows}              (the size this view would like)
//                     {type:"focus"}                         (this view is being used: its size applies)
//                     {type:"visibility", visible}         (owner only: is this page on screen)
//                     {type:"unlock", pin, code}             (a locked tab's door: the owner's factors)
//   server -> client: {type:"locked", second_factor}           (a locked tab: nothing follows until unlock)
//                     {type:"hello", id, title, name, cols, rows, readonly, size_locked, recording,
//                      recording_input}
//                     {type:"title", title, name}            (the owner named the tab / cleared it)
//                     {type:"resize", cols, rows}            (PTY size changed: every view shows this size)
//                     {type:"size_lock", locked}             (the owner locked / unlocked the size)
//                     {type:"tab_lock", locked}              (the owner locked / unlocked the tab: views stay)
//                     {type:"recording", on, input}          (the tab's output is / is no longer recorded: show REC;
//                                                             input: typed keys too, show "REC + keys")
//                     {type:"resync"}                        (fell behind: a fresh replay follows)
//                     {type:"input_ack", bytes}              (input the PTY has taken, counted per socket)
//                     {type:"live"}                          (the screen is rebuilt; live output follows)
//                     {type:"approval", state}               (interactive guests: waiting | allowed | read_only)
//                     {type:"exit", code} | {type:"exit", signal}
//                     {type:"error", code, message}

/** WebSocket close codes used by the server. */
export const Close = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001, // server shutting down: the reason (ShutdownReason) says why
  EXITED: 4000, // the shell exited: do not reconnect
  SESSION_ENDED: 4001, // the login session ended: back to the login page
  DENIED: 4003, // the owner denied this guest: do not reconnect
  KICKED: 4005, // the owner removed this guest: do not reconnect
  NOT_FOUND: 4004, // the terminal does not exist (any more): remove the tab
});

/** Reasons the server gives with close 1001: why termgate stopped. */
export const ShutdownReason = Object.freeze({
  IDLE: 'idle_shutdown', // it stopped itself: nobody used it for --idle-shutdown while public
  OWNER: 'shutdown', // its owner stopped it (Ctrl-C, SIGTERM)
});

/** What an `approval` message may say (anything else is read as waiting). */
export const ApprovalStates = Object.freeze(['waiting', 'allowed', 'read_only']);

export const LIMITS = Object.freeze({ maxCols: 1000, maxRows: 500 });

/** Input a client keeps in flight at most (bytes sent less the last input_ack). */
export const INPUT_WINDOW = 256 * 1024;

const clamp = (n, max) => Math.min(max, Math.max(1, Math.floor(n)));

/**
 * URL of a terminal's WebSocket, on the page's own origin, under the base path (`<base href>`).
 * `size` ({cols, rows}, from a visible page) asks for that size before the screen is sent, so
 * the screen arrives drawn for it; without it the PTY keeps its size.
 */
export function socketUrl(id, size = null) {
  const url = new URL(`api/terminals/${encodeURIComponent(id)}/ws`, document.baseURI);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (size && size.cols > 0 && size.rows > 0) {
    url.searchParams.set('cols', String(clamp(size.cols, LIMITS.maxCols)));
    url.searchParams.set('rows', String(clamp(size.rows, LIMITS.maxRows)));
  }
  return url.href;
}

/** The size this view would like; the server applies it while this view holds the size. */
export function resizeMessage(cols, rows) {
  return JSON.stringify({ type: 'resize', cols: clamp(cols, LIMITS.maxCols), rows: clamp(rows, LIMITS.maxRows) });
}

/** This view is being used (focused): the owner's view that was used last sets the size. */
export function focusMessage() {
  return JSON.stringify({ type: 'focus' });
}

/**
 * Whether this page is on screen. The server counts an attached, visible owner viewer as
 * activity, so a publicly exposed termgate someone is watching does not stop itself.
 */
export function visibilityMessage(visible) {
  return JSON.stringify({ type: 'visibility', visible: Boolean(visible) });
}

/** A locked tab's door: the PIN, and the code when the door asked for one (`second_factor`). */
export function unlockMessage(pin, code) {
  return JSON.stringify({ type: 'unlock', pin: String(pin), code: code ? String(code) : null });
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
    case 'locked':
      return { type: 'locked', secondFactor: msg.second_factor === true };
    case 'hello':
      return {
        type: 'hello',
        protocol: Number(msg.protocol) || 1,
        id: String(msg.id ?? ''),
        title: String(msg.title ?? ''),
        name: typeof msg.name === 'string' ? msg.name : null,
        cols: Number(msg.cols) || 0,
        rows: Number(msg.rows) || 0,
        readonly: msg.readonly === true,
        sizeLocked: msg.size_locked === true,
        recording: msg.recording === true,
        recordingInput: msg.recording_input === true,
      };
    case 'title':
      // The owner's name wins over the shell's title until it is cleared (name: null).
      return { type: 'title', title: String(msg.title ?? ''), name: typeof msg.name === 'string' ? msg.name : null };
    case 'resize':
      return { type: 'resize', cols: Number(msg.cols) || 0, rows: Number(msg.rows) || 0 };
    case 'size_lock':
      return { type: 'size_lock', locked: msg.locked === true };
    case 'tab_lock':
      return { type: 'tab_lock', locked: msg.locked === true };
    case 'recording':
      return { type: 'recording', on: msg.on === true, input: msg.input === true };
    case 'live':
      return { type: 'live' };
    case 'input_ack':
      return { type: 'input_ack', bytes: Number(msg.bytes) || 0 };
    case 'resync':
      // We fell behind: a fresh replay follows, as after `hello`.
      return { type: 'resync' };
    case 'exit':
      return {
        type: 'exit',
        code: typeof msg.code === 'number' ? msg.code : null,
        signal: typeof msg.signal === 'number' ? msg.signal : null,
      };
    case 'approval':
      // An interactive guest's standing: it types only while `allowed`.
      return { type: 'approval', state: ApprovalStates.includes(msg.state) ? msg.state : 'waiting' };
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
