//! The client layer's one error type. Every `termgate login|ls|attach|exec…`
//! failure is one of these; `main` prints it and exits with
//! [`ClientError::EXIT`] (exec and attach keep their own codes for the
//! command's or shell's status). No variant ever holds the API token.

use crate::config::ConfigError;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The config folder or the stored login file.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// What was asked cannot be done as asked (a bad URL, a bad flag value).
    #[error("{0}")]
    Usage(String),
    /// No stored login and no `TERMGATE_API_TOKEN`.
    #[error("not logged in: run `termgate login URL` (or set TERMGATE_API_TOKEN)")]
    NotLoggedIn,
    /// The TCP connection or the TLS handshake failed.
    #[error("cannot reach {target}: {detail}")]
    Connect { target: String, detail: String },
    /// The connection broke or the server spoke something other than HTTP.
    #[error("talking to the server: {0}")]
    Http(String),
    /// The server answered with an error (`{"code","message"}`).
    #[error("the server refused ({status} {code}): {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    /// The terminal WebSocket failed or closed unexpectedly.
    #[error("terminal socket: {0}")]
    Socket(String),
    /// The local terminal or standard streams.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl ClientError {
    /// The exit status of a client command that failed on its own account
    /// (not the command's or the shell's): 125, as timeout(1) and `docker
    /// run` use, so it is never mistaken for a small exit code of the
    /// command `termgate exec` ran.
    pub const EXIT: i32 = 125;

    pub fn http(err: impl std::fmt::Display) -> Self {
        Self::Http(err.to_string())
    }

    pub fn socket(err: impl std::fmt::Display) -> Self {
        Self::Socket(err.to_string())
    }

    /// Whether the server refused the credentials (401).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Self::Api { status: 401, .. })
    }
}
