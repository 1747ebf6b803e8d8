//! Properties of the tunnel URL scanner: whatever lines a client prints
//! (real captures, lines shaped like the announcements, arbitrary text,
//! invalid UTF-8 read lossily), every URL it yields is `https://` and a
//! valid lower-case DNS name (labels of 1..=63 letters, digits and inner
//! hyphens, an alphabetic TLD) with no path, port or user info; cloudflared's
//! is always under `.trycloudflare.com` and is Ready only as it was Created.

use super::*;
use proptest::prelude::*;

const CF_TEXT: &str =
    include_str!("../../tests/fixtures/tunnel-bin/cloudflared-2025.9.0/quick-tunnel-text.stderr");

fn valid_origin(url: &str) -> bool {
    let Some(host) = url.strip_prefix("https://") else {
        return false;
    };
    let labels: Vec<&str> = host.split('.').collect();
    host.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        && labels
            .last()
            .unwrap()
            .bytes()
            .all(|b| b.is_ascii_alphabetic())
}

/// Host-like words: real-looking, odd (empty labels, hyphens at the edges,
/// ports, user info, paths, upper case), and anything.
fn host() -> impl Strategy<Value = String> {
    let suffix = prop::sample::select(vec![
        ".trycloudflare.com",
        ".share.zrok.io",
        "trycloudflare.com",
        ".trycloudflare.com.evil.example",
        "",
        ".com/",
        ":443",
        "/path",
        ".",
        "..trycloudflare.com",
        "-.trycloudflare.com",
    ]);
    (
        prop_oneof![
            "[a-zA-Z0-9.\\-]{0,12}",
            "[a-z]{64}",
            "\\PC{0,10}",
            "[a-z@:/]{0,8}"
        ],
        suffix,
    )
        .prop_map(|(name, suffix)| format!("{name}{suffix}"))
}

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        (host(), any::<bool>()).prop_map(|(host, scheme)| {
            let url = if scheme {
                format!("https://{host}")
            } else {
                host
            };
            format!("2026-12-01T18:11:47Z INF |  {url}  |")
        }),
        Just(format!(
            "2026-12-01T18:11:47Z INF |  {CLOUDFLARED_CREATED}  |"
        )),
        Just(format!(
            "2026-12-01T18:11:47Z INF {CLOUDFLARED_REGISTERED} connIndex=0"
        )),
        (host(), any::<bool>()).prop_map(|(host, json)| {
            if json {
                serde_json::json!({ "msg": format!("{ZROK_MARKER}\n https://{host}") }).to_string()
            } else {
                format!(" {host}")
            }
        }),
        Just(ZROK_MARKER.to_string()),
        "\\PC{0,40}",
        prop::sample::select(CF_TEXT.lines().map(str::to_string).collect::<Vec<_>>()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_url_is_an_https_origin_on_a_valid_host(
        lines in proptest::collection::vec(line(), 1..12),
        zrok: bool,
    ) {
        let format = if zrok { Format::Zrok } else { Format::Cloudflared };
        let mut scanner = UrlScanner::new(format);
        let mut created = None;
        for line in &lines {
            match scanner.feed(line) {
                Some(Event::Created(url)) => {
                    prop_assert!(!zrok);
                    prop_assert!(valid_origin(&url), "{url:?} from {line:?}");
                    prop_assert!(url.ends_with(".trycloudflare.com"), "{url:?}");
                    created = Some(url);
                }
                Some(Event::Ready(url)) => {
                    prop_assert!(valid_origin(&url), "{url:?} from {line:?}");
                    if !zrok {
                        prop_assert_eq!(Some(&url), created.as_ref());
                    }
                }
                _ => {}
            }
        }
    }

    #[test]
    fn invalid_utf8_lines_are_read_lossily_without_panic(
        lines in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..400), 1..20),
        zrok: bool,
    ) {
        let format = if zrok { Format::Zrok } else { Format::Cloudflared };
        let mut scanner = UrlScanner::new(format);
        for bytes in &lines {
            if let Some(Event::Created(url) | Event::Ready(url)) =
                scanner.feed(&String::from_utf8_lossy(bytes))
            {
                prop_assert!(valid_origin(&url), "{url:?}");
            }
        }
        prop_assert!(scanner.last_lines.len() <= KEPT_LINES);
        prop_assert!(scanner.last_lines.iter().all(|l| l.chars().count() <= 300));
    }
}
