//! The gate for requests made with an API token (`Authorization: Bearer
//! tg_…`), beside [`super::require`] for cookie sessions.
//!
//! A bearer request is a script's, never a browser's: one that also carries
//! an `Origin` or a session cookie of ours is refused, so a page cannot mix
//! a token into the owner's browser session (and a bearer request needs no
//! Origin check, since no browser attaches the header on its own). Every
//! token is checked against the login budget first, exactly like a login,
//! so guessing tokens costs what guessing the access token costs. A route
//! takes a token only if the route table names a scope for it and the token
//! holds that scope: deny by default.

use super::api_tokens::{ApiTokens, TokenScope};
use super::checks::Checks;
use super::limit::Budget;
use super::{Access, Principal, cookie_names};
use crate::error::Error;
use crate::http::base::BasePath;
use crate::http::guard::Remote;
use hyper::header::HeaderMap;
use serde_json::json;

pub struct TokenGate<'a> {
    pub tokens: &'a ApiTokens,
    pub checks: Checks<'a>,
    pub base: &'a BasePath,
}

impl TokenGate<'_> {
    /// The principal for `token` on a route with `access` that takes a
    /// token holding `scope` (`None`: no token may call it).
    pub fn require(
        &self,
        token: &str,
        headers: &HeaderMap,
        client: Remote,
        access: Access,
        scope: Option<TokenScope>,
    ) -> Result<Principal, Error> {
        if headers.contains_key(hyper::header::ORIGIN) || carries_our_cookie(headers, self.base) {
            return Err(Error::Forbidden(
                "an API token is for scripts: a request with an Origin or a session cookie must not carry one",
            ));
        }
        let source = client.source.to_string();
        let reservation = self
            .checks
            .limiter
            .reserve(Budget::Login, client.source)
            .map_err(|refused| self.checks.refuse("token_refused", &source, refused))?;
        let Some(grant) = self.tokens.check(token, &source) else {
            self.checks
                .audit
                .record("api_token_failed", json!({"source": source}));
            if let Some(lockout) = reservation.failed() {
                self.checks.audit.record(
                    "lockout",
                    json!({"budget": "login", "source": source, "secs": lockout.as_secs()}),
                );
            }
            return Err(Error::Unauthorized);
        };
        drop(reservation);
        let allowed = access == Access::Public || scope.is_some_and(|s| grant.info.allows(s));
        // Uses are audited by the token's name and id, never its value: the
        // first, then one line a minute counting the uses since.
        if let Some(uses) = grant.audit_uses {
            self.checks.audit.record(
                "api_token_used",
                json!({"token": grant.info.id, "name": grant.info.name, "uses": uses,
                       "allowed": allowed, "source": source}),
            );
        }
        if !allowed {
            return Err(Error::Forbidden(
                "this API token's scopes do not allow this",
            ));
        }
        Ok(Principal::Token(grant))
    }
}

fn carries_our_cookie(headers: &HeaderMap, base: &BasePath) -> bool {
    let names = cookie_names(base);
    headers
        .get_all(hyper::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(key, _)| names.contains(&key))
}
