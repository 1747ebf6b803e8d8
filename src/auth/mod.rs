//! Authentication and authorisation: THE gate every request passes.
//!
//! Each route declares an [`Access`] in `http::router`; [`require`] turns the
//! request's cookie into a typed [`Principal`] that satisfies it, or refuses.
//! Handlers receive the principal and never read cookies themselves.
//!
//! - `credentials`: the token and PIN, checked in constant time
//! - `sessions`: login sessions (cookie -> owner), expiry, end signals
//! - `limit`: brute-force budgets and lockouts
//! - `login`: the `/auth/*` handlers

pub mod credentials;
pub mod limit;
pub mod login;
pub mod sessions;

use crate::error::Error;
use crate::http::request::cookie;
use hyper::header::HeaderMap;
use sessions::{SessionKind, SessionView, Sessions};

/// Who may call a route. Deny is the default: a route must name one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone who passes the Host check (login page, assets, login itself).
    Public,
    /// Only the logged-in owner.
    Owner,
    /// Any live login session (owner or, later, a guest).
    AnySession,
}

/// Who is asking, as established by the gate.
#[derive(Debug, Clone)]
pub enum Principal {
    Anonymous,
    Owner(SessionView),
}

impl Principal {
    pub fn session(&self) -> Option<&SessionView> {
        match self {
            Principal::Anonymous => None,
            Principal::Owner(view) => Some(view),
        }
    }
}

/// Cookie name over plain HTTP (loopback).
pub const COOKIE: &str = "termgate_session";
/// Cookie name over HTTPS: the `__Host-` prefix pins it to this exact host.
pub const SECURE_COOKIE: &str = "__Host-termgate_session";

/// The gate: finds the caller's session and checks it against `access`.
/// `activity` marks the request as the owner's own (not a background poll).
pub fn require(
    sessions: &Sessions,
    headers: &HeaderMap,
    access: Access,
    activity: bool,
) -> Result<Principal, Error> {
    let view = [SECURE_COOKIE, COOKIE]
        .iter()
        .filter_map(|name| cookie(headers, name))
        .find_map(|value| sessions.lookup(value, activity));
    let principal = match view {
        Some(view) => match view.kind {
            SessionKind::Owner => Principal::Owner(view),
        },
        None => Principal::Anonymous,
    };
    match (access, &principal) {
        (Access::Public, _) => Ok(principal),
        (Access::Owner, Principal::Owner(_)) => Ok(principal),
        (Access::AnySession, Principal::Owner(_)) => Ok(principal),
        (_, Principal::Anonymous) => Err(Error::Unauthorized),
    }
}

/// `Set-Cookie` for a new session. `secure` when the browser came over HTTPS.
pub fn session_cookie(value: &str, secure: bool) -> String {
    if secure {
        format!("{SECURE_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Secure")
    } else {
        format!("{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/")
    }
}

/// `Set-Cookie` values that delete both cookie names.
pub fn clearing_cookies(secure: bool) -> Vec<String> {
    let mut cookies = vec![format!(
        "{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
    )];
    if secure {
        cookies.push(format!(
            "{SECURE_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Secure; Max-Age=0"
        ));
    }
    cookies
}
