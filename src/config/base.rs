//! The base path everything is served under (`--base-path`, default `/`), for
//! an owner who puts termgate at e.g. `https://example.com/term/` behind their
//! own reverse proxy.
//!
//! A [`BasePath`] always starts and ends with `/` and holds only characters
//! that need no escaping in a URL path, an HTML attribute or a cookie's
//! `Path`, so it can be written into all three without quoting. The router
//! strips it once ([`BasePath::strip`]); everything behind the router sees
//! the same paths as with the default `/`. Paths the server hands out (share
//! links, the banner) are built here so there is one place that knows the
//! layout.

use std::fmt;

/// A validated, normalised base path: `/` or `/a/b/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BasePath(String);

/// Long enough for any sane prefix; a cap keeps cookies and URLs small.
const MAX_LEN: usize = 200;

impl Default for BasePath {
    fn default() -> Self {
        Self("/".into())
    }
}

impl fmt::Display for BasePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl BasePath {
    /// Normalises `/term`, `term/` or `/term/` to `/term/`, and refuses
    /// anything a proxy or a browser might rewrite (`..`, `.`, `//`, escapes).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("must not be empty (use / for the root)".into());
        }
        if let Some(bad) = text.chars().find(|c| !is_path_safe(*c)) {
            return Err(format!(
                "`{text}` contains `{bad}`; use only letters, digits, `-`, `_`, `.`, `~` and `/`"
            ));
        }
        if text.contains("//") {
            return Err(format!("`{text}` contains `//`"));
        }
        let mut path = String::with_capacity(text.len() + 2);
        if !text.starts_with('/') {
            path.push('/');
        }
        path.push_str(text);
        if !path.ends_with('/') {
            path.push('/');
        }
        // Browsers and proxies resolve dot segments before we see the
        // request, so a base holding one could never be matched.
        if path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
        {
            return Err(format!("`{text}` contains a `.` or `..` segment"));
        }
        if path.len() > MAX_LEN {
            return Err(format!("is longer than {MAX_LEN} characters"));
        }
        Ok(Self(path))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0 == "/"
    }

    /// The request path as seen from inside the base (`/term/api/x` ->
    /// `/api/x`, `/term/` -> `/`), or `None` when it lies outside.
    pub fn strip<'a>(&self, path: &'a str) -> Option<&'a str> {
        // Keep the base's trailing slash as the stripped path's leading one.
        let rest = path.strip_prefix(self.0.trim_end_matches('/'))?;
        rest.starts_with('/').then_some(rest)
    }

    /// `/term`: the base without its trailing slash, which a person may type
    /// and which is redirected to the base. Never true for the root.
    pub fn is_bare(&self, path: &str) -> bool {
        !self.is_root() && path == self.0.trim_end_matches('/')
    }

    /// A share link without its origin: `{base}s/#{token}`. The token is
    /// the fragment, which browsers never send, so it never stands in a
    /// request line that a proxy or tunnel logs; the landing page reads it
    /// and posts it in a body. Callers put the origin in front (which origin
    /// is their business, not this function's).
    pub fn share_link(&self, token: &str) -> String {
        format!("{}s/#{token}", self.0)
    }
}

/// RFC 3986 unreserved characters plus `/`: nothing that needs escaping in a
/// URL path, an HTML attribute or a `Set-Cookie` `Path`.
fn is_path_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_normalises_both_ends() {
        for (given, want) in [
            ("/", "/"),
            ("/term", "/term/"),
            ("term", "/term/"),
            ("/term/", "/term/"),
            ("/a/b.c/~d_e-f", "/a/b.c/~d_e-f/"),
            (" /term ", "/term/"),
        ] {
            assert_eq!(BasePath::parse(given).unwrap().as_str(), want, "{given}");
        }
        assert!(BasePath::parse("/").unwrap().is_root());
        assert_eq!(BasePath::default(), BasePath::parse("/").unwrap());
    }

    #[test]
    fn parse_refuses_what_a_proxy_or_browser_would_rewrite() {
        for bad in [
            "", "//", "/a//b", "/../x", "/a/..", "/./a", "..", "/a b", "/a%2fb", "/a?b", "/a#b",
            "/a\"b", "/a<b", "/a;b", "/ü",
        ] {
            assert!(BasePath::parse(bad).is_err(), "{bad:?} was accepted");
        }
        // Dots inside a name are fine; only whole `.`/`..` segments are not.
        assert!(BasePath::parse("/a..b/").is_ok());
        assert!(BasePath::parse(&format!("/{}", "a".repeat(MAX_LEN))).is_err());
    }

    #[test]
    fn strip_keeps_the_leading_slash_and_refuses_lookalikes() {
        let base = BasePath::parse("/term").unwrap();
        assert_eq!(base.strip("/term/"), Some("/"));
        assert_eq!(base.strip("/term/api/x"), Some("/api/x"));
        assert_eq!(base.strip("/term"), None);
        assert_eq!(base.strip("/termx/api"), None);
        assert_eq!(base.strip("/api/x"), None);
        assert_eq!(base.strip("/"), None);
        assert!(base.is_bare("/term"));
        assert!(!base.is_bare("/term/"));

        let root = BasePath::default();
        assert_eq!(root.strip("/"), Some("/"));
        assert_eq!(root.strip("/api/x"), Some("/api/x"));
        assert!(!root.is_bare(""));
    }

    #[test]
    fn share_paths_sit_under_the_base() {
        assert_eq!(BasePath::default().share_link("tok"), "/s/#tok");
        assert_eq!(
            BasePath::parse("/a/term").unwrap().share_link("tok"),
            "/a/term/s/#tok"
        );
    }
}
