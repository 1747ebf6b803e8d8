//! THE wire contract of a terminal WebSocket (docs/PROTOCOL.md explains it).
//!
//! - Binary frames carry raw terminal bytes, both ways.
//! - Text frames carry one JSON object tagged by `"type"`:
//!   [`ClientMessage`] from the browser, [`ServerMessage`] from the server.
//! - Close codes in [`close`] say why a socket ended and whether to reconnect.

use serde::{Deserialize, Serialize};

/// The wire contract's version, sent in `hello`.
pub const PROTOCOL_VERSION: u32 = 3;

/// Terminal size limits accepted from clients.
pub const MAX_COLS: u16 = 1000;
pub const MAX_ROWS: u16 = 500;

/// Largest frame a client may send (a big paste), and largest text message.
pub const MAX_CLIENT_FRAME: usize = 1 << 20;

/// Input a client should keep in flight at most: bytes sent less the last
/// `input_ack`. Within it, the server reads every frame at once, so a
/// Ctrl-C typed during a paste is never stuck behind it in the TCP stream.
/// A client that ignores it is slowed by TCP, never refused.
pub const INPUT_WINDOW: u64 = 256 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// The size the viewer would display at. It applies while this viewer
    /// holds the size (see `term::sizing`); guests' never apply.
    Resize { cols: u16, rows: u16 },
    /// The viewer is being used (its page or terminal got focus): an
    /// owner's viewer takes the size, so its last `resize` applies.
    Focus {},
    /// Whether the page showing this terminal is visible. An owner's visible
    /// viewer counts as the owner being there (the idle auto-shutdown of a
    /// public termgate waits); a viewer is taken as hidden until it says.
    Visibility { visible: bool },
    /// The owner's factors, answering [`ServerMessage::Locked`]: the PIN, and the
    /// TOTP code (or a backup code) when the second factor is on. Ignored once in.
    Unlock {
        pin: String,
        #[serde(default)]
        code: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// First frame on every socket; the screen follows as binary frames,
    /// then [`ServerMessage::Live`].
    Hello {
        /// The wire contract's version (2: snapshots and the `live` marker).
        protocol: u32,
        id: String,
        /// The owner's name for the tab, else the shell's name.
        title: String,
        /// The owner's name (`null` when none): it wins over the shell's
        /// OSC title in every client until it is cleared.
        name: Option<String>,
        cols: u16,
        rows: u16,
        readonly: bool,
        /// The owner locked the size: no viewer's resize applies.
        size_locked: bool,
        /// The tab's output is being recorded: every client shows REC.
        recording: bool,
        /// Typed input is recorded too (`--record-input`): every client
        /// shows "REC + keys".
        recording_input: bool,
    },
    /// The tab is locked: nothing of it is sent until an [`ClientMessage::Unlock`]
    /// carries the owner's factors (then `hello` follows) or the owner unlocks the
    /// tab. A wrong answer gets `error` `unlock_failed` (or `rate_limited`).
    Locked {
        /// A code is asked for as well as the PIN.
        second_factor: bool,
    },
    /// The owner named the tab or cleared its name (sent to every viewer).
    Title { title: String, name: Option<String> },
    /// What came since `hello` or `resync` rebuilt the screen; live output
    /// follows. Clients drop the replies their terminal generated while
    /// parsing what came before (see docs/PROTOCOL.md).
    Live,
    /// The PTY's size changed (sent to every viewer, the resizer included).
    /// Every viewer displays the PTY's size; see `term::sizing`.
    Resize { cols: u16, rows: u16 },
    /// The owner locked or unlocked the tab's size (sent to every viewer).
    SizeLock { locked: bool },
    /// The owner locked or unlocked the tab (sent to every viewer already
    /// in: its view stays open; a new viewer meets the door, `locked`).
    TabLock { locked: bool },
    /// Recording of the tab's output started or stopped (sent to every
    /// viewer, guests included: everyone watching knows); `input`: what is
    /// typed is recorded too.
    Recording { on: bool, input: bool },
    /// How many bytes of this viewer's binary input the PTY has taken (or a
    /// signal key discarded), counted from the socket's start. Sent to
    /// writing viewers every 64 KiB of progress (see [`INPUT_WINDOW`]).
    InputAck { bytes: u64 },
    /// The viewer fell too far behind: a fresh replay follows as binary
    /// frames, then live output. Reset the screen before writing it.
    Resync,
    /// The shell ended; a Close frame with [`close::EXITED`] follows.
    Exit {
        #[serde(skip_serializing_if = "Option::is_none", default)]
        code: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        signal: Option<i32>,
    },
    /// An interactive guest's standing with the owner: sent after `hello`
    /// (`waiting` until the owner decides) and on every decision. Its input
    /// is dropped unless `allowed`; a denial or kick closes the socket
    /// ([`close::DENIED`], [`close::KICKED`]) instead of a message.
    Approval { state: GuestState },
    /// A client message was refused; the socket stays open.
    Error { code: String, message: String },
}

/// What [`ServerMessage::Approval`] tells a guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuestState {
    Waiting,
    Allowed,
    ReadOnly,
}

impl GuestState {
    /// The guest's state as the wire says it; `None` when it is denied or kicked
    /// (which close the socket instead).
    pub fn of(state: crate::auth::approval::State) -> Option<Self> {
        use crate::auth::approval::State;
        match state {
            State::Waiting => Some(GuestState::Waiting),
            State::Allowed => Some(GuestState::Allowed),
            State::ReadOnly => Some(GuestState::ReadOnly),
            State::Denied | State::Kicked => None,
        }
    }
}

