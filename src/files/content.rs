//! `GET /api/files/content`: a text file for the editor, with its SHA-256 as
//! the ETag. `PUT /api/files/content`: a save that names the version it
//! replaces, so no concurrent change is ever silently lost.
//! `GET /api/files/version`: the same answer without the text, which the
//! editor polls to notice a file changed on disk while it is open.
//!
//! A save writes the new content beside the file first (outside any lock),
//! then, holding the file's lock, compares the current content's hash with
//! `If-Match` and renames the new content over it: check and replace are one
//! step for termgate's writers, so of two saves of the same version exactly
//! one wins and the other gets 409 with the hash that won.

use super::Files;
use super::atomic::Target;
use super::error::FileError;
use super::sandbox::{SafePath, Sandbox};
use super::{blocking, path_param, sha256_hex};
use crate::audit::Audit;
use crate::error::Error;
use crate::http::request::read_bytes;
use crate::http::response::{Response, json};
use hyper::body::Incoming;
use hyper::header::{ETAG, HeaderMap, HeaderValue, IF_MATCH, IF_NONE_MATCH};
use hyper::{Request, StatusCode};
use nix::sys::stat::fstat;
use serde::Serialize;
use serde_json::json;
use std::io::Read;

/// Largest file sent as text.
pub const TEXT_LIMIT: u64 = 256 * 1024;
/// Largest save.
pub const SAVE_LIMIT: usize = 5 * 1024 * 1024;

#[derive(Debug, Serialize)]
struct Content {
    path: String,
    /// `text`, `binary` (a NUL byte, or not UTF-8) or `too_large`.
    kind: &'static str,
    sha256: Option<String>,
    size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

/// What a save requires of the file it replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Precondition {
    /// `If-Match: "<sha256>"`: the file is still that version.
    Matches(String),
    /// `If-None-Match: *`: there is no file yet.
    CreateOnly,
}

pub async fn read(files: &Files, req: Request<Incoming>) -> Result<Response, FileError> {
    let sandbox = files.sandbox()?;
    let path = path_param(&req, &sandbox, false)?;
    let content = blocking(move || read_text(&sandbox, &path)).await?;
    let etag = content.sha256.as_ref().map(|hash| etag(hash));
    let mut response = json(StatusCode::OK, &content);
    if let Some(etag) = etag {
        response.headers_mut().insert(ETAG, etag);
    }
    Ok(response)
}

pub async fn version(files: &Files, req: Request<Incoming>) -> Result<Response, FileError> {
    let sandbox = files.sandbox()?;
    let path = path_param(&req, &sandbox, false)?;
    let mut content = blocking(move || read_text(&sandbox, &path)).await?;
    // The hash is the version; the text would only cost bandwidth on every poll.
    content.text = None;
    Ok(json(StatusCode::OK, &content))
}

fn read_text(sandbox: &Sandbox, path: &SafePath) -> Result<Content, FileError> {
    let (file, stat) = sandbox.open_file(path)?;
    let mut content = Content {
        path: path.display(),
        kind: "too_large",
        sha256: None,
        size: stat.st_size as u64,
        text: None,
    };
    if content.size > TEXT_LIMIT {
        return Ok(content);
    }
    let mut bytes = Vec::with_capacity(content.size as usize);
    let mut limited = file.take(TEXT_LIMIT + 1);
    limited.read_to_end(&mut bytes)?;
    if bytes.len() as u64 > TEXT_LIMIT {
        // It grew after the stat.
        content.size = fstat(limited.into_inner())?.st_size as u64;
        return Ok(content);
    }
    content.size = bytes.len() as u64;
    content.kind = "binary";
    if bytes.contains(&0) {
        return Ok(content);
    }
    if let Ok(text) = String::from_utf8(bytes) {
        content.kind = "text";
        content.sha256 = Some(sha256_hex(text.as_bytes()));
        content.text = Some(text);
    }
    Ok(content)
}

