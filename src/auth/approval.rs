//! The owner's live approval of interactive guests (issue 16).
//!
//! A share link that lets its guest type is a bearer secret: it can be forwarded,
//! or opened by someone looking over a shoulder. So the first socket of an
//! interactive guest session registers the guest here as [`State::Waiting`], and
//! until the owner's open UI allows it the guest only watches: its keystrokes are
//! dropped frame by frame (`term::socket::input` asks [`Ticket::may_type`] for
//! every binary frame, so a decision applies to the very next keystroke). The
//! owner may later drop it to read-only, deny it or kick it; a denied or kicked
//! guest's sockets close (4003 / 4005) and any new socket of that session closes
//! at once, until the session itself ends with its link.
//!
//! The state is per guest *session*, not per socket: a reload keeps the owner's
//! decision. Each guest's state is a `watch`, so its sockets learn of a decision
//! at once (to tell the page and to close); a version counter, also a `watch`,
//! wakes the owner's long poll (`approval_api`). The ids shown are random names,
//! neither the cookie nor its hash.

use super::sessions::SessionKey;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// Where a guest stands with the owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Opened an interactive link; watches until the owner decides.
    Waiting,
    /// May type.
    Allowed,
    /// The owner dropped it to watching; it may be allowed again.
    ReadOnly,
    /// The owner refused it: its sockets close with 4003.
    Denied,
    /// The owner removed it: its sockets close with 4005.
    Kicked,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Waiting => "waiting",
            State::Allowed => "allowed",
            State::ReadOnly => "read_only",
            State::Denied => "denied",
            State::Kicked => "kicked",
        }
    }

    /// Denied and kicked are final for the session.
    pub fn is_final(self) -> bool {
        matches!(self, State::Denied | State::Kicked)
    }
}

/// What the owner decides (`POST /api/guests/{id}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Allow,
    ReadOnly,
    Deny,
    Kick,
}

impl Action {
    fn state(self) -> State {
        match self {
            Action::Allow => State::Allowed,
            Action::ReadOnly => State::ReadOnly,
            Action::Deny => State::Denied,
            Action::Kick => State::Kicked,
        }
    }

    /// The audit event for it.
    pub fn event(self) -> &'static str {
        match self {
            Action::Allow => "guest_allowed",
            Action::ReadOnly => "guest_read_only",
            Action::Deny => "guest_denied",
            Action::Kick => "guest_kicked",
        }
    }
}

/// Where a guest's socket came from, as the owner's prompt shows it.
#[derive(Debug, Clone, Default)]
pub struct Arrival {
    pub share: String,
    pub terminal: String,
    /// The client's address (the socket peer, or the trusted proxy's entry).
    pub source: String,
    /// `"Firefox on Android"`, from the user agent.
    pub device: String,
}

/// One row of `GET /api/guests`.
#[derive(Debug, Clone, Serialize)]
pub struct GuestEntry {
    pub id: String,
    pub share: String,
    /// The tab its latest socket opened.
    pub terminal: String,
    pub source: String,
    pub device: String,
    pub state: State,
    /// When it entered its state (unix ms).
    pub since: u64,
    /// Its sockets open now: a prompt is only worth showing while one is.
    pub sockets: usize,
}

struct Guest {
    id: String,
    arrival: Arrival,
    state: watch::Sender<State>,
    since: u64,
    sockets: usize,
}

#[derive(Clone)]
pub struct Approvals {
    guests: Arc<Mutex<HashMap<SessionKey, Guest>>>,
    version: Arc<watch::Sender<u64>>,
}

impl Default for Approvals {
    fn default() -> Self {
        Self {
            guests: Arc::default(),
            version: Arc::new(watch::channel(0).0),
        }
    }
}

/// A guest socket's hold on its session's decision; dropping it (the socket
/// closing) is counted, so the owner's list shows who is still there.
pub struct Ticket {
    approvals: Approvals,
    key: SessionKey,
    state: watch::Receiver<State>,
}

impl Ticket {
    /// Asked for every input frame: only an allowed guest types.
    pub fn may_type(&self) -> bool {
        *self.state.borrow() == State::Allowed
    }

    /// The decision as it changes, for the socket's halves.
    pub fn watch(&self) -> watch::Receiver<State> {
        self.state.clone()
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut guests = self.approvals.lock();
        if let Some(guest) = guests.get_mut(&self.key) {
            guest.sockets = guest.sockets.saturating_sub(1);
        }
        drop(guests);
        self.approvals.bump();
    }
}

impl Approvals {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SessionKey, Guest>> {
        self.guests.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bump(&self) {
        self.version.send_modify(|v| *v += 1);
    }

    pub fn version(&self) -> u64 {
        *self.version.borrow()
    }

