// tab-door.js — a locked tab's door inside its pane. A socket of a locked tab gets
// `{"type":"locked","second_factor"}` instead of `hello` and nothing of the tab after it
// (docs/PROTOCOL.md, "Locked tabs"): this form asks for the PIN (and the code when the
// second factor is on) and sends `{"type":"unlock","pin","code"}` on that socket. A wrong
// answer comes back as `error` `unlock_failed` (or `rate_limited`), shown here; a right
// one, or the owner unlocking the tab, brings `hello` and the door goes away. The proof is
// for that socket only: a reload asks again.

let doors = 0;

export class TabDoor {
  /**
   * @param {HTMLElement} pane the tab's panel, which the door covers
   * @param {{unlock: (pin: string, code: string) => void, title: () => string}} ctx
   */
  constructor(pane, ctx) {
    this.ctx = ctx;
    this.open = false;
    const n = ++doors;
    const form = document.createElement('form');
    form.className = 'tab-door';
    form.hidden = true;
    form.noValidate = true;
    form.setAttribute('aria-labelledby', `door-title-${n}`);
    const heading = document.createElement('h2');
    heading.id = `door-title-${n}`;
    const text = document.createElement('p');
    text.textContent = 'Its owner locked it: enter the PIN to see it on this screen.';
    const pin = field(`door-pin-${n}`, 'PIN', { type: 'password', inputmode: 'numeric', maxlength: '32' });
    const code = field(`door-code-${n}`, 'Code from your authenticator app (or a backup code)',
      { type: 'text', inputmode: 'numeric', maxlength: '16', autocapitalize: 'characters', spellcheck: 'false' });
    const error = document.createElement('p');
    error.className = 'login-message';
    error.setAttribute('role', 'alert');
    const submit = document.createElement('button');
    submit.type = 'submit';
    submit.className = 'primary';
    submit.textContent = 'Unlock';
    form.append(heading, text, pin.row, code.row, error, submit);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.send();
    });
    pane.append(form);
    Object.assign(this, { form, heading, pin: pin.input, codeRow: code.row, code: code.input, error, submit });
  }

  /** The socket said `locked`: show the door (the code field when a code is asked). */
  show(secondFactor) {
    this.open = true;
    this.heading.textContent = `${this.ctx.title()} is locked`;
    this.codeRow.hidden = !secondFactor;
    this.error.textContent = '';
    this.submit.disabled = false;
    this.form.hidden = false;
    this.pin.focus();
  }

  send() {
    const pin = this.pin.value.trim();
    const code = this.code.value.trim().toUpperCase();
    if (!pin) {
      this.error.textContent = 'Enter the PIN.';
      this.pin.focus();
      return;
    }
    if (!this.codeRow.hidden && !code) {
      this.error.textContent = 'Enter the code.';
      this.code.focus();
      return;
    }
    this.error.textContent = '';
    this.submit.disabled = true;
    this.ctx.unlock(pin, this.codeRow.hidden ? '' : code);
  }

  /** An `error` while at the door: `unlock_failed` or `rate_limited`. True if it was the door's. */
  refused(msg) {
    if (!this.open) return false;
    this.error.textContent = msg.code === 'rate_limited'
      ? msg.message || 'Too many wrong attempts: try again later.'
      : 'Wrong PIN or code.';
    this.submit.disabled = false;
    this.pin.select();
    this.pin.focus();
    return true;
  }

  /** In (`hello`), or the socket went away: the door and what was typed go. True if it was open. */
  hide() {
    if (!this.open) return false;
    this.open = false;
    this.form.hidden = true;
    this.pin.value = '';
    this.code.value = '';
    return true;
  }
}

function field(id, text, attrs) {
  const row = document.createElement('div');
  row.className = 'tab-door-row';
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = text;
  const input = document.createElement('input');
  input.id = id;
  input.autocomplete = 'one-time-code';
  for (const [name, value] of Object.entries(attrs)) input.setAttribute(name, value);
  row.append(label, input);
  return { row, input };
}
