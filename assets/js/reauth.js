// reauth.js — the one re-authentication prompt (OWASP ASVS 7.5.3). A sensitive action
// (log out everywhere, extend, an interactive link, locking a tab, a new API token, ending
// sessions, the second factor's changes) passes for a few minutes after a login or after
// the PIN was entered again; past that the server answers 401 `reauth_required`, and
// api.js hands the call here: the prompt asks for the PIN (and the code while two-step
// login is on) and retries the call with them. A wrong PIN keeps the prompt open with the
// error; Cancel fails the call with `reauth_cancelled`, which callers show as nothing done.

import { ApiError, onReauth } from './api.js';
import { runModal } from './dialog.js';

const $ = (id) => document.getElementById(id);

const parts = {
  dialog: $('pin-dialog'),
  form: $('pin-form'),
  title: $('pin-title'),
  text: $('pin-text'),
  input: $('pin-input'),
  codeRow: $('pin-code-row'),
  code: $('pin-code'),
  error: $('pin-error'),
  confirm: $('pin-confirm'),
  cancel: $('pin-cancel'),
};

/** The error a cancelled prompt fails its call with. */
export const CANCELLED = 'reauth_cancelled';

function describe(err) {
  if (err instanceof ApiError) {
    if (err.status === 401) return parts.codeRow.hidden ? 'Wrong PIN.' : 'Wrong PIN or code.';
    if (err.status === 429) return `Too many attempts, try again in ${err.retryAfter ?? 60} s.`;
    return err.message;
  }
  return 'Something went wrong.';
}

/**
 * Ask for the PIN (and the code when `secondFactor`) and run `action(pin, code)` with them;
 * the prompt stays open while that fails with a wrong factor.
 * @returns {Promise<any>} the action's answer; rejects with `reauth_cancelled` on Cancel
 */
export async function askFactors({ secondFactor, action, message = '' }) {
  parts.text.textContent = message || (secondFactor
    ? 'This action asks for your PIN and a code from your authenticator app again.'
    : 'This action asks for your PIN again.');
  parts.confirm.textContent = 'Confirm';
  parts.codeRow.hidden = !secondFactor;
  parts.error.textContent = '';
  parts.input.value = '';
  parts.code.value = '';
  const done = runModal(parts, {
    read: () => {
      const pin = parts.input.value.trim();
      const code = parts.code.value.trim().toUpperCase();
      if (!pin) {
        parts.error.textContent = 'Enter your PIN.';
        parts.input.focus();
        return null;
      }
      if (secondFactor && !code) {
        parts.error.textContent = 'Enter the code.';
        parts.code.focus();
        return null;
      }
      return { pin, code: secondFactor ? code : '' };
    },
    // A wrapped answer: an action answering nothing (204) still counts as done.
    action: async ({ pin, code }) => ({ answer: await action(pin, code) }),
    describe,
    onError: () => {
      parts.code.value = '';
      parts.input.select();
      parts.input.focus();
    },
  });
  parts.input.focus();
  const result = await done;
  if (result === null) throw new ApiError(0, CANCELLED, 'Cancelled: nothing was changed.');
  return result.answer;
}

/** Every sensitive call the server refuses for want of the factors comes here. */
export function initReauth() {
  onReauth(({ secondFactor, retry }) => askFactors({ secondFactor, action: retry }));
}

/** Whether `err` is the prompt being cancelled (the caller need not say anything). */
export function cancelled(err) {
  return err instanceof ApiError && err.code === CANCELLED;
}
