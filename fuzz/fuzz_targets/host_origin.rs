//! Fuzz target: the Host and Origin checks (`Allowlist`), as
//! src/http/guard_props.rs states it. A `Host` (or the authority of an
//! absolute-form target, which wins over `Host`) passes exactly when it is
//! one of ours up to ASCII case; an `Origin` passes exactly when it is one
//! of ours byte for byte. Inputs are any text or one of ours edited a
//! little (a byte replaced, inserted or removed, or cut short), so the
//! near misses are tried from the first run on.

#![no_main]

use hyper::header::HeaderValue;
use hyper::{HeaderMap, Uri};
use libfuzzer_sys::fuzz_target;
use termgate::exposure::{PublicSide, Via};
use termgate::http::guard::Allowlist;

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

/// A value from `data`: `[kind, which, at, byte, rest...]`.
fn value(data: &[u8], allowed: &[String]) -> Vec<u8> {
    let [kind, which, at, byte, rest @ ..] = data else {
        return data.to_vec();
    };
    let mut value = allowed[usize::from(*which) % allowed.len()]
        .clone()
        .into_bytes();
    let i = usize::from(*at) % (value.len() + 1);
    match kind % 6 {
        0 => return rest.to_vec(),
        1 => {}
        2 if i < value.len() => value[i] = *byte,
        3 => value.insert(i, *byte),
        4 if i < value.len() => {
            value.remove(i);
        }
        _ => value.truncate(i),
    }
    if kind & 0x80 != 0 {
        value.make_ascii_uppercase();
    }
    value
}

fn header(name: &'static str, value: &[u8]) -> Option<HeaderMap> {
    let mut map = HeaderMap::new();
    map.insert(name, HeaderValue::from_bytes(value).ok()?);
    Some(map)
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, data)) = data.split_first() else {
        return;
    };
    let list = Allowlist::new(PORT, which & 1 != 0);
    let public = public();
    match which % 3 {
        0 => {
            let host = value(data, &hosts());
            let Some(headers) = header("host", &host) else {
                return;
            };
            let ok = list
                .check_host(&Uri::from_static("/"), &headers, &public)
                .is_ok();
            let lower = String::from_utf8_lossy(&host).to_ascii_lowercase();
            let ours = std::str::from_utf8(&host).is_ok() && hosts().contains(&lower);
            assert_eq!(ok, ours, "{host:?}");
        }
        1 => {
            // `[authority, '\n', host]`: the target's authority wins.
            let mut parts = data.splitn(2, |&b| b == b'\n');
            let authority = value(parts.next().unwrap_or_default(), &hosts());
            let host = value(parts.next().unwrap_or_default(), &hosts());
            let Ok(authority) = std::str::from_utf8(&authority) else {
                return;
            };
            let Ok(uri) = format!("http://{authority}/api/terminals").parse::<Uri>() else {
                return;
            };
            let Some(headers) = header("host", &host) else {
                return;
            };
            let ok = list.check_host(&uri, &headers, &public).is_ok();
            let named = uri.authority().map(|a| a.as_str().to_ascii_lowercase());
            assert_eq!(
                ok,
                named.is_some_and(|a| hosts().contains(&a)),
                "{uri} / {host:?}"
            );
        }
        _ => {
            let origin = value(data, &origins());
            let Some(headers) = header("origin", &origin) else {
                return;
            };
            let ok = list.check_origin(&headers, &public).is_ok();
            let ours = std::str::from_utf8(&origin).is_ok_and(|o| origins().iter().any(|x| x == o));
            assert_eq!(ok, ours, "{origin:?}");
        }
    }
});
