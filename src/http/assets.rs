//! The embedded web UI: a fixed table of files from `assets/`, compiled into the binary.
//!
//! The table *is* the allowlist: [`lookup`] answers only for the URL paths listed below and
//! never touches the filesystem, so no request path (`..`, `%2e`, symlinks) can reach
//! anything else. `/` serves `assets/index.html`; every other entry is
//! `/assets/<path under assets/>`. Every file but the page is embedded only gzipped
//! (`build.rs` writes them; vendored files bring their `.gz` twin from
//! `assets/vendor/refresh.sh`): sent as it is with `Content-Encoding: gzip` to the
//! clients that accept it, inflated per request for the rest. That keeps the UI's
//! 1.6 MB to about 0.5 MB of the binary.
//!
//! Content types come from `mime_guess` (text types get `; charset=utf-8`) and the ETag is
//! a quoted prefix of the SHA-256 of the body; both are computed once, on first use.
//! Adding a file under `assets/js` or `assets/css` without listing it here fails the unit
//! test `every_ui_file_is_listed`.
//!
//! Under `--base-path` the index is the one file that differs: [`lookup_under`] serves it
//! with its `<base href>` naming the base (see [`index_under`]).

pub use super::asset::Asset;
use super::asset::Stored;
use super::base::BasePath;
use sha2::{Digest, Sha256};
use std::sync::{Mutex, OnceLock};

/// The `<base>` element `assets/index.html` carries for the root; every other URL in it is
/// relative, so this one element moves the whole UI under a base path.
pub const ROOT_BASE_TAG: &str = r#"<base href="/">"#;

/// A table row before the lazily computed fields are filled in.
struct Entry {
    path: &'static str,
    file: &'static str,
    stored: Stored,
}

/// `entry!("js/app.js")` serves `assets/js/app.js` at `/assets/js/app.js`, embedded as
/// the `.gz` build.rs wrote; `entry!(at "/" => "index.html")` is the page, embedded plain.
macro_rules! entry {
    (at $url:literal => $rel:literal) => {
        Entry {
            path: $url,
            file: $rel,
            stored: Stored::Plain(include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/assets/",
                $rel
            ))),
        }
    };
    ($rel:literal) => {
        Entry {
            path: concat!("/assets/", $rel),
            file: $rel,
            stored: Stored::Gzip(include_bytes!(concat!(
                env!("OUT_DIR"),
                "/assets/",
                $rel,
                ".gz"
            ))),
        }
    };
}

/// Every file the server may send. Keep in step with `assets/` (see the module doc).
const ENTRIES: &[Entry] = &[
    entry!(at "/" => "index.html"),
    entry!("icon.svg"),
    entry!("css/app.css"),
    entry!("css/workspace.css"),
    entry!("css/topbar.css"),
    entry!("css/tabs.css"),
    entry!("css/keybar.css"),
    entry!("css/share.css"),
    entry!("css/files.css"),
    entry!("css/editor.css"),
    entry!("css/commands.css"),
    entry!("css/security.css"),
    entry!("css/guests.css"),
    entry!("js/api.js"),
    entry!("js/app.js"),
    entry!("js/commands.js"),
    entry!("js/conflict.js"),
    entry!("js/csp-shim.js"),
    entry!("js/dialog.js"),
    entry!("js/disk-watch.js"),
    entry!("js/drafts.js"),
    entry!("js/editor.js"),
    entry!("js/filedrop.js"),
    entry!("js/file-paths.js"),
    entry!("js/files.js"),
    entry!("js/guest.js"),
    entry!("js/guests.js"),
    entry!("js/icons.js"),
    entry!("js/host.js"),
    entry!("js/keybar.js"),
    entry!("js/login.js"),
    entry!("js/menus.js"),
    entry!("js/osc52.js"),
    entry!("js/palettes.js"),
    entry!("js/phone-login.js"),
    entry!("js/player.js"),
    entry!("js/prefs.js"),
    entry!("js/proof.js"),
    entry!("js/prompts.js"),
    entry!("js/protocol.js"),
    entry!("js/reauth.js"),
    entry!("js/recordings.js"),
    entry!("js/search.js"),
    entry!("js/security-audit.js"),
    entry!("js/security-sessions.js"),
    entry!("js/security-tokens.js"),
    entry!("js/security-totp.js"),
    entry!("js/security-util.js"),
    entry!("js/security.js"),
    entry!("js/session.js"),
    entry!("js/settings.js"),
    entry!("js/settle.js"),
    entry!("js/share.js"),
    entry!("js/socket.js"),
    entry!("js/status.js"),
    entry!("js/tab-door.js"),
    entry!("js/tab-locks.js"),
    entry!("js/tab-rename.js"),
    entry!("js/tab-wait.js"),
    entry!("js/tab.js"),
    entry!("js/tabs.js"),
    entry!("js/term-drop.js"),
    entry!("js/terminal.js"),
    entry!("js/workspace-files.js"),
    entry!("vendor/xterm.mjs"),
    entry!("vendor/xterm.css"),
    entry!("vendor/addon-fit.mjs"),
    entry!("vendor/addon-search.mjs"),
    entry!("vendor/addon-unicode11.mjs"),
    entry!("vendor/addon-web-links.mjs"),
    // CodeMirror 6, bundled once by refresh.sh; loaded by js/editor.js on first use.
    entry!("vendor/codemirror.mjs"),
];

