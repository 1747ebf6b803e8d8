//! The WebSocket handshake on plain hyper 1: check the upgrade request, take
//! a WebSocket slot, answer 101, and hand the upgraded stream to a task.
//!
//! Guests share the slots with the owner but never get the last quarter of
//! them ([`guest_cap`]): a share link can be forwarded, and its one session
//! could otherwise open every slot and leave the owner's next tab a 503.

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

/// How many of `max_websockets` slots guests may hold at once: all but a
/// quarter (at least one) kept for the owner, unless there is only one slot.
pub fn guest_cap(max_websockets: usize) -> usize {
    let kept = if max_websockets < 2 {
        0
    } else {
        (max_websockets / 4).max(1)
    };
    max_websockets - kept
}

/// The open WebSockets' slots: every socket takes one of `all`, a guest's
/// one of `guests` too.
pub struct Slots {
    all: Arc<Semaphore>,
    guests: Arc<Semaphore>,
}

impl Slots {
    pub fn new(max_websockets: usize) -> Self {
        Self {
            all: Arc::new(Semaphore::new(max_websockets)),
            guests: Arc::new(Semaphore::new(guest_cap(max_websockets))),
        }
    }

    fn take(&self, guest: bool) -> Result<Slot, Error> {
        let full =
            |_| Error::Unavailable("too many open WebSockets; close a tab or viewer and retry");
        // The guests' own cap first, so a guest refused there takes nothing.
        let guest = guest
            .then(|| self.guests.clone().try_acquire_owned())
            .transpose()
            .map_err(full)?;
        let all = self.all.clone().try_acquire_owned().map_err(full)?;
        Ok(Slot {
            _all: all,
            _guest: guest,
        })
    }
}

/// One socket's claim on its slots; dropping it gives them back.
pub struct Slot {
    _all: OwnedSemaphorePermit,
    _guest: Option<OwnedSemaphorePermit>,
}

/// A handshake that was accepted: send `response`, then await `socket`.
pub struct Accepted {
    pub response: Response,
    pub upgrade: hyper::upgrade::OnUpgrade,
    /// Holds the WebSocket slot for as long as the socket lives.
    pub permit: Slot,
}

fn header_has(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case(token))
}

/// RFC 6455 §4.2.1: the key is the base64 of exactly 16 random bytes (24
/// characters, padded). Anything else is not a WebSocket client's handshake,
/// so it gets 400 rather than a 101 computed over garbage.
fn is_valid_key(key: &[u8]) -> bool {
    use base64::Engine;
    key.len() == 24
        && base64::engine::general_purpose::STANDARD
            .decode(key)
            .is_ok_and(|bytes| bytes.len() == 16)
}

/// Does the handshake offer `termgate` among its subprotocols?
fn offers_subprotocol(headers: &hyper::HeaderMap) -> bool {
    headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|offer| offer.trim() == crate::auth::SUBPROTOCOL)
}

/// Validates the upgrade request and prepares the 101 answer; `guest` when
/// a share link's guest asks.
pub fn accept(req: &mut Request<Incoming>, slots: &Slots, guest: bool) -> Result<Accepted, Error> {
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
    if !is_valid_key(key.as_bytes()) {
        return Err(Error::bad_request(
            "Sec-WebSocket-Key must be the base64 of 16 bytes",
        ));
    }
    let accept_key = derive_accept_key(key.as_bytes());
    let permit = slots.take(guest)?;

    let mut response = empty(StatusCode::SWITCHING_PROTOCOLS);
    let out = response.headers_mut();
    out.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    out.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    out.insert(
        header::SEC_WEBSOCKET_ACCEPT,
        HeaderValue::from_str(&accept_key).map_err(Error::internal)?,
    );
    // A client that offers termgate's subprotocol (a browser does, to carry
    // its session's proof) must get it back, or the browser drops the socket.
    if offers_subprotocol(headers) {
        out.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static(crate::auth::SUBPROTOCOL),
        );
    }
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

#[cfg(test)]
mod tests {
    #[test]
    fn guests_leave_the_owner_a_quarter_of_the_slots_at_least_one() {
        for (max, guests) in [(1, 1), (2, 1), (3, 2), (4, 3), (7, 6), (8, 6), (64, 48)] {
            assert_eq!(super::guest_cap(max), guests, "{max}");
        }
    }

    #[test]
    fn only_the_base64_of_16_bytes_is_a_key() {
        assert!(super::is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ=="));
        for bad in [
            &b""[..],
            b"short",
            b"dGhlIHNhbXBsZSBub25jZQ",   // unpadded
            b"dGhlIHNhbXBsZSBub25jZQ=",  // half padded
            b"dGhlIHNhbXBsZSBub25j",     // 15 bytes
            b"dGhlIHNhbXBsZSBub25jZSE=", // 17 bytes
            b"dGhlIHNhbXBsZSBub25jZ!==",
        ] {
            assert!(
                !super::is_valid_key(bad),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
