//! The WebSocket handshake on plain hyper 1: check the upgrade request, take
//! a WebSocket slot, answer 101, and hand the upgraded stream to a task.

use super::response::{Response, empty};
use crate::error::Error;
use crate::term::protocol::MAX_CLIENT_FRAME;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::upgrade::Upgraded;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

pub type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// A handshake that was accepted: send `response`, then await `socket`.
pub struct Accepted {
    pub response: Response,
    pub upgrade: hyper::upgrade::OnUpgrade,
    /// Holds the WebSocket slot for as long as the socket lives.
    pub permit: OwnedSemaphorePermit,
}

fn header_has(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case(token))
}

/// Validates the upgrade request and prepares the 101 answer.
pub fn accept(req: &mut Request<Incoming>, slots: &Arc<Semaphore>) -> Result<Accepted, Error> {
    let headers = req.headers();
    if !header_has(headers, header::CONNECTION, "upgrade")
        || !header_has(headers, header::UPGRADE, "websocket")
    {
        return Err(Error::bad_request("this route only speaks WebSocket"));
    }
    if headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .map(HeaderValue::as_bytes)
        != Some(b"13")
    {
        return Err(Error::bad_request(
            "unsupported WebSocket version (need 13)",
        ));
    }
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .ok_or_else(|| Error::bad_request("missing Sec-WebSocket-Key"))?;
    let accept_key = derive_accept_key(key.as_bytes());
    let permit = slots.clone().try_acquire_owned().map_err(|_| {
        Error::Unavailable("too many open WebSockets; close a tab or viewer and retry")
    })?;

    let mut response = empty(StatusCode::SWITCHING_PROTOCOLS);
    let out = response.headers_mut();
    out.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    out.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    out.insert(
        header::SEC_WEBSOCKET_ACCEPT,
        HeaderValue::from_str(&accept_key).map_err(Error::internal)?,
    );
    Ok(Accepted {
        response,
        upgrade: hyper::upgrade::on(req),
        permit,
    })
}

/// Completes the upgrade into a WebSocket with termgate's frame limits.
pub async fn finish(upgrade: hyper::upgrade::OnUpgrade) -> Option<Socket> {
    let upgraded = upgrade.await.ok()?;
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_CLIENT_FRAME))
        .max_frame_size(Some(MAX_CLIENT_FRAME));
    Some(WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await)
}
