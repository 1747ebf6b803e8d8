// menus.js — the top bar's two drop-downs, both disclosure buttons (aria-expanded +
// aria-controls, not ARIA menus: their content is ordinary buttons in tab order):
//   - ☰ (#menu-toggle, phone layout only): the view tools, Share and the session controls;
//   - the account button (#account-toggle, wide layout only): time left, "Log in on your
//     phone…", "Security…" (security.js), "Log out" and "Log out everywhere".
// A menu closes on a click outside it, on Escape (focus goes back to its button) and after
// any button in it is used, except those that only change the view (font size, theme).

const KEEP_OPEN = new Set(['font-dec', 'font-inc', 'theme']);
const menus = [];

/** Wire `toggle` (a button) to show and hide `panel` (its `open` class). */
function disclosure(toggle, panel) {
  const set = (open) => {
    panel.classList.toggle('open', open);
    toggle.setAttribute('aria-expanded', String(open));
  };
  const isOpen = () => panel.classList.contains('open');
  toggle.addEventListener('click', () => {
    const open = !isOpen();
    for (const m of menus) m.set(false);
    set(open);
  });
  panel.addEventListener('click', (ev) => {
    const button = ev.target instanceof Element ? ev.target.closest('button') : null;
    if (button && button !== toggle && !KEEP_OPEN.has(button.id) && !button.getAttribute('aria-controls')) set(false);
  });
  document.addEventListener('pointerdown', (ev) => {
    if (isOpen() && !panel.contains(ev.target) && !toggle.contains(ev.target)) set(false);
  });
  const onKey = (ev) => {
    if (ev.key === 'Escape' && isOpen()) {
      ev.stopPropagation();
      set(false);
      toggle.focus();
    }
  };
  panel.addEventListener('keydown', onKey);
  toggle.addEventListener('keydown', onKey);
  menus.push({ set });
}

/** Set up both menus (once, at start). */
export function initMenus() {
  disclosure(document.getElementById('menu-toggle'), document.getElementById('topbar-menu'));
  disclosure(document.getElementById('account-toggle'), document.getElementById('account-menu'));
}

/** Close every menu (before a dialog opens). */
export function closeMenus() {
  for (const m of menus) m.set(false);
}
