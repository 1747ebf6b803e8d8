// security-totp.js — the Security dialog's "Two-step login" tab: whether logins ask for a
// code from an authenticator app, and the three changes, each an inline form of this tab:
//   - Turn on: the new secret (after the re-authentication prompt, reauth.js, when due) as a
//     QR code (share.js's drawQr), as text and as an otpauth:// link (a phone cannot scan
//     its own screen), then a code from the app
//     proves it was taken; the answer's ten backup codes are shown once, with Copy;
//   - New backup codes and Turn off: a click, confirmed by the prompt's PIN and code (a backup
//     code will do) when they were not entered within the last few minutes.
// The secret, the codes and what was typed are forgotten when the dialog hides.

import { api, ApiError } from './api.js';
import { drawQr } from './share.js';
import { cancelled } from './reauth.js';
import { copyButton, describeError } from './security-util.js';

const $ = (id) => document.getElementById(id);

/** What each form asks and says; `scan`/`code`: which parts it shows. The PIN (and the code
 * for new codes and off) is the re-authentication prompt's (reauth.js) to ask, when it must. */
const STEPS = {
  enroll: {
    text: 'The next step shows a QR code for your authenticator app.',
    scan: false, code: false, submit: 'Continue', danger: false,
  },
  scan: {
    text: 'Scan the QR code with your authenticator app, or type the secret into it, then enter the 6-digit code it shows.',
    scan: true, code: 'Code from the app', submit: 'Turn on', danger: false,
  },
  codes: {
    text: 'Makes ten new backup codes; the ones you have now stop working.',
    scan: false, code: false, submit: 'Make new codes', danger: false,
  },
  off: {
    text: 'Logging in will ask for the access token and the PIN only.',
    scan: false, code: false, submit: 'Turn off', danger: true,
  },
};

