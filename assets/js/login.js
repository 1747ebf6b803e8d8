// login.js — the login screen: token + PIN form (and the second factor's code once it is on,
// as `GET /auth/session` says), wrong-credential and rate-limit messages
// (with a live "try again in N s" countdown). Nothing is stored in the browser.
// A token handed over in the URL fragment (`#token=…`, the phone login code) pre-fills the
// form; the PIN is still asked for.

import { api, ApiError } from './api.js';

const screen = document.getElementById('login');
const form = document.getElementById('login-form');
const tokenInput = document.getElementById('login-token');
const pinInput = document.getElementById('login-pin');
const codeInput = document.getElementById('login-code');
const codeParts = document.querySelectorAll('.login-code');
const submit = document.getElementById('login-submit');
const message = document.getElementById('login-message');
const note = document.getElementById('login-note');

let onSuccess = () => {};
let countdown = null;

/** Shows the code field when the server says a second factor is on. */
async function askForCodeIfNeeded() {
  try {
    const info = await api.session();
    const needed = Boolean(info && info.second_factor);
    codeParts.forEach((el) => (el.hidden = !needed));
    codeInput.required = needed;
  } catch {
    // The form still works; a missing code is refused like a wrong one.
  }
}

function setMessage(text) {
  message.textContent = text;
  message.hidden = !text;
}

function startCountdown(seconds) {
  clearInterval(countdown);
  let left = Math.max(1, Math.ceil(seconds));
  submit.disabled = true;
  const tick = () => {
    if (left <= 0) {
      clearInterval(countdown);
      countdown = null;
      submit.disabled = false;
      setMessage('You can try again now.');
      return;
    }
    setMessage(`Too many attempts, try again in ${left} s.`);
    left -= 1;
  };
  tick();
  countdown = setInterval(tick, 1000);
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (submit.disabled) return;
  const token = tokenInput.value.trim();
  const pin = pinInput.value.trim();
  if (!token) {
    setMessage('Enter the access token.');
    tokenInput.focus();
    return;
  }
  if (!pin) {
    setMessage('Enter your PIN.');
    pinInput.focus();
    return;
  }
  const code = codeInput.hidden ? '' : codeInput.value.trim();
  if (!codeInput.hidden && !code) {
    setMessage('Enter the code from your authenticator app.');
    codeInput.focus();
    return;
  }
  submit.disabled = true;
  setMessage('');
  form.setAttribute('aria-busy', 'true');
  try {
    const info = await api.login(token, pin, code);
    tokenInput.value = '';
    pinInput.value = '';
    codeInput.value = '';
    submit.disabled = false;
    onSuccess(info || {});
  } catch (err) {
    submit.disabled = false;
    if (err instanceof ApiError && err.status === 429) {
      startCountdown(err.retryAfter ?? 60);
    } else if (err instanceof ApiError && err.status === 401) {
      // A code is good once: a wrong one (or a replay) is cleared with the PIN.
      setMessage(codeInput.hidden ? 'Wrong token or PIN.' : 'Wrong token, PIN or code.');
      pinInput.value = '';
      codeInput.value = '';
      pinInput.focus();
      askForCodeIfNeeded();
    } else {
      setMessage(err instanceof ApiError ? err.message : 'Login failed.');
    }
  } finally {
    form.removeAttribute('aria-busy');
  }
});

/**
 * A token handed over in the URL fragment (#token=...) is taken out of the address bar at
 * once, when this module loads (even if the page turns out to be logged in already: the
 * history entry must not keep it), and waits in memory for the login form.
 */
let handedToken = null;
function takeTokenFromFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  if (!token) return;
  handedToken = token;
  history.replaceState(null, '', location.pathname + location.search);
}
takeTokenFromFragment();

/**
 * Show the login screen.
 * @param {string} [noteText] why we are here (e.g. "Your session ended — log in again.")
 * @param {(info: object) => void} then called after a successful login
 */
export function showLogin(noteText, then) {
  onSuccess = then;
  note.textContent = noteText || '';
  note.hidden = !noteText;
  setMessage('');
  takeTokenFromFragment();
  if (handedToken) {
    tokenInput.value = handedToken;
    handedToken = null;
  }
  screen.hidden = false;
  (tokenInput.value ? pinInput : tokenInput).focus();
  askForCodeIfNeeded();
}

/** Already logged in: a token handed over in the fragment is not needed; forget it. */
export function forgetHandedToken() {
  handedToken = null;
}

export function hideLogin() {
  screen.hidden = true;
}
