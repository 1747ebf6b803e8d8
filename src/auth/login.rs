//! The `/auth/*` handlers: log in, look at, extend and end login sessions.
//!
//! Every failed check answers with the same 401 body whichever factor was
//! wrong; only the audit log records which. A unit of every budget is
//! reserved *before* a secret is evaluated (see `limit`), so a locked-out
//! source learns nothing more and a held-back burst gets no extra guesses.

use super::activity::OwnerActivity;
use super::checks::Checks;
use super::limit::Budget;
use super::reauth::Sensitive;
use super::second_factor::{Presented, SecondFactor};
use super::sessions::Sessions;
use super::sessions::{Device, SessionKind, SessionView};
use super::share::ShareLinks;
use super::{Principal, clearing_cookies, session_cookie};
use crate::error::Error;
use crate::http::base::BasePath;
use crate::http::guard::Remote;
use crate::http::request::{JSON_LIMIT, read_json};
use crate::http::response::{Response, empty, json};
use hyper::StatusCode;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, SET_COOKIE};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::Path;

/// What the `/auth/*` routes need of the server: the secrets' checks, the
/// sessions they start and end, the links logout-all revokes, and where the
/// first login is remembered.
pub struct Logins<'a> {
    pub checks: Checks<'a>,
    pub second: &'a SecondFactor,
    pub sessions: &'a Sessions,
    pub shares: &'a ShareLinks,
    pub activity: &'a OwnerActivity,
    /// The private config folder (the first login is marked there).
    pub config_dir: &'a Path,
    /// Where the session cookie is scoped.
    pub base: &'a BasePath,
    /// Whether the file browser is on (`--terminal-only` turns it off).
    pub files: bool,
}

#[derive(Deserialize)]
struct LoginBody {
    #[serde(default)]
    token: String,
    #[serde(default)]
    pin: String,
    /// The app's current code or a backup code, once a second factor is on.
    #[serde(default)]
    code: String,
}

