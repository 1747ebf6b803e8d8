//! The share-link handlers: minting and managing links (owner), and the
//! guest's side of a link (`/s/#<token>`).
//!
//! Opening a link is two steps: `GET /s/` serves the page and uses nothing
//! up (link previews and prefetchers are harmless); the guest's "Open"
//! button is a `POST /s/redeem` with `{"token"}` that spends one use and
//! starts a guest session whose lifetime ends with the link's; before it,
//! the page asks `POST /s/peek` what the link allows (nothing spent). The token is
//! the link's fragment, so it never stands in a request line: proxies and
//! tunnels (nginx, zrok, cloudflared) log those.

use super::checks::Checks;
use super::limit::Budget;
use super::reauth::Sensitive;
use super::sessions::Sessions;
use super::sessions::{GuestGrant, SessionKind};
use super::share::ShareLinks;
use super::share::{MAX_USES, Refusal, Scope, fingerprint, now_secs};
use super::{Principal, session_cookie_named};
use crate::error::Error;
use crate::exposure::Exposure;
use crate::http::base::BasePath;
use crate::http::guard::Remote;
use crate::http::request::{self, JSON_LIMIT, read_json};
use crate::http::response::{Response, empty, json};
use crate::term::Terminals;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, SET_COOKIE};
use hyper::{Request, StatusCode};
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

/// What the share routes need of the server: the links and the guest
/// sessions they start, the tabs a link may be bound to, and the public
/// origin a link is for while exposed.
pub struct Sharing<'a> {
    pub checks: Checks<'a>,
    pub shares: &'a ShareLinks,
    pub sessions: &'a Sessions,
    pub terminals: &'a Terminals,
    pub exposure: &'a Exposure,
    /// Lifetimes a link may be given.
    pub ttls: &'a [Duration],
    pub base: &'a BasePath,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MintBody {
    scope: Scope,
    ttl_secs: u64,
    #[serde(default = "one")]
    uses: u32,
    #[serde(default)]
    terminal: Option<String>,
    /// The factors an interactive link asks (`reauth`), unless the window is open.
    #[serde(default)]
    pin: Option<String>,
    #[serde(default)]
    code: Option<String>,
    /// The owner knows the bound tab is locked and lets this link's guests in.
    #[serde(default)]
    confirm_locked: bool,
}

fn one() -> u32 {
    1
}

/// `POST /api/shares`: mints a link; an interactive one is a sensitive action.
pub async fn mint(
    sharing: &Sharing<'_>,
    client: Remote,
    sensitive: &Sensitive<'_>,
    req: Request<Incoming>,
) -> Result<Response, Error> {
    // While public the link is for the public origin, wherever the owner
    // is: a link to 127.0.0.1 is useless to a remote guest.
    let public = sharing.exposure.public_origin();
    let origin = public.clone().unwrap_or_else(|| request::origin(&req));
    let body: MintBody = read_json(req.into_body(), JSON_LIMIT).await?;
    let ttl = Duration::from_secs(body.ttl_secs);
    if !sharing.ttls.contains(&ttl) {
        let choices: Vec<String> = sharing
            .ttls
            .iter()
            .map(|t| t.as_secs().to_string())
            .collect();
        return Err(Error::bad_request(format!(
            "ttl_secs must be one of {}",
            choices.join(", ")
        )));
    }
    if !(1..=MAX_USES).contains(&body.uses) {
        return Err(Error::bad_request(format!("uses must be 1..={MAX_USES}")));
    }
    let mut passes_lock = false;
    if let Some(id) = &body.terminal {
        let terminal = sharing
            .terminals
            .get(id)
            .ok_or_else(|| Error::bad_request("no such terminal to bind the link to"))?;
        passes_lock = terminal.tab_lock().is_locked();
        if passes_lock && !body.confirm_locked {
            return Err(Error::TabLocked);
        }
    }
    if body.scope == Scope::Interactive {
        sensitive.check(body.pin.as_deref(), body.code.as_deref())?;
    }
    let (record, token) = sharing
        .shares
        .mint(body.scope, body.terminal, ttl, body.uses)
        .map_err(Error::TooManyShares)?;
    if passes_lock {
        sharing.shares.let_past_lock(&record.id);
    }
    sharing.checks.audit.record(
        "share_minted",
        json!({"share": record.id, "scope": record.scope, "terminal": record.terminal,
               "ttl_secs": ttl.as_secs(), "uses": record.uses_left, "passes_lock": passes_lock,
               "source": client.source.to_string()}),
    );
    let url = format!("{origin}{}", sharing.base.share_link(&token));
    Ok(json(
        StatusCode::CREATED,
        &json!({
            "id": record.id,
            "url": url,
            "origin": origin,
            "public": public.is_some(),
            "scope": record.scope,
            "terminal": record.terminal,
            "expires_at": record.expires_at * 1000,
            "uses_left": record.uses_left,
            "qr": qr_matrix(&url),
        }),
    ))
}

