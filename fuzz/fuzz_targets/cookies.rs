//! Fuzz target: reading termgate's cookies through the gate
//! (`auth::require`), as src/auth/cookie_props.rs states it. Any `Cookie`
//! headers are read without a panic and, carrying no live session, are
//! anonymous; each of our names is found by its exact name whatever is sent
//! around it; one of our names sent twice (in one header or across several)
//! makes the request anonymous even beside a live owner session; and a live
//! session sent once under one of our names is the owner.

#![no_main]

use hyper::HeaderMap;
use hyper::header::{COOKIE, HeaderValue};
use libfuzzer_sys::fuzz_target;
use std::time::Duration;
use termgate::auth::sessions::{SessionKind, Sessions};
use termgate::auth::share::ShareLinks;
use termgate::auth::{self, Access, Principal};
use termgate::http::base::BasePath;

/// The four names the gate reads under the root and under a sub-path (the
/// order of `auth::cookie_names`), and look-alikes that must not count.
const ROOT_NAMES: [&str; 4] = [
    auth::SECURE_COOKIE,
    auth::COOKIE,
    auth::SECURE_GUEST_COOKIE,
    auth::GUEST_COOKIE,
];
const SUB_NAMES: [&str; 4] = [
    auth::SUB_PATH_COOKIE,
    auth::COOKIE,
    auth::SUB_PATH_GUEST_COOKIE,
    auth::GUEST_COOKIE,
];
const LOOK_ALIKES: [&str; 6] = [
    "termgate_sessio",
    "termgate_session_",
    "Termgate_session",
    "__host-termgate_session",
    "session",
    "a",
];

/// Bytes a cookie name or value may hold here: visible ASCII without the
/// separators (`;`, `=`, `,`) or spaces, so the test's own pairs stay pairs.
fn safe(byte: u8) -> char {
    const SET: &[u8] = b"!#$%&'()*+-./0123456789:<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~";
    SET[usize::from(byte) % SET.len()] as char
}

struct Input<'a> {
    data: &'a [u8],
}

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        let (&first, rest) = self.data.split_first().unwrap_or((&0, &[]));
        self.data = rest;
        first
    }

    fn text(&mut self) -> String {
        let len = usize::from(self.byte() % 10);
        (0..len).map(|_| safe(self.byte())).collect()
    }
}

fuzz_target!(|data: &[u8]| {
    let sessions = Sessions::new(Duration::from_secs(600), Duration::from_secs(3600));
    let shares = ShareLinks::new([7; 32]);
    let (live, _) = sessions.create(SessionKind::Owner);
    let (other_live, _) = sessions.create(SessionKind::Owner);
    let mut input = Input { data };
    let flags = input.byte();
    let (base, names) = if flags & 1 == 0 {
        (BasePath::default(), ROOT_NAMES)
    } else {
        (BasePath::parse("/term").unwrap(), SUB_NAMES)
    };

    if flags & 2 != 0 {
        // Raw headers: whatever is sent, nothing here is a live session.
        let mut headers = HeaderMap::new();
        for value in input.data.split(|&b| b == b'\n') {
            if let Ok(value) = HeaderValue::from_bytes(value) {
                headers.append(COOKIE, value);
            }
        }
        for access in [Access::Owner, Access::AnySession, Access::Viewer] {
            let result = auth::require(&sessions, &shares, &headers, &base, access, false, None);
            assert!(result.is_err(), "{headers:?}");
        }
        return;
    }

    // Pairs: a name (ours, a look-alike or any text) and a value (a live
    // session, another live one, or any text), spread over 1..=3 headers.
    let count = usize::from(input.byte() % 9);
    let mut pairs = Vec::new();
    let mut breaks = Vec::new();
    for _ in 0..count {
        let pick = input.byte();
        let name = match pick % 4 {
            0 | 1 => ROOT_NAMES
                .iter()
                .chain(&SUB_NAMES)
                .nth(usize::from(pick >> 2) % 8)
                .unwrap()
                .to_string(),
            2 => LOOK_ALIKES[usize::from(pick >> 2) % LOOK_ALIKES.len()].to_string(),
            _ => input.text(),
        };
        let pick = input.byte();
        let value = match pick % 4 {
            0 => live.clone(),
            1 => other_live.clone(),
            _ => input.text(),
        };
        breaks.push(pick & 0x80 != 0 && breaks.len() < 2);
        pairs.push((name, value));
    }
    let mut headers = HeaderMap::new();
    let mut line = Vec::new();
    for ((name, value), new_header) in pairs.iter().zip(&breaks) {
        line.push(format!("{name}={value}"));
        if *new_header {
            headers.append(COOKIE, line.join("; ").parse().unwrap());
            line.clear();
        }
    }
    headers.append(COOKIE, line.join("; ").parse().unwrap());

    let sent = |name: &str| pairs.iter().filter(|(k, _)| k == name).count();
    let twice = names.iter().any(|name| sent(name) > 1);
    let live_under_ours = pairs
        .iter()
        .any(|(k, v)| names.contains(&k.as_str()) && (*v == live || *v == other_live));
    let result = auth::require(
        &sessions,
        &shares,
        &headers,
        &base,
        Access::Owner,
        false,
        None,
    );
    if twice || !live_under_ours {
        assert!(result.is_err(), "{pairs:?} under {base}");
    } else {
        assert!(
            matches!(result, Ok(Principal::Owner(_))),
            "{pairs:?} under {base}"
        );
    }
});
