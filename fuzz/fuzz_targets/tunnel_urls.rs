//! Fuzz target: the tunnel client's output (`UrlScanner`), as
//! src/tunnel/output_props.rs states it. Whatever lines a client prints,
//! every URL the scanner yields is `https://` and a valid lower-case DNS
//! name (labels of 1..=63 letters, digits and inner hyphens, an alphabetic
//! top-level label) with no path, port or user info; cloudflared's is
//! always under `.trycloudflare.com` and is Ready only as it was Created;
//! and the lines kept for error messages stay bounded.
//!
//! Each input line may be dressed as one of the announcements (the first
//! byte picks which), so the fuzzer reaches the URL paths at once.

#![no_main]

use libfuzzer_sys::fuzz_target;
use termgate::tunnel::output::{Event, Format, KEPT_LINES, UrlScanner};

// The phrases the clients print (as in src/tunnel/output.rs and the
// captures under tests/fixtures/tunnel-bin).
const ZROK_MARKER: &str = "access your zrok share at the following endpoints:";
const CLOUDFLARED_CREATED: &str =
    "Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):";
const TIME: &str = "2026-12-01T18:11:47Z INF";

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

fn dress(line: &[u8]) -> String {
    let Some((&kind, rest)) = line.split_first() else {
        return String::new();
    };
    let rest = String::from_utf8_lossy(rest);
    match kind {
        0 => format!("{TIME} |  https://{rest}  |"),
        1 => format!("{TIME} |  {rest}  |"),
        2 => format!("{TIME} |  {CLOUDFLARED_CREATED}  |"),
        3 => format!("{TIME} Registered tunnel connection connIndex=0 {rest}"),
        4 => serde_json::json!({ "msg": format!("{ZROK_MARKER}\n https://{rest}") }).to_string(),
        5 => serde_json::json!({ "msg": format!("{ZROK_MARKER}\n {rest}") }).to_string(),
        6 => ZROK_MARKER.to_string(),
        7 => format!(" {rest}"),
        8 => serde_json::json!({ "message": format!("|  https://{rest}  |") }).to_string(),
        9 => serde_json::json!({ "message": format!("|  {CLOUDFLARED_CREATED}  |") }).to_string(),
        10 => format!("token:\"{rest}\" frontendEndpoints:\"https://{rest}\""),
        _ => String::from_utf8_lossy(line).into_owned(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, data)) = data.split_first() else {
        return;
    };
    let zrok = flags & 1 != 0;
    let mut scanner = UrlScanner::new(if zrok {
        Format::Zrok
    } else {
        Format::Cloudflared
    });
    let mut created: Option<String> = None;
    for line in data.split(|&b| b == b'\n') {
        let line = dress(line);
        match scanner.feed(&line) {
            Some(Event::Created(url)) => {
                assert!(!zrok);
                assert!(valid_origin(&url), "{url:?} from {line:?}");
                assert!(url.ends_with(".trycloudflare.com"), "{url:?}");
                assert_eq!(scanner.created(), Some(url.as_str()));
                created = Some(url);
            }
            Some(Event::Ready(url)) => {
                assert!(valid_origin(&url), "{url:?} from {line:?}");
                if !zrok {
                    assert_eq!(Some(&url), created.as_ref());
                }
            }
            Some(Event::AgentHandoff { .. }) => assert!(zrok),
            Some(Event::RateLimited) => assert!(!zrok),
            None => {}
        }
    }
    // The newest lines are kept, each quoted on a line of its own (no input
    // line holds a newline) and cut at 300 characters.
    let kept = scanner.last_lines();
    assert!(kept.split('\n').count() <= KEPT_LINES);
    for quoted in kept.split('\n') {
        assert!(quoted.chars().count() <= 4 + 300);
    }
});