/// `GET /api/shares`: the links, never their tokens.
pub fn list(sharing: &Sharing<'_>) -> Response {
    json(StatusCode::OK, &json!({ "shares": sharing.shares.list() }))
}

/// `DELETE /api/shares/{id}`: revokes at once; its guests' sockets close within a second.
pub fn revoke(sharing: &Sharing<'_>, client: Remote, id: &str) -> Result<Response, Error> {
    if !sharing.shares.revoke(id) {
        return Err(Error::NotFound);
    }
    let ended = sharing
        .sessions
        .end_where(|kind| matches!(kind, SessionKind::Guest(grant) if grant.share_id == id));
    sharing.checks.audit.record(
        "share_revoked",
        json!({"share": id, "guest_sessions": ended, "source": client.source.to_string()}),
    );
    Ok(empty(StatusCode::NO_CONTENT))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    token: String,
}

/// The token from a `{"token"}` body (redeem and peek), and the unit of the
/// login budget reserved for checking it.
async fn read_token<'a>(
    sharing: &'a Sharing<'a>,
    client: Remote,
    body: Incoming,
) -> Result<(String, super::limit::Reservation<'a>), Error> {
    // serde's messages may quote what was sent, which may be a token: say
    // only what the body must be.
    let body: TokenBody = read_json(body, JSON_LIMIT).await.map_err(|err| match err {
        Error::BadRequest(_) => {
            Error::bad_request(r#"the body must be {"token": "<the link's token>"}"#)
        }
        other => other,
    })?;
    // Budgets guard the signature check like a login: forging is hopeless,
    // but probing should still cost.
    let source = client.source.to_string();
    let reservation = sharing
        .checks
        .limiter
        .reserve(Budget::Login, client.source)
        .map_err(|refused| sharing.checks.refuse("share_refused", &source, refused))?;
    Ok((body.token, reservation))
}

/// The one answer to every bad link, whatever `step` found wrong; only the
/// audit log learns why.
fn refused_link(
    sharing: &Sharing<'_>,
    client: Remote,
    step: &str,
    token: &str,
    refusal: Refusal,
    reservation: super::limit::Reservation<'_>,
) -> Error {
    sharing.checks.audit.record(
        "share_refused",
        json!({"reason": refusal.as_str(), "step": step, "link": fingerprint(token),
               "source": client.source.to_string()}),
    );
    // Only forgeries keep the unit spent; the rest is given back on drop.
    if matches!(refusal, Refusal::Malformed | Refusal::BadSignature) {
        let _ = reservation.failed();
    }
    Error::Gone
}

/// `POST /s/peek` with `{"token"}`: what the landing page says before
/// "Open" (watch, or watch and type; until when; uses left). Spends nothing
/// and sets no cookie; a bad link gets redeem's one answer, at redeem's price.
pub async fn peek(
    sharing: &Sharing<'_>,
    client: Remote,
    body: Incoming,
) -> Result<Response, Error> {
    let (token, reservation) = read_token(sharing, client, body).await?;
    let record = sharing
        .shares
        .check(&token)
        .map_err(|refusal| refused_link(sharing, client, "peek", &token, refusal, reservation))?;
    Ok(json(
        StatusCode::OK,
        &json!({
            "scope": record.scope,
            "expires_at": record.expires_at * 1000,
            "uses_left": record.uses_left,
        }),
    ))
}

/// `POST /s/redeem` with `{"token"}`: the guest presses "Open". Every
/// refusal of a token looks the same.
/// `agent` is the request's user agent, for the owner's list of sessions.
pub async fn redeem(
    sharing: &Sharing<'_>,
    client: Remote,
    agent: &str,
    body: Incoming,
) -> Result<Response, Error> {
    let (token, reservation) = read_token(sharing, client, body).await?;
    let token = token.as_str();
    let source = client.source.to_string();
    // A link for "whichever tab is open" opened before there is one: say so
    // and spend nothing; the landing page asks again until there is a tab.
    if let Ok(record) = sharing.shares.check(token)
        && record.terminal.is_none()
        && sharing.terminals.list().is_empty()
    {
        return Err(Error::NoTerminalYet);
    }
    // The session starts under the link's lock, so a revoke racing this
    // redeem either refuses it or ends the session it made.
    let start = |record: &super::share::ShareRecord| {
        let remaining = Duration::from_secs(record.expires_at.saturating_sub(now_secs()));
        let grant = GuestGrant {
            share_id: record.id.clone(),
            scope: record.scope,
            terminal: record.terminal.clone(),
        };
        sharing
            .sessions
            .create_with_deadline(SessionKind::Guest(grant), remaining)
    };
    let (record, issued) = match sharing.shares.redeem_with(token, start) {
        Ok(redeemed) => redeemed,
        Err(refusal) => {
            return Err(refused_link(
                sharing,
                client,
                "redeem",
                token,
                refusal,
                reservation,
            ));
        }
    };
    let device = super::sessions::Device {
        user_agent: agent.to_string(),
        source: source.clone(),
    };
    sharing.sessions.describe(issued.view.key, device);
    sharing.checks.audit.record(
        "share_redeemed",
        json!({"share": record.id, "uses_left": record.uses_left, "source": source}),
    );
    let mut response = json(
        StatusCode::OK,
        &json!({
            "scope": record.scope,
            "terminal": record.terminal,
            "expires_at": issued.view.absolute_expires_at,
            "proof": issued.proof,
        }),
    );
    let cookie = session_cookie_named(&issued.cookie, client.secure, true, sharing.base);
    response.headers_mut().append(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(Error::internal)?,
    );
    Ok(response)
}

/// `GET /s/<token>`: a link from before tokens moved to the fragment. It is
/// not honoured (nor echoed): the page says to ask for a new link. Honouring
/// it would buy nothing: share records live in memory only, so the restart
/// that installs this version has already ended every old link, and its
/// token has crossed every log on the way.
pub fn old_link() -> Response {
    const PAGE: &str = "<!doctype html>\n<html lang=\"en\"><meta charset=\"utf-8\">\n\
        <meta name=\"viewport\" content=\"width=device-width\">\n\
        <title>Share link format changed \u{2014} termgate</title>\n\
        <h1>This share link no longer works</h1>\n\
        <p>The share link format changed: links now keep their secret after a \
        <code>#</code>, which browsers never send to a server, so it stays out of \
        proxy and tunnel logs.</p>\n<p>Ask whoever shared this terminal for a new link.</p>\n";
    let mut response = Response::new(crate::http::response::full(PAGE));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// What `GET /auth/session` says to a guest.
pub fn guest_session_info(principal: &Principal) -> Option<serde_json::Value> {
    let Principal::Guest(view, grant) = principal else {
        return None;
    };
    Some(json!({
        "logged_in": true,
        "principal": "guest",
        "scope": grant.scope,
        "terminal": grant.terminal,
        "absolute_expires_at": view.absolute_expires_at,
        "idle_expires_at": view.absolute_expires_at,
    }))
}

/// The link as a QR matrix (`"1"` = dark) the UI draws on a canvas: no image
/// format, no inline markup, nothing for the CSP to object to.
pub fn qr_matrix(text: &str) -> serde_json::Value {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return serde_json::Value::Null;
    };
    let width = code.width();
    let modules: Vec<String> = code
        .to_colors()
        .chunks(width)
        .map(|row| {
            row.iter()
                .map(|c| if *c == qrcode::Color::Dark { '1' } else { '0' })
                .collect()
        })
        .collect();
    json!({ "size": width, "modules": modules })
}