    /// A guest socket of an interactive link attaches. The session's first
    /// socket registers it as waiting (`true` in the answer: a new guest); the
    /// entry goes when `ended` flips (the session ended with its link, a
    /// logout-all or a revocation). Must run inside the runtime.
    pub fn attach(
        &self,
        key: SessionKey,
        mut ended: watch::Receiver<bool>,
        arrival: Arrival,
    ) -> (Ticket, bool) {
        let mut guests = self.lock();
        let fresh = !guests.contains_key(&key);
        let guest = guests.entry(key).or_insert_with(|| Guest {
            id: hex::encode(crate::random::bytes::<8>()),
            arrival: arrival.clone(),
            state: watch::channel(State::Waiting).0,
            since: crate::clock::unix_ms(),
            sockets: 0,
        });
        guest.sockets += 1;
        guest.arrival = arrival;
        let state = guest.state.subscribe();
        drop(guests);
        if fresh {
            let approvals = self.clone();
            tokio::spawn(async move {
                // Ok or Err alike: the session is gone either way.
                let _ = ended.wait_for(|ended| *ended).await;
                approvals.lock().remove(&key);
                approvals.bump();
            });
        }
        self.bump();
        let ticket = Ticket {
            approvals: self.clone(),
            key,
            state,
        };
        (ticket, fresh)
    }

    /// The owner's decision about guest `id`; `None` when there is no such
    /// guest, `Some(Err)` when it was already denied or kicked.
    pub fn decide(&self, id: &str, action: Action) -> Option<Result<GuestEntry, State>> {
        let mut guests = self.lock();
        let guest = guests.values_mut().find(|guest| guest.id == id)?;
        let now = *guest.state.borrow();
        if now.is_final() {
            return Some(Err(now));
        }
        let next = action.state();
        if now != next {
            guest.state.send_replace(next);
            guest.since = crate::clock::unix_ms();
        }
        let entry = entry(guest);
        drop(guests);
        self.bump();
        Some(Ok(entry))
    }

    /// Every guest now, oldest first, with the version it belongs to.
    pub fn list(&self) -> (u64, Vec<GuestEntry>) {
        let guests = self.lock();
        // Read under the lock: every change bumps after it, so a poll that
        // waits on this version cannot miss one.
        let version = self.version();
        let mut list: Vec<GuestEntry> = guests.values().map(entry).collect();
        list.sort_by(|a, b| (a.since, &a.id).cmp(&(b.since, &b.id)));
        (version, list)
    }

    /// Resolves once the version differs from `seen` (something changed, or
    /// the daemon restarted and counts afresh).
    pub async fn changed_since(&self, seen: u64) {
        let mut version = self.version.subscribe();
        // The sender lives as long as `self`: no error to handle.
        let _ = version.wait_for(|now| *now != seen).await;
    }
}

fn entry(guest: &Guest) -> GuestEntry {
    GuestEntry {
        id: guest.id.clone(),
        share: guest.arrival.share.clone(),
        terminal: guest.arrival.terminal.clone(),
        source: guest.arrival.source.clone(),
        device: guest.arrival.device.clone(),
        state: *guest.state.borrow(),
        since: guest.since,
        sockets: guest.sockets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SessionKey {
        let sessions = super::super::sessions::Sessions::new(
            std::time::Duration::from_secs(60),
            std::time::Duration::from_secs(60),
        );
        sessions
            .create(super::super::sessions::SessionKind::Owner)
            .view
            .key
    }

    #[tokio::test]
    async fn a_guest_waits_then_the_owners_word_holds_for_every_socket_of_its_session() {
        let approvals = Approvals::default();
        let (end, ended) = watch::channel(false);
        let guest = key();
        let (first, fresh) = approvals.attach(guest, ended.clone(), Arrival::default());
        assert!(fresh && !first.may_type());
        let (second, again) = approvals.attach(guest, ended, Arrival::default());
        assert!(!again);
        let (_, list) = approvals.list();
        assert_eq!((list.len(), list[0].sockets), (1, 2));
        let id = list[0].id.clone();
        let seen = approvals.version();
        approvals.decide(&id, Action::Allow).unwrap().unwrap();
        approvals.changed_since(seen).await;
        assert!(first.may_type() && second.may_type());
        approvals.decide(&id, Action::ReadOnly).unwrap().unwrap();
        assert!(!first.may_type());
        approvals.decide(&id, Action::Kick).unwrap().unwrap();
        assert_eq!(
            approvals.decide(&id, Action::Allow).unwrap().unwrap_err(),
            State::Kicked,
            "kicked is final"
        );
        assert!(approvals.decide("nope", Action::Allow).is_none());
        drop((first, second));
        assert_eq!(approvals.list().1[0].sockets, 0);
        // The session's end takes the guest off the list.
        let seen = approvals.version();
        end.send_replace(true);
        approvals.changed_since(seen).await;
        tokio::time::timeout(std::time::Duration::from_secs(10), async {
            loop {
                let (version, list) = approvals.list();
                if list.is_empty() {
                    break;
                }
                approvals.changed_since(version).await;
            }
        })
        .await
        .expect("the ended session's guest goes");
    }
}
