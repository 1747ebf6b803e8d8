//! Fuzz target: a raw request head, parsed as hyper parses it (httparse),
//! through everything termgate reads from a head before a handler runs:
//! the client's address, the Host check, the route under a base path, the
//! Origin check, the cookies (`auth::require`) and a query parameter. For
//! any head: forwarding headers never move the address of an untrusted
//! peer; a Host passes only as one of ours; an Origin only byte for byte;
//! nothing outside the base resolves; and no guessable cookie is a session.

#![no_main]

use hyper::header::{HOST, HeaderName, HeaderValue, ORIGIN};
use hyper::{HeaderMap, Method, Uri};
use libfuzzer_sys::fuzz_target;
use std::net::SocketAddr;
use std::time::Duration;
use termgate::Error;
use termgate::auth::sessions::{SessionKind, Sessions};
use termgate::auth::share::ShareLinks;
use termgate::auth::{self, Access};
use termgate::exposure::{PublicSide, Via};
use termgate::http::base::BasePath;
use termgate::http::guard::{Allowlist, request_host};
use termgate::http::request::query_param;
use termgate::http::router::{Endpoint, resolve_under};

const PORT: u16 = 8080;

fn public() -> Vec<PublicSide> {
    vec![PublicSide {
        origin: "https://abc.trycloudflare.com".into(),
        host: "abc.trycloudflare.com".into(),
        via: Via::Cloudflare,
    }]
}

fn hosts() -> Vec<String> {
    ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .map(|h| format!("{h}:{PORT}"))
        .chain(public().into_iter().map(|side| side.host))
        .collect()
}

fn origins() -> Vec<String> {
    ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .map(|h| format!("http://{h}:{PORT}"))
        .chain(public().into_iter().map(|side| side.origin))
        .collect()
}

/// The head as hyper would hand it over, or `None` where hyper refuses it.
fn parse(data: &[u8]) -> Option<(Method, Uri, HeaderMap)> {
    let mut storage = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut storage);
    req.parse(data).ok()?;
    let method = Method::from_bytes(req.method?.as_bytes()).ok()?;
    let uri: Uri = req.path?.parse().ok()?;
    let mut headers = HeaderMap::new();
    for header in req.headers.iter() {
        let name = HeaderName::from_bytes(header.name.as_bytes()).ok()?;
        headers.append(name, HeaderValue::from_bytes(header.value).ok()?);
    }
    Some((method, uri, headers))
}

fuzz_target!(|data: &[u8]| {
    let Some((method, uri, headers)) = parse(data) else {
        return;
    };
    let public = public();

    // Forwarding headers count only from a loopback peer that is trusted.
    let list = Allowlist::new(PORT, false);
    for peer in ["203.0.113.7:5555", "127.0.0.1:40000"] {
        let peer: SocketAddr = peer.parse().unwrap();
        let remote = list.client(peer, &uri, &headers, &[]);
        assert_eq!(remote.source, peer.ip(), "{headers:?}");
        assert!(!remote.secure);
        let remote = list.client(peer, &uri, &headers, &public);
        if !peer.ip().is_loopback() {
            assert_eq!(remote.source, peer.ip(), "{headers:?}");
            assert!(!remote.secure);
        }
    }

    // Host: the target's authority, else `Host`, lower-cased, exactly ours.
    let host = request_host(&uri, &headers);
    let named = match uri.authority() {
        Some(authority) => Some(authority.as_str().to_ascii_lowercase()),
        None => headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_ascii_lowercase),
    };
    assert_eq!(host, named);
    let host_ok = list.check_host(&uri, &headers, &public).is_ok();
    assert_eq!(
        host_ok,
        named.is_some_and(|h| hosts().contains(&h)),
        "{uri} {headers:?}"
    );

    // Origin: the first `Origin`, byte for byte.
    let origin = headers.get(ORIGIN).and_then(|o| o.to_str().ok());
    let origin_ok = list.check_origin(&headers, &public).is_ok();
    assert_eq!(
        origin_ok,
        origin.is_some_and(|o| origins().contains(&o.to_string()))
    );

    // The route: nothing outside the base.
    for base in ["/", "/term"] {
        let base = BasePath::parse(base).unwrap();
        for files in [true, false] {
            if let Ok(resolved) = resolve_under(&base, &method, uri.path(), files) {
                if resolved.endpoint == Endpoint::ToBase {
                    assert!(base.is_bare(uri.path()));
                } else {
                    assert!(uri.path().starts_with(base.as_str()), "{uri} under {base}");
                    assert!(files || !matches!(resolved.endpoint, Endpoint::Files(_)));
                }
            }
        }
    }

    // Cookies: one live session exists, and no head can name it.
    let sessions = Sessions::new(Duration::from_secs(600), Duration::from_secs(3600));
    let _ = sessions.create(SessionKind::Owner);
    let shares = ShareLinks::new([9; 32]);
    let base = BasePath::default();
    for access in [Access::Owner, Access::AnySession, Access::Viewer] {
        let result = auth::require(
            &sessions,
            &shares,
            &headers,
            &base,
            access,
            true,
            Some("t1"),
        );
        assert!(matches!(result, Err(Error::Unauthorized)), "{result:?}");
    }
    assert!(
        auth::require(
            &sessions,
            &shares,
            &headers,
            &base,
            Access::Public,
            false,
            None
        )
        .is_ok()
    );

    // A query parameter is decoded or refused, never a panic.
    let _ = query_param(uri.query(), "path");
});
