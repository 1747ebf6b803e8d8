// dialog.js — the life of a modal form (runModal, also the re-authentication prompt's in
// reauth.js), a generic ask/confirm dialog (file names, delete confirmation), and the
// transient notice line at the bottom of the workspace.

/**
 * The life of a modal form, shared by the dialogs: show it; on submit, `read()` the
 * value (null when invalid; it shows why) and run `action` with it, staying open with
 * the error if that throws; close on Cancel or Escape unless busy; give focus back.
 * Resolves with the action's result (true if it returned nothing), or null if cancelled.
 */
export function runModal(parts, { read, action, describe, onError }) {
  return new Promise((resolve) => {
    const returnFocus = document.activeElement;
    let busy = false;
    const cleanup = (result) => {
      parts.form.removeEventListener('submit', onSubmit);
      parts.cancel.removeEventListener('click', onCancel);
      parts.dialog.removeEventListener('cancel', onCancel);
      if (parts.dialog.open) parts.dialog.close();
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
      const value = read();
      if (value === null) return;
      busy = true;
      parts.confirm.disabled = true;
      parts.error.textContent = '';
      try {
        cleanup((await action(value)) ?? true);
      } catch (err) {
        parts.error.textContent = describe(err);
        onError();
      } finally {
        busy = false;
        parts.confirm.disabled = false;
      }
    };
    parts.form.addEventListener('submit', onSubmit);
    parts.cancel.addEventListener('click', onCancel);
    parts.dialog.addEventListener('cancel', onCancel);
    parts.dialog.showModal();
  });
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
  const done = runModal(ask, {
    read: () => {
      const text = ask.input.value.trim();
      if (!label || text) return text;
      ask.error.textContent = `Enter ${label.toLowerCase()}.`;
      ask.input.focus();
      return null;
    },
    action,
    describe: (err) => (err instanceof Error ? err.message : 'Something went wrong.'),
    onError: () => (label ? ask.input : ask.confirm).focus(),
  });
  if (label) {
    ask.input.focus();
    // Select the name without its extension, like file managers do.
    const dot = value.lastIndexOf('.');
    ask.input.setSelectionRange(0, dot > 0 ? dot : value.length);
  } else if (danger) {
    // A destructive question: Enter or a stray Space must not end anything, so the safe
    // answer has the focus (Escape cancels too).
    ask.cancel.focus();
  } else {
    ask.confirm.focus();
  }
  return done;
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