export class TotpSection {
  constructor() {
    this.status = $('totp-status');
    this.actions = $('totp-actions');
    this.form = $('totp-form');
    this.code = $('totp-code');
    this.error = $('totp-error');
    this.submit = $('totp-submit');
    this.qr = $('totp-qr');
    this.secret = $('totp-secret');
    this.appLink = $('totp-app-link');
    this.codesBox = $('totp-codes-box');
    this.codes = $('totp-codes');
    this.step = null; // the open form's STEPS key, or null
    this.returnTo = null; // the action button the form came from
    this.generation = 0; // bumped by forget(): a reply for a closed dialog is dropped
    this.copySecret = copyButton($('totp-secret-copy'), () => this.secret.dataset.raw || '');
    this.copyCodes = copyButton($('totp-codes-copy'), () => [...this.codes.children].map((li) => li.textContent).join('\n'));

    $('totp-on').addEventListener('click', (ev) => this.begin('enroll', ev.currentTarget));
    $('totp-new-codes').addEventListener('click', (ev) => this.begin('codes', ev.currentTarget));
    $('totp-off').addEventListener('click', (ev) => this.begin('off', ev.currentTarget));
    $('totp-cancel').addEventListener('click', () => this.endForm());
    $('totp-codes-done').addEventListener('click', () => {
      this.hideCodes();
      this.focusAction();
    });
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.send();
    });
  }

  async load() {
    const generation = this.generation;
    if (!this.status.textContent) this.status.textContent = 'Checking…'; // after forget() only: a tab switch keeps the line
    try {
      const info = await api.totpStatus();
      if (generation !== this.generation) return;
      this.render(info);
    } catch (err) {
      // Said in the status line: the form's error line is hidden with the form.
      if (generation === this.generation) this.status.textContent = `Could not read the two-step login: ${describeError(err)}`;
    }
  }

  render(info) {
    this.enabled = info?.enabled === true;
    const left = Number(info?.backup_codes_left) || 0;
    this.status.textContent = this.enabled
      ? `On: logging in asks for a code from your authenticator app too. ${left} backup code${left === 1 ? '' : 's'} left.`
      : 'Off: logging in asks for the access token and the PIN only. Turn it on to ask for a code from an authenticator app too.';
    $('totp-on').hidden = this.enabled;
    $('totp-new-codes').hidden = !this.enabled;
    $('totp-off').hidden = !this.enabled;
  }

  /** Open form `step` (see STEPS), coming from action button `from`. */
  begin(step, from) {
    this.returnTo = from;
    this.hideCodes();
    this.show(step);
  }

  show(step) {
    const spec = STEPS[step];
    this.step = step;
    this.actions.hidden = true;
    this.form.hidden = false;
    $('totp-form-text').textContent = spec.text;
    $('totp-scan').hidden = !spec.scan;
    $('totp-code-row').hidden = !spec.code;
    $('totp-code-label').textContent = spec.code || 'Code';
    this.submit.textContent = spec.submit;
    this.submit.classList.toggle('danger', spec.danger);
    this.error.textContent = '';
    this.code.value = '';
    (spec.code ? this.code : this.submit).focus();
  }

  /** Close the form (Cancel, or done): back to the status and its buttons. */
  endForm({ focus = true } = {}) {
    this.step = null;
    this.form.hidden = true;
    this.actions.hidden = false;
    this.code.value = '';
    this.clearSecret();
    if (focus) this.focusAction();
  }

  focusAction() {
    const visible = [...this.actions.querySelectorAll('button')].filter((b) => !b.hidden);
    (this.returnTo && !this.returnTo.hidden ? this.returnTo : visible[0])?.focus();
  }

  async send() {
    if (this.submit.disabled || !this.step) return;
    const spec = STEPS[this.step];
    const code = this.code.value.trim().toUpperCase();
    if (spec.code && !code) {
      this.error.textContent = 'Enter the code.';
      this.code.focus();
      return;
    }
    const step = this.step;
    const generation = this.generation;
    this.submit.disabled = true;
    this.error.textContent = '';
    try {
      if (step === 'enroll') this.showSecret(await api.totpEnroll(), generation);
      else if (step === 'scan') this.showCodes(await api.totpConfirm(code), generation);
      else if (step === 'codes') this.showCodes(await api.totpNewCodes(), generation);
      else {
        await api.totpDisable();
        if (generation === this.generation) this.endForm({ focus: false });
      }
      if (generation === this.generation) await this.load();
      if (step === 'off' && generation === this.generation) this.focusAction();
    } catch (err) {
      if (generation !== this.generation || cancelled(err)) return;
      this.error.textContent = describeFailure(step, err);
      if (err instanceof ApiError && (err.status === 401 || err.status === 429)) {
        this.code.value = '';
        (spec.code ? this.code : this.submit).focus();
      }
    } finally {
      this.submit.disabled = false;
    }
  }

  /** The enrolment's answer: the secret as a QR code, as text and as a link; then the code. */
  showSecret(answer, generation) {
    if (generation !== this.generation) return;
    if (typeof answer?.secret !== 'string') throw new Error('The server sent no secret.');
    this.secret.dataset.raw = answer.secret;
    this.secret.textContent = answer.secret.replace(/(.{4})(?=.)/g, '$1 '); // in fours, to type it
    this.copySecret.reset();
    if (typeof answer.otpauth_url === 'string' && answer.otpauth_url.startsWith('otpauth://')) {
      this.appLink.href = answer.otpauth_url;
      this.appLink.hidden = false;
    } else this.appLink.hidden = true;
    this.qr.hidden = !drawQr(this.qr, answer.qr);
    this.show('scan');
  }

  /** Backup codes, shown once: the form is done, the codes box stays until "I have saved them". */
  showCodes(answer, generation) {
    if (generation !== this.generation) return;
    const codes = Array.isArray(answer?.backup_codes) ? answer.backup_codes : [];
    this.endForm({ focus: false });
    this.codes.replaceChildren(
      ...codes.map((c) => {
        const li = document.createElement('li');
        li.textContent = String(c);
        return li;
      }),
    );
    this.copyCodes.reset();
    this.actions.hidden = true;
    this.codesBox.hidden = false;
    $('totp-codes-copy').focus();
  }

  hideCodes() {
    this.codes.replaceChildren();
    this.codesBox.hidden = true;
    this.actions.hidden = !this.form.hidden;
  }

  clearSecret() {
    this.secret.textContent = '';
    delete this.secret.dataset.raw;
    this.appLink.removeAttribute('href');
    this.qr.width = 0; // clears the drawing
    this.qr.height = 0;
  }

  forget() {
    this.generation += 1;
    this.endForm({ focus: false });
    this.hideCodes();
    this.returnTo = null;
    this.status.textContent = ''; // not a secret, but the next open (maybe another login) asks again
    this.submit.disabled = false;
    this.error.textContent = '';
  }
}

function describeFailure(step, err) {
  if (err instanceof ApiError && err.status === 401) {
    if (step === 'scan') return 'Wrong code. Check the code is termgate’s and the phone’s clock is right; after 10 minutes, Cancel and start again.';
    return step === 'enroll' ? 'Wrong PIN.' : 'Wrong PIN or code.';
  }
  if (err instanceof ApiError && err.code === 'second_factor_on') return 'Two-step login is on already.';
  return describeError(err);
}