pub async fn write(
    files: &Files,
    audit: &Audit,
    req: Request<Incoming>,
) -> Result<Response, FileError> {
    let sandbox = files.sandbox()?;
    let path = path_param(&req, &sandbox, false)?;
    let precondition = Precondition::from_headers(req.headers())?;
    let body = read_bytes(req.into_body(), SAVE_LIMIT).await?;
    let (sha256, size) = (sha256_hex(&body), body.len());

    // The new content goes to disk beside the file, outside the lock.
    let check = precondition.clone();
    let (target, temp) = blocking(move || {
        let target = Target::locate(&sandbox, &path)?;
        match (&check, &target.existing) {
            (Precondition::CreateOnly, Some(_)) => return Err(FileError::AlreadyExists),
            (Precondition::Matches(_), None) => {
                return Err(FileError::StaleVersion { current: None });
            }
            _ => {}
        }
        let mut temp = target.temp_file()?;
        temp.write_all(&body)?;
        Ok((target, temp))
    })
    .await?;

    // Check and replace as one step among termgate's writers.
    let guard = files.locks.lock(&target.key).await;
    let shown = target.path.display();
    blocking(move || match precondition {
        Precondition::CreateOnly => temp.create_new(&target.name),
        Precondition::Matches(expected) => {
            let current = target.current_hash()?;
            if current.as_deref() != Some(expected.as_str()) {
                // `temp` drops here, and with it the new content.
                return Err(FileError::StaleVersion { current });
            }
            temp.replace(&target.name)
        }
    })
    .await?;
    drop(guard);

    audit.record("file_write", json!({"path": shown, "size": size}));
    let mut response = json(StatusCode::OK, &json!({"sha256": sha256, "size": size}));
    response.headers_mut().insert(ETAG, etag(&sha256));
    Ok(response)
}

fn etag(hash: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{hash}\"")).expect("hex digits are a valid header value")
}

impl Precondition {
    fn from_headers(headers: &HeaderMap) -> Result<Self, FileError> {
        let bad = |message: &str| FileError::Http(Error::bad_request(message));
        match (headers.get(IF_MATCH), headers.get(IF_NONE_MATCH)) {
            (None, None) => Err(FileError::PreconditionRequired),
            (Some(_), Some(_)) => Err(bad("send If-Match or If-None-Match, not both")),
            (None, Some(value)) if value.as_bytes().trim_ascii() == b"*" => {
                Ok(Precondition::CreateOnly)
            }
            (None, Some(_)) => Err(bad("If-None-Match accepts only * (create a new file)")),
            (Some(value), None) => {
                let text = value.to_str().unwrap_or_default().trim();
                let hash = text
                    .strip_prefix('"')
                    .and_then(|t| t.strip_suffix('"'))
                    .unwrap_or(text);
                if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                    Ok(Precondition::Matches(hash.to_ascii_lowercase()))
                } else {
                    Err(bad(
                        "If-Match must be the file's sha256 (64 hex digits), as its ETag gave it",
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preconditions_are_parsed_strictly() {
        let headers = |pairs: &[(&str, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(
                    hyper::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    value.parse().unwrap(),
                );
            }
            map
        };
        let hash = "AB".repeat(32);
        assert_eq!(
            Precondition::from_headers(&headers(&[("if-match", &format!("\"{hash}\""))])).unwrap(),
            Precondition::Matches("ab".repeat(32))
        );
        assert_eq!(
            Precondition::from_headers(&headers(&[("if-none-match", "*")])).unwrap(),
            Precondition::CreateOnly
        );
        let code = |pairs: &[(&str, &str)]| {
            Precondition::from_headers(&headers(pairs))
                .unwrap_err()
                .code()
        };
        assert_eq!(code(&[]), "precondition_required");
        assert_eq!(code(&[("if-match", "*")]), "bad_request");
        assert_eq!(code(&[("if-match", "W/\"abc\"")]), "bad_request");
        assert_eq!(code(&[("if-none-match", "\"x\"")]), "bad_request");
        assert_eq!(
            code(&[("if-match", &hash), ("if-none-match", "*")]),
            "bad_request"
        );
    }
}
