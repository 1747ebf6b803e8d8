//! The request pipeline: Host check -> route -> Origin check (or, for a
//! script's API token, its own gate) -> the gate ->
//! handler -> security headers. Every request takes exactly this path.
//!
//! - `base`: the `--base-path` prefix, stripped once by the router
//! - `router`: the route table (method, path, [`Access`](crate::auth::Access))
//! - `guard`: Host/Origin allowlists and the client's address
//! - `request` / `response`: reading bodies, writing JSON and errors
//! - `pace`: the deadlines bodies must meet
//! - `assets` (the table) / `asset` (one file, plain or gzipped) / `static_files`: the embedded UI; `index`: the page put together
//!   from index.html and its dialogs
//! - `websocket`: the upgrade handshake

mod asset;
pub mod assets;
/// The `--base-path` value lives with the config that parses it.
pub use crate::config::base;
pub mod guard;
pub mod index;
pub mod pace;
pub mod request;
pub mod response;
pub mod router;
pub mod static_files;
pub mod websocket;

use crate::auth::reauth::Sensitive;
use crate::auth::{self, Principal, login, share_api};
use crate::error::Error;
use crate::exposure::PublicSide;
use crate::record;
use crate::state::AppState;
use crate::term;
use guard::Remote;
use hyper::body::Incoming;
use hyper::{Method, Request};
use response::Response;
use router::Endpoint;
use std::net::SocketAddr;
use std::sync::Arc;

/// Answers one request. Never fails: errors become `{"code","message"}`.
pub async fn handle(state: Arc<AppState>, req: Request<Incoming>, peer: SocketAddr) -> Response {
    // What is public is read once: one request sees one consistent gate.
    let public = state.exposure.sides();
    let client = state
        .allowlist
        .client(peer, req.uri(), req.headers(), &public);
    let is_ui = state
        .config
        .base_path
        .strip(req.uri().path())
        .is_some_and(|path| path == "/" || path.starts_with("/assets/"));
    let grace = state.tuning.header_timeout;
    let mut response = match pace::scope(grace, pipeline(&state, req, client, &public)).await {
        Ok(response) => response,
        Err(err) => response::error(&err),
    };
    if response.status() == hyper::StatusCode::REQUEST_TIMEOUT {
        // The rest of a late body may still be on its way: close rather
        // than read it, so the slot is free at once.
        response.headers_mut().insert(
            hyper::header::CONNECTION,
            hyper::header::HeaderValue::from_static("close"),
        );
    }
    // Everything but the UI files is no-store; that includes `/s/`, and an
    // old link's `/s/<token>`, so share tokens never rest in a cache.
    response::secure_headers(&mut response, !is_ui, client.secure);
    response
}

async fn pipeline(
    state: &Arc<AppState>,
    req: Request<Incoming>,
    client: Remote,
    public: &[PublicSide],
) -> Result<Response, Error> {
    state
        .allowlist
        .check_host(req.uri(), req.headers(), public)?;
    let files = !state.config.terminal_only;
    let base = &state.config.base_path;
    let resolved = router::resolve_under(base, req.method(), req.uri().path(), files)?;
    let (route, endpoint) = (resolved.route, resolved.endpoint);
    // Owned, so the request can move into the handler.
    let path = resolved.path.to_string();
    let changes_state = !matches!(*req.method(), Method::GET | Method::HEAD);
    // A script's token, if any: such a request carries no cookie a browser
    // could attach on its own, so it needs no Origin (and may not have one).
    let bearer = auth::api_tokens::bearer(req.headers()).map_err(|_| Error::Unauthorized)?;
    if bearer.is_none() && (changes_state || matches!(endpoint, Endpoint::TerminalSocket(_))) {
        state.allowlist.check_origin(req.headers(), public)?;
    }
    let principal = match bearer {
        Some(token) => {
            state
                .token_gate()
                .require(token, req.headers(), client, route.access, route.token)?
        }
        None => auth::require(
            &state.sessions,
            &state.shares,
            req.headers(),
            base,
            route.access,
            route.activity,
            endpoint.terminal(),
        )?,
    };
    if route.activity && matches!(principal, auth::Principal::Owner(_)) {
        state.activity.note();
    }
    // A route the table marks sensitive asks its handler's body for the factors.
    let sensitive = state.sensitive(client, &principal, route.reauth);
    dispatch(state, req, client, principal, &sensitive, endpoint, &path).await
}

/// `/term` -> `/term/` (query kept): the UI's relative URLs need the slash.
fn to_base(base: &base::BasePath, query: Option<&str>) -> Result<Response, Error> {
    let location = match query {
        Some(query) => format!("{base}?{query}"),
        None => base.to_string(),
    };
    let mut response = response::empty(hyper::StatusCode::PERMANENT_REDIRECT);
    response.headers_mut().insert(
        hyper::header::LOCATION,
        hyper::header::HeaderValue::from_str(&location)
            .map_err(|_| Error::bad_request("the query cannot be redirected"))?,
    );
    Ok(response)
}

