// security.js — the owner's Security dialog (account menu, "Security…"): four tabs, each a
// section of its own module: two-step login (security-totp.js), API tokens
// (security-tokens.js), the sessions logged in (security-sessions.js) and the audit log
// (security-audit.js, read-only). A section loads its list when its tab is shown. The dialog holds secrets (the second factor's secret, backup
// codes, a new token, PINs typed): every section forgets them the moment the dialog hides —
// on Escape already in `cancel`, since `close` comes a task later — and a reply that
// arrives after that is dropped.

import { AuditSection } from './security-audit.js';
import { SessionsSection } from './security-sessions.js';
import { TokensSection } from './security-tokens.js';
import { TotpSection } from './security-totp.js';

const $ = (id) => document.getElementById(id);

export class SecurityDialog {
  /** @param {{focusTerminal: () => void}} ctx */
  constructor(ctx) {
    this.ctx = ctx;
    this.dialog = $('security-dialog');
    this.sections = {
      totp: new TotpSection(),
      tokens: new TokensSection(),
      sessions: new SessionsSection(),
      audit: new AuditSection(),
    };
    this.tabs = [...this.dialog.querySelectorAll('[role="tab"]')];
    this.current = 'totp';

    for (const tab of this.tabs) tab.addEventListener('click', () => this.select(tabName(tab), { focus: true }));
    // Arrow keys, Home and End move between the tabs (the ARIA tabs pattern): only the
    // selected tab is in the Tab order, so Tab goes straight on into its panel.
    this.dialog.querySelector('[role="tablist"]').addEventListener('keydown', (ev) => {
      const at = this.tabs.indexOf(document.activeElement);
      if (at < 0) return;
      const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: this.tabs.length - 1 }[ev.key];
      if (to === undefined) return;
      ev.preventDefault();
      this.select(tabName(this.tabs[(to + this.tabs.length) % this.tabs.length]), { focus: true });
    });
    $('security-close').addEventListener('click', () => this.close());
    this.dialog.addEventListener('cancel', () => this.forget());
    this.dialog.addEventListener('close', () => {
      this.forget();
      this.ctx.focusTerminal();
    });
  }

  /** Open on the tab last used (two-step login the first time), its list freshly loaded. */
  open() {
    this.forget();
    if (!this.dialog.open) this.dialog.showModal();
    this.select(this.current, { focus: true });
  }

  close() {
    this.forget(); // before the `close` event: the hidden dialog must not hold a secret meanwhile
    if (this.dialog.open) this.dialog.close();
  }

  /** Show section `name` (totp, tokens, sessions, audit) and reload what it lists. */
  select(name, { focus = false } = {}) {
    this.current = name;
    for (const tab of this.tabs) {
      const chosen = tabName(tab) === name;
      tab.setAttribute('aria-selected', String(chosen));
      tab.tabIndex = chosen ? 0 : -1;
      $(tab.getAttribute('aria-controls')).hidden = !chosen;
      if (chosen && focus) tab.focus();
    }
    this.sections[name].load();
  }

  forget() {
    for (const section of Object.values(this.sections)) section.forget();
  }
}

/** "sec-tab-tokens" -> "tokens". */
function tabName(tab) {
  return tab.id.replace(/^sec-tab-/, '');
}
