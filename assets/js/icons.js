// icons.js — the UI's line icons (24×24, drawn with currentColor by css/app.css `.i`), one
// table for the markup and the scripts. index.html holds empty `<svg class="i"
// data-icon="name" aria-hidden="true">` elements that fillIcons() draws into; scripts that
// build buttons call icon(name). Paths only, no inline style: CSP-safe. Every icon is
// decorative (aria-hidden): the button it sits in carries the name.

const SVG = 'http://www.w3.org/2000/svg';

/** name -> path data ("M…"), or several, drawn with stroke; `dot:` entries are filled. */
const PATHS = {
  search: ['M11 4a7 7 0 1 0 0 14a7 7 0 1 0 0-14z', 'M20 20l-4-4'],
  'font-dec': ['M3 19l5-14l5 14', 'M4.8 14h6.4', 'M15 11h6'],
  'font-inc': ['M3 19l5-14l5 14', 'M4.8 14h6.4', 'M15 11h6', 'M18 8v6'],
  theme: ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z', 'fill:M12 3a9 9 0 0 0 0 18z'],
  settings: ['M4 6h9', 'M17 6h3', 'M4 12h3', 'M11 12h9', 'M4 18h11', 'M19 18h1',
    'M15 4v4', 'M9 10v4', 'M17 16v4'],
  // The size lock: four fixed corners (unlike the padlock, which locks the tab itself).
  'size-lock': ['M4 9V4h5', 'M15 4h5v5', 'M20 15v5h-5', 'M9 20H4v-5', 'M9 12h6', 'M12 9v6'],
  lock: ['M6 11h12a1 1 0 0 1 1 1v7a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1v-7a1 1 0 0 1 1-1z', 'M8 11V8a4 4 0 0 1 8 0v3'],
  share: ['M12 15V4', 'M8 8l4-4l4 4', 'M8 11H6a1 1 0 0 0-1 1v7a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1v-7a1 1 0 0 0-1-1h-2'],
  user: ['M12 4a4 4 0 1 0 0 8a4 4 0 1 0 0-8z', 'M4.5 20a7.5 7.5 0 0 1 15 0'],
  chevron: ['M7 10l5 5l5-5'],
  up: ['M6 15l6-6l6 6'],
  down: ['M6 9l6 6l6-6'],
  menu: ['M4 7h16', 'M4 12h16', 'M4 17h16'],
  plus: ['M12 5v14', 'M5 12h14'],
  x: ['M6 6l12 12', 'M18 6L6 18'],
  copy: ['M9 9h10a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H9a1 1 0 0 1-1-1V10a1 1 0 0 1 1-1z', 'M5 15H4.5a.5.5 0 0 1-.5-.5V4.5a.5.5 0 0 1 .5-.5h10a.5.5 0 0 1 .5.5V5'],
  folder: ['M3 7.5A1.5 1.5 0 0 1 4.5 6H9l2 2h8.5a1.5 1.5 0 0 1 1.5 1.5v8a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5z'],
  'file-plus': ['M14 3H7a1 1 0 0 0-1 1v16a1 1 0 0 0 1 1h10a1 1 0 0 0 1-1V7z', 'M14 3v4h4', 'M12 11v6', 'M9 14h6'],
  'folder-plus': ['M3 7.5A1.5 1.5 0 0 1 4.5 6H9l2 2h8.5a1.5 1.5 0 0 1 1.5 1.5v8a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5z', 'M12 11v5', 'M9.5 13.5h5'],
  upload: ['M12 16V4', 'M7 9l5-5l5 5', 'M4 16v3a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-3'],
  refresh: ['M20 12a8 8 0 1 1-2.34-5.66', 'M20 4v5h-5'],
  eye: ['M2.5 12s3.5-6.5 9.5-6.5s9.5 6.5 9.5 6.5s-3.5 6.5-9.5 6.5S2.5 12 2.5 12z', 'M12 9.5a2.5 2.5 0 1 0 0 5a2.5 2.5 0 1 0 0-5z'],
  phone: ['M8 3h8a1 1 0 0 1 1 1v16a1 1 0 0 1-1 1H8a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1z', 'M11 18h2'],
  logout: ['M14 4h4a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1h-4', 'M9 8l-4 4l4 4', 'M5 12h10'],
  'logout-all': ['M14 4h4a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1h-4', 'M9 8l-4 4l4 4', 'M5 12h10', 'M12 8l-4 4l4 4'],
  record: ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z', 'fill:M12 8a4 4 0 1 0 0 8a4 4 0 1 0 0-8z'],
  shield: ['M12 3l7 3v5c0 4.5-3 8.3-7 10c-4-1.7-7-5.5-7-10V6z', 'M9 12l2 2l4-4'],
  clock: ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z', 'M12 7v5l3 2'],
};

/** Draw icon `name` into the (empty) <svg> `svg`. */
function draw(svg, name) {
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.classList.add('i');
  for (const spec of PATHS[name] ?? []) {
    const path = document.createElementNS(SVG, 'path');
    const filled = spec.startsWith('fill:');
    path.setAttribute('d', filled ? spec.slice(5) : spec);
    if (filled) path.setAttribute('class', 'fill');
    svg.append(path);
  }
}

/** A new decorative icon element; `className`: another class beside `i`. */
export function icon(name, className = '') {
  const svg = document.createElementNS(SVG, 'svg');
  draw(svg, name);
  if (className) svg.classList.add(className);
  return svg;
}

/** Draw every `<svg data-icon>` under `root` that is still empty. */
export function fillIcons(root = document) {
  for (const svg of root.querySelectorAll('svg[data-icon]')) {
    if (!svg.firstChild) draw(svg, svg.dataset.icon);
  }
}
