//! Building responses: JSON bodies, the error body, and the security headers
//! every response carries.

use crate::error::Error;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::StatusCode;
use hyper::header::{self, HeaderValue};
use serde::Serialize;

/// Response bodies may stream (downloads), so they are boxed with an io error.
pub type Body = BoxBody<Bytes, std::io::Error>;
pub type Response = hyper::Response<Body>;

/// The content security policy: no inline script or style, no framing.
/// `base-uri 'self'`: the index's own `<base href>` (the `--base-path`) is
/// allowed, a `<base>` pointing anywhere else is not.
pub const CSP: &str = "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'";

pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

pub fn empty(status: StatusCode) -> Response {
    let mut response = Response::new(full(Bytes::new()));
    *response.status_mut() = status;
    response
}

pub fn json(status: StatusCode, value: &impl Serialize) -> Response {
    let body = serde_json::to_vec(value).expect("our response types always serialize");
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: String,
    /// Only with `reauth_required`: whether the prompt asks for a code too.
    #[serde(skip_serializing_if = "Option::is_none")]
    second_factor: Option<bool>,
}

/// `{"code","message"}` with the error's status (and `Retry-After` on 429).
pub fn error(err: &Error) -> Response {
    if let Error::Internal(detail) = err {
        tracing::error!("internal error: {detail}");
    }
    let mut response = json(
        err.status(),
        &ErrorBody {
            code: err.code(),
            message: err.to_string(),
            second_factor: match err {
                Error::ReauthRequired { second_factor } => Some(*second_factor),
                _ => None,
            },
        },
    );
    if let Error::RateLimited { retry_after } = err {
        let secs = crate::auth::limit::retry_after_secs(*retry_after);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// Adds the headers every response carries; `no_store` for API answers,
/// `hsts` when the client reached us over HTTPS through a trusted proxy.
pub fn secure_headers(response: &mut Response, no_store: bool, hsts: bool) {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    if no_store {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
}
