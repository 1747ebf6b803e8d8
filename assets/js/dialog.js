// dialog.js — the small PIN prompt (<dialog>, not window.prompt) used by "extend" and
// "log out everywhere", and the transient notice line at the bottom of the workspace.

import { ApiError } from './api.js';

const dialog = document.getElementById('pin-dialog');
const form = document.getElementById('pin-form');
const heading = document.getElementById('pin-title');
const text = document.getElementById('pin-text');
const input = document.getElementById('pin-input');
const error = document.getElementById('pin-error');
const confirmButton = document.getElementById('pin-confirm');
const cancelButton = document.getElementById('pin-cancel');

/**
 * Ask for the PIN and run `action(pin)`. The dialog stays open on a wrong PIN.
 * @param {{title: string, message: string, confirmLabel: string,
 *          action: (pin: string) => Promise<any>}} opts
 * @returns {Promise<any|null>} the action's result, or null if cancelled
 */
export function askPin({ title, message, confirmLabel, action }) {
  return new Promise((resolve) => {
    const returnFocus = document.activeElement;
    heading.textContent = title;
    text.textContent = message;
    confirmButton.textContent = confirmLabel;
    error.textContent = '';
    input.value = '';
    let busy = false;

    const cleanup = (result) => {
      form.removeEventListener('submit', onSubmit);
      cancelButton.removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      if (returnFocus instanceof HTMLElement && returnFocus.isConnected) returnFocus.focus();
      resolve(result);
    };
    const onCancel = (ev) => {
      ev.preventDefault();
      if (!busy) cleanup(null);
    };
    const onSubmit = async (ev) => {
      ev.preventDefault();
      if (busy) return;
      const pin = input.value.trim();
      if (!pin) {
        error.textContent = 'Enter your PIN.';
        input.focus();
        return;
      }
      busy = true;
      confirmButton.disabled = true;
      error.textContent = '';
      try {
        const result = await action(pin);
        cleanup(result ?? true);
      } catch (err) {
        error.textContent = describeError(err);
        input.select();
        input.focus();
      } finally {
        busy = false;
        confirmButton.disabled = false;
      }
    };
    form.addEventListener('submit', onSubmit);
    cancelButton.addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
    dialog.showModal();
    input.focus();
  });
}

function describeError(err) {
  if (err instanceof ApiError) {
    if (err.status === 401) return 'Wrong PIN.';
    if (err.status === 429) return `Too many attempts, try again in ${err.retryAfter ?? 60} s.`;
    return err.message;
  }
  return 'Something went wrong.';
}

const notice = document.getElementById('notice');
let noticeTimer = null;

/** Show a short message for a few seconds (announced politely to screen readers). */
export function notify(message) {
  notice.textContent = message;
  notice.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    notice.hidden = true;
    notice.textContent = '';
  }, 6000);
}
