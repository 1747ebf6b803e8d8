// guest.js — the guest's side of a share link: the "Open" screen at /s/#<token> (the token
// leaves the address bar as this module loads; the screen first asks /s/peek what the link
// allows and until when, which spends nothing, and says so above "Open"; "Open" POSTs the token
// in the body of /s/redeem), the banner counting down the link's lifetime, and the
// "This shared view has ended." screen.
// The token is never stored, and never in a request line: proxies and tunnels log those.
// A link for "whichever tab exists" opened before any tab does is answered 409
// `no_terminal_yet` (no use spent): the screen says so and tries again every 2 s by itself.

import { api, ApiError, basePath, serverNow } from './api.js';
import { formatClock } from './share.js';

const $ = (id) => document.getElementById(id);
const GUEST_FLAG = 'termgate.guest'; // "this tab was a guest view": not a secret, no token
export const INVALID_LINK = 'This link is invalid, has expired, was revoked or is used up.';
export const WAITING_FOR_TAB = 'Waiting for the owner to open a terminal…';
const WAIT_RETRY_MS = 2000;
const EXPIRY_REFRESH_MS = 15_000; // the landing's "Expires in 14 minutes" is to the minute
const SCOPE_WORDS = {
  'read-only': {
    title: 'You have been invited to watch a terminal.',
    detail: 'Watch: you see the terminal live; what you type is not sent.',
  },
  interactive: {
    title: 'You have been invited to watch and type in a terminal.',
    detail: 'Watch and type: you see the terminal live and can type into it.',
  },
};

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'always' });

/** "in 15 minutes", "in 40 seconds", "in 2 hours" for `ms` from now. */
export function formatRelative(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return relative.format(s, 'second');
  const min = Math.round(s / 60);
  if (min < 90) return relative.format(min, 'minute');
  return relative.format(Math.round(min / 60), 'hour');
}

/**
 * The share token from the link's fragment (`<base>s/#<token>`), taken out of the address bar
 * at once, as login.js does with `#token=`: neither the history entry nor a later reload keeps it.
 */
let linkToken = null;
function takeShareToken() {
  if (location.pathname !== `${basePath()}s/` || location.hash.length < 2) return;
  try {
    linkToken = decodeURIComponent(location.hash.slice(1));
  } catch {
    linkToken = location.hash.slice(1); // a stray `%`: the server will say the link is invalid
  }
  history.replaceState(null, '', location.pathname + location.search);
}
takeShareToken();

/** The share token this page was opened with, or null. */
export function shareToken() {
  return linkToken;
}

/** Was this browser tab showing a guest view before (so a dead session means "ended")? */
export function wasGuest() {
  try {
    return sessionStorage.getItem(GUEST_FLAG) === '1';
  } catch {
    return false;
  }
}

function markGuest(on) {
  try {
    if (on) sessionStorage.setItem(GUEST_FLAG, '1');
    else sessionStorage.removeItem(GUEST_FLAG);
  } catch {
    /* storage disabled */
  }
}

/**
 * Show the "Open" screen for `token`; resolves once the link is redeemed (guest cookie set,
 * address bar back to the base path, `/` or e.g. `/term/`). Failures stay on the screen with one neutral message.
 */
