//! Authentication and authorisation: THE gate every request passes.
//!
//! Each route declares an [`Access`] in `http::router`; [`require`] turns the
//! request's cookie and its session's proof (see `sessions`) into a typed
//! [`Principal`] that satisfies it, or refuses. Handlers receive the
//! principal and never read cookies themselves.
//!
//! - `credentials`: the token and PIN, checked in constant time
//! - `cookies`: the session cookies' names, reading them, `Set-Cookie` values
//! - `sessions`: login sessions (cookie -> owner), expiry, end signals;
//!   `sessions_api` / `device`: the owner's list of them
//! - `limit`: brute-force budgets and lockouts; `unlock`: the owner clears them
//! - `checks` / `reauth`: the factors on their budget, the window sensitive routes ask for
//! - `login`: the `/auth/*` handlers; `login_link`: a phone's login URL
//! - `share` / `share_api`: signed share links and their handlers
//! - `approval` / `approval_api`: an interactive guest waits for the owner's
//!   live Allow before its keystrokes count; the owner's poll and decisions
//! - `api_tokens` / `token_gate` / `tokens_api`: scoped API tokens for scripts,
//!   the gate for bearer requests, and their handlers

pub mod activity;
pub mod api_tokens;
pub mod approval;
pub mod approval_api;
pub mod checks;
mod cookies;
pub mod credentials;
pub mod device;
pub mod limit;
pub mod login;
pub mod login_link;
pub mod reauth;
pub mod second_factor;
pub mod sessions;
pub mod sessions_api;
pub mod share;
pub mod share_api;
pub mod token_gate;
pub mod tokens_api;
pub mod totp;
pub mod totp_api;
pub mod totp_command;
pub mod unlock;

#[cfg(test)]
use cookies::cookie_name;
pub(crate) use cookies::cookie_names;
use cookies::our_cookies;
pub use cookies::{
    COOKIE, GUEST_COOKIE, SECURE_COOKIE, SECURE_GUEST_COOKIE, SUB_PATH_COOKIE,
    SUB_PATH_GUEST_COOKIE, clearing_cookies, session_cookie, session_cookie_named,
};

use crate::error::Error;
use crate::http::base::BasePath;
use hyper::header::HeaderMap;
use sessions::{GuestGrant, SessionKind, SessionView, Sessions};
use share::{Scope, ShareLinks};

/// Who may call a route. Deny is the default: a route must name one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone who passes the Host check (login page, assets, login itself).
    Public,
    /// Only the logged-in owner.
    Owner,
    /// Any live login session: the owner or a guest holding a share link.
    /// What such a route answers a guest is narrowed to the guest's tab by
    /// its handler (the tab list shows only that tab).
    AnySession,
    /// The owner, or a guest whose link covers the terminal the path names
    /// (`{id}`); another guest gets 404, as for a missing tab, and learns
    /// nothing of the others. Whether the guest may type is the link's
    /// scope ([`Principal::may_type`]).
    Viewer,
}

/// Who is asking, as established by the gate.
#[derive(Debug, Clone)]
pub enum Principal {
    Anonymous,
    Owner(SessionView),
    Guest(SessionView, GuestGrant),
    /// A script's request with an API token (see `token_gate`): no session.
    Token(api_tokens::TokenGrant),
}

impl Principal {
    pub fn session(&self) -> Option<&SessionView> {
        match self {
            Principal::Anonymous | Principal::Token(_) => None,
            Principal::Owner(view) | Principal::Guest(view, _) => Some(view),
        }
    }

    /// Flips to `true` when the caller's standing ends: its login session,
    /// or its API token being revoked or expiring.
    pub fn ended(&self) -> Option<&tokio::sync::watch::Receiver<bool>> {
        match self {
            Principal::Token(grant) => Some(&grant.ended),
            other => other.session().map(|view| &view.ended),
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
            Principal::Token(grant) => grant.info.allows(api_tokens::TokenScope::TerminalsRead),
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
            Principal::Token(grant) => grant.info.allows(api_tokens::TokenScope::TerminalsWrite),
            other => other.may_view(terminal),
        }
    }
}

