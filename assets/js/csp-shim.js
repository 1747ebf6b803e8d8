// csp-shim.js — lets xterm.js's DOM renderer run under the strict CSP (no inline styles).
//
// The server sends `default-src 'self'`, which blocks `<style>` elements with inline text
// and `style="..."` attributes. xterm.js uses both: it writes its theme/dimension rules into
// `<style>` elements (via `.textContent`) and sets truecolor cell colours with
// `setAttribute('style', ...)`. Both are redirected here to CSSOM, which CSP allows:
//   - `document.createElement('style')` returns a <termgate-style> stand-in whose
//     `textContent = css` fills a constructed stylesheet adopted by the document;
//   - `el.setAttribute('style', css)` becomes `el.style.cssText = css`.
// Only script-created styles are affected: our own CSS comes from <link> files.
// Import this module before xterm.

/**
 * Stand-in for the `<style>` elements xterm.js creates. A real `<style>` is checked by CSP
 * as soon as it is connected, even empty, so `document.createElement('style')` returns
 * this element instead: its text goes into a constructed stylesheet adopted by the document.
 */
class AdoptedStyle extends HTMLElement {
  #sheet = null;
  #text = '';

  get textContent() {
    return this.#text;
  }

  set textContent(value) {
    this.#text = value == null ? '' : String(value);
    if (!this.#sheet) {
      this.#sheet = new CSSStyleSheet();
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, this.#sheet];
    }
    this.#sheet.replaceSync(this.#text);
  }

  get sheet() {
    return this.#sheet;
  }

  // xterm.js drops its style elements with `.remove()` on dispose; drop the sheet with them.
  remove() {
    if (this.#sheet) {
      const sheet = this.#sheet;
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
      this.#sheet = null;
    }
    super.remove();
  }
}
customElements.define('termgate-style', AdoptedStyle);

const createElement = Document.prototype.createElement;
Document.prototype.createElement = function (tagName, options) {
  if (String(tagName).toLowerCase() === 'style') return new AdoptedStyle();
  return createElement.call(this, tagName, options);
};

const elementSetAttribute = Element.prototype.setAttribute;
Element.prototype.setAttribute = function setAttribute(name, value) {
  if (String(name).toLowerCase() === 'style' && this.style instanceof CSSStyleDeclaration) {
    this.style.cssText = String(value);
    return undefined;
  }
  return elementSetAttribute.call(this, name, value);
};
