//! The recording routes: turning a tab's recording on and off, and the
//! list, download and deletion of recordings. Owner only (the route table
//! says so); a recording's id is looked up in the folder, never joined.

use super::{Recordings, StartedBy, store};
use crate::error::Error;
use crate::files::body;
use crate::http::request::{JSON_LIMIT, read_json};
use crate::http::response::{Response, empty, json};
use crate::term::Terminals;
use bytes::Bytes;
use hyper::StatusCode;
use hyper::body::Incoming;
use hyper::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use serde::{Deserialize, Serialize};
use std::io::Read;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToggleBody {
    on: bool,
}

/// What `GET /api/recordings` tells of one recording.
#[derive(Debug, Serialize)]
pub struct RecordingInfo {
    pub id: String,
    /// The tab's title when the recording started.
    pub title: String,
    /// Unix ms of the start.
    pub started_at: u64,
    /// From the start to the last write, in ms.
    pub duration_ms: u64,
    /// Bytes of the `.cast` file.
    pub size: u64,
    /// It reached the size cap and stopped there.
    pub truncated: bool,
    /// It is still being written.
    pub active: bool,
}

/// `POST /api/terminals/{id}/recording` with `{"on": true|false}`:
/// idempotent; answers the tab's recording state.
pub async fn toggle(
    recordings: &Recordings,
    terminals: &Terminals,
    id: &str,
    body: Incoming,
) -> Result<Response, Error> {
    let body: ToggleBody = read_json(body, JSON_LIMIT).await?;
    let terminal = terminals.get(id).ok_or(Error::NotFound)?;
    if body.on {
        if terminal.exit().borrow().is_some() {
            return Err(Error::bad_request("the tab's program has exited"));
        }
        recordings.start(&terminal, StartedBy::Owner)?;
    } else {
        recordings.stop(&terminal);
    }
    let current = terminal.recording().current();
    let input = terminal.recording().records_input();
    let state = serde_json::json!({
        "id": id,
        "recording": current.is_some(),
        "recording_id": current,
        "recording_input": input,
    });
    Ok(json(StatusCode::OK, &state))
}

/// `GET /api/recordings`: every recording, newest first.
pub async fn list(recordings: &Recordings) -> Result<Response, Error> {
    let this = recordings.clone();
    let list = blocking(move || {
        let store = this.store();
        let mut infos: Vec<RecordingInfo> = store
            .list()?
            .into_iter()
            .rev()
            .map(|entry| {
                let title = store::header(&entry)
                    .and_then(|h| h["title"].as_str().map(str::to_string))
                    .unwrap_or_default();
                let last = crate::clock::to_unix_ms(entry.modified);
                RecordingInfo {
                    title,
                    started_at: entry.started_ms,
                    duration_ms: last.saturating_sub(entry.started_ms),
                    size: entry.size,
                    truncated: store::truncated(&entry),
                    active: this.is_active(&entry.id),
                    id: entry.id,
                }
            })
            .collect();
        infos.shrink_to_fit();
        Ok(infos)
    })
    .await?;
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({"recordings": list}),
    ))
}

/// `GET /api/recordings/{id}`: the `.cast` file as a download (an active
/// recording: what is written so far).
pub async fn download(recordings: &Recordings, id: &str) -> Result<Response, Error> {
    let this = recordings.clone();
    let id = id.to_string();
    let (name, file, size) = blocking(move || {
        let entry = this.store().find(&id)?.ok_or(Error::NotFound)?;
        let file = std::fs::File::open(&entry.path)?;
        Ok((format!("{id}.cast"), file, entry.size))
    })
    .await?;
    let (tx, stream) = body::channel();
    // Exactly `size` bytes: the length promised, even while it grows.
    tokio::task::spawn_blocking(move || {
        let mut file = file.take(size);
        loop {
            let mut buf = vec![0; body::CHUNK];
            let item = match file.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    buf.truncate(n);
                    Ok(Bytes::from(buf))
                }
                Err(err) => Err(err),
            };
            let failed = item.is_err();
            if tx.blocking_send(item).is_err() || failed {
                return;
            }
        }
    });
    let mut response = Response::new(stream);
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-asciicast"),
    );
    headers.insert(CONTENT_LENGTH, HeaderValue::from(size));
    let disposition = format!("attachment; filename=\"{name}\"");
    headers.insert(
        CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(Error::internal)?,
    );
    Ok(response)
}

/// `DELETE /api/recordings/{id}`: a recording still being written is
/// refused (turn it off first).
pub async fn delete(recordings: &Recordings, id: &str) -> Result<Response, Error> {
    let this = recordings.clone();
    let id = id.to_string();
    blocking(move || {
        let entry = this.store().find(&id)?.ok_or(Error::NotFound)?;
        if this.is_active(&id) {
            return Err(Error::RecordingActive);
        }
        std::fs::remove_file(&entry.path)?;
        this.0.audit.record(
            "recording_deleted",
            serde_json::json!({"recording": id, "reason": "owner"}),
        );
        Ok(())
    })
    .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// Folder work runs on the blocking pool, off the runtime's workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(Error::internal)?
}
