//! Login sessions: who holds a valid cookie, until when.
//!
//! A session id is 256 bits from the OS random source, handed to the browser
//! once in a cookie and kept here only as its SHA-256, so a memory dump or a
//! log line cannot be replayed. Beside it each session has a *proof*, another
//! 256 bits handed out once in the login answer's body: the page keeps it in
//! its origin's storage and sends it with every request. A cookie alone is
//! worth nothing, because browsers send cookies to every port of a host
//! (RFC 6265 §8.5) and so to other people's servers on it; the proof stays
//! with this origin. Each session carries a `watch` flag that flips
//! when it ends (logout, expiry, revocation); every WebSocket opened under it
//! watches that flag and closes within the sweep interval.
//!
//! The map sits behind a std `Mutex`: every operation is a short lookup or
//! insert, never held across an `.await`, so an async mutex would only add cost.

use crate::digest::sha256;
use base64::Engine;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// SHA-256 of a session id: the only form the server keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionKey([u8; 32]);

/// What a session may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionKind {
    Owner,
    /// Opened through a share link; ends with it.
    Guest(GuestGrant),
}

/// What a guest's share link grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestGrant {
    pub share_id: String,
    pub scope: crate::auth::share::Scope,
    /// The one tab the link is bound to, or `None` for every tab.
    pub terminal: Option<String>,
}

/// A snapshot of one live session, handed to handlers through the principal.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub key: SessionKey,
    pub kind: SessionKind,
    pub idle_expires_at: u64,
    pub absolute_expires_at: u64,
    /// Flips to `true` when the session ends, for whatever reason.
    pub ended: watch::Receiver<bool>,
}

/// Where a session was started from, as the owner's list shows it.
#[derive(Debug, Clone, Default)]
pub struct Device {
    /// The `User-Agent` it logged in with (cut to a sane length).
    pub user_agent: String,
    /// The client's address (the socket peer, or the trusted proxy's entry).
    pub source: String,
}

/// One row of the owner's session list (`GET /api/sessions`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SessionEntry {
    pub id: String,
    pub kind: &'static str,
    pub scope: Option<crate::auth::share::Scope>,
    pub share: Option<String>,
    /// `"Firefox on Linux"`, from the user agent.
    pub device: String,
    pub source: String,
    pub started_at: u64,
    pub last_active_at: u64,
    pub this_device: bool,
}

/// A session just started: the two secrets, each shown once.
pub struct Issued {
    /// The cookie's value.
    pub cookie: String,
    /// The proof the client sends beside the cookie (header or WebSocket subprotocol).
    pub proof: String,
    pub view: SessionView,
}

struct Record {
    kind: SessionKind,
    /// What the owner's list shows; never the cookie nor its hash.
    id: String,
    started: Instant,
    device: Device,
    /// SHA-256 of the proof.
    proof: [u8; 32],
    last_active: Instant,
    absolute_deadline: Instant,
    ended: watch::Sender<bool>,
    /// The re-authentication window (`auth::reauth`): until when a sensitive
    /// action needs no factors, and whether a code was among those shown.
    /// Kept here, never in the cookie, so it ends with the session.
    reauth: Option<Window>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    until: Instant,
    with_code: bool,
}

impl Record {
    /// Guests only watch (or type briefly) and their links live at most an
    /// hour, so only the link's expiry ends them, not idleness.
    fn idle_deadline(&self, idle: Duration) -> Instant {
        match self.kind {
            SessionKind::Owner => (self.last_active + idle).min(self.absolute_deadline),
            SessionKind::Guest(_) => self.absolute_deadline,
        }
    }
}

#[derive(Clone)]
pub struct Sessions {
    inner: Arc<Mutex<HashMap<SessionKey, Record>>>,
    idle: Duration,
    lifetime: Duration,
}

/// How often expired sessions are swept (and their sockets told): well under
/// the one second within which a socket must notice its session ended.
pub const SWEEP_INTERVAL: Duration = Duration::from_millis(250);

impl Sessions {
    pub fn new(idle: Duration, lifetime: Duration) -> Self {
        Self {
            inner: Arc::default(),
            idle,
            lifetime,
        }
    }

    pub fn idle_timeout(&self) -> Duration {
        self.idle
    }

    /// Starts a fresh session; its secrets are shown once, here.
    pub fn create(&self, kind: SessionKind) -> Issued {
        self.create_with_deadline(kind, self.lifetime)
    }

    /// Like [`create`](Self::create) with a shorter absolute lifetime (guests end with their link).
    pub fn create_with_deadline(&self, kind: SessionKind, lifetime: Duration) -> Issued {
        let fresh = || {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(crate::random::bytes::<32>())
        };
        let (cookie, proof) = (fresh(), fresh());
        let key = SessionKey(sha256(cookie.as_bytes()));
        let now = Instant::now();
        let record = Record {
            kind,
            id: hex::encode(crate::random::bytes::<8>()),
            started: now,
            device: Device::default(),
            proof: sha256(proof.as_bytes()),
            last_active: now,
            absolute_deadline: now + lifetime.min(self.lifetime),
            ended: watch::channel(false).0,
            reauth: None,
        };
        let view = self.view(key, &record);
        self.lock().insert(key, record);
        Issued {
            cookie,
            proof,
            view,
        }
    }

