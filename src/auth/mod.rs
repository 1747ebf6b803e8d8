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
//! - `share` / `share_api`: signed share links and their handlers

pub mod credentials;
pub mod limit;
pub mod login;
pub mod sessions;
pub mod share;
pub mod share_api;

use crate::error::Error;
use crate::http::request::cookie;
use hyper::header::HeaderMap;
use sessions::{GuestGrant, SessionKind, SessionView, Sessions};
use share::Scope;

/// Who may call a route. Deny is the default: a route must name one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone who passes the Host check (login page, assets, login itself).
    Public,
    /// Only the logged-in owner.
    Owner,
    /// Any live login session: the owner or a guest holding a share link.
    /// Handlers narrow it further with [`Principal::may_view`] and
    /// [`Principal::may_type`].
    AnySession,
}

/// Who is asking, as established by the gate.
#[derive(Debug, Clone)]
pub enum Principal {
    Anonymous,
    Owner(SessionView),
    Guest(SessionView, GuestGrant),
}

impl Principal {
    pub fn session(&self) -> Option<&SessionView> {
        match self {
            Principal::Anonymous => None,
            Principal::Owner(view) | Principal::Guest(view, _) => Some(view),
        }
    }

    pub fn guest(&self) -> Option<&GuestGrant> {
        match self {
            Principal::Guest(_, grant) => Some(grant),
            _ => None,
        }
    }

    /// May watch this terminal: the owner always, a guest if its link covers it.
    pub fn may_view(&self, terminal: &str) -> bool {
        match self {
            Principal::Anonymous => false,
            Principal::Owner(_) => true,
            Principal::Guest(_, grant) => grant
                .terminal
                .as_deref()
                .is_none_or(|bound| bound == terminal),
        }
    }

    /// May type into this terminal: the owner, or an interactive guest covering it.
    pub fn may_type(&self, terminal: &str) -> bool {
        match self {
            Principal::Guest(_, grant) => {
                grant.scope == Scope::Interactive && self.may_view(terminal)
            }
            other => other.may_view(terminal),
        }
    }
}

/// Cookie name over plain HTTP (loopback).
pub const COOKIE: &str = "termgate_session";
/// Cookie name over HTTPS: the `__Host-` prefix pins it to this exact host.
pub const SECURE_COOKIE: &str = "__Host-termgate_session";
/// A guest's cookie has its own name, so opening a share link in the owner's
/// browser never overwrites the owner's session.
pub const GUEST_COOKIE: &str = "termgate_guest";
pub const SECURE_GUEST_COOKIE: &str = "__Host-termgate_guest";

/// Looked up in this order: the owner's cookie wins when both are present.
const COOKIE_NAMES: [&str; 4] = [SECURE_COOKIE, COOKIE, SECURE_GUEST_COOKIE, GUEST_COOKIE];

/// The gate: finds the caller's session and checks it against `access`.
/// `activity` marks the request as the owner's own (not a background poll).
pub fn require(
    sessions: &Sessions,
    headers: &HeaderMap,
    access: Access,
    activity: bool,
) -> Result<Principal, Error> {
    let view = COOKIE_NAMES
        .iter()
        .filter_map(|name| cookie(headers, name))
        .find_map(|value| sessions.lookup(value, activity));
    let principal = match view {
        Some(view) => match view.kind.clone() {
            SessionKind::Owner => Principal::Owner(view),
            SessionKind::Guest(grant) => Principal::Guest(view, grant),
        },
        None => Principal::Anonymous,
    };
    match (access, &principal) {
        (Access::Public, _) => Ok(principal),
        (Access::Owner, Principal::Owner(_)) => Ok(principal),
        (Access::Owner, Principal::Guest(..)) => {
            Err(Error::Forbidden("a share link does not allow this"))
        }
        (Access::AnySession, Principal::Owner(_) | Principal::Guest(..)) => Ok(principal),
        (_, Principal::Anonymous) => Err(Error::Unauthorized),
    }
}

/// `Set-Cookie` for a new owner session. `secure` when the browser came over HTTPS.
pub fn session_cookie(value: &str, secure: bool) -> String {
    session_cookie_named(value, secure, false)
}

/// `Set-Cookie` for a new owner or guest session.
pub fn session_cookie_named(value: &str, secure: bool, guest: bool) -> String {
    let attributes = "HttpOnly; SameSite=Strict; Path=/";
    match (secure, guest) {
        (true, false) => format!("{SECURE_COOKIE}={value}; {attributes}; Secure"),
        (false, false) => format!("{COOKIE}={value}; {attributes}"),
        (true, true) => format!("{SECURE_GUEST_COOKIE}={value}; {attributes}; Secure"),
        (false, true) => format!("{GUEST_COOKIE}={value}; {attributes}"),
    }
}

/// `Set-Cookie` values that delete the owner's or the guest's session cookies.
pub fn clearing_cookies(secure: bool, guest: bool) -> Vec<String> {
    let (plain, prefixed) = if guest {
        (GUEST_COOKIE, SECURE_GUEST_COOKIE)
    } else {
        (COOKIE, SECURE_COOKIE)
    };
    let attributes = "HttpOnly; SameSite=Strict; Path=/";
    let mut cookies = vec![format!("{plain}=; {attributes}; Max-Age=0")];
    if secure {
        cookies.push(format!("{prefixed}=; {attributes}; Secure; Max-Age=0"));
    }
    cookies
}
