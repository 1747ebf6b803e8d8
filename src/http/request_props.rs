//! Properties of query decoding: any text decodes or is refused without a
//! panic, `decode(encode(x)) == x` for every string, a `%` not followed by
//! exactly two hex digits (`%+1`, `%-f`, `%1`) is always refused, and a
//! parameter is found by its decoded name, first occurrence winning.

use super::*;
use proptest::prelude::*;

/// Percent-encodes `text`: unreserved bytes as they are, space as `+` or
/// `%20`, everything else `%XX` in upper or lower case (both are valid).
fn encode(text: &str, upper: bool, plus: bool) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            b' ' if plus => out.push('+'),
            _ if upper => out.push_str(&format!("%{byte:02X}")),
            _ => out.push_str(&format!("%{byte:02x}")),
        }
    }
    out
}

/// Whether every `%` in `text` starts `%` + two hex digits.
fn escapes_well_formed(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            match bytes.get(i + 1..i + 3) {
                Some([a, b]) if a.is_ascii_hexdigit() && b.is_ascii_hexdigit() => i += 3,
                _ => return false,
            }
        } else {
            i += 1;
        }
    }
    true
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_text_decodes_or_is_refused(text in "[%+0-9a-fA-F\\-gz/ é]{0,40}|\\PC{0,40}") {
        let decoded = percent_decode(&text);
        if !escapes_well_formed(&text) {
            prop_assert!(decoded.is_err(), "{text:?} decoded to {decoded:?}");
        }
        if let Ok(decoded) = decoded {
            // Whatever decodes, encodes back to something that decodes the same.
            prop_assert_eq!(percent_decode(&encode(&decoded, true, false)).unwrap(), decoded);
        }
    }

    #[test]
    fn decoding_inverts_encoding(text in "\\PC{0,40}|[\\x00-\\x7f]{0,40}", upper: bool, plus: bool) {
        prop_assert_eq!(percent_decode(&encode(&text, upper, plus)).unwrap(), text);
    }

    #[test]
    fn a_signed_or_short_escape_is_refused(
        before in "[a-z0-9]{0,8}",
        sign in "[+\\-]",
        digit in "[0-9a-fA-F]{0,1}",
        after in "[a-z0-9]{0,8}",
    ) {
        let text = format!("{before}%{sign}{digit}{after}");
        prop_assert!(percent_decode(&text).is_err(), "{text:?}");
        // And a lone `%` or `%X` at the end.
        let short = format!("{before}%{digit}");
        prop_assert!(percent_decode(&short).is_err(), "{short:?}");
    }

    #[test]
    fn a_parameter_is_found_by_its_decoded_name_first_wins(
        pairs in proptest::collection::vec(("[a-c &=%/]{0,3}", "\\PC{0,8}"), 0..6),
        // Handlers look up fixed, non-empty names; an empty query has one
        // empty pair, which only an empty name would find.
        name in "[a-c &=%/]{1,3}",
        upper: bool,
    ) {
        let query = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k, upper, true), encode(v, !upper, false)))
            .collect::<Vec<_>>()
            .join("&");
        let expected = pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
        prop_assert_eq!(query_param(Some(&query), &name).unwrap(), expected, "{}", query);
    }
}
