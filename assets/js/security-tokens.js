// security-tokens.js — the Security dialog's "API tokens" tab: the owner's tokens for scripts
// (name, scopes, created, expiry, last use and from where; never a value: the server keeps
// hashes), a "New token" form (name, scopes, expiry; minting is sensitive, so the prompt,
// reauth.js, asks for the PIN when it was not entered lately) whose answer shows the token once
// with a Copy button, and Revoke on each row after a confirmation (the token's sockets close
// within a second). The new token is forgotten on Done and when the dialog hides.

import { api, ApiError } from './api.js';
import { askText } from './dialog.js';
import { cancelled } from './reauth.js';
import { copyButton, describeError, formatAgo, formatDate, formatUntil, listItem, rowButton } from './security-util.js';

const $ = (id) => document.getElementById(id);
const DEFAULT_EXPIRY = '2592000'; // 30 days: long enough for a job, short enough to be noticed

export class TokensSection {
  constructor() {
    this.list = $('token-list');
    this.none = $('tokens-none');
    this.listError = $('tokens-error');
    this.actions = $('token-actions');
    this.newButton = $('token-new');
    this.form = $('token-form');
    this.name = $('token-name');
    this.expiry = $('token-expiry');
    this.error = $('token-error');
    this.create = $('token-create');
    this.result = $('token-result');
    this.value = $('token-value');
    this.generation = 0; // bumped by forget(): a reply for a closed dialog is dropped
    this.copy = copyButton($('token-copy'), () => this.value.value);

    this.newButton.addEventListener('click', () => this.startNew());
    $('token-cancel').addEventListener('click', () => this.endForm());
    $('token-done').addEventListener('click', () => {
      this.hideResult();
      this.newButton.focus();
    });
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.mint();
    });
    this.list.addEventListener('click', (ev) => {
      const button = ev.target instanceof Element ? ev.target.closest('button[data-revoke]') : null;
      if (button) this.revoke(button.dataset.revoke, button.dataset.name);
    });
  }

  get scopes() {
    return [...this.form.querySelectorAll('input[name="token-scope"]:checked')].map((box) => box.value);
  }

  async load() {
    const generation = this.generation;
    try {
      const { tokens } = await api.listTokens();
      if (generation !== this.generation) return;
      this.listError.textContent = '';
      this.render(Array.isArray(tokens) ? tokens : []);
    } catch (err) {
      if (generation === this.generation) this.listError.textContent = `Could not list the tokens: ${describeError(err)}`;
    }
  }

  render(tokens) {
    this.none.hidden = tokens.length > 0;
    this.list.hidden = tokens.length === 0;
    this.list.replaceChildren(
      ...tokens.map((t) => {
        const expires = t.expires_at == null
          ? { text: 'never expires' }
          : { text: `expires ${formatUntil(t.expires_at * 1000)}`, title: formatDate(t.expires_at * 1000) };
        const used = t.last_used_at == null
          ? 'never used'
          : `last used ${formatAgo(t.last_used_at * 1000)}${t.last_source ? ` from ${t.last_source}` : ''}`;
        const item = listItem({
          name: t.name,
          details: [
            (t.scopes || []).join(', '),
            { text: `created ${formatDate(t.created_at * 1000)} · ${expires.text}`, title: expires.title },
            used,
          ],
          button: rowButton('Revoke', `Revoke the token ${t.name}`, { revoke: t.id, name: t.name }),
        });
        item.dataset.token = t.id;
        return item;
      }),
    );
  }

  startNew() {
    this.hideResult();
    this.resetForm();
    this.actions.hidden = true;
    this.form.hidden = false;
    this.name.focus();
  }

  /** Back from the form to the list (Cancel). */
  endForm() {
    this.form.hidden = true;
    this.actions.hidden = false;
    this.newButton.focus();
  }

  resetForm() {
    this.name.value = '';
    for (const box of this.form.querySelectorAll('input[name="token-scope"]')) box.checked = box.value === 'terminals:read';
    this.expiry.value = DEFAULT_EXPIRY;
    this.error.textContent = '';
  }

  async mint() {
    if (this.create.disabled) return;
    const name = this.name.value.trim();
    if (!name) {
      this.error.textContent = 'Give the token a name, so you know later what uses it.';
      this.name.focus();
      return;
    }
    const scopes = this.scopes;
    if (!scopes.length) {
      this.error.textContent = 'Choose at least one thing the token may do.';
      this.form.querySelector('input[name="token-scope"]').focus();
      return;
    }
    const expiresIn = this.expiry.value === 'never' ? null : Number(this.expiry.value);
    const generation = this.generation;
    this.create.disabled = true;
    this.error.textContent = '';
    try {
      const minted = await api.mintToken({ name, scopes, expires_in_secs: expiresIn });
      if (generation !== this.generation) return; // the dialog closed meanwhile: show nothing
      if (typeof minted?.token !== 'string') throw new Error('The server sent no token.');
      this.form.hidden = true;
      $('token-result-title').textContent = `New token “${minted.name ?? name}”`;
      this.value.value = minted.token;
      this.copy.reset();
      this.result.hidden = false;
      this.value.focus();
      this.value.select();
      this.load();
    } catch (err) {
      if (generation !== this.generation || cancelled(err)) return;
      this.error.textContent = err.code === 'too_many_tokens'
        ? 'There are as many tokens as termgate keeps: revoke one first.'
        : describeError(err);
    } finally {
      this.create.disabled = false;
    }
  }

  hideResult() {
    this.value.value = ''; // shown once: not kept in the page
    this.result.hidden = true;
    this.actions.hidden = !this.form.hidden;
  }

  async revoke(id, name) {
    const done = await askText({
      title: 'Revoke token',
      message: `Scripts using “${name}” are refused from now on, and its open terminal connections close.`,
      confirmLabel: 'Revoke',
      danger: true,
      action: async () => {
        try {
          await api.revokeToken(id);
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 404)) throw err; // 404: gone already
        }
      },
    });
    if (!done) return;
    this.listError.textContent = '';
    await this.load();
    // The row and its button are gone: the next row's button, or New token, has the focus.
    (this.list.querySelector('button[data-revoke]') || this.newButton).focus();
  }

  forget() {
    this.generation += 1;
    this.hideResult();
    this.resetForm();
    this.form.hidden = true;
    this.actions.hidden = false;
    this.create.disabled = false;
    this.listError.textContent = '';
  }
}
