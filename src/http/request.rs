//! Reading requests: capped JSON bodies, cookies and query parameters.
//! Handlers use these and never parse raw headers themselves.

use crate::error::Error;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;

use serde::de::DeserializeOwned;

/// Default cap on JSON request bodies.
pub const JSON_LIMIT: usize = 64 * 1024;

/// Reads the whole body, refusing more than `limit` bytes without buffering them.
/// The body must arrive within its [`pace::deadline`](super::pace::deadline).
pub async fn read_bytes(body: Incoming, limit: usize) -> Result<bytes::Bytes, Error> {
    let deadline = super::pace::deadline(&body, limit as u64);
    let collected = tokio::time::timeout_at(deadline, Limited::new(body, limit).collect());
    match collected.await.map_err(|_| Error::RequestTimeout)? {
        Ok(collected) => {
            // Now being answered: this connection goes last if one must be
            // closed to admit another (see `server::admission`).
            crate::server::admission::request_received();
            Ok(collected.to_bytes())
        }
        Err(err)
            if err
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(Error::PayloadTooLarge { limit })
        }
        Err(_) => Err(Error::bad_request("the request body could not be read")),
    }
}

/// Reads a JSON body of type `T`. An empty body reads as `{}` so optional
/// bodies (like `POST /api/terminals`) may be omitted.
pub async fn read_json<T: DeserializeOwned>(body: Incoming, limit: usize) -> Result<T, Error> {
    let bytes = read_bytes(body, limit).await?;
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &bytes
    };
    serde_json::from_slice(bytes)
        .map_err(|err| Error::bad_request(format!("invalid JSON body: {err}")))
}

/// A query parameter, percent-decoded exactly once.
pub fn query_param(query: Option<&str>, name: &str) -> Result<Option<String>, Error> {
    let Some(query) = query else { return Ok(None) };
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if percent_decode(key)? == name {
            return percent_decode(value).map(Some);
        }
    }
    Ok(None)
}

/// Decodes `%XX` escapes and `+` (as space); the result must be UTF-8.
pub fn percent_decode(text: &str) -> Result<String, Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                // Exactly two hex digits: `u8::from_str_radix` would also
                // take a sign, decoding `%+1` to 0x01.
                let hex = match bytes.get(i + 1..i + 3) {
                    Some(&[high, low]) => hex_digit(high).zip(hex_digit(low)),
                    _ => None,
                }
                .map(|(high, low)| (high << 4) | low)
                .ok_or_else(|| Error::bad_request("malformed percent-escape in the query"))?;
                out.push(hex);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| Error::bad_request("the query is not valid UTF-8"))
}

fn hex_digit(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|digit| digit as u8)
}

/// The request's `Origin` (the gate has checked it is one of ours on every
/// state-changing request): where the owner's page is.
pub fn origin<B>(req: &hyper::Request<B>) -> String {
    req.headers()
        .get(hyper::header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_decoded_once() {
        assert_eq!(
            query_param(Some("path=a%2Fb&x=1"), "path")
                .unwrap()
                .as_deref(),
            Some("a/b")
        );
        assert_eq!(
            query_param(Some("path=%252e"), "path").unwrap().as_deref(),
            Some("%2e")
        );
        assert!(query_param(Some("path=%zz"), "path").is_err());
        for signed in ["%+1", "%-1", "%+f", "%1", "%"] {
            assert!(query_param(Some(&format!("path={signed}")), "path").is_err());
        }
        assert_eq!(query_param(Some("x=1"), "path").unwrap(), None);
    }
}

#[cfg(test)]
#[path = "request_props.rs"]
mod prop_tests;