    /// Finds the live session for a cookie value and its proof. `touch`
    /// marks owner activity. A cookie without its proof finds nothing.
    pub fn lookup(&self, cookie_value: &str, proof: &str, touch: bool) -> Option<SessionView> {
        use subtle::ConstantTimeEq;
        let key = SessionKey(sha256(cookie_value.as_bytes()));
        let mut map = self.lock();
        let now = Instant::now();
        let record = map.get_mut(&key)?;
        if !bool::from(sha256(proof.as_bytes()).ct_eq(&record.proof)) {
            return None;
        }
        if now >= record.idle_deadline(self.idle) {
            let record = map.remove(&key)?;
            record.ended.send_replace(true);
            return None;
        }
        if touch {
            record.last_active = now;
        }
        Some(self.view(key, record))
    }

    /// Notes where a new session came from (its browser, its address).
    pub fn describe(&self, key: SessionKey, device: Device) {
        if let Some(record) = self.lock().get_mut(&key) {
            record.device = device;
        }
    }

    /// Every live session, for the owner's list; `me` is marked "this device".
    pub fn list(&self, me: Option<SessionKey>) -> Vec<SessionEntry> {
        let now = Instant::now();
        let mut entries: Vec<SessionEntry> = self
            .lock()
            .iter()
            .filter(|(_, record)| now < record.idle_deadline(self.idle))
            .map(|(key, record)| SessionEntry {
                id: record.id.clone(),
                kind: match &record.kind {
                    SessionKind::Owner => "owner",
                    SessionKind::Guest(_) => "guest",
                },
                scope: match &record.kind {
                    SessionKind::Owner => None,
                    SessionKind::Guest(grant) => Some(grant.scope),
                },
                share: match &record.kind {
                    SessionKind::Owner => None,
                    SessionKind::Guest(grant) => Some(grant.share_id.clone()),
                },
                device: super::device::describe(&record.device.user_agent),
                source: record.device.source.clone(),
                started_at: crate::clock::wall_ms(record.started),
                last_active_at: crate::clock::wall_ms(record.last_active),
                this_device: Some(*key) == me,
            })
            .collect();
        entries.sort_by_key(|entry| std::cmp::Reverse(entry.last_active_at));
        entries
    }

    /// Ends the session the list shows as `id`; `false` if there is none.
    pub fn end_by_id(&self, id: &str) -> bool {
        let mut map = self.lock();
        let Some(key) = map.iter().find(|(_, r)| r.id == id).map(|(k, _)| *k) else {
            return false;
        };
        if let Some(record) = map.remove(&key) {
            record.ended.send_replace(true);
        }
        true
    }

    /// Marks activity (a keystroke) on a session, if it is still live.
    pub fn touch(&self, key: SessionKey) {
        if let Some(record) = self.lock().get_mut(&key) {
            record.last_active = Instant::now();
        }
    }

    /// Opens (or renews) an owner session's re-authentication window for
    /// `length` from now; `with_code`: the second factor's code was shown too.
    /// A guest session never gets one: it has no owner's factors to show.
    pub fn open_window(&self, key: SessionKey, length: Duration, with_code: bool) {
        if let Some(record) = self.lock().get_mut(&key)
            && record.kind == SessionKind::Owner
        {
            let until = Instant::now() + length;
            record.reauth = Some(Window { until, with_code });
        }
    }

    /// `Some(with_code)` while the session's window is open.
    pub fn window(&self, key: SessionKey) -> Option<bool> {
        let map = self.lock();
        let window = map.get(&key)?.reauth?;
        (Instant::now() < window.until).then_some(window.with_code)
    }

    /// Renews the absolute lifetime; returns the new view.
    pub fn extend(&self, key: SessionKey) -> Option<SessionView> {
        let mut map = self.lock();
        let record = map.get_mut(&key)?;
        let now = Instant::now();
        record.last_active = now;
        record.absolute_deadline = now + self.lifetime;
        Some(self.view(key, record))
    }

    /// Ends one session; its sockets see `ended` flip.
    pub fn end(&self, key: SessionKey) {
        if let Some(record) = self.lock().remove(&key) {
            record.ended.send_replace(true);
        }
    }

    /// Ends every session matching `predicate`; returns how many ended.
    pub fn end_where(&self, predicate: impl Fn(&SessionKind) -> bool) -> usize {
        let mut map = self.lock();
        let before = map.len();
        map.retain(|_, record| {
            let keep = !predicate(&record.kind);
            if !keep {
                record.ended.send_replace(true);
            }
            keep
        });
        before - map.len()
    }

    /// Drops expired sessions and tells their sockets. Called every [`SWEEP_INTERVAL`].
    pub fn sweep(&self) {
        let now = Instant::now();
        let idle = self.idle;
        self.lock().retain(|_, record| {
            let live = now < record.idle_deadline(idle);
            if !live {
                record.ended.send_replace(true);
            }
            live
        });
    }

    fn view(&self, key: SessionKey, record: &Record) -> SessionView {
        SessionView {
            key,
            kind: record.kind.clone(),
            idle_expires_at: crate::clock::wall_ms(record.idle_deadline(self.idle)),
            absolute_expires_at: crate::clock::wall_ms(record.absolute_deadline),
            ended: record.ended.subscribe(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SessionKey, Record>> {
        crate::lock::lock(&self.inner)
    }
}

#[cfg(test)]
#[path = "sessions_tests.rs"]
mod tests;
