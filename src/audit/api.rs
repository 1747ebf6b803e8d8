//! `GET /api/audit?event=<name>&offset=<n>&limit=<n>`: the owner reads the
//! security audit log in the UI, newest first, filtered by event, paged.
//! The files are read on a blocking thread (up to two capped files), after
//! the writer has written what was recorded before the request.

use super::Audit;
use super::reader::MAX_PAGE;
use crate::error::Error;
use crate::http::request::query_param;
use crate::http::response::{Response, json};
use hyper::StatusCode;
use std::sync::Arc;

pub async fn page(audit: Arc<Audit>, query: Option<&str>) -> Result<Response, Error> {
    let number = |name: &str, default: usize| -> Result<usize, Error> {
        match query_param(query, name)? {
            None => Ok(default),
            Some(text) => text
                .parse()
                .map_err(|_| Error::bad_request(format!("{name} must be a whole number"))),
        }
    };
    let offset = number("offset", 0)?;
    let limit = number("limit", 50)?;
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Error::bad_request(format!("limit must be 1..={MAX_PAGE}")));
    }
    let event = query_param(query, "event")?.filter(|e| !e.is_empty());
    if event
        .as_deref()
        .is_some_and(|e| e.len() > 64 || !e.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
    {
        return Err(Error::bad_request(
            "event is an event name, like login_failed",
        ));
    }
    let page =
        tokio::task::spawn_blocking(move || audit.read_page(event.as_deref(), offset, limit))
            .await
            .map_err(Error::internal)?;
    Ok(json(StatusCode::OK, &page))
}
