//! The request pipeline: Host check -> route -> Origin check -> the gate ->
//! handler -> security headers. Every request takes exactly this path.
//!
//! - `router`: the route table (method, path, [`Access`](crate::auth::Access))
//! - `guard`: Host/Origin allowlists and the client's address
//! - `request` / `response`: reading bodies, writing JSON and errors
//! - `assets` / `static_files`: the embedded UI
//! - `websocket`: the upgrade handshake

pub mod assets;
pub mod guard;
pub mod request;
pub mod response;
pub mod router;
pub mod static_files;
pub mod websocket;

use crate::auth::{self, Principal, login, share_api};
use crate::error::Error;
use crate::state::AppState;
use crate::term;
use guard::Client;
use hyper::body::Incoming;
use hyper::{Method, Request};
use response::Response;
use router::Endpoint;
use std::net::SocketAddr;
use std::sync::Arc;

/// Answers one request. Never fails: errors become `{"code","message"}`.
pub async fn handle(state: Arc<AppState>, req: Request<Incoming>, peer: SocketAddr) -> Response {
    let client = state.allowlist.client(peer, req.headers());
    let is_ui = req.uri().path() == "/" || req.uri().path().starts_with("/assets/");
    let mut response = match pipeline(&state, req, client).await {
        Ok(response) => response,
        Err(err) => response::error(&err),
    };
    // Everything but the UI files is no-store; that includes `/s/<token>`,
    // so share tokens never rest in a cache.
    response::secure_headers(&mut response, !is_ui, client.secure);
    response
}

async fn pipeline(
    state: &Arc<AppState>,
    req: Request<Incoming>,
    client: Client,
) -> Result<Response, Error> {
    state.allowlist.check_host(req.headers())?;
    let files = !state.config.terminal_only;
    let (route, endpoint) = router::resolve_with(req.method(), req.uri().path(), files)?;
    let changes_state = !matches!(*req.method(), Method::GET | Method::HEAD);
    if changes_state || matches!(endpoint, Endpoint::TerminalSocket(_)) {
        state.allowlist.check_origin(req.headers())?;
    }
    let principal = auth::require(&state.sessions, req.headers(), route.access, route.activity)?;
    dispatch(state, req, client, principal, endpoint).await
}

async fn dispatch(
    state: &Arc<AppState>,
    req: Request<Incoming>,
    client: Client,
    principal: Principal,
    endpoint: Endpoint,
) -> Result<Response, Error> {
    match endpoint {
        Endpoint::Asset => static_files::serve(req.method(), req.uri().path(), req.headers()),
        Endpoint::Login => login::login(state, client, req.into_body()).await,
        Endpoint::SessionInfo => Ok(login::session_info(state, &principal)),
        Endpoint::Logout => Ok(login::logout(state, client, &principal)),
        Endpoint::LogoutAll => login::logout_all(state, client, req.into_body()).await,
        Endpoint::Extend => login::extend(state, client, &principal, req.into_body()).await,
        Endpoint::ListTerminals => Ok(term::api::list(state, &principal)),
        Endpoint::CreateTerminal => term::api::create(state, req.into_body()).await,
        Endpoint::RenameTerminal(id) => term::api::rename(state, &id, req.into_body()).await,
        Endpoint::CloseTerminal(id) => term::api::close(state, &id).await,
        Endpoint::TerminalSocket(id) => term::api::connect(state, &id, &principal, req),
        Endpoint::Status => Ok(response::json(
            hyper::StatusCode::OK,
            &state.exposure.status(),
        )),
        Endpoint::ListShares => Ok(share_api::list(state)),
        Endpoint::MintShare => share_api::mint(state, client, req).await,
        Endpoint::RevokeShare(id) => share_api::revoke(state, client, &id),
        // One page for every token: it tells nothing and uses nothing up.
        Endpoint::ShareLanding => static_files::serve(req.method(), "/", req.headers()),
        Endpoint::RedeemShare(token) => share_api::redeem(state, client, &token),
        Endpoint::Files(op) => Ok(crate::files::handle(state, op, req).await),
    }
}