/// `Content-Type` for a file name, via `mime_guess`, with an explicit UTF-8 charset on text.
fn content_type(file: &str) -> &'static str {
    let guessed = mime_guess::from_path(file)
        .first_raw()
        .unwrap_or("application/octet-stream");
    match guessed {
        "text/html" => "text/html; charset=utf-8",
        "text/css" => "text/css; charset=utf-8",
        // mime_guess says application/javascript for .mjs; module scripts accept both.
        "text/javascript" | "application/javascript" => "text/javascript; charset=utf-8",
        other => other,
    }
}

/// Quoted hex prefix (128 bits) of the SHA-256 of `body`.
fn etag(body: &[u8]) -> &'static str {
    let digest = Sha256::digest(body);
    let tag = format!("\"{}\"", hex::encode(&digest[..16]));
    // Leaked once per table entry, when the table is first built: the table lives for the
    // whole process anyway (it sits in a `static`).
    Box::leak(tag.into_boxed_str())
}

fn table() -> &'static [Asset] {
    static TABLE: OnceLock<Vec<Asset>> = OnceLock::new();
    TABLE.get_or_init(|| {
        ENTRIES
            .iter()
            .map(|e| {
                let stored = stored_as_served(e);
                Asset {
                    path: e.path,
                    stored,
                    content_type: content_type(e.file),
                    // A gzip file's tag hashes its compressed bytes: build.rs and
                    // refresh.sh compress reproducibly, so equal files get equal tags
                    // without inflating every file to hash it.
                    etag: etag(match stored {
                        Stored::Plain(body) | Stored::Gzip(body) => body,
                    }),
                }
            })
            .collect()
    })
}

/// An entry as served: the page with its dialogs put in (see `http::index`), every
/// other file as it is.
fn stored_as_served(entry: &Entry) -> Stored {
    match entry.stored {
        Stored::Plain(body) if entry.path == "/" => {
            let page = std::str::from_utf8(body).expect("index.html is UTF-8");
            // Kept for the process, like the table it sits in.
            Stored::Plain(Box::leak(
                super::index::compose(page).into_bytes().into_boxed_slice(),
            ))
        }
        stored => stored,
    }
}

/// The page's composed bytes.
fn page(asset: &Asset) -> &'static str {
    match asset.stored {
        Stored::Plain(body) => std::str::from_utf8(body).expect("index.html is UTF-8"),
        Stored::Gzip(_) => unreachable!("the page is stored plain"),
    }
}

/// `path` is the URL path, e.g. "/" or "/assets/js/app.js". Returns None for anything not in the table.
pub fn lookup(path: &str) -> Option<&'static Asset> {
    table().iter().find(|a| a.path == path)
}

/// Like [`lookup`], for a URL path inside `base` (already stripped of it).
pub fn lookup_under(path: &str, base: &BasePath) -> Option<&'static Asset> {
    if path == "/" {
        Some(index_under(base))
    } else {
        lookup(path)
    }
}

