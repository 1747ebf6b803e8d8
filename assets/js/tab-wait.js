// tab-wait.js — a guest whose link covers "whichever tab exists" while no tab does (the
// owner has not opened one yet, or closed the last): says "Waiting for the owner to open a
// terminal…" and asks the server every 2 s until a tab appears, instead of a permanent
// "gone". A link bound to one tab never waits: that tab does not come back.

const POLL_MS = 2000;

export class TabWaiter {
  /**
   * @param {HTMLElement} el the role=status waiting text
   * @param {{poll: () => Promise<number>, onFound: () => void}} ctx
   *   poll: open any new tabs, resolve with how many there are; onFound: one appeared
   */
  constructor(el, ctx) {
    this.el = el;
    this.ctx = ctx;
    this.timer = null;
    this.running = false;
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.el.hidden = false;
    this.schedule();
  }

  schedule() {
    this.timer = setTimeout(() => this.tick(), POLL_MS);
  }

  async tick() {
    let count = 0;
    try {
      count = await this.ctx.poll();
    } catch {
      /* unreachable for now, or the link ended (api.js reports a 401): ask again later */
    }
    if (!this.running) return;
    if (count > 0) {
      this.stop();
      this.ctx.onFound();
    } else {
      this.schedule();
    }
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = null;
    this.el.hidden = true;
  }
}
