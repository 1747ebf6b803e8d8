//! Properties of the Host and Origin checks: a `Host` (or the authority of
//! an absolute-form target, which wins over `Host`) passes exactly when it is
//! one of ours up to ASCII case; an `Origin` passes exactly when it is one of
//! ours byte for byte, so any one-character change, truncation or
//! extension of an allowed value is refused.

use super::*;
use proptest::prelude::*;

const PORT: u16 = 8080;

fn public() -> Vec<PublicSide> {
    vec![PublicSide {
        origin: "https://abc.trycloudflare.com".into(),
        host: "abc.trycloudflare.com".into(),
        via: Via::Cloudflare,
    }]
}

fn hosts() -> Vec<String> {
    let mut hosts: Vec<String> = ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .map(|h| format!("{h}:{PORT}"))
        .collect();
    hosts.extend(public().into_iter().map(|side| side.host));
    hosts
}

fn origins() -> Vec<String> {
    let mut origins: Vec<String> = ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .map(|h| format!("http://{h}:{PORT}"))
        .collect();
    origins.extend(public().into_iter().map(|side| side.origin));
    origins
}

/// An allowed value, or one edited a little: a character replaced,
/// inserted or removed, its case flipped, or cut short.
fn near(allowed: Vec<String>) -> impl Strategy<Value = String> {
    let edit = (
        prop::sample::select(allowed),
        0..4u8,
        any::<prop::sample::Index>(),
        "[ -~]",
    )
        .prop_map(|(value, kind, at, ch)| {
            let mut chars: Vec<char> = value.chars().collect();
            let i = at.index(chars.len() + 1);
            match kind {
                0 => return value,
                1 if i < chars.len() => chars[i] = ch.chars().next().unwrap(),
                1 => chars.push(ch.chars().next().unwrap()),
                2 if i < chars.len() => {
                    chars.remove(i);
                }
                _ => chars.truncate(i),
            }
            chars.into_iter().collect()
        });
    prop_oneof![
        3 => edit,
        1 => prop::sample::select(vec!["null", "", "http://evil.example", "HTTP://localhost:8080"])
            .prop_map(str::to_string),
        1 => "[ -~]{0,30}",
    ]
}

fn header(name: &'static str, value: &str) -> Option<HeaderMap> {
    let mut map = HeaderMap::new();
    map.insert(name, value.parse().ok()?);
    Some(map)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn only_our_hosts_pass(host in near(hosts()), upper: bool) {
        let host = if upper { host.to_ascii_uppercase() } else { host };
        let Some(headers) = header("host", &host) else { return Ok(()) };
        let list = Allowlist::new(PORT, false);
        let ok = list.check_host(&Uri::from_static("/"), &headers, &public()).is_ok();
        prop_assert_eq!(ok, hosts().contains(&host.to_ascii_lowercase()), "{:?}", host);
    }

    #[test]
    fn the_target_authority_wins_over_host(authority in near(hosts()), host in near(hosts())) {
        let Ok(uri) = format!("http://{authority}/api/terminals").parse::<Uri>() else {
            return Ok(());
        };
        let Some(headers) = header("host", &host) else { return Ok(()) };
        let list = Allowlist::new(PORT, false);
        let ok = list.check_host(&uri, &headers, &public()).is_ok();
        let named = uri.authority().map(|a| a.as_str().to_ascii_lowercase());
        prop_assert_eq!(ok, named.is_some_and(|a| hosts().contains(&a)), "{} / {:?}", uri, host);
    }

    #[test]
    fn only_our_origins_pass_byte_for_byte(origin in near(origins())) {
        let Some(headers) = header("origin", &origin) else { return Ok(()) };
        let list = Allowlist::new(PORT, false);
        let ok = list.check_origin(&headers, &public()).is_ok();
        prop_assert_eq!(ok, origins().contains(&origin), "{:?}", origin);
    }
}
