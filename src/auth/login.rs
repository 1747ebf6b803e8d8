//! The `/auth/*` handlers: log in, look at, extend and end login sessions.
//!
//! Every failed check answers with the same 401 body whichever factor was
//! wrong; only the audit log records which. Budgets are checked *before* the
//! secrets so a locked-out source learns nothing more.

use super::limit::{Budget, retry_after_secs};
use super::sessions::{SessionKind, SessionView};
use super::{Principal, clearing_cookies, session_cookie};
use crate::error::Error;
use crate::http::guard::Client;
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
}

impl From<&SessionView> for SessionTimes {
    fn from(view: &SessionView) -> Self {
        Self {
            idle_expires_at: view.idle_expires_at,
            absolute_expires_at: view.absolute_expires_at,
        }
    }
}

/// `POST /auth/login` `{"token","pin"}`.
pub async fn login(state: &AppState, client: Client, body: Incoming) -> Result<Response, Error> {
    let source = client.source.to_string();
    if let Err(wait) = state.limiter.check(Budget::Login, client.source) {
        state.audit.record(
            "login_refused",
            json!({"reason": "locked_out", "source": source, "retry_after_secs": retry_after_secs(wait)}),
        );
        return Err(Error::RateLimited { retry_after: wait });
    }
    let body: LoginBody = read_json(body, JSON_LIMIT).await?;
    let check = state.credentials.check_login(&body.token, &body.pin);
    if !check.ok() {
        state.audit.record(
            "login_failed",
            json!({"reason": check.failure_reason(), "source": source}),
        );
        if let Some(lockout) = state.limiter.record_failure(Budget::Login, client.source) {
            state.audit.record(
                "lockout",
                json!({"budget": "login", "source": source, "secs": lockout.as_secs()}),
            );
        }
        return Err(Error::Unauthorized);
    }
    // A fresh id at every login: a cookie the client already had is never adopted.
    let (secret, view) = state.sessions.create(SessionKind::Owner);
    state.audit.record("login_ok", json!({"source": source}));
    state.exposure.note_login();
    let mut response = json(StatusCode::OK, &SessionTimes::from(&view));
    let cookie =
        HeaderValue::from_str(&session_cookie(&secret, client.secure)).map_err(Error::internal)?;
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
pub fn logout(state: &AppState, client: Client, principal: &Principal) -> Response {
    if let Some(view) = principal.session() {
        state.sessions.end(view.key);
        state
            .audit
            .record("logout", json!({"source": client.source.to_string()}));
    }
    let mut response = empty(StatusCode::NO_CONTENT);
    for cookie in clearing_cookies(client.secure, principal.guest().is_some()) {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

/// `POST /auth/logout-all` `{"pin"}`: ends every owner session.
pub async fn logout_all(
    state: &AppState,
    client: Client,
    body: Incoming,
) -> Result<Response, Error> {
    let body: PinBody = read_json(body, JSON_LIMIT).await?;
    check_pin(state, client, &body.pin, "logout_all")?;
    let ended = state.sessions.end_where(|kind| *kind == SessionKind::Owner);
    state.audit.record(
        "logout_all",
        json!({"source": client.source.to_string(), "sessions": ended}),
    );
    Ok(logout(state, client, &Principal::Anonymous))
}

/// `POST /auth/extend` `{"pin"}`: renews the absolute lifetime.
pub async fn extend(
    state: &AppState,
    client: Client,
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
pub fn check_pin(state: &AppState, client: Client, pin: &str, purpose: &str) -> Result<(), Error> {
    let source = client.source.to_string();
    state
        .limiter
        .check(Budget::Pin, client.source)
        .map_err(|wait| Error::RateLimited { retry_after: wait })?;
    if state.credentials.check_pin(pin) {
        return Ok(());
    }
    state
        .audit
        .record("pin_failed", json!({"purpose": purpose, "source": source}));
    if let Some(lockout) = state.limiter.record_failure(Budget::Pin, client.source) {
        state.audit.record(
            "lockout",
            json!({"budget": "pin", "source": source, "secs": lockout.as_secs()}),
        );
    }
    Err(Error::Unauthorized)
}
