//! Fuzz target: query decoding (`percent_decode`, `query_param`), as
//! src/http/request_props.rs states it. Any text decodes or is refused; what
//! decodes is exactly the reference decoding (`%` + two hex digits, `+` as a
//! space), so a sign (`%+1`, `%-f`) or a short escape never yields a byte;
//! `decode(encode(x)) == x`; and a parameter is found by its decoded name,
//! the first occurrence winning.

#![no_main]

use libfuzzer_sys::fuzz_target;
use termgate::http::request::{percent_decode, query_param};

/// Percent-encodes every byte but the unreserved ones.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The decoding the function promises, written out independently: `None`
/// for a `%` without two hex digits after it or for a result that is not
/// UTF-8.
fn reference(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let [high, low] = bytes.get(i + 1..i + 3)? else {
                    return None;
                };
                if !(high.is_ascii_hexdigit() && low.is_ascii_hexdigit()) {
                    return None;
                }
                let digit = |b: u8| (b as char).to_digit(16).unwrap() as u8;
                out.push((digit(*high) << 4) | digit(*low));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// What `query_param` should answer, by the pairs in order.
fn expected_param(query: &str, name: &str) -> Result<Option<String>, ()> {
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if reference(key).ok_or(())? == name {
            return reference(value).ok_or(()).map(Some);
        }
    }
    Ok(None)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let decoded = percent_decode(text).ok();
    assert_eq!(decoded, reference(text), "{text:?}");
    if let Some(decoded) = &decoded {
        assert_eq!(
            percent_decode(&encode(decoded)).ok().as_ref(),
            Some(decoded)
        );
    }
    assert_eq!(percent_decode(&encode(text)).ok().as_deref(), Some(text));
    // Handlers look up fixed, non-empty names.
    for name in ["path", "a", "a b", "%"] {
        let got = query_param(Some(text), name).map_err(|_| ());
        assert_eq!(got, expected_param(text, name), "{text:?} / {name:?}");
    }
});
