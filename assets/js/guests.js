// guests.js — the owner's live approval of interactive guests, both sides of it.
//
// Owner: while the page is visible, GuestApprovals long-polls GET /api/guests?since=N (the
// server answers at once on any change, else after ~25 s) and shows, for each guest whose
// socket is open, "Guest wants to type (link …, from …)" with Allow / Deny, and the guests
// already let in or watching with Read-only (or Allow again) / Kick. A hidden page stops
// polling (the next answer is dropped) and starts afresh when shown, so a background tab costs
// nothing and a returning owner sees the list at once.
//
// Guest: ApprovalNote says where the guest stands — "Waiting for the owner to let you type"
// until the server's `approval` message says otherwise, and why the view closed after a
// denial (4003) or a kick (4005).

import { api, ApiError } from './api.js';

const RETRY_MS = 3000;

/** The line that says who a guest is: link, address, device. */
function whoText(guest) {
  const device = guest.device ? `, ${guest.device}` : '';
  return `link ${guest.share}, from ${guest.source}${device}`;
}

/** What the owner may do with a guest in each state: [label, action, class]. */
const CHOICES = {
  waiting: [
    ['Allow', 'allow', 'primary'],
    ['Deny', 'deny', 'danger'],
  ],
  allowed: [
    ['Read-only', 'read_only', ''],
    ['Kick', 'kick', 'danger'],
  ],
  read_only: [
    ['Allow', 'allow', ''],
    ['Kick', 'kick', 'danger'],
  ],
};

const HEADLINES = {
  waiting: 'Guest wants to type',
  allowed: 'Guest is typing',
  read_only: 'Guest is watching',
};

export class GuestApprovals {
  /**
   * @param {HTMLElement} panel the guests' aside (hidden while nobody is there)
   * @param {{list: HTMLElement, notify: (text: string) => void}} ctx
   */
  constructor(panel, ctx) {
    this.panel = panel;
    this.list = ctx.list;
    this.notify = ctx.notify;
    this.gen = 0; // each poll loop's generation: a stale answer is dropped
    this.running = false;
    this.shown = '';
    this.onVisibility = () => this.follow();
  }

  start() {
    if (this.running) return;
    this.running = true;
    document.addEventListener('visibilitychange', this.onVisibility);
    this.follow();
  }

  stop() {
    this.running = false;
    this.gen += 1;
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.render([]);
  }

  /** Polls while the page is visible; a hidden page ends the loop. */
  follow() {
    this.gen += 1;
    if (this.running && document.visibilityState === 'visible') this.loop(this.gen);
  }

  async loop(gen) {
    let since = null;
    while (gen === this.gen) {
      try {
        const answer = await api.guests(since);
        if (gen !== this.gen) return;
        since = answer.version;
        this.render(Array.isArray(answer.guests) ? answer.guests : []);
      } catch (err) {
        if (gen !== this.gen) return;
        // Logged out (the login page takes over) or not the owner: nothing to follow.
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return;
        since = null;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  /** Only guests with a socket open, not yet refused, are worth the owner's attention. */
  render(guests) {
    const present = guests.filter((g) => g.sockets > 0 && CHOICES[g.state]);
    // Waiting guests first: they are the ones asking.
    present.sort((a, b) => (a.state === 'waiting' ? 0 : 1) - (b.state === 'waiting' ? 0 : 1));
    const shape = JSON.stringify(present.map((g) => [g.id, g.state, g.share, g.source, g.device]));
    if (shape === this.shown) return;
    this.shown = shape;
    this.list.replaceChildren(...present.map((guest) => this.row(guest)));
    this.panel.hidden = present.length === 0;
  }

  row(guest) {
    const item = document.createElement('li');
    item.className = `guest-row guest-${guest.state.replace('_', '-')}`;
    item.dataset.guest = guest.id;
    const text = document.createElement('p');
    text.className = 'guest-who';
    text.id = `guest-who-${guest.id}`;
    const headline = document.createElement('strong');
    headline.textContent = HEADLINES[guest.state];
    text.append(headline, ` (${whoText(guest)})`);
    const buttons = document.createElement('div');
    buttons.className = 'guest-buttons';
    for (const [label, action, kind] of CHOICES[guest.state]) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = label;
      button.dataset.action = action;
      if (kind) button.className = kind;
      button.setAttribute('aria-describedby', text.id);
      button.addEventListener('click', () => this.decide(guest, action, buttons));
      buttons.append(button);
    }
    item.append(text, buttons);
    return item;
  }

  async decide(guest, action, buttons) {
    for (const button of buttons.querySelectorAll('button')) button.disabled = true;
    try {
      await api.decideGuest(guest.id, action);
      // The poll answers with the change and redraws the row.
    } catch (err) {
      for (const button of buttons.querySelectorAll('button')) button.disabled = false;
      if (!(err instanceof ApiError) || err.status !== 401) this.notify(`Could not update the guest: ${err.message}`);
    }
  }
}

const NOTES = {
  waiting: 'Waiting for the owner to let you type…',
  allowed: 'The owner let you type.',
  read_only: 'The owner made your view read-only: you can watch, not type.',
  denied: 'The owner did not let you in.',
  kicked: 'The owner removed you from this terminal.',
};

/** The guest's line about the owner's decision (interactive links only). */
export class ApprovalNote {
  /** @param {HTMLElement} el a role=status element, hidden until there is something to say */
  constructor(el) {
    this.el = el;
  }

  show(state) {
    const text = NOTES[state];
    if (!text) return;
    this.el.textContent = text;
    this.el.dataset.state = state;
    this.el.hidden = false;
  }

  clear() {
    this.el.hidden = true;
    this.el.textContent = '';
    delete this.el.dataset.state;
  }
}
