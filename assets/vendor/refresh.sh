#!/usr/bin/env bash
# Refresh the vendored front-end files in assets/vendor/ from the versions pinned in
# assets/vendor/package.json + package-lock.json (run `npm install --package-lock-only`
# here first if you changed a version). Installs into a temp dir, never into assets/.
#   - xterm.js and its addons: their ESM builds, copied as they are;
#   - CodeMirror 6: bundled ONCE here by esbuild from codemirror.entry.mjs into one ESM file,
#     codemirror.mjs (bare imports need an import map, which our CSP forbids).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp "$here/package.json" "$here/package-lock.json" "$here/codemirror.entry.mjs" "$work/"
# --ignore-scripts: esbuild's binary comes from its @esbuild/<platform> npm package.
npm ci --prefix "$work" --ignore-scripts --no-audit --no-fund >/dev/null

nm="$work/node_modules/@xterm"
copy() { # copy SRC DEST, dropping the sourceMappingURL line (the maps are not served)
  sed '/^\/\/# sourceMappingURL=/d' "$1" >"$here/$2"
}
copy "$nm/xterm/lib/xterm.mjs"                     xterm.mjs
copy "$nm/xterm/css/xterm.css"                     xterm.css
copy "$nm/addon-fit/lib/addon-fit.mjs"             addon-fit.mjs
copy "$nm/addon-search/lib/addon-search.mjs"       addon-search.mjs
copy "$nm/addon-unicode11/lib/addon-unicode11.mjs" addon-unicode11.mjs
copy "$nm/addon-web-links/lib/addon-web-links.mjs" addon-web-links.mjs
for p in xterm addon-fit addon-search addon-unicode11 addon-web-links; do
  cp "$nm/$p/LICENSE" "$here/LICENSE.$p" # MIT: keep each package's notice beside its code
done

# CodeMirror: one minified ESM bundle; --legal-comments=none, licences kept beside it instead.
(cd "$work" && ./node_modules/.bin/esbuild codemirror.entry.mjs --bundle --format=esm \
  --minify --target=es2020 --legal-comments=none --log-level=warning --outfile="$here/codemirror.mjs")
cm_licence="$here/LICENSE.codemirror"
: >"$cm_licence"
for dir in "$work"/node_modules/@codemirror/* "$work"/node_modules/@lezer/* \
  "$work"/node_modules/style-mod "$work"/node_modules/w3c-keyname "$work"/node_modules/crelt; do
  [ -f "$dir/LICENSE" ] || continue
  printf '=== %s %s\n' "${dir#"$work"/node_modules/}" "$(node -p "require('$dir/package.json').version")" >>"$cm_licence"
  cat "$dir/LICENSE" >>"$cm_licence"
  printf '\n' >>"$cm_licence"
done

# Pre-compressed copies served with Content-Encoding: gzip (-n: no name/time, reproducible).
for f in xterm.mjs xterm.css addon-fit.mjs addon-search.mjs addon-unicode11.mjs addon-web-links.mjs codemirror.mjs; do
  gzip -9 -n -c "$here/$f" >"$here/$f.gz"
done

for p in xterm addon-fit addon-search addon-unicode11 addon-web-links; do
  printf '@xterm/%s %s\n' "$p" "$(node -p "require('$nm/$p/package.json').version")"
done
for dir in "$work"/node_modules/@codemirror/*; do
  printf '%s %s\n' "${dir#"$work"/node_modules/}" "$(node -p "require('$dir/package.json').version")"
done
printf 'codemirror.mjs %s bytes (%s gzip)\n' "$(wc -c <"$here/codemirror.mjs")" "$(wc -c <"$here/codemirror.mjs.gz")"
