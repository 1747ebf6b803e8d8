//! Fuzz target: the client's control messages (`parse_client`), as
//! src/term/protocol_props.rs states it. Any text is a valid message or a
//! typed `error` (`bad_message` or `bad_size`), never a panic; an accepted
//! resize is always within 1..=MAX_COLS x 1..=MAX_ROWS; an accepted message
//! round-trips through its JSON; and a well-formed resize out of range is
//! `bad_size`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use termgate::term::protocol::{ClientMessage, MAX_COLS, MAX_ROWS, ServerMessage, parse_client};

fn in_range(message: &ClientMessage) -> bool {
    match message {
        ClientMessage::Resize { cols, rows } => {
            (1..=MAX_COLS).contains(cols) && (1..=MAX_ROWS).contains(rows)
        }
        _ => true,
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match parse_client(&text) {
        Ok(message) => {
            assert!(in_range(&message), "{text:?} gave {message:?}");
            let json = serde_json::to_string(&message).unwrap();
            assert_eq!(parse_client(&json).unwrap(), message);
        }
        Err(ServerMessage::Error { code, .. }) => {
            assert!(code == "bad_message" || code == "bad_size", "{code}");
            // A message that reads but is out of range is a bad size.
            let read: Result<ClientMessage, _> = serde_json::from_str(&text);
            match read {
                Ok(message) => {
                    assert!(!in_range(&message), "{text:?}");
                    assert_eq!(code, "bad_size");
                }
                Err(_) => assert_eq!(code, "bad_message"),
            }
        }
        Err(other) => panic!("{text:?} gave {other:?}"),
    }
});
