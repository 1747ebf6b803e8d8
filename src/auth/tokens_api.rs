//! The `/api/tokens` handlers: the owner lists, mints (a sensitive action)
//! and revokes API tokens. Only the owner's browser session reaches them: no
//! route here names a token scope, so a token never mints or sees tokens.

use super::api_tokens::{ApiTokens, CreateError, MAX_NAME, MAX_TOKENS, TokenScope};
use super::checks::Checks;
use super::reauth::Sensitive;
use crate::error::Error;
use crate::http::guard::Remote;
use crate::http::request::{JSON_LIMIT, read_json};
use crate::http::response::{Response, empty, json};
use hyper::StatusCode;
use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

/// The longest lifetime a token may be given; `null` means it never expires.
pub const MAX_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);
const MIN_LIFETIME: Duration = Duration::from_secs(60);

/// What the token routes need: the store, and the PIN check.
pub struct TokenAdmin<'a> {
    pub tokens: &'a ApiTokens,
    pub checks: Checks<'a>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    scopes: Vec<TokenScope>,
    /// Seconds from now; absent or `null`: never expires.
    #[serde(default)]
    expires_in_secs: Option<u64>,
    /// The factors (`reauth`); absent while the window is open.
    #[serde(default)]
    pin: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

/// `GET /api/tokens`: name, scopes, dates and last use; never a value.
pub fn list(admin: &TokenAdmin<'_>) -> Response {
    json(StatusCode::OK, &json!({ "tokens": admin.tokens.list() }))
}

/// `POST /api/tokens` `{"name","scopes","expires_in_secs","pin","code"}`: the
/// value is in this answer only.
pub async fn create(
    admin: &TokenAdmin<'_>,
    client: Remote,
    sensitive: &Sensitive<'_>,
    body: Incoming,
) -> Result<Response, Error> {
    let body: CreateBody = read_json(body, JSON_LIMIT).await?;
    let name = body.name.trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(Error::bad_request(format!(
            "name must be 1..={MAX_NAME} characters, without control characters"
        )));
    }
    let mut scopes = body.scopes;
    scopes.sort_by_key(|scope| *scope as u8);
    scopes.dedup();
    if scopes.is_empty() {
        return Err(Error::bad_request("give at least one scope"));
    }
    let lifetime = body.expires_in_secs.map(Duration::from_secs);
    if lifetime.is_some_and(|t| !(MIN_LIFETIME..=MAX_LIFETIME).contains(&t)) {
        return Err(Error::bad_request(format!(
            "expires_in_secs must be {}..={} (or null: never)",
            MIN_LIFETIME.as_secs(),
            MAX_LIFETIME.as_secs()
        )));
    }
    sensitive.check(body.pin.as_deref(), body.code.as_deref())?;
    let (info, token) = admin
        .tokens
        .create(name, scopes, lifetime)
        .map_err(|err| match err {
            CreateError::TooMany => Error::TooManyTokens { max: MAX_TOKENS },
            CreateError::Store(detail) => Error::Internal(detail),
        })?;
    admin.checks.audit.record(
        "api_token_created",
        json!({"token": info.id, "name": info.name, "scopes": info.scopes,
               "expires_at": info.expires_at, "source": client.source.to_string()}),
    );
    let mut answer = serde_json::to_value(&info).map_err(Error::internal)?;
    answer["token"] = json!(token);
    Ok(json(StatusCode::CREATED, &answer))
}

/// `DELETE /api/tokens/{id}`: refused from now on; its sockets close within a second.
pub fn revoke(admin: &TokenAdmin<'_>, client: Remote, id: &str) -> Result<Response, Error> {
    let revoked = admin
        .tokens
        .revoke(id)
        .map_err(|err| Error::Internal(err.to_string()))?
        .ok_or(Error::NotFound)?;
    admin.checks.audit.record(
        "api_token_revoked",
        json!({"token": revoked.id, "name": revoked.name, "source": client.source.to_string()}),
    );
    Ok(empty(StatusCode::NO_CONTENT))
}
