//! The `/api/totp*` handlers: the owner turns the second factor on (a
//! re-authentication first, then a code from the app proves the secret was
//! taken), regenerates backup codes or turns it off (sensitive actions: while
//! the factor is on, a re-authentication includes a current code or a backup
//! code; see `reauth`). Every code checked here spends the PIN budget when wrong.

use super::checks::Checks;
use super::limit::Budget;
use super::reauth::Sensitive;
use super::second_factor::SecondFactor;
use super::share_api::qr_matrix;
use super::totp;
use crate::error::Error;
use crate::http::guard::Remote;
use crate::http::request::{JSON_LIMIT, read_json};
use crate::http::response::{Response, empty, json};
use hyper::StatusCode;
use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::json;

/// What the second-factor routes need: the factor itself and the checks.
pub struct Factors<'a> {
    pub second: &'a SecondFactor,
    pub checks: Checks<'a>,
    /// The name the app lists the account under (the host's name).
    pub label: &'a str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    #[serde(default)]
    pin: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

/// `GET /api/totp`.
pub fn status(factors: &Factors<'_>) -> Response {
    json(
        StatusCode::OK,
        &json!({"enabled": factors.second.enabled(),
                "backup_codes_left": factors.second.backup_codes_left()}),
    )
}

/// `POST /api/totp/enroll` `{"pin"}` (sensitive): a fresh secret, as a QR of
/// its `otpauth://` URL and as text. Nothing is on until `confirm`.
pub async fn enroll(
    factors: &Factors<'_>,
    sensitive: &Sensitive<'_>,
    body: Incoming,
) -> Result<Response, Error> {
    let body: Body = read_json(body, JSON_LIMIT).await?;
    sensitive.check(body.pin.as_deref(), body.code.as_deref())?;
    if factors.second.enabled() {
        return Err(Error::SecondFactorOn);
    }
    let secret = factors.second.begin();
    let url = totp::otpauth_url(&secret, factors.label);
    Ok(json(
        StatusCode::OK,
        &json!({"secret": totp::base32(&secret), "otpauth_url": url, "qr": qr_matrix(&url)}),
    ))
}

/// `POST /api/totp/confirm` `{"code"}`: on, if the code is from the secret
/// just shown; the answer holds the backup codes, shown this once.
pub async fn confirm(
    factors: &Factors<'_>,
    client: Remote,
    body: Incoming,
) -> Result<Response, Error> {
    let body: Body = read_json(body, JSON_LIMIT).await?;
    let code = body.code.unwrap_or_default();
    let codes = code_checked(factors, client, "enroll", || {
        factors
            .second
            .confirm(&code)
            .map_err(|err| Error::Internal(err.to_string()))
    })?;
    let source = client.source.to_string();
    factors
        .checks
        .audit
        .record("totp_enabled", json!({"source": source}));
    Ok(json(StatusCode::OK, &json!({"backup_codes": codes})))
}

/// `POST /api/totp/backup-codes` `{"pin","code"}` (sensitive): a new set; the old one is void.
pub async fn regenerate(
    factors: &Factors<'_>,
    client: Remote,
    sensitive: &Sensitive<'_>,
    body: Incoming,
) -> Result<Response, Error> {
    let body: Body = read_json(body, JSON_LIMIT).await?;
    while_on(factors, sensitive, &body)?;
    let codes = factors
        .second
        .regenerate()
        .map_err(|err| Error::Internal(err.to_string()))?;
    factors.checks.audit.record(
        "backup_codes_regenerated",
        json!({"source": client.source.to_string()}),
    );
    Ok(json(StatusCode::OK, &json!({"backup_codes": codes})))
}

/// `POST /api/totp/disable` `{"pin","code"}` (sensitive): off; logins need token and PIN only.
pub async fn disable(
    factors: &Factors<'_>,
    client: Remote,
    sensitive: &Sensitive<'_>,
    body: Incoming,
) -> Result<Response, Error> {
    let body: Body = read_json(body, JSON_LIMIT).await?;
    while_on(factors, sensitive, &body)?;
    factors
        .second
        .disable()
        .map_err(|err| Error::Internal(err.to_string()))?;
    factors.checks.audit.record(
        "totp_disabled",
        json!({"source": client.source.to_string()}),
    );
    Ok(empty(StatusCode::NO_CONTENT))
}

/// Only while the factor is on; then the re-authentication (which asks the code).
fn while_on(factors: &Factors<'_>, sensitive: &Sensitive<'_>, body: &Body) -> Result<(), Error> {
    if !factors.second.enabled() {
        return Err(Error::bad_request("the second factor is not on"));
    }
    sensitive.check(body.pin.as_deref(), body.code.as_deref())
}

/// Runs `check` on a unit of the PIN budget: `Ok(None)` (a wrong code)
/// spends it, is audited and answers the one 401.
fn code_checked<T>(
    factors: &Factors<'_>,
    client: Remote,
    purpose: &str,
    check: impl FnOnce() -> Result<Option<T>, Error>,
) -> Result<T, Error> {
    let source = client.source.to_string();
    let reservation = factors
        .checks
        .limiter
        .reserve(Budget::Pin, client.source)
        .map_err(|refused| factors.checks.refuse("pin_refused", &source, refused))?;
    if let Some(found) = check()? {
        return Ok(found);
    }
    let _ = reservation.failed();
    factors.checks.audit.record(
        "totp_code_failed",
        json!({"purpose": purpose, "source": source}),
    );
    Err(Error::Unauthorized)
}
