//! The `/auth/*` handlers: log in, look at, extend and end login sessions.
//!
//! Every failed check answers with the same 401 body whichever factor was
//! wrong; only the audit log records which. A unit of every budget is
//! reserved *before* a secret is evaluated (see `limit`), so a locked-out
//! source learns nothing more and a held-back burst gets no extra guesses.

use super::limit::{Budget, Refused};
use super::sessions::{SessionKind, SessionView};
use super::{Principal, clearing_cookies, session_cookie};
use crate::error::Error;
use crate::http::guard::Remote;
use crate::http::request::{JSON_LIMIT, read_json};
use crate::http::response::{Response, empty, json};
use crate::state::AppState;
use hyper::StatusCode;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, SET_COOKIE};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Deserialize)]
struct LoginBody {
    #[serde(default)]
    token: String,
    #[serde(default)]
    pin: String,
}

#[derive(Deserialize)]
struct PinBody {
    #[serde(default)]
    pin: String,
}

/// What the UI needs to know about its session.
#[derive(Serialize)]
struct SessionTimes {
    idle_expires_at: u64,
    absolute_expires_at: u64,
    /// Only in the login answer: the session's proof, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    proof: Option<String>,
}

impl SessionTimes {
    fn with_proof(self, proof: &str) -> Self {
        Self {
            proof: Some(proof.to_string()),
            ..self
        }
    }
}

impl From<&SessionView> for SessionTimes {
    fn from(view: &SessionView) -> Self {
        Self {
            idle_expires_at: view.idle_expires_at,
            absolute_expires_at: view.absolute_expires_at,
            proof: None,
        }
    }
}

/// `POST /auth/login` `{"token","pin"}`.
pub async fn login(state: &AppState, client: Remote, body: Incoming) -> Result<Response, Error> {
    let source = client.source.to_string();
    // Refused before the body is even read while the source is locked out;
    // the reservation below is what actually bounds the guesses.
    if let Err(refused) = state.limiter.check(Budget::Login, client.source) {
        return Err(refuse(state, "login_refused", &source, refused));
    }
    let body: LoginBody = read_json(body, JSON_LIMIT).await?;
    // Spent before evaluating, given back if right: however many requests
    // were waiting with their bodies, at most the budget's worth get here.
    let reservation = state
        .limiter
        .reserve(Budget::Login, client.source)
        .map_err(|refused| refuse(state, "login_refused", &source, refused))?;
    let check = state.credentials.check_login(&body.token, &body.pin);
    if !check.ok() {
        state.audit.record(
            "login_failed",
            json!({"reason": check.failure_reason(), "source": source}),
        );
        if let Some(lockout) = reservation.failed() {
            state.audit.record(
                "lockout",
                json!({"budget": "login", "source": source, "secs": lockout.as_secs()}),
            );
        }
        return Err(Error::Unauthorized);
    }
    drop(reservation);
    // A fresh id at every login: a cookie the client already had is never adopted.
    let issued = state.sessions.create(SessionKind::Owner);
    state.audit.record("login_ok", json!({"source": source}));
    state.activity.note();
    if !crate::config::secrets::has_logged_in(&state.config.config_dir) {
        // From now on a start no longer shows the token (see main.rs).
        crate::config::secrets::mark_logged_in(&state.config.config_dir);
    }
    let mut response = json(
        StatusCode::OK,
        &SessionTimes::from(&issued.view).with_proof(&issued.proof),
    );
    let cookie = HeaderValue::from_str(&session_cookie(
        &issued.cookie,
        client.secure,
        &state.config.base_path,
    ))
    .map_err(Error::internal)?;
    response.headers_mut().append(SET_COOKIE, cookie);
    Ok(response)
}

/// `GET /auth/session`: whether the caller is logged in, and until when.
pub fn session_info(state: &AppState, principal: &Principal) -> Response {
    if let Some(guest) = super::share_api::guest_session_info(principal) {
        return json(StatusCode::OK, &guest);
    }
    match principal {
        Principal::Anonymous | Principal::Guest(..) => {
            json(StatusCode::OK, &json!({"logged_in": false}))
        }
        Principal::Owner(view) => json(
            StatusCode::OK,
            &json!({
                "logged_in": true,
                "principal": "owner",
                "idle_expires_at": view.idle_expires_at,
                "absolute_expires_at": view.absolute_expires_at,
                "idle_timeout_secs": state.sessions.idle_timeout().as_secs(),
                "files": !state.config.terminal_only,
            }),
        ),
    }
}

/// `POST /auth/logout`: ends this session (its sockets close within a second).
pub fn logout(state: &AppState, client: Remote, principal: &Principal) -> Response {
    if let Some(view) = principal.session() {
        state.sessions.end(view.key);
        state
            .audit
            .record("logout", json!({"source": client.source.to_string()}));
    }
    let mut response = empty(StatusCode::NO_CONTENT);
    let base = &state.config.base_path;
    for cookie in clearing_cookies(client.secure, principal.guest().is_some(), base) {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

/// `POST /auth/logout-all` `{"pin"}`: ends every session, guests' too, and revokes every link.
pub async fn logout_all(
    state: &AppState,
    client: Remote,
    body: Incoming,
) -> Result<Response, Error> {
    let body: PinBody = read_json(body, JSON_LIMIT).await?;
    check_pin(state, client, &body.pin, "logout_all")?;
    // Every session, guests' included, and every link first, so that no
    // guest comes back through one (a redeem racing this is refused, or its
    // session is among those ended).
    let links = state.shares.revoke_all();
    let ended = state.sessions.end_where(|_| true);
    state.audit.record(
        "logout_all",
        json!({"source": client.source.to_string(), "sessions": ended, "links": links}),
    );
    Ok(logout(state, client, &Principal::Anonymous))
}

/// `POST /auth/extend` `{"pin"}`: renews the absolute lifetime.
pub async fn extend(
    state: &AppState,
    client: Remote,
    principal: &Principal,
    body: Incoming,
) -> Result<Response, Error> {
    let body: PinBody = read_json(body, JSON_LIMIT).await?;
    check_pin(state, client, &body.pin, "extend")?;
    let key = principal.session().ok_or(Error::Unauthorized)?.key;
    let view = state.sessions.extend(key).ok_or(Error::Unauthorized)?;
    state
        .audit
        .record("extend", json!({"source": client.source.to_string()}));
    Ok(json(StatusCode::OK, &SessionTimes::from(&view)))
}

/// Checks a PIN against its own budget; used wherever a PIN is asked.
pub fn check_pin(state: &AppState, client: Remote, pin: &str, purpose: &str) -> Result<(), Error> {
    let source = client.source.to_string();
    let reservation = state
        .limiter
        .reserve(Budget::Pin, client.source)
        .map_err(|refused| refuse(state, "pin_refused", &source, refused))?;
    if state.credentials.check_pin(pin) {
        return Ok(());
    }
    state
        .audit
        .record("pin_failed", json!({"purpose": purpose, "source": source}));
    if let Some(lockout) = reservation.failed() {
        state.audit.record(
            "lockout",
            json!({"budget": "pin", "source": source, "secs": lockout.as_secs()}),
        );
    }
    Err(Error::Unauthorized)
}

/// A refusal is noise an attacker can make at will: it is counted per
/// source and interval (`audit::Audit::refused`), never logged line by line.
pub(super) fn refuse(
    state: &AppState,
    event: &'static str,
    source: &str,
    refused: Refused,
) -> Error {
    state.audit.refused(event, source, refused.reason);
    Error::RateLimited {
        retry_after: refused.wait,
    }
}
