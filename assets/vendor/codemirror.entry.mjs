// codemirror.entry.mjs — the entry point esbuild bundles into codemirror.mjs (refresh.sh).
// Not served: only the bundle is. CodeMirror 6 ships as many ES modules with bare imports,
// which a browser cannot resolve without an (inline, CSP-blocked) import map, so the
// pieces the editor needs are re-exported from here and bundled into one file.

export { EditorState, Compartment, StateEffect } from '@codemirror/state';
export {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  highlightSpecialChars, drawSelection, dropCursor, rectangularSelection, crosshairCursor,
} from '@codemirror/view';
export { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
export {
  syntaxHighlighting, defaultHighlightStyle, indentOnInput, bracketMatching, foldGutter,
  foldKeymap, StreamLanguage,
} from '@codemirror/language';
export { searchKeymap, highlightSelectionMatches } from '@codemirror/search';
export { autocompletion, completionKeymap, closeBrackets, closeBracketsKeymap } from '@codemirror/autocomplete';
export { MergeView } from '@codemirror/merge';
export { oneDark } from '@codemirror/theme-one-dark';
export { javascript } from '@codemirror/lang-javascript';
export { python } from '@codemirror/lang-python';
export { rust } from '@codemirror/lang-rust';
export { json } from '@codemirror/lang-json';
export { markdown } from '@codemirror/lang-markdown';
export { html } from '@codemirror/lang-html';
export { css } from '@codemirror/lang-css';
export { yaml } from '@codemirror/lang-yaml';