impl ServerMessage {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("server messages always serialize")
    }

    pub fn error(code: &str, message: impl Into<String>) -> Self {
        ServerMessage::Error {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// Parses and validates one client text frame.
pub fn parse_client(text: &str) -> Result<ClientMessage, ServerMessage> {
    let message: ClientMessage = serde_json::from_str(text).map_err(|err| {
        ServerMessage::error("bad_message", format!("unreadable control message: {err}"))
    })?;
    match message {
        ClientMessage::Resize { cols, rows }
            if (1..=MAX_COLS).contains(&cols) && (1..=MAX_ROWS).contains(&rows) =>
        {
            Ok(message)
        }
        ClientMessage::Resize { .. } => Err(ServerMessage::error(
            "bad_size",
            format!("cols must be 1..={MAX_COLS} and rows 1..={MAX_ROWS}"),
        )),
        ClientMessage::Visibility { .. }
        | ClientMessage::Focus {}
        | ClientMessage::Unlock { .. } => Ok(message),
    }
}

/// WebSocket close codes termgate uses.
pub mod close {
    /// Normal closure (the client asked).
    pub const NORMAL: u16 = 1000;
    /// The server is shutting down: reconnect with backoff.
    pub const GOING_AWAY: u16 = 1001;
    /// A frame broke the rules (e.g. too large).
    pub const POLICY: u16 = 1008;
    /// The shell exited: do not reconnect.
    pub const EXITED: u16 = 4000;
    /// The login session ended (logout, expiry, revocation): log in again.
    pub const SESSION_ENDED: u16 = 4001;
    /// The owner denied this interactive guest: do not reconnect.
    pub const DENIED: u16 = 4003;
    /// The owner kicked this guest: do not reconnect.
    pub const KICKED: u16 = 4005;
    /// No such terminal (closed meanwhile): drop the tab.
    pub const NOT_FOUND: u16 = 4004;
    /// The connection stopped answering pings.
    pub const TIMEOUT: u16 = 4008;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_round_trips() {
        let server = [
            ServerMessage::Hello {
                protocol: PROTOCOL_VERSION,
                id: "t1".into(),
                title: "bash".into(),
                name: None,
                cols: 80,
                rows: 24,
                readonly: false,
                size_locked: false,
                recording: true,
                recording_input: true,
            },
            ServerMessage::SizeLock { locked: true },
            ServerMessage::Recording {
                on: false,
                input: false,
            },
            ServerMessage::Resize {
                cols: 100,
                rows: 30,
            },
            ServerMessage::InputAck { bytes: 65536 },
            ServerMessage::Title {
                title: "deploy prod".into(),
                name: Some("deploy prod".into()),
            },
            ServerMessage::Live,
            ServerMessage::Resync,
            ServerMessage::Exit {
                code: Some(3),
                signal: None,
            },
            ServerMessage::Exit {
                code: None,
                signal: Some(9),
            },
            ServerMessage::Approval {
                state: GuestState::ReadOnly,
            },
            ServerMessage::error("bad_size", "no"),
        ];
        for message in server {
            let text = message.to_json();
            assert_eq!(
                serde_json::from_str::<ServerMessage>(&text).unwrap(),
                message,
                "{text}"
            );
        }
        let resize = ClientMessage::Resize { cols: 80, rows: 24 };
        let text = serde_json::to_string(&resize).unwrap();
        assert_eq!(text, r#"{"type":"resize","cols":80,"rows":24}"#);
        assert_eq!(parse_client(&text).unwrap(), resize);
        assert_eq!(
            parse_client(r#"{"type":"visibility","visible":false}"#).unwrap(),
            ClientMessage::Visibility { visible: false }
        );
        assert_eq!(
            parse_client(r#"{"type":"focus"}"#).unwrap(),
            ClientMessage::Focus {}
        );
    }

    #[test]
    fn input_ack_json() {
        assert_eq!(
            ServerMessage::InputAck { bytes: 7 }.to_json(),
            r#"{"type":"input_ack","bytes":7}"#
        );
    }

    #[test]
    fn exit_json_has_only_the_present_field() {
        let text = ServerMessage::Exit {
            code: Some(0),
            signal: None,
        }
        .to_json();
        assert_eq!(text, r#"{"type":"exit","code":0}"#);
    }

    #[test]
    fn bad_messages_are_refused_with_an_error() {
        for text in [
            "{",
            r#"{"type":"resize","cols":0,"rows":24}"#,
            r#"{"type":"resize","cols":80,"rows":501}"#,
            r#"{"type":"resize","cols":-1,"rows":2}"#,
            r#"{"type":"launch_missiles"}"#,
            r#"{"cols":80,"rows":24}"#,
            r#"{"type":"visibility","visible":"yes"}"#,
            r#"{"type":"focus","now":true}"#,
        ] {
            assert!(
                matches!(parse_client(text), Err(ServerMessage::Error { .. })),
                "{text}"
            );
        }
    }
}

#[cfg(test)]
#[path = "protocol_js_tests.rs"]
mod js_tests;

#[cfg(test)]
#[path = "protocol_props.rs"]
mod prop_tests;
