//! Logging in on another device (a phone) without typing the 43-character
//! token: a URL whose fragment carries it, `…/#token=<token>`. Browsers never
//! send the fragment to a server, so it stays out of every proxy's and
//! tunnel's logs; the page moves it into the login form and erases it from
//! the address bar. The PIN is still asked.
//!
//! Shown on an interactive console (never when stdout is a log file) and in
//! the owner's UI behind a click (`POST /api/login-link`).

use super::credentials::Credentials;
use super::share_api::qr_matrix;
use crate::audit::Audit;
use crate::error::Error;
use crate::exposure::Exposure;
use crate::http::base::BasePath;
use crate::http::guard::Remote;
use crate::http::response::{Response, json};
use hyper::StatusCode;
use serde_json::json;

/// What minting a login link needs: the token (read again from its file),
/// the public origin while exposed, and the audit trail that says it was shown.
pub struct LoginLinks<'a> {
    pub credentials: &'a Credentials,
    pub exposure: &'a Exposure,
    pub audit: &'a Audit,
    pub base: &'a BasePath,
}

/// The login URL for `origin` (e.g. `https://x.share.zrok.io`) and the base path.
pub fn url(origin: &str, base: &str, token: &str) -> String {
    format!("{origin}{base}#token={}", form_encode(token))
}

/// `POST /api/login-link`: the link for the public origin while public,
/// else for the origin the owner is on.
pub fn mint(
    links: &LoginLinks<'_>,
    client: Remote,
    request_origin: &str,
) -> Result<Response, Error> {
    let token = links
        .credentials
        .reread_token()
        .map_err(|err| Error::TokenUnavailable(err.message))?;
    let public = links.exposure.public_origin();
    let origin = public.as_deref().unwrap_or(request_origin);
    let url = url(origin, links.base.as_str(), &token);
    // The audit says that it was shown, never what.
    links.audit.record(
        "login_link_shown",
        json!({"public": public.is_some(), "source": client.source.to_string()}),
    );
    Ok(json(
        StatusCode::OK,
        &json!({"url": url, "public": public.is_some(), "qr": qr_matrix(&url)}),
    ))
}

/// The console lines for a phone login at `origin`, if stdout is a terminal
/// a person reads (not a log file) and the token can be read again.
pub fn console(credentials: &Credentials, base: &BasePath, origin: &str) -> Option<String> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let token = credentials.reread_token().ok()?;
    let url = url(origin, base.as_str(), &token);
    let qr = crate::console::qr::draw(&url).unwrap_or_default();
    Some(format!(
        "log in from your phone (the token rides in the #fragment, which is never sent to a server; the PIN is still asked):\n  {url}\n{qr}"
    ))
}

/// `application/x-www-form-urlencoded` as `URLSearchParams` reads it: a
/// chosen token may hold `&`, `#`, `+` or `%`.
fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_rides_in_the_fragment_encoded() {
        assert_eq!(
            url("https://x.share.zrok.io", "/", "abc-DEF_123"),
            "https://x.share.zrok.io/#token=abc-DEF_123"
        );
        assert_eq!(
            url("http://127.0.0.1:8080", "/term/", "a&b#c+d%e f"),
            "http://127.0.0.1:8080/term/#token=a%26b%23c%2Bd%25e%20f"
        );
    }
}
