//! The test client keeps session proofs the way the page does: the login or
//! redeem answer's `proof` is remembered beside the cookie it came with, and
//! every request that sends that cookie sends the proof too (the header on
//! HTTP, the subprotocol offer on a WebSocket). Tests that mean to send a
//! cookie *without* its proof say so (`RequestBuilder::without(PROOF)`, or
//! their own `sec-websocket-protocol`).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// The header that carries a proof.
pub const PROOF: &str = "x-termgate-proof";

fn known() -> &'static Mutex<HashMap<String, String>> {
    static KNOWN: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    KNOWN.get_or_init(Mutex::default)
}

/// Remembers that `cookie` (`name=value`) goes with `proof`.
pub fn remember(cookie: &str, proof: &str) {
    known()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(cookie.to_string(), proof.to_string());
}

/// The proof of the first known cookie in a `Cookie` header value.
pub fn for_cookie_header(value: &str) -> Option<String> {
    let known = known().lock().unwrap_or_else(|e| e.into_inner());
    value
        .split(';')
        .find_map(|pair| known.get(pair.trim()).cloned())
}

/// The subprotocol offer a browser makes for `proof`.
pub fn subprotocols(proof: &str) -> String {
    format!("termgate, termgate.proof.{proof}")
}

/// `cookie: …` and, for a known session cookie, `x-termgate-proof: …`, as
/// header lines (joined by CRLF, none at the end) for a raw request.
pub fn raw_lines(cookie: &str) -> String {
    match for_cookie_header(cookie) {
        Some(proof) => format!("cookie: {cookie}\r\n{PROOF}: {proof}"),
        None => format!("cookie: {cookie}"),
    }
}

/// Sets `cookie` and, for a known session cookie, its proof on `headers`
/// (a client that can send headers on a WebSocket handshake may use them).
pub fn insert(headers: &mut hyper::HeaderMap, cookie: &str) {
    headers.insert("cookie", cookie.parse().unwrap());
    if let Some(proof) = for_cookie_header(cookie) {
        headers.insert(PROOF, proof.parse().unwrap());
    }
}
