//! The owner's side of guest approval (`approval`): `GET /api/guests?since=N`,
//! a long poll, and `POST /api/guests/{id}` with the owner's decision.
//!
//! A long poll rather than a socket of its own: the owner's page already holds
//! one socket per tab, and a poll that answers at once on any change (and
//! otherwise after [`POLL_WAIT`], well inside any proxy's idle timeout) is as
//! live as the owner needs, over every tunnel, with the route table's access
//! check like any other request. Both routes are the owner's browser's alone:
//! no API token may let a script wave guests in.

use super::approval::{Action, Approvals};
use crate::audit::Audit;
use crate::error::Error;
use crate::http::guard::Remote;
use crate::http::request::{JSON_LIMIT, query_param, read_json};
use crate::http::response::{Response, json};
use crate::shutdown::Shutdown;
use hyper::StatusCode;
use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

/// How long a poll with nothing new waits before it answers anyway.
pub const POLL_WAIT: Duration = Duration::from_secs(25);

/// What the two routes need.
pub struct GuestAdmin<'a> {
    pub approvals: &'a Approvals,
    pub audit: &'a Audit,
    pub shutdown: &'a Shutdown,
}

/// `GET /api/guests?since=N`: at once when the list's version is not `N` (or
/// without `since`), else when it changes, after [`POLL_WAIT`], or at shutdown.
pub async fn list(admin: &GuestAdmin<'_>, query: Option<&str>) -> Result<Response, Error> {
    let since = match query_param(query, "since")? {
        None => None,
        Some(text) => Some(
            text.parse::<u64>()
                .map_err(|_| Error::bad_request("since is the version a list answer gave"))?,
        ),
    };
    if let Some(seen) = since {
        tokio::select! {
            () = admin.approvals.changed_since(seen) => {}
            () = tokio::time::sleep(POLL_WAIT) => {}
            _ = admin.shutdown.wait() => {}
        }
    }
    let (version, guests) = admin.approvals.list();
    Ok(json(
        StatusCode::OK,
        &json!({ "version": version, "guests": guests }),
    ))
}

/// `POST /api/guests/{id}` `{"action": "allow"|"read_only"|"deny"|"kick"}`.
pub async fn decide(
    admin: &GuestAdmin<'_>,
    client: Remote,
    id: &str,
    body: Incoming,
) -> Result<Response, Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        action: Action,
    }
    let body: Body = read_json(body, JSON_LIMIT).await?;
    let guest = match admin.approvals.decide(id, body.action) {
        None => return Err(Error::NotFound),
        Some(Err(state)) => {
            return Err(Error::bad_request(format!(
                "this guest was {}: it cannot come back on this session",
                state.as_str()
            )));
        }
        Some(Ok(guest)) => guest,
    };
    admin.audit.record(
        body.action.event(),
        json!({
            "guest": guest.id,
            "share": guest.share,
            "terminal": guest.terminal,
            "guest_source": guest.source,
            "source": client.source.to_string(),
        }),
    );
    Ok(json(StatusCode::OK, &guest))
}