export function showLanding(token) {
  document.title = 'Shared terminal — termgate';
  const screen = $('landing');
  const button = $('landing-open');
  const message = $('landing-message');
  const wait = $('landing-wait');
  screen.hidden = false;
  button.focus();
  return new Promise((resolve) => {
    let countdown = null;
    let refused = false; // the link is bad: nothing on this screen can make it good
    const say = (text) => {
      message.textContent = text;
      message.hidden = !text;
    };
    const details = describe(token, () => {
      refused = true;
      button.disabled = true;
      say(INVALID_LINK);
    });
    const waiting = (on) => {
      if (on && wait.textContent !== WAITING_FOR_TAB) wait.textContent = WAITING_FOR_TAB;
      wait.hidden = !on;
    };
    const onClick = () => {
      if (!button.disabled) attempt();
    };
    const attempt = async () => {
      button.disabled = true;
      say('');
      try {
        const info = await api.redeemShare(token);
        button.removeEventListener('click', onClick);
        details.stop();
        history.replaceState(null, '', basePath());
        markGuest(true);
        screen.hidden = true;
        resolve(info);
        return;
      } catch (err) {
        if (err instanceof ApiError && err.status === 409 && err.code === 'no_terminal_yet') {
          // Nothing spent: keep the button off and ask again until the owner opens a tab.
          waiting(true);
          setTimeout(attempt, WAIT_RETRY_MS);
          return;
        }
        waiting(false);
        if (err instanceof ApiError && err.status === 429) {
          let left = Math.max(1, err.retryAfter ?? 60);
          const tick = () => {
            if (left <= 0) {
              clearInterval(countdown);
              button.disabled = false;
              say('You can try again now.');
              return;
            }
            say(`Too many attempts, try again in ${left} s.`);
            left -= 1;
          };
          clearInterval(countdown);
          tick();
          countdown = setInterval(tick, 1000);
          return;
        }
        const unreachable = err instanceof ApiError && err.status === 0;
        say(unreachable ? 'Cannot reach the termgate server.' : INVALID_LINK);
        // A reload no longer holds the token, so an unreachable server may be retried here;
        // a refused link will not get better: leave the button off.
        if (unreachable && !refused) button.disabled = false;
        if (!unreachable) details.stop();
      }
    };
    button.disabled = false;
    button.addEventListener('click', onClick);
  });
}

/**
 * Ask the server what the link allows (POST /s/peek: no use spent, no cookie) and show it:
 * the title and a line for watch / watch and type, and "Expires in 15 minutes · 1 use left",
 * kept current while the screen shows. A refused link calls `onRefused` (the one neutral
 * message); a rate limit or an unreachable server leaves the lines out and "Open" to say why.
 * @returns {{stop: () => void}} stops the expiry line's clock
 */
function describe(token, onRefused) {
  const title = $('landing-title');
  const scope = $('landing-scope');
  const expiry = $('landing-expiry');
  let timer = null;
  let stopped = false;
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  api.peekShare(token).then(
    (info) => {
      if (stopped) return;
      const words = SCOPE_WORDS[info.scope] ?? SCOPE_WORDS['read-only'];
      title.textContent = words.title;
      scope.textContent = words.detail;
      scope.hidden = false;
      const uses = Number(info.uses_left);
      const left = `${uses} ${uses === 1 ? 'use' : 'uses'} left`;
      const render = () => {
        const ms = Number(info.expires_at) - serverNow();
        if (ms <= 0) {
          stop();
          scope.hidden = true;
          expiry.hidden = true;
          onRefused();
          return;
        }
        expiry.textContent = `Expires ${formatRelative(ms)} · ${left}`;
        expiry.hidden = false;
      };
      render();
      if (!stopped) timer = setInterval(render, EXPIRY_REFRESH_MS);
    },
    (err) => {
      if (!stopped && err instanceof ApiError && err.status === 410) onRefused();
    },
  );
  return { stop };
}

/** The full-page "ended" message (never the login page, which a guest cannot use). */
export function showEnded(text = 'This shared view has ended.') {
  markGuest(false);
  $('ended-text').textContent = text;
  $('ended').hidden = false;
  document.title = 'Shared view ended — termgate';
}

/** The top-bar banner: "read-only view · expires in 12:34", ticking every second. */
export class GuestBanner {
  constructor(el) {
    this.el = el;
    this.timer = null;
    this.expiresAt = null;
  }

  start(info, onExpired) {
    this.scope = info.scope === 'interactive' ? 'interactive' : 'read-only view';
    this.expiresAt = Number(info.absolute_expires_at ?? info.expires_at);
    this.onExpired = onExpired;
    this.el.hidden = false;
    this.stop();
    this.timer = setInterval(() => this.render(), 1000);
    this.render();
  }

  render() {
    const left = this.expiresAt - serverNow();
    this.el.textContent = Number.isFinite(left) ? `${this.scope} · expires in ${formatClock(left)}` : this.scope;
    this.el.classList.toggle('warn', left < 60_000);
    // The server closes the sockets (4001) at the deadline; this is the fallback.
    if (left < -3000) {
      this.stop();
      this.onExpired?.();
    }
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }
}
