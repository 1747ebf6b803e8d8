//! Fuzz target: the route table (`resolve_with`, `resolve_under`), as
//! src/http/router_props.rs states it. Any path resolves to a route of the
//! table whose pattern fits it (checked against a matcher written out here)
//! or to 404 when none fits (405 when one fits for another method); at most
//! one route fits a method; a path parameter is one plain id taken from the
//! path; dot segments reach only the assets' wildcard; without the file
//! browser no file route resolves; and under a base path nothing outside it
//! resolves.

#![no_main]

use hyper::Method;
use libfuzzer_sys::fuzz_target;
use termgate::Error;
use termgate::http::base::BasePath;
use termgate::http::router::{Endpoint, FILES_PREFIX, ROUTES, resolve_under, resolve_with};

const METHODS: [Method; 7] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
];

fn is_id(segment: &str) -> bool {
    (1..=128).contains(&segment.len())
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `pattern` (`{id}` is one id segment, a trailing `*` any rest)
/// fits `path`.
fn fits(pattern: &str, path: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix('*') {
        return path.starts_with(prefix);
    }
    let want: Vec<&str> = pattern.split('/').collect();
    let got: Vec<&str> = path.split('/').collect();
    want.len() == got.len()
        && want
            .iter()
            .zip(&got)
            .all(|(w, g)| if *w == "{id}" { is_id(g) } else { w == g })
}

fn param(endpoint: &Endpoint) -> Option<&str> {
    match endpoint {
        Endpoint::RenameTerminal(id)
        | Endpoint::CloseTerminal(id)
        | Endpoint::TerminalSocket(id)
        | Endpoint::RevokeShare(id) => Some(id),
        _ => None,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(path) = std::str::from_utf8(rest) else {
        return;
    };
    let files = flags & 1 != 0;
    let in_table = |pattern: &str| files || !pattern.starts_with(FILES_PREFIX);
    let known = ROUTES
        .iter()
        .any(|r| in_table(r.pattern) && fits(r.pattern, path));
    for method in &METHODS {
        let fitting = ROUTES
            .iter()
            .filter(|r| r.method == method && fits(r.pattern, path))
            .count();
        assert!(fitting <= 1, "{method} {path:?} fits {fitting} routes");
        match resolve_with(method, path, files) {
            Ok((route, endpoint)) => {
                assert!(ROUTES.iter().any(|r| std::ptr::eq(r, route)));
                assert!(in_table(route.pattern), "{path:?}");
                assert!(
                    fits(route.pattern, path),
                    "{path:?} is not {}",
                    route.pattern
                );
                assert!(
                    route.method == method
                        || (method == Method::HEAD && route.method == Method::GET)
                );
                if let Some(id) = param(&endpoint) {
                    assert!(is_id(id), "{path:?} gave {id:?}");
                    assert!(path.split('/').any(|s| s == id));
                }
                if !route.pattern.ends_with('*') {
                    assert!(!path.split('/').any(|s| s == ".." || s == "."), "{path:?}");
                }
            }
            Err(Error::NotFound) => assert!(!known, "{method} {path:?}"),
            Err(Error::MethodNotAllowed) => assert!(known, "{method} {path:?}"),
            Err(other) => panic!("{method} {path:?}: {other:?}"),
        }
    }

    let base = ["/", "/term", "/a/b"][usize::from(flags >> 1) % 3];
    let base = BasePath::parse(base).unwrap();
    for method in &METHODS {
        let Ok(resolved) = resolve_under(&base, method, path, files) else {
            continue;
        };
        if resolved.endpoint == Endpoint::ToBase {
            assert!(base.is_bare(path));
            continue;
        }
        assert!(path.starts_with(base.as_str()), "{path:?} under {base}");
        assert_eq!(resolved.path, &path[base.as_str().len() - 1..]);
        let direct = resolve_with(method, resolved.path, files).unwrap();
        assert_eq!(direct.1, resolved.endpoint);
    }
});
