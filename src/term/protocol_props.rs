//! Properties of `parse_client`: any text is a valid message or a typed
//! `error` (`bad_message` or `bad_size`), never a panic; an accepted resize
//! is always within 1..=MAX_COLS x 1..=MAX_ROWS; every valid message round-trips
//! through its JSON; and a resize out of range is `bad_size`.

use super::*;
use proptest::prelude::*;

fn message() -> impl Strategy<Value = ClientMessage> {
    prop_oneof![
        (any::<u16>(), any::<u16>()).prop_map(|(cols, rows)| ClientMessage::Resize { cols, rows }),
        Just(ClientMessage::Focus {}),
        any::<bool>().prop_map(|visible| ClientMessage::Visibility { visible }),
    ]
}

fn in_range(message: &ClientMessage) -> bool {
    match message {
        ClientMessage::Resize { cols, rows } => {
            (1..=MAX_COLS).contains(cols) && (1..=MAX_ROWS).contains(rows)
        }
        _ => true,
    }
}

/// JSON-ish text: our keys and values, and bits of structure, in any order.
fn json_soup() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "{",
        "}",
        "\"type\"",
        ":",
        ",",
        "\"resize\"",
        "\"focus\"",
        "\"visibility\"",
        "\"cols\"",
        "\"rows\"",
        "\"visible\"",
        "true",
        "null",
        "80",
        "-1",
        "1e3",
        "70000",
        "\"\\u0000\"",
        "[",
        "]",
        " ",
        "\"type\":\"resize\"",
        "\"cols\":1,\"rows\":1",
    ]);
    proptest::collection::vec(piece, 0..14).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_is_a_message_or_a_typed_error(text in prop_oneof![json_soup(), "\\PC{0,60}"]) {
        match parse_client(&text) {
            Ok(message) => prop_assert!(in_range(&message), "{text} gave {message:?}"),
            Err(ServerMessage::Error { code, .. }) => {
                prop_assert!(code == "bad_message" || code == "bad_size", "{}", code)
            }
            Err(other) => prop_assert!(false, "{text} gave {other:?}"),
        }
    }

    #[test]
    fn valid_messages_round_trip_and_sizes_are_checked(message in message()) {
        let text = serde_json::to_string(&message).unwrap();
        match parse_client(&text) {
            Ok(parsed) => {
                prop_assert!(in_range(&message));
                prop_assert_eq!(parsed, message);
            }
            Err(ServerMessage::Error { code, .. }) => {
                prop_assert!(!in_range(&message));
                prop_assert_eq!(code, "bad_size");
            }
            Err(other) => prop_assert!(false, "{other:?}"),
        }
    }
}
