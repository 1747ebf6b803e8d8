// dialog.js — the small PIN prompt (<dialog>, not window.prompt) used by "extend" and
// "log out everywhere", a generic ask/confirm dialog (file names, delete confirmation),
// and the transient notice line at the bottom of the workspace.

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

const ask = {
  dialog: document.getElementById('ask-dialog'),
  form: document.getElementById('ask-form'),
  title: document.getElementById('ask-title'),
  text: document.getElementById('ask-text'),
  label: document.getElementById('ask-label'),
  input: document.getElementById('ask-input'),
  error: document.getElementById('ask-error'),
  confirm: document.getElementById('ask-confirm'),
  cancel: document.getElementById('ask-cancel'),
};

/**
 * Ask for a line of text (or, with `label` unset, just a confirmation) and run
 * `action(value)`; the dialog stays open showing the error if the action throws.
 * @param {{title: string, message?: string, label?: string, value?: string,
 *          confirmLabel?: string, danger?: boolean, action: (value: string) => Promise<any>}} opts
 * @returns {Promise<any|null>} the action's result (true if it returned nothing), or null if cancelled
 */
export function askText({ title, message = '', label = '', value = '', confirmLabel = 'OK', danger = false, action }) {
  return new Promise((resolve) => {
    const returnFocus = document.activeElement;
    ask.title.textContent = title;
    ask.text.textContent = message;
    ask.text.hidden = !message;
    ask.label.textContent = label;
    ask.label.hidden = !label;
    ask.input.hidden = !label;
    ask.input.value = value;
    ask.error.textContent = '';
    ask.confirm.textContent = confirmLabel;
    ask.confirm.classList.toggle('danger', danger);
    let busy = false;
    const cleanup = (result) => {
      ask.form.removeEventListener('submit', onSubmit);
      ask.cancel.removeEventListener('click', onCancel);
      ask.dialog.removeEventListener('cancel', onCancel);
      if (ask.dialog.open) ask.dialog.close();
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
      const text = ask.input.value.trim();
      if (label && !text) {
        ask.error.textContent = `Enter ${label.toLowerCase()}.`;
        ask.input.focus();
        return;
      }
      busy = true;
      ask.confirm.disabled = true;
      ask.error.textContent = '';
      try {
        const result = await action(text);
        cleanup(result ?? true);
      } catch (err) {
        ask.error.textContent = err instanceof Error ? err.message : 'Something went wrong.';
        (label ? ask.input : ask.confirm).focus();
      } finally {
        busy = false;
        ask.confirm.disabled = false;
      }
    };
    ask.form.addEventListener('submit', onSubmit);
    ask.cancel.addEventListener('click', onCancel);
    ask.dialog.addEventListener('cancel', onCancel);
    ask.dialog.showModal();
    if (label) {
      ask.input.focus();
      // Select the name without its extension, like file managers do.
      const dot = value.lastIndexOf('.');
      ask.input.setSelectionRange(0, dot > 0 ? dot : value.length);
    } else {
      ask.confirm.focus();
    }
  });
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
