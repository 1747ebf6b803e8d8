// search.js — the scrollback search box (Ctrl+Shift+F): incremental search in the active
// terminal, Esc to close, "n of m" count. What one looks for in a terminal is usually what
// just happened: a search starts at the newest match (nearest the bottom), Enter goes to
// older ones (up), Shift+Enter back to newer ones.

export class SearchBar {
  /**
   * @param {HTMLElement} el the search bar (contains #search-input, #search-prev, ...)
   * @param {() => (import('./terminal.js').TermView|null)} activeView
   */
  constructor(el, activeView) {
    this.el = el;
    this.activeView = activeView;
    this.input = el.querySelector('#search-input');
    this.count = el.querySelector('#search-count');
    this.subscription = null;
    this.view = null;
    this.input.addEventListener('input', () => this.find(false, true));
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        this.find(!ev.shiftKey);
      } else if (ev.key === 'Escape') {
        ev.preventDefault();
        this.close();
      }
    });
    // ↑ older (the default direction), ↓ newer.
    el.querySelector('#search-prev').addEventListener('click', () => this.find(true));
    el.querySelector('#search-next').addEventListener('click', () => this.find(false));
    el.querySelector('#search-close').addEventListener('click', () => this.close());
  }

  get isOpen() {
    return !this.el.hidden;
  }

  open() {
    this.el.hidden = false;
    this.bind();
    this.input.focus();
    this.input.select();
  }

  toggle() {
    if (this.isOpen && document.activeElement === this.input) this.close();
    else this.open();
  }

  /** Attach the result counter to the active view (after a tab switch). */
  bind() {
    const view = this.activeView();
    if (view === this.view) return;
    this.subscription?.dispose();
    this.subscription = null;
    this.view = view;
    this.count.textContent = '';
    if (!view) return;
    this.subscription = view.onSearchResults(({ resultIndex, resultCount }) => {
      if (!this.input.value) this.count.textContent = '';
      else if (resultCount === 0) this.count.textContent = 'no matches';
      else if (resultIndex < 0) this.count.textContent = `${resultCount}+ matches`;
      else this.count.textContent = `${resultIndex + 1} of ${resultCount}`;
    });
  }

  /** backwards: towards older output (up); incremental: the query changed while typing. */
  find(backwards, incremental = false) {
    this.bind();
    if (!this.view) return;
    const query = this.input.value;
    if (!query) {
      this.view.clearSearch();
      this.count.textContent = '';
      return;
    }
    // Typing re-searches from the current match (or from the bottom) instead of jumping past it.
    const found = incremental ? this.view.findIncremental(query) : this.view.find(query, backwards);
    this.input.classList.toggle('nomatch', !found);
  }

  close() {
    this.el.hidden = true;
    this.view?.clearSearch();
    this.subscription?.dispose();
    this.subscription = null;
    const view = this.activeView();
    this.view = null;
    view?.focus();
  }
}
