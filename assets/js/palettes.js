// palettes.js — the terminal's colour palettes (xterm.js `theme` objects) and the font
// families offered in Settings. "default" follows the page's light/dark theme; the others
// are fixed. Every palette's foreground is at least 4.5:1 on its background (WCAG AA),
// checked by tests/browser/settings.test.mjs on the theme actually applied.

const DARK = {
  background: '#16181d', foreground: '#d8dee9', cursor: '#f0f0f0', cursorAccent: '#16181d',
  selectionBackground: '#3b4a66', selectionForeground: '#ffffff',
  black: '#1d2027', red: '#e06c75', green: '#98c379', yellow: '#e5c07b', blue: '#61afef',
  magenta: '#c678dd', cyan: '#56b6c2', white: '#c8ccd4',
  brightBlack: '#5c6370', brightRed: '#ef8189', brightGreen: '#a9d88b', brightYellow: '#f0d197',
  brightBlue: '#7cc0f5', brightMagenta: '#d492e7', brightCyan: '#6fcad5', brightWhite: '#ffffff',
};

const LIGHT = {
  background: '#fbfbfa', foreground: '#24292f', cursor: '#24292f', cursorAccent: '#fbfbfa',
  selectionBackground: '#b6d3f7', selectionForeground: '#000000',
  black: '#24292f', red: '#c4262e', green: '#1a7f37', yellow: '#8a6100', blue: '#0550ae',
  magenta: '#8250df', cyan: '#0f7b8a', white: '#6e7781',
  brightBlack: '#57606a', brightRed: '#d73a49', brightGreen: '#2da44e', brightYellow: '#9a6700',
  brightBlue: '#218bff', brightMagenta: '#a475f9', brightCyan: '#1b9aaa', brightWhite: '#8c959f',
};

// Solarized (Ethan Schoonover): the accents are shared, base tones swap between dark and light.
const SOLARIZED_ACCENTS = {
  yellow: '#b58900', red: '#dc322f', magenta: '#d33682', blue: '#268bd2', cyan: '#2aa198', green: '#859900',
  brightRed: '#cb4b16', brightMagenta: '#6c71c4',
};

const SOLARIZED_DARK = {
  ...SOLARIZED_ACCENTS,
  background: '#002b36', foreground: '#93a1a1', cursor: '#93a1a1', cursorAccent: '#002b36',
  selectionBackground: '#073642', selectionForeground: '#eee8d5',
  black: '#073642', white: '#eee8d5', brightBlack: '#002b36', brightGreen: '#586e75',
  brightYellow: '#657b83', brightBlue: '#839496', brightCyan: '#93a1a1', brightWhite: '#fdf6e3',
};

const SOLARIZED_LIGHT = {
  ...SOLARIZED_ACCENTS,
  background: '#fdf6e3', foreground: '#586e75', cursor: '#586e75', cursorAccent: '#fdf6e3',
  selectionBackground: '#eee8d5', selectionForeground: '#073642',
  black: '#073642', white: '#eee8d5', brightBlack: '#002b36', brightGreen: '#586e75',
  brightYellow: '#657b83', brightBlue: '#839496', brightCyan: '#93a1a1', brightWhite: '#fdf6e3',
};

const HIGH_CONTRAST = {
  background: '#000000', foreground: '#ffffff', cursor: '#ffff00', cursorAccent: '#000000',
  selectionBackground: '#ffffff', selectionForeground: '#000000',
  black: '#000000', red: '#ff5f5f', green: '#5fff5f', yellow: '#ffff5f', blue: '#87afff',
  magenta: '#ff87ff', cyan: '#5fffff', white: '#e5e5e5',
  brightBlack: '#a8a8a8', brightRed: '#ff8787', brightGreen: '#87ff87', brightYellow: '#ffff87',
  brightBlue: '#afd7ff', brightMagenta: '#ffafff', brightCyan: '#87ffff', brightWhite: '#ffffff',
};

/** name -> label and theme (a function of the page's theme for "default"). */
export const PALETTES = {
  default: { label: 'Default (follows the theme)', theme: (page) => (page === 'dark' ? DARK : LIGHT), dark: (page) => page === 'dark' },
  'solarized-dark': { label: 'Solarized Dark', theme: () => SOLARIZED_DARK, dark: () => true },
  'solarized-light': { label: 'Solarized Light', theme: () => SOLARIZED_LIGHT, dark: () => false },
  'high-contrast': { label: 'High contrast', theme: () => HIGH_CONTRAST, dark: () => true },
};

/** The xterm.js theme of palette `name` while the page's theme is `page` ('light'|'dark'). */
export function paletteTheme(name, page) {
  return (PALETTES[name] ?? PALETTES.default).theme(page);
}

/** Whether palette `name` is a dark one (search highlights are chosen to match). */
export function paletteIsDark(name, page) {
  return (PALETTES[name] ?? PALETTES.default).dark(page);
}

/** The font stack termgate always used; first DejaVu Sans Mono (Debian's), last `monospace`. */
export const FONT_STACK = '"DejaVu Sans Mono", "Cascadia Mono", "SF Mono", Menlo, Consolas, "Liberation Mono", monospace';

/** Font choices: 'default' (FONT_STACK), 'monospace' (the browser's), 'custom' (a typed name). */
export const FONT_CHOICES = { default: 'Default stack', monospace: 'Browser monospace', custom: 'Custom…' };

/** A typed family name made safe for a CSS font-family list: quotes and backslashes dropped. */
export function cleanFamily(name) {
  return String(name ?? '').replace(/["'\\;{}<>]/g, '').trim().slice(0, 80);
}

/** The CSS font-family for a choice (`custom`: the typed name, falling back to monospace). */
export function fontFamilyFor(choice, custom) {
  if (choice === 'monospace') return 'monospace';
  const name = cleanFamily(custom);
  if (choice === 'custom' && name) return `"${name}", monospace`;
  return FONT_STACK;
}