/// A sensitive route's factors (`reauth`); absent while the window is open.
#[derive(Deserialize)]
struct PinBody {
    #[serde(default)]
    pin: Option<String>,
    #[serde(default)]
    code: Option<String>,
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
/// `agent` is the request's user agent, for the owner's list of sessions.
pub async fn login(
    auth: &Logins<'_>,
    client: Remote,
    agent: &str,
    body: Incoming,
) -> Result<Response, Error> {
    let source = client.source.to_string();
    // Refused before the body is even read while the source is locked out;
    // the reservation below is what actually bounds the guesses.
    if let Err(refused) = auth.checks.limiter.check(Budget::Login, client.source) {
        return Err(auth.checks.refuse("login_refused", &source, refused));
    }
    let body: LoginBody = read_json(body, JSON_LIMIT).await?;
    // Spent before evaluating, given back if right: however many requests
    // were waiting with their bodies, at most the budget's worth get here.
    let reservation = auth
        .checks
        .limiter
        .reserve(Budget::Login, client.source)
        .map_err(|refused| auth.checks.refuse("login_refused", &source, refused))?;
    let check = auth.checks.credentials.check_login(&body.token, &body.pin);
    // The code is looked at whether or not token and PIN were right, so the
    // time taken does not tell a caller that those two were.
    let code = auth.second.presented(&body.code);
    let code_ok = code != Presented::Wrong;
    if !check.ok() || !code_ok {
        let reason = if check.ok() {
            "code"
        } else {
            check.failure_reason()
        };
        auth.checks
            .audit
            .record("login_failed", json!({"reason": reason, "source": source}));
        if let Some(lockout) = reservation.failed() {
            auth.checks.audit.record(
                "lockout",
                json!({"budget": "login", "source": source, "secs": lockout.as_secs()}),
            );
        }
        return Err(Error::Unauthorized);
    }
    // Used up only now: a code is good for one login.
    if let Presented::Right(matched) = &code {
        if !auth.second.consume(matched) {
            return Err(Error::Unauthorized);
        }
        if matches!(matched, super::second_factor::Matched::Backup(_)) {
            let left = auth.second.backup_codes_left();
            auth.checks
                .audit
                .record("backup_code_used", json!({"left": left, "source": source}));
        }
    }
    drop(reservation);
    // A fresh id at every login: a cookie the client already had is never adopted.
    let issued = auth.sessions.create(SessionKind::Owner);
    let device = Device {
        user_agent: agent.to_string(),
        source: source.clone(),
    };
    auth.sessions.describe(issued.view.key, device);
    // The owner just showed every factor: sensitive actions need none for a while.
    let with_code = matches!(code, Presented::Right(_));
    let window = auth.checks.window;
    auth.sessions
        .open_window(issued.view.key, window, with_code);
    auth.checks
        .audit
        .record("login_ok", json!({"source": source}));
    auth.activity.note();
    if !crate::config::secrets::has_logged_in(auth.config_dir) {
        // From now on a start no longer shows the token (see main.rs).
        crate::config::secrets::mark_logged_in(auth.config_dir);
    }
    let mut response = json(
        StatusCode::OK,
        &SessionTimes::from(&issued.view).with_proof(&issued.proof),
    );
    let cookie = HeaderValue::from_str(&session_cookie(&issued.cookie, client.secure, auth.base))
        .map_err(Error::internal)?;
    response.headers_mut().append(SET_COOKIE, cookie);
    Ok(response)
}

/// `GET /auth/session`: whether the caller is logged in, and until when.
pub fn session_info(auth: &Logins<'_>, principal: &Principal) -> Response {
    if let Some(guest) = super::share_api::guest_session_info(principal) {
        return json(StatusCode::OK, &guest);
    }
    match principal {
        // The login page asks for a code only when one is needed.
        Principal::Anonymous | Principal::Guest(..) => json(
            StatusCode::OK,
            &json!({"logged_in": false, "second_factor": auth.second.enabled()}),
        ),
        // `termgate whoami` with a token: which token, what it may do.
        Principal::Token(grant) => json(
            StatusCode::OK,
            &json!({
                "logged_in": true,
                "principal": "token",
                "token": grant.info.id,
                "name": grant.info.name,
                "scopes": grant.info.scopes,
                "expires_at": grant.info.expires_at.map(|at| at * 1000),
            }),
        ),
        Principal::Owner(view) => json(
            StatusCode::OK,
            &json!({
                "logged_in": true,
                "principal": "owner",
                "idle_expires_at": view.idle_expires_at,
                "absolute_expires_at": view.absolute_expires_at,
                "idle_timeout_secs": auth.sessions.idle_timeout().as_secs(),
                "files": auth.files,
            }),
        ),
    }
}

/// `POST /auth/logout`: ends this session (its sockets close within a second).
pub fn logout(auth: &Logins<'_>, client: Remote, principal: &Principal) -> Response {
    if let Some(view) = principal.session() {
        auth.sessions.end(view.key);
        auth.checks
            .audit
            .record("logout", json!({"source": client.source.to_string()}));
    }
    let mut response = empty(StatusCode::NO_CONTENT);
    let base = auth.base;
    for cookie in clearing_cookies(client.secure, principal.guest().is_some(), base) {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

/// `POST /auth/logout-all` `{"pin","code"}` (sensitive): ends every session,
/// guests' too, and revokes every link.
pub async fn logout_all(
    auth: &Logins<'_>,
    client: Remote,
    sensitive: &Sensitive<'_>,
    body: Incoming,
) -> Result<Response, Error> {
    let body: PinBody = read_json(body, JSON_LIMIT).await?;
    sensitive.check(body.pin.as_deref(), body.code.as_deref())?;
    // Every session, guests' included, and every link first, so that no
    // guest comes back through one (a redeem racing this is refused, or its
    // session is among those ended).
    let links = auth.shares.revoke_all();
    let ended = auth.sessions.end_where(|_| true);
    auth.checks.audit.record(
        "logout_all",
        json!({"source": client.source.to_string(), "sessions": ended, "links": links}),
    );
    Ok(logout(auth, client, &Principal::Anonymous))
}

/// `POST /auth/extend` `{"pin","code"}` (sensitive): renews the absolute lifetime.
pub async fn extend(
    auth: &Logins<'_>,
    client: Remote,
    principal: &Principal,
    sensitive: &Sensitive<'_>,
    body: Incoming,
) -> Result<Response, Error> {
    let body: PinBody = read_json(body, JSON_LIMIT).await?;
    sensitive.check(body.pin.as_deref(), body.code.as_deref())?;
    let key = principal.session().ok_or(Error::Unauthorized)?.key;
    let view = auth.sessions.extend(key).ok_or(Error::Unauthorized)?;
    auth.checks
        .audit
        .record("extend", json!({"source": client.source.to_string()}));
    Ok(json(StatusCode::OK, &SessionTimes::from(&view)))
}