async fn dispatch(
    state: &Arc<AppState>,
    req: Request<Incoming>,
    client: Remote,
    principal: Principal,
    sensitive: &Sensitive<'_>,
    endpoint: Endpoint,
    path: &str,
) -> Result<Response, Error> {
    let base = &state.config.base_path;
    match endpoint {
        Endpoint::Asset => static_files::serve(req.method(), path, req.headers(), base),
        Endpoint::Login => {
            let agent = auth::device::user_agent(req.headers());
            login::login(&state.logins(), client, &agent, req.into_body()).await
        }
        Endpoint::SessionInfo => Ok(login::session_info(&state.logins(), &principal)),
        Endpoint::Logout => Ok(login::logout(&state.logins(), client, &principal)),
        Endpoint::LogoutAll => {
            login::logout_all(&state.logins(), client, sensitive, req.into_body()).await
        }
        Endpoint::Extend => {
            let body = req.into_body();
            login::extend(&state.logins(), client, &principal, sensitive, body).await
        }
        Endpoint::ListTerminals => Ok(term::api::list(&state.tabs(), &principal)),
        Endpoint::CreateTerminal => term::api::create(&state.tabs(), req.into_body()).await,
        Endpoint::RenameTerminal(id) => {
            term::api::rename(&state.tabs(), &id, req.into_body()).await
        }
        Endpoint::CloseTerminal(id) => term::api::close(&state.terminals, &id).await,
        Endpoint::TerminalSocket(id) => {
            let unlock = state.unlocker(client);
            term::api::connect(&state.sockets(), &id, &principal, req, client, unlock)
        }
        Endpoint::TerminalCommands(id) => term::api::commands(&state.tabs(), &id),
        Endpoint::Status => Ok(status(state)),
        Endpoint::ToggleRecording(id) => {
            let recordings = &state.recordings;
            record::api::toggle(recordings, &state.terminals, &id, req.into_body()).await
        }
        Endpoint::LockTerminal(id) => {
            let (audit, tabs) = (&state.audit, &state.terminals);
            term::tab_lock::set(sensitive, audit, tabs, client, &id, req.into_body()).await
        }
        Endpoint::ListRecordings => record::api::list(&state.recordings).await,
        Endpoint::DownloadRecording(id) => record::api::download(&state.recordings, &id).await,
        Endpoint::DeleteRecording(id) => record::api::delete(&state.recordings, &id).await,
        Endpoint::SecondFactorStatus => Ok(auth::totp_api::status(&state.factors())),
        Endpoint::EnrollSecondFactor => {
            auth::totp_api::enroll(&state.factors(), sensitive, req.into_body()).await
        }
        Endpoint::ConfirmSecondFactor => {
            auth::totp_api::confirm(&state.factors(), client, req.into_body()).await
        }
        Endpoint::RegenerateBackupCodes => {
            auth::totp_api::regenerate(&state.factors(), client, sensitive, req.into_body()).await
        }
        Endpoint::DisableSecondFactor => {
            auth::totp_api::disable(&state.factors(), client, sensitive, req.into_body()).await
        }
        Endpoint::AuditLog => crate::audit::api::page(state.audit.clone(), req.uri().query()).await,
        Endpoint::ListSessions => Ok(auth::sessions_api::list(&state.session_admin(), &principal)),
        Endpoint::RevokeSession(id) => {
            let (admin, body) = (state.session_admin(), req.into_body());
            auth::sessions_api::revoke(&admin, client, sensitive, &id, body).await
        }
        Endpoint::RevokeOtherSessions => {
            let (admin, body) = (state.session_admin(), req.into_body());
            auth::sessions_api::revoke_others(&admin, client, &principal, sensitive, body).await
        }
        Endpoint::ListGuests => {
            auth::approval_api::list(&state.guest_admin(), req.uri().query()).await
        }
        Endpoint::DecideGuest(id) => {
            auth::approval_api::decide(&state.guest_admin(), client, &id, req.into_body()).await
        }
        Endpoint::ListTokens => Ok(auth::tokens_api::list(&state.token_admin())),
        Endpoint::CreateToken => {
            auth::tokens_api::create(&state.token_admin(), client, sensitive, req.into_body()).await
        }
        Endpoint::RevokeToken(id) => auth::tokens_api::revoke(&state.token_admin(), client, &id),
        Endpoint::ListShares => Ok(share_api::list(&state.sharing())),
        Endpoint::LoginLink => {
            auth::login_link::mint(&state.login_links(), client, &request::origin(&req))
        }
        Endpoint::MintShare => share_api::mint(&state.sharing(), client, sensitive, req).await,
        Endpoint::RevokeShare(id) => share_api::revoke(&state.sharing(), client, &id),
        // One page for every token: it tells nothing and uses nothing up.
        Endpoint::ShareLanding => static_files::serve(req.method(), "/", req.headers(), base),
        Endpoint::RedeemShare => {
            let agent = auth::device::user_agent(req.headers());
            share_api::redeem(&state.sharing(), client, &agent, req.into_body()).await
        }
        Endpoint::PeekShare => share_api::peek(&state.sharing(), client, req.into_body()).await,
        Endpoint::OldShareLink => Ok(share_api::old_link()),
        Endpoint::Files(op) => Ok(crate::files::handle(&state.files, &state.audit, op, req).await),
        Endpoint::ToBase => to_base(base, req.uri().query()),
    }
}

/// `GET /api/status`: the public side and clocks, and the host's figures.
fn status(state: &AppState) -> Response {
    let deadline = crate::exposure::idle::deadline_wall(&state.exposure, &state.activity);
    let mut body = serde_json::to_value(state.exposure.status(deadline)).unwrap_or_default();
    if let Some(fields) = body.as_object_mut() {
        let host = serde_json::to_value(state.host.status()).unwrap_or_default();
        fields.insert("host".into(), host);
    }
    response::json(hyper::StatusCode::OK, &body)
}
