//! Properties of the route table: any path and method resolve to at most
//! one route; a path no pattern fits is a 404 for every method; a path
//! parameter is always one plain id (never a `/`, never empty or longer than
//! 128); without the file browser no file route resolves; and under a base
//! path nothing outside it resolves.

use super::*;
use proptest::prelude::*;

const METHODS: [Method; 7] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
];

/// Paths near the table: its own words, dot segments, empty segments,
/// escapes, over-long ids, and anything at all.
fn path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        prop::sample::select(vec![
            "api",
            "terminals",
            "t3",
            "ws",
            "s",
            "auth",
            "login",
            "logout",
            "assets",
            "files",
            "list",
            "content",
            "shares",
            "status",
            "",
            ".",
            "..",
            "%2e",
            "%2F",
            "*",
            "{id}",
        ])
        .prop_map(str::to_string),
        "[A-Za-z0-9_.%-]{1,6}",
        Just("x".repeat(129)),
        Just("y".repeat(128)),
    ];
    prop_oneof![
        4 => proptest::collection::vec(segment, 0..6).prop_map(|s| format!("/{}", s.join("/"))),
        1 => "\\PC{0,30}",
    ]
}

fn param(endpoint: &Endpoint) -> Option<&str> {
    match endpoint {
        Endpoint::RenameTerminal(id)
        | Endpoint::CloseTerminal(id)
        | Endpoint::TerminalSocket(id)
        | Endpoint::TerminalCommands(id)
        | Endpoint::RevokeShare(id) => Some(id),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_path_resolves_to_at_most_one_route(path in path()) {
        for method in &METHODS {
            let fitting = ROUTES
                .iter()
                .filter(|r| r.method == method && match_pattern(r.pattern, &path).is_some())
                .count();
            prop_assert!(fitting <= 1, "{method} {path:?} fits {fitting} routes");
        }
    }

    #[test]
    fn unknown_paths_are_404_and_params_are_plain_ids(path in path(), files: bool) {
        let known = ROUTES.iter().any(|r| {
            (files || !r.pattern.starts_with(FILES_PREFIX))
                && match_pattern(r.pattern, &path).is_some()
        });
        for method in &METHODS {
            match resolve_with(method, &path, files) {
                Ok((route, endpoint)) => {
                    prop_assert!(known);
                    prop_assert!(route.method == method || (method == Method::HEAD && route.method == Method::GET));
                    prop_assert!(files || !route.pattern.starts_with(FILES_PREFIX), "{path:?}");
                    if let Some(id) = param(&endpoint) {
                        prop_assert!(is_id(id) && !id.contains('/'), "{path:?} gave {id:?}");
                        prop_assert!(path.split('/').any(|s| s == id));
                    }
                    // Only the assets' wildcard takes dot segments (the
                    // embedded assets are looked up by exact name).
                    if !route.pattern.ends_with('*') {
                        prop_assert!(!path.split('/').any(|s| s == ".." || s == "."), "{path:?}");
                    }
                }
                Err(Error::NotFound) => prop_assert!(!known, "{method} {path:?}"),
                Err(Error::MethodNotAllowed) => prop_assert!(known, "{method} {path:?}"),
                Err(other) => prop_assert!(false, "{method} {path:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn under_a_base_nothing_outside_it_resolves(
        base in prop::sample::select(vec!["/", "/term", "/a/b"]),
        path in path(),
        prefixed: bool,
    ) {
        let base = BasePath::parse(base).unwrap();
        let path = if prefixed {
            format!("{}{}", base.as_str().trim_end_matches('/'), path)
        } else {
            path
        };
        for method in &METHODS {
            if let Ok(resolved) = resolve_under(&base, method, &path, true) {
                if resolved.endpoint == Endpoint::ToBase {
                    prop_assert!(base.is_bare(&path));
                    continue;
                }
                prop_assert!(path.starts_with(base.as_str()), "{path:?} under {base}");
                prop_assert_eq!(
                    resolved.path,
                    &path[base.as_str().len() - 1..]
                );
                let direct = resolve_with(method, resolved.path, true).unwrap();
                prop_assert_eq!(direct.1, resolved.endpoint);
            }
        }
    }
}
