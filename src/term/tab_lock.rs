//! A locked tab (an MFA-locked terminal): the owner marks it, and from then on every
//! new viewer (the owner on another device, a reload, a guest) proves the owner's
//! factors on its socket before anything of the tab is sent (`socket::locked`). The
//! proof lasts for that socket only; sockets already open stay as they are.
//!
//! This module holds the mark and the shape of the check; the check itself (the PIN
//! and, when on, the TOTP code, on their budgets) is built where the credentials are
//! (`http`), so the terminal knows nothing of how factors are kept.

use super::Terminals;
use crate::audit::Audit;
use crate::auth::reauth::Sensitive;
use crate::error::Error;
use crate::http::guard::Remote;
use crate::http::request::{JSON_LIMIT, read_json};
use crate::http::response::{Response, json};
use hyper::StatusCode;
use hyper::body::Incoming;
use serde::Deserialize;
use std::sync::Arc;
use tokio::sync::watch;

/// Whether a tab is locked; sockets waiting at its door watch it, so unlocking the
/// tab lets them in at once.
#[derive(Debug)]
pub struct TabLock(watch::Sender<bool>);

impl Default for TabLock {
    fn default() -> Self {
        Self(watch::channel(false).0)
    }
}

impl TabLock {
    pub fn is_locked(&self) -> bool {
        *self.0.borrow()
    }

    /// Marks or clears the lock; false when it already was so.
    pub fn set(&self, locked: bool) -> bool {
        self.0
            .send_if_modified(|now| std::mem::replace(now, locked) != locked)
    }

    pub fn watch(&self) -> watch::Receiver<bool> {
        self.0.subscribe()
    }
}

/// A locked tab's check of what one socket's client presents.
pub trait Unlock: Send + Sync {
    /// Whether a code is asked for besides the PIN (the second factor is on).
    fn asks_code(&self) -> bool;
    /// The PIN and the code (`None` when the client sent none): `Err(Unauthorized)`
    /// for any wrong factor, one answer whichever; `Err(RateLimited)` while the
    /// budget is spent.
    fn check(&self, pin: &str, code: Option<&str>) -> Result<(), Error>;
}

/// What a viewer holds at a locked tab's door.
#[derive(Clone)]
pub enum Key {
    /// It goes in: a guest of a link the owner minted knowing the tab was locked.
    Passes,
    /// It proves the owner's factors through this check.
    Asks(Arc<dyn Unlock>),
}

/// `POST /api/terminals/{id}/lock`: `{"locked", "pin", "code"}`. Locking and unlocking
/// alike are sensitive (`auth::reauth`: the factors within 5 minutes, or in the body);
/// sockets already open stay, sockets waiting at the door go in when it is unlocked.
pub async fn set(
    sensitive: &Sensitive<'_>,
    audit: &Audit,
    terminals: &Terminals,
    client: Remote,
    id: &str,
    body: Incoming,
) -> Result<Response, Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        locked: bool,
        #[serde(default)]
        pin: Option<String>,
        #[serde(default)]
        code: Option<String>,
    }
    let terminal = terminals.get(id).ok_or(Error::NotFound)?;
    let body: Body = read_json(body, JSON_LIMIT).await?;
    sensitive.check(body.pin.as_deref(), body.code.as_deref())?;
    if terminal.tab_lock().set(body.locked) {
        let event = if body.locked {
            "tab_locked"
        } else {
            "tab_unlocked"
        };
        let source = client.source.to_string();
        let detail = serde_json::json!({"terminal": id, "source": source});
        audit.record(event, detail);
    }
    Ok(json(StatusCode::OK, &terminal.info()))
}
