//! `POST /api/files/upload` (streamed to disk, capped) and
//! `GET /api/files/download` (streamed from disk), neither ever holding a
//! whole file in memory.
//!
//! Upload: a declared `Content-Length` above `--max-upload` is refused (413)
//! before a byte of the body is read; otherwise bytes are counted as they
//! arrive and the upload is refused the moment the count crosses the cap. A
//! blocking task writes to a temporary file fed through a small bounded
//! channel; a refused, failed, stalled (408, see `http::pace`) or
//! interrupted upload removes that file.

use super::Files;
use super::atomic::Target;
use super::body::{self, CHUNK};
use super::error::FileError;
use super::{blocking, flag, path_param};
use crate::audit::Audit;
use crate::http::response::{Response, json};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::{Request, StatusCode};
use serde_json::json;
use std::io::Read;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Body chunks buffered between the network and the disk.
const UPLOAD_DEPTH: usize = 8;

pub async fn upload(
    files: &Files,
    audit: &Audit,
    req: Request<Incoming>,
) -> Result<Response, FileError> {
    let sandbox = files.sandbox()?;
    let limit = files.max_upload;
    let path = path_param(&req, &sandbox, false)?;
    let overwrite = flag(&req, "overwrite")?;
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(FileError::TooLarge { limit });
    }

    let (target, temp) = blocking(move || {
        let target = Target::locate(&sandbox, &path)?;
        if target.existing.is_some() && !overwrite {
            return Err(FileError::AlreadyExists);
        }
        let temp = target.temp_file()?;
        Ok((target, temp))
    })
    .await?;

    // The writer ends when the channel closes; `complete` tells it whether
    // the body arrived whole (keep the file) or not (drop it, removing it).
    let (tx, mut rx) = mpsc::channel::<Bytes>(UPLOAD_DEPTH);
    let complete = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done = complete.clone();
    let writer = blocking(move || {
        let mut temp = temp;
        while let Some(chunk) = rx.blocking_recv() {
            temp.write_all(&chunk)?;
        }
        if done.load(std::sync::atomic::Ordering::Acquire) {
            Ok(temp)
        } else {
            Err(FileError::Http(crate::Error::bad_request(
                "the upload was cut off",
            )))
        }
    });
    let idle = crate::http::pace::upload_idle();
    let reader = async move {
        let mut body = req.into_body();
        let mut received: u64 = 0;
        // Progress, not a total: each frame within `idle` of the last.
        while let Some(frame) = tokio::time::timeout(idle, body.frame())
            .await
            .map_err(|_| FileError::Http(crate::Error::RequestTimeout))?
        {
            let frame = frame.map_err(|_| {
                FileError::Http(crate::Error::bad_request("the upload was cut off"))
            })?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            received += data.len() as u64;
            if received > limit {
                return Err(FileError::TooLarge { limit });
            }
            if tx.send(data).await.is_err() {
                // The writer failed; its error is the one to report.
                return Ok(received);
            }
        }
        complete.store(true, std::sync::atomic::Ordering::Release);
        Ok(received)
    };
    let (read, written) = tokio::join!(reader, writer);
    let received = read?;
    let temp = written?;
    debug_assert_eq!(received, temp.len());

    let guard = files.locks.lock(&target.key).await;
    let shown = target.path.display();
    let size = temp.len();
    blocking(move || {
        if overwrite {
            temp.replace(&target.name)
        } else {
            temp.create_new(&target.name)
        }
    })
    .await?;
    drop(guard);
    audit.record("file_upload", json!({"path": shown, "size": size}));
    Ok(json(
        StatusCode::CREATED,
        &json!({"path": shown, "size": size}),
    ))
}

pub async fn download(files: &Files, req: Request<Incoming>) -> Result<Response, FileError> {
    let sandbox = files.sandbox()?;
    let path = path_param(&req, &sandbox, false)?;
    let name = path.name().map(|n| n.to_string_lossy().into_owned());
    let (file, stat) = blocking(move || sandbox.open_file(&path)).await?;
    let size = stat.st_size as u64;
    let (tx, body) = body::channel();
    // Exactly `size` bytes, the length promised in the header: a file that
    // grows meanwhile is cut there, one that shrinks aborts the response.
    tokio::task::spawn_blocking(move || {
        let mut file = file;
        let mut left = size;
        while left > 0 {
            let want = CHUNK.min(left as usize);
            // read_to_end fills spare capacity without zeroing it first.
            let mut buf = Vec::with_capacity(want);
            let item = match (&mut file).take(want as u64).read_to_end(&mut buf) {
                Ok(0) => Err(std::io::Error::other("the file shrank while it was sent")),
                Ok(n) => {
                    left -= n as u64;
                    Ok(Bytes::from(buf))
                }
                Err(err) => Err(err),
            };
            let failed = item.is_err();
            if tx.blocking_send(item).is_err() || failed {
                return; // the client went away, or we told it we failed
            }
        }
    });
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(CONTENT_LENGTH, HeaderValue::from(size));
    headers.insert(
        CONTENT_DISPOSITION,
        content_disposition(name.as_deref().unwrap_or("download")),
    );
    Ok(response)
}

/// `attachment` with an ASCII fallback name (quotes, backslashes, controls
/// and non-ASCII replaced) and the exact name as RFC 5987 `filename*`.
pub fn content_disposition(name: &str) -> HeaderValue {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '/' | ';' | '%') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    ))
    .expect("only visible ASCII is left")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_disposition_is_safe_for_any_name() {
        let value = content_disposition("a\"b\\c;\r\né 1.txt");
        assert_eq!(
            value.to_str().unwrap(),
            "attachment; filename=\"a_b_c____ 1.txt\"; filename*=UTF-8''a%22b%5Cc%3B%0D%0A%C3%A9%201.txt"
        );
    }
}
