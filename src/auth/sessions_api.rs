//! The owner's view of every login: `GET /api/sessions` lists each owner and
//! guest session (its device, address, start, last activity, kind and
//! scope, "this device" marked); `DELETE /api/sessions/{id}` ends one, and
//! `POST /api/sessions/revoke-others` ends every session but the caller's;
//! both are sensitive (`reauth`: the factors within 5 minutes, or in the body). Ended sessions' sockets close within a second.
//! The ids shown are random names, neither cookies nor their hashes.

use super::Principal;
use super::checks::Checks;
use super::reauth::Sensitive;
use super::sessions::Sessions;
use crate::error::Error;
use crate::http::guard::Remote;
use crate::http::request::{JSON_LIMIT, read_json};
use crate::http::response::{Response, empty, json};
use hyper::StatusCode;
use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::json;

pub struct SessionAdmin<'a> {
    pub sessions: &'a Sessions,
    pub checks: Checks<'a>,
}

/// The factors of a sensitive route (`reauth`); absent while the window is open.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PinBody {
    #[serde(default)]
    pin: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

/// `GET /api/sessions`, newest activity first.
pub fn list(admin: &SessionAdmin<'_>, principal: &Principal) -> Response {
    let me = principal.session().map(|view| view.key);
    json(
        StatusCode::OK,
        &json!({ "sessions": admin.sessions.list(me) }),
    )
}

/// `DELETE /api/sessions/{id}`, optionally `{"pin","code"}`. Checked before the id is
/// looked up, so an unconfirmed caller learns nothing of which ids exist.
pub async fn revoke(
    admin: &SessionAdmin<'_>,
    client: Remote,
    sensitive: &Sensitive<'_>,
    id: &str,
    body: Incoming,
) -> Result<Response, Error> {
    let body: PinBody = read_json(body, JSON_LIMIT).await?;
    sensitive.check(body.pin.as_deref(), body.code.as_deref())?;
    if !admin.sessions.end_by_id(id) {
        return Err(Error::NotFound);
    }
    admin.checks.audit.record(
        "session_revoked",
        json!({"session": id, "source": client.source.to_string()}),
    );
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `POST /api/sessions/revoke-others` `{"pin","code"}`: every session but this one.
pub async fn revoke_others(
    admin: &SessionAdmin<'_>,
    client: Remote,
    principal: &Principal,
    sensitive: &Sensitive<'_>,
    body: Incoming,
) -> Result<Response, Error> {
    let body: PinBody = read_json(body, JSON_LIMIT).await?;
    sensitive.check(body.pin.as_deref(), body.code.as_deref())?;
    let me = principal.session().ok_or(Error::Unauthorized)?.key;
    let others: Vec<String> = admin
        .sessions
        .list(Some(me))
        .into_iter()
        .filter(|entry| !entry.this_device)
        .map(|entry| entry.id)
        .collect();
    let ended = others
        .iter()
        .filter(|id| admin.sessions.end_by_id(id))
        .count();
    admin.checks.audit.record(
        "sessions_revoked",
        json!({"sessions": ended, "source": client.source.to_string()}),
    );
    Ok(json(StatusCode::OK, &json!({ "ended": ended })))
}