/// Header that carries a session's proof on HTTP requests.
pub const PROOF_HEADER: &str = "x-termgate-proof";
/// A WebSocket handshake cannot carry headers from a browser, so it offers
/// the proof as a subprotocol, `termgate.proof.<proof>`, beside
/// [`SUBPROTOCOL`], the one the server picks (answering with the proof
/// itself would echo a secret).
pub const PROOF_SUBPROTOCOL_PREFIX: &str = "termgate.proof.";
pub const SUBPROTOCOL: &str = "termgate";

/// The proof the request presents: the header, else a subprotocol offer.
/// Two different ones leave no way to tell which was meant: none counts.
fn presented_proof(headers: &HeaderMap) -> Option<&str> {
    let from_header = headers
        .get_all(PROOF_HEADER)
        .iter()
        .map(|value| value.to_str().ok());
    let offers = headers
        .get_all(hyper::header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|offer| offer.trim().strip_prefix(PROOF_SUBPROTOCOL_PREFIX))
        .map(Some);
    let mut proofs = from_header.chain(offers);
    let first = proofs.next()??;
    proofs.all(|other| other == Some(first)).then_some(first)
}

/// The gate: finds the caller's session and checks it against `access`.
/// `activity` marks the request as the owner's own (not a background poll).
pub fn require(
    sessions: &Sessions,
    shares: &ShareLinks,
    headers: &HeaderMap,
    base: &BasePath,
    access: Access,
    activity: bool,
    terminal: Option<&str>,
) -> Result<Principal, Error> {
    let names = cookie_names(base);
    // The proof picks the session: a page holding the guest's proof is the
    // guest's, even in a browser that also holds the owner's cookie.
    let view = match (our_cookies(headers, &names), presented_proof(headers)) {
        (Some(values), Some(proof)) => values
            .iter()
            .flatten()
            .find_map(|value| sessions.lookup(value, proof, activity)),
        _ => None,
    };
    let principal = match view {
        Some(view) => match view.kind.clone() {
            SessionKind::Owner => Principal::Owner(view),
            // A guest session ends with its link, always: revoking ends it,
            // and should one ever outlive the link, its next request ends it.
            SessionKind::Guest(grant) if !shares.is_live(&grant.share_id) => {
                sessions.end(view.key);
                Principal::Anonymous
            }
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
        (Access::Viewer, Principal::Owner(_)) => Ok(principal),
        (Access::Viewer, Principal::Guest(..)) => match terminal {
            Some(id) if principal.may_view(id) => Ok(principal),
            // Same answer as a missing tab: a guest learns nothing about others.
            _ => Err(Error::NotFound),
        },
        (_, Principal::Anonymous) => Err(Error::Unauthorized),
        // Never made here: bearer requests pass `token_gate` instead.
        (_, Principal::Token(_)) => Err(Error::Unauthorized),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proof_comes_from_the_header_or_a_subprotocol_and_two_are_none() {
        let with = |pairs: &[(&'static str, &'static str)]| {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.append(*name, value.parse().unwrap());
            }
            headers
        };
        let ws = "sec-websocket-protocol";
        for (pairs, expected) in [
            (&[(PROOF_HEADER, "p1")][..], Some("p1")),
            (&[(ws, "termgate, termgate.proof.p2")], Some("p2")),
            (&[(ws, "termgate.proof.p3,termgate")], Some("p3")),
            (
                &[(PROOF_HEADER, "p1"), (ws, "termgate.proof.p1")],
                Some("p1"),
            ),
            (&[(PROOF_HEADER, "p1"), (ws, "termgate.proof.p2")], None),
            (&[(PROOF_HEADER, "p1"), (PROOF_HEADER, "p2")], None),
            (&[(ws, "termgate")], None),
            (&[(ws, "termgate.proofp4")], None),
            (&[], None),
        ] {
            assert_eq!(presented_proof(&with(pairs)), expected, "{pairs:?}");
        }
    }
}

#[cfg(test)]
#[path = "cookie_props.rs"]
mod prop_tests;
