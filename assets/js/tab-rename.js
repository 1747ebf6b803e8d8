// tab-rename.js — the inline editor that renames a tab (double-click or F2 on it).
// The <input> takes the place of the tab's <button> as its sibling, never inside it: keys
// typed into an input inside a button still activate the button (Space "clicks" it), which
// focused the terminal, committed half a name on blur and sent the rest to the shell.
// Enter commits, Escape cancels, a click elsewhere commits; an empty name clears the
// owner's name so the shell's own title shows again.

/**
 * Edit `tab`'s name in place.
 * @param {import('./tab.js').Tab} tab  has .button (role=tab) and .el (its wrapper)
 * @param {(name: string|null) => Promise<void>} commit  null: clear the name
 */
export function editTabName(tab, commit) {
  if (tab.renaming) return;
  tab.renaming = true;
  // Keyboard users (F2 on the tab) go back to the tab; otherwise to the terminal.
  const fromTab = document.activeElement === tab.button;
  const input = document.createElement('input');
  input.type = 'text';
  input.className = 'tab-rename';
  input.maxLength = 128; // the server's limit
  input.value = tab.title;
  input.autocomplete = 'off';
  input.spellcheck = false;
  input.setAttribute('aria-label', 'Terminal name');
  input.title = 'Enter to rename, Escape to cancel; empty: use the shell’s title';
  tab.button.hidden = true;
  tab.button.after(input);
  input.focus();
  input.select();

  let done = false;
  const finish = (save, refocus) => {
    if (done) return;
    done = true;
    const value = input.value.trim();
    input.remove();
    tab.button.hidden = false;
    tab.renaming = false;
    if (refocus) {
      if (fromTab) tab.button.focus();
      else tab.focus();
    }
    if (!save) return;
    if (!value && tab.name) commit(null);
    else if (value && value !== tab.title) commit(value);
  };
  input.addEventListener('keydown', (ev) => {
    // Nothing typed here is a tab-bar shortcut or terminal input.
    ev.stopPropagation();
    if (ev.key === 'Enter') {
      ev.preventDefault();
      finish(true, true);
    } else if (ev.key === 'Escape') {
      ev.preventDefault();
      finish(false, true);
    }
  });
  // Focus went elsewhere on purpose (a click): keep what was typed, leave focus there.
  input.addEventListener('blur', () => finish(true, false));
}
