//! Reading requests: capped JSON bodies, cookies and query parameters.
//! Handlers use these and never parse raw headers themselves.

use crate::error::Error;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap};
use serde::de::DeserializeOwned;

/// Default cap on JSON request bodies.
pub const JSON_LIMIT: usize = 64 * 1024;

/// Reads the whole body, refusing more than `limit` bytes without buffering them.
pub async fn read_bytes(body: Incoming, limit: usize) -> Result<bytes::Bytes, Error> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
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

/// The value of cookie `name`, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
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
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; termgate_session=xyz; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&headers, "termgate_session"), Some("xyz"));
        assert_eq!(cookie(&headers, "session"), None);
    }

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
        assert_eq!(query_param(Some("x=1"), "path").unwrap(), None);
    }
}
