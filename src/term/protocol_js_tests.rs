//! assets/js/protocol.js is written by hand; these tests hold it to this
//! module: the same message types with the same fields both ways, the same
//! close codes, limits, input window and shutdown reasons. A new variant
//! fails to compile in [`exhaustive`] until it has a sample here, and then
//! fails until protocol.js knows it.

use super::*;
use crate::shutdown::Reason;
use std::collections::BTreeSet;

const JS: &str = include_str!("../../assets/js/protocol.js");

/// One of each server message, with every optional field present.
fn server_samples() -> Vec<ServerMessage> {
    vec![
        ServerMessage::Hello {
            protocol: PROTOCOL_VERSION,
            id: "t1".into(),
            title: "bash".into(),
            name: Some("n".into()),
            cols: 80,
            rows: 24,
            readonly: false,
            size_locked: false,
            recording: true,
            recording_input: true,
        },
        ServerMessage::SizeLock { locked: true },
        ServerMessage::TabLock { locked: true },
        ServerMessage::Locked {
            second_factor: true,
        },
        ServerMessage::Recording {
            on: true,
            input: true,
        },
        ServerMessage::Title {
            title: "t".into(),
            name: Some("n".into()),
        },
        ServerMessage::Live,
        ServerMessage::Resize { cols: 1, rows: 1 },
        ServerMessage::InputAck { bytes: 1 },
        ServerMessage::Resync,
        ServerMessage::Exit {
            code: Some(0),
            signal: Some(9),
        },
        ServerMessage::Approval {
            state: GuestState::Waiting,
        },
        ServerMessage::error("c", "m"),
    ]
}

fn client_samples() -> Vec<ClientMessage> {
    vec![
        ClientMessage::Resize { cols: 1, rows: 1 },
        ClientMessage::Visibility { visible: true },
        ClientMessage::Focus {},
        ClientMessage::Unlock {
            pin: "1".into(),
            code: Some("2".into()),
        },
    ]
}

/// Does not compile when a variant is added: add its sample above.
#[allow(dead_code)]
fn exhaustive(server: ServerMessage, client: ClientMessage) {
    use ServerMessage as S;
    match server {
        S::Hello { .. } | S::Title { .. } | S::Live | S::Resize { .. } => {}
        S::InputAck { .. } | S::Resync | S::Exit { .. } | S::Error { .. } => {}
        S::SizeLock { .. } | S::TabLock { .. } | S::Recording { .. } | S::Locked { .. } => {}
        S::Approval { .. } => {}
    }
    match client {
        ClientMessage::Resize { .. } | ClientMessage::Visibility { .. } => {}
        ClientMessage::Focus {} | ClientMessage::Unlock { .. } => {}
    }
}

/// `type` and the other keys of a message as JSON.
fn shape(json: serde_json::Value) -> (String, BTreeSet<String>) {
    let object = json.as_object().expect("messages are objects");
    let kind = object["type"].as_str().expect("tagged").to_string();
    let keys = object.keys().filter(|k| *k != "type").cloned().collect();
    (kind, keys)
}

/// The text of the JS function `name`, up to the next top-level function.
fn js_function(name: &str) -> &'static str {
    let start = JS
        .find(&format!("export function {name}("))
        .unwrap_or_else(|| panic!("protocol.js has no {name}"));
    let rest = &JS[start..];
    let end = rest[1..].find("\nexport ").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

/// Identifiers `prefix` is followed by in `text` (`msg.` -> the keys read).
fn words_after(text: &str, prefix: &str) -> BTreeSet<String> {
    text.match_indices(prefix)
        .map(|(at, _)| {
            text[at + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|word| !word.is_empty())
        .collect()
}

#[test]
fn server_messages_match_parse_server_message() {
    let parser = js_function("parseServerMessage");
    // Each `case 'x':` up to the next case (or the default).
    let mut js = std::collections::BTreeMap::new();
    let mut cases: Vec<&str> = parser.split("case '").skip(1).collect();
    if let Some(last) = cases.last_mut() {
        *last = last.split("default:").next().unwrap_or(last);
    }
    for case in cases {
        let (kind, body) = case.split_once("':").expect("case 'x':");
        js.insert(kind.to_string(), words_after(body, "msg."));
    }
    let rust: std::collections::BTreeMap<_, _> = server_samples()
        .iter()
        .map(|m| shape(serde_json::to_value(m).unwrap()))
        .collect();
    assert_eq!(
        rust.keys().collect::<Vec<_>>(),
        js.keys().collect::<Vec<_>>(),
        "server message types differ between protocol.rs and protocol.js"
    );
    for (kind, keys) in &rust {
        assert_eq!(
            keys, &js[kind],
            "fields of `{kind}` (Rust vs what protocol.js reads)"
        );
    }
}

#[test]
fn client_messages_match_what_protocol_js_sends() {
    // Every `JSON.stringify({ type: 'x', a: ..., b: ... })`: its type and keys.
    let mut js = std::collections::BTreeMap::new();
    for sent in JS.split("JSON.stringify({ type: '").skip(1) {
        let (kind, rest) = sent.split_once('\'').expect("a quoted type");
        let object = rest.split("})").next().expect("a closed object");
        // Keys are the words before a `:` at the object's top level.
        let mut keys = BTreeSet::new();
        let mut depth = 0;
        let mut word = String::new();
        for c in object.chars() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                ':' if depth == 0 && !word.is_empty() => {
                    keys.insert(std::mem::take(&mut word));
                }
                c if c.is_ascii_alphanumeric() || c == '_' => word.push(c),
                _ => word.clear(),
            }
            if depth > 0 {
                word.clear();
            }
        }
        js.insert(kind.to_string(), keys);
    }
    let rust: std::collections::BTreeMap<_, _> = client_samples()
        .iter()
        .map(|m| shape(serde_json::to_value(m).unwrap()))
        .collect();
    assert_eq!(
        rust, js,
        "client messages differ between protocol.rs and protocol.js"
    );
}