/// The index whose `<base href>` is `base`: relative asset URLs, and the UI's API and
/// WebSocket URLs (built from `document.baseURI`), then resolve under the base from
/// `{base}` and from `{base}s/<token>` alike. Made once per base and kept for the
/// process, like the table: a daemon has one base, a test process a few.
pub fn index_under(base: &BasePath) -> &'static Asset {
    let root = lookup("/").expect("the index is in the table");
    if base.is_root() {
        return root;
    }
    static RENDERED: Mutex<Vec<(BasePath, &'static Asset)>> = Mutex::new(Vec::new());
    let mut rendered = crate::lock::lock(&RENDERED);
    if let Some((_, asset)) = rendered.iter().find(|(b, _)| b == base) {
        return asset;
    }
    let html = page(root);
    // A base holds only URL-path-safe characters: it needs no escaping in an attribute.
    let body = html.replacen(ROOT_BASE_TAG, &format!(r#"<base href="{base}">"#), 1);
    let body: &'static [u8] = Box::leak(body.into_bytes().into_boxed_slice());
    let asset: &'static Asset = Box::leak(Box::new(Asset {
        path: "/",
        stored: Stored::Plain(body),
        content_type: root.content_type,
        etag: etag(body),
    }));
    rendered.push((base.clone(), asset));
    asset
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::path::Path;

    #[test]
    fn every_entry_is_non_empty_and_unique() {
        let mut seen = HashSet::new();
        for asset in table() {
            assert!(!asset.body().is_empty(), "{} is empty", asset.path);
            assert!(seen.insert(asset.path), "{} listed twice", asset.path);
            if let Some(gz) = asset.gzip() {
                assert!(
                    gz.starts_with(&[0x1f, 0x8b]),
                    "{}.gz is not gzip",
                    asset.path
                );
            }
            assert!(
                asset.etag.starts_with('"') && asset.etag.ends_with('"') && asset.etag.len() == 34
            );
        }
    }

    #[test]
    fn lookup_serves_only_the_table() {
        assert!(lookup("/assets/../Cargo.toml").is_none());
        assert!(lookup("/assets/js/../../Cargo.toml").is_none());
        assert!(lookup("/Cargo.toml").is_none());
        assert!(lookup("/assets/vendor/package.json").is_none());
        assert!(lookup("/assets/vendor/refresh.sh").is_none());
        assert!(lookup("/assets/vendor/codemirror.entry.mjs").is_none());
        assert!(lookup("/assets/vendor/LICENSE.codemirror").is_none());
        assert!(lookup("/assets/js/").is_none());
        assert!(lookup("").is_none());
        assert!(lookup("/index.html").is_none());
        let index = lookup("/").expect("/ is served");
        assert_eq!(index.content_type, "text/html; charset=utf-8");
        let html = page(index);
        assert!(html.contains(r#"src="assets/js/app.js""#));
    }

    #[test]
    fn the_index_names_its_base_once_and_every_other_url_is_relative() {
        let html = page(lookup("/").unwrap());
        assert_eq!(html.matches(ROOT_BASE_TAG).count(), 1);
        assert_eq!(html.matches("<base ").count(), 1);
        for absolute in [r#"href="/"#, r#"src="/"#] {
            assert_eq!(
                html.matches(absolute).count(),
                usize::from(absolute.starts_with("href")),
                "{absolute} outside the <base> element"
            );
        }
        let base = BasePath::parse("/a/term").unwrap();
        let under = index_under(&base);
        let text = page(under);
        assert!(text.contains(r#"<base href="/a/term/">"#));
        assert!(!text.contains(ROOT_BASE_TAG));
        assert_ne!(under.etag, lookup("/").unwrap().etag);
        assert!(std::ptr::eq(under, index_under(&base)), "rendered twice");
        assert!(std::ptr::eq(
            lookup_under("/", &BasePath::default()).unwrap(),
            lookup("/").unwrap()
        ));
    }

    #[test]
    fn content_types_suit_module_scripts() {
        assert_eq!(
            lookup("/assets/js/app.js").unwrap().content_type,
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            lookup("/assets/vendor/xterm.mjs").unwrap().content_type,
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            lookup("/assets/vendor/codemirror.mjs")
                .unwrap()
                .content_type,
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            lookup("/assets/css/app.css").unwrap().content_type,
            "text/css; charset=utf-8"
        );
        assert_eq!(
            lookup("/assets/icon.svg").unwrap().content_type,
            "image/svg+xml"
        );
    }

    /// What a client without gzip gets is the file in `assets/`, byte for byte, and only
    /// the page is embedded plain.
    #[test]
    fn every_file_inflates_to_its_source() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
        for (asset, entry) in table().iter().zip(ENTRIES) {
            if asset.path == "/" {
                assert!(asset.gzip().is_none());
                continue;
            }
            assert!(asset.gzip().is_some(), "{} is embedded plain", asset.path);
            let source = std::fs::read(root.join(entry.file)).unwrap();
            assert!(asset.body()[..] == source[..], "{} differs", asset.path);
        }
    }

    /// A new module or stylesheet that is not listed would 404 in the browser.
    #[test]
    fn every_ui_file_is_listed() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
        for dir in ["js", "css"] {
            for item in std::fs::read_dir(root.join(dir)).unwrap() {
                let name = item.unwrap().file_name().into_string().unwrap();
                let url = format!("/assets/{dir}/{name}");
                assert!(
                    lookup(&url).is_some(),
                    "{url} exists in assets/ but is not in the table"
                );
            }
        }
    }
}
