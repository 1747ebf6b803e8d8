// phone-login.js — the owner's "Log in on your phone…" dialog: on request (never on open),
// asks the server for a login link (`POST /api/login-link`: the public or this origin with
// `#token=<access token>`) and shows it as a QR code and a copyable link. The phone's
// login page fills the token in from the fragment and still asks for the PIN.
// The link is a secret: it is fetched only after "Show login code" and forgotten (input
// emptied, canvas cleared) when the dialog closes.

import { api, ApiError } from './api.js';
import { describeOrigin, drawQr } from './share.js';
import { copyText } from './terminal.js';

const $ = (id) => document.getElementById(id);

export class PhoneLoginDialog {
  /** @param {{focusTerminal: () => void}} ctx */
  constructor(ctx) {
    this.ctx = ctx;
    this.dialog = $('phone-dialog');
    this.result = $('phone-result');
    this.url = $('phone-url');
    this.qr = $('phone-qr');
    this.origin = $('phone-origin');
    this.error = $('phone-error');
    this.show = $('phone-show');
    this.copy = $('phone-copy');
    this.generation = 0; // a reply that arrives after the dialog closed is dropped

    this.show.addEventListener('click', () => this.reveal());
    $('phone-close').addEventListener('click', () => this.close());
    this.copy.addEventListener('click', async () => {
      await copyText(this.url.value);
      this.copy.textContent = 'Copied';
    });
    // Escape fires `cancel` synchronously, before the dialog hides; its `close` event comes
    // a task later, and until then the hidden dialog would still hold the link.
    this.dialog.addEventListener('cancel', () => this.forget());
    // Escape, Close and any other way of closing end here.
    this.dialog.addEventListener('close', () => {
      this.forget();
      this.ctx.focusTerminal();
    });
  }

  open() {
    this.forget();
    this.dialog.showModal(); // modal: focus stays inside, the page behind is inert
    this.show.focus();
  }

  close() {
    // Forgotten at once: the dialog's `close` event (which forgets too, for Escape) comes
    // a task later, and until then the hidden dialog would still hold the link.
    this.forget();
    if (this.dialog.open) this.dialog.close();
  }

  async reveal() {
    const generation = this.generation;
    this.show.disabled = true;
    this.error.textContent = '';
    try {
      const link = await api.loginLink();
      if (generation !== this.generation || !this.dialog.open) return;
      if (typeof link?.url !== 'string' || !link.url.includes('#token=')) throw new Error('The server sent no login link.');
      this.url.value = link.url;
      this.origin.textContent = describeOrigin(link);
      this.qr.hidden = !drawQr(this.qr, link.qr);
      this.copy.textContent = 'Copy';
      this.result.hidden = false;
      this.show.hidden = true;
      this.copy.focus();
    } catch (err) {
      if (generation !== this.generation) return;
      this.error.textContent = err instanceof ApiError || err instanceof Error ? `Could not get a login code: ${err.message}` : 'Could not get a login code.';
      this.show.disabled = false;
      this.show.focus();
    }
  }

  /** Drop the link from the page: the next open starts from "Show login code" again. */
  forget() {
    this.generation += 1;
    this.url.value = '';
    this.origin.textContent = '';
    this.error.textContent = '';
    this.qr.width = 0; // clears the drawing
    this.qr.height = 0;
    this.result.hidden = true;
    this.show.hidden = false;
    this.show.disabled = false;
  }
}