/// `NAME: value` entries of the JS object literal `const name = Object.freeze({...})`.
fn js_constants(name: &str) -> Vec<(String, String)> {
    let start = JS
        .find(&format!("export const {name} = Object.freeze({{"))
        .unwrap_or_else(|| panic!("protocol.js has no {name}"));
    let body = JS[start..]
        .split_once('{')
        .unwrap()
        .1
        .split("})")
        .next()
        .unwrap();
    body.split([',', '\n'])
        .map(|entry| entry.split("//").next().unwrap().trim())
        .filter_map(|entry| entry.split_once(':'))
        .map(|(k, v)| {
            (
                k.trim().to_string(),
                v.trim().trim_matches('\'').to_string(),
            )
        })
        .collect()
}

#[test]
fn close_codes_limits_and_reasons_match() {
    let codes = [
        ("NORMAL", close::NORMAL),
        ("GOING_AWAY", close::GOING_AWAY),
        ("POLICY", close::POLICY),
        ("EXITED", close::EXITED),
        ("SESSION_ENDED", close::SESSION_ENDED),
        ("DENIED", close::DENIED),
        ("KICKED", close::KICKED),
        ("NOT_FOUND", close::NOT_FOUND),
        ("TIMEOUT", close::TIMEOUT),
    ];
    let js = js_constants("Close");
    assert!(!js.is_empty());
    for (name, value) in js {
        let rust = codes.iter().find(|(n, _)| *n == name);
        let rust =
            rust.unwrap_or_else(|| panic!("Close.{name} is not a close code of protocol.rs"));
        assert_eq!(value, rust.1.to_string(), "Close.{name}");
    }
    // The codes a page must act on are all there.
    let names: Vec<_> = js_constants("Close").into_iter().map(|(n, _)| n).collect();
    for needed in [
        "GOING_AWAY",
        "EXITED",
        "SESSION_ENDED",
        "NOT_FOUND",
        "DENIED",
        "KICKED",
    ] {
        assert!(
            names.iter().any(|n| n == needed),
            "protocol.js lacks Close.{needed}"
        );
    }

    let limits = js_constants("LIMITS");
    let limits: Vec<_> = limits
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (cols, rows) = (MAX_COLS.to_string(), MAX_ROWS.to_string());
    assert_eq!(
        limits,
        [("maxCols", cols.as_str()), ("maxRows", rows.as_str())]
    );

    let window = JS
        .split("export const INPUT_WINDOW = ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .expect("protocol.js has INPUT_WINDOW");
    let product: u64 = window
        .split('*')
        .map(|n| n.trim().parse::<u64>().unwrap())
        .product();
    assert_eq!(product, INPUT_WINDOW);

    let reasons: BTreeSet<_> = js_constants("ShutdownReason")
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    let rust: BTreeSet<_> = [Reason::Stopped, Reason::Idle]
        .iter()
        .map(|r| r.as_str().to_string())
        .collect();
    assert_eq!(reasons, rust, "ShutdownReason");
}

#[test]
fn approval_states_match() {
    let list = JS
        .split("export const ApprovalStates = Object.freeze([")
        .nth(1)
        .and_then(|rest| rest.split("])").next())
        .expect("protocol.js has ApprovalStates");
    let js: Vec<String> = list
        .split(',')
        .map(|s| s.trim().trim_matches('\'').to_string())
        .collect();
    let rust: Vec<String> = [
        GuestState::Waiting,
        GuestState::Allowed,
        GuestState::ReadOnly,
    ]
    .iter()
    .map(|s| {
        serde_json::to_value(s)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    })
    .collect();
    assert_eq!(js, rust, "ApprovalStates");
}
