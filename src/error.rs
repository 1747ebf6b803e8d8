//! One error type for every request path.
//!
//! Each variant maps to exactly one HTTP status and one stable machine-readable
//! `code`; the `message` is written for people and never contains a host path,
//! a secret or a stack trace. Handlers return `Result<_, Error>` and the router
//! turns the error into `{"code","message"}` in one place (`http::response`).

use hyper::StatusCode;
use std::time::Duration;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    /// Credentials missing, wrong or expired. One message for every cause.
    #[error("not logged in, or the credentials are wrong")]
    Unauthorized,
    /// A sensitive action outside the re-authentication window, sent without the
    /// factors: ask the owner for them (`second_factor`: the code too) and retry.
    #[error("confirm it is you: enter the PIN again (and the code, when asked)")]
    ReauthRequired { second_factor: bool },
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound,
    /// A share link that cannot be used, for whatever reason (one answer for all).
    #[error("this link is invalid, has expired, was revoked or is used up")]
    Gone,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("at most {max} terminals may be open; close one first (or raise --max-tabs)")]
    TooManyTerminals { max: usize },
    #[error("{0}")]
    TooManyShares(&'static str),
    #[error("at most {max} API tokens may exist; revoke one first")]
    TooManyTokens { max: usize },
    #[error("the second factor is already on; turn it off first to enrol a new one")]
    SecondFactorOn,
    /// A link for "any tab" while there is none: no use is spent, ask again.
    #[error("The owner has not opened a terminal yet.")]
    NoTerminalYet,
    /// The token cannot be read again for a login link (why, for the owner).
    #[error("{0}")]
    TokenUnavailable(String),
    /// A recording still being written cannot be deleted.
    #[error("this recording is still being written; turn its tab's recording off first")]
    RecordingActive,
    /// A link to a locked tab needs the owner's consent (`confirm_locked`).
    #[error(
        "this tab is locked: its guests could not unlock it; confirm that the link lets them in, or unlock the tab"
    )]
    TabLocked,
    #[error("request body too large (limit {limit} bytes)")]
    PayloadTooLarge { limit: usize },
    /// The body did not arrive in time (see `http::pace`).
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    #[error("unknown host; use the address termgate printed at start")]
    MisdirectedHost,
    #[error("too many attempts; try again in {} s", retry_after.as_secs().max(1))]
    RateLimited { retry_after: Duration },
    #[error("{0}")]
    Unavailable(&'static str),
    /// Something went wrong inside; the detail goes to the log, not the client.
    #[error("internal error")]
    Internal(String),
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized | Error::ReauthRequired { .. } => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Gone => StatusCode::GONE,
            Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Error::TooManyTerminals { .. }
            | Error::TooManyShares(_)
            | Error::TooManyTokens { .. }
            | Error::SecondFactorOn
            | Error::NoTerminalYet
            | Error::TokenUnavailable(_)
            | Error::RecordingActive
            | Error::TabLocked => StatusCode::CONFLICT,
            Error::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Error::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Error::MisdirectedHost => StatusCode::MISDIRECTED_REQUEST,
            Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable `code` field of the JSON error body.
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadRequest(_) => "bad_request",
            Error::Unauthorized => "unauthorized",
            Error::ReauthRequired { .. } => "reauth_required",
            Error::Forbidden(_) => "forbidden",
            Error::NotFound => "not_found",
            Error::Gone => "link_invalid",
            Error::MethodNotAllowed => "method_not_allowed",
            Error::TooManyTerminals { .. } => "too_many_terminals",
            Error::TooManyShares(_) => "too_many_shares",
            Error::TooManyTokens { .. } => "too_many_tokens",
            Error::SecondFactorOn => "second_factor_on",
            Error::NoTerminalYet => "no_terminal_yet",
            Error::TokenUnavailable(_) => "token_unavailable",
            Error::RecordingActive => "recording_active",
            Error::TabLocked => "tab_locked",
            Error::PayloadTooLarge { .. } => "payload_too_large",
            Error::RequestTimeout => "request_timeout",
            Error::MisdirectedHost => "misdirected_host",
            Error::RateLimited { .. } => "rate_limited",
            Error::Unavailable(_) => "unavailable",
            Error::Internal(_) => "internal",
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Error::BadRequest(message.into())
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Error::Internal(detail.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::Internal(err.to_string())
    }
}
