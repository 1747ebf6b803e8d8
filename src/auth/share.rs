//! Temporary share links: signed, expiring, scoped, revocable.
//!
//! A link's token is `id ‖ expiry ‖ HMAC-SHA256(key, id ‖ expiry)`, base64url.
//! The key is 256 random bits kept in the config folder (`share.key`, 0600);
//! the signature is checked in constant time. The token is only a handle: the
//! server keeps the record (scope, tab, uses left, revoked), so a link can be
//! revoked at once and never gives more than its record says. Tampered,
//! expired, revoked, used-up and unknown links all fail the same way; only the
//! audit log learns which.

use crate::digest::sha256;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use subtle::ConstantTimeEq;

/// Most links active at once.
pub const MAX_ACTIVE: usize = 4;
/// Uses a link may be given.
pub const MAX_USES: u32 = crate::config::MAX_SHARE_USES;

const ID_BYTES: usize = 16;
const TOKEN_BYTES: usize = ID_BYTES + 8 + 32;

/// What a link allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Watch the bound tab (or every tab if unbound); input is dropped.
    ReadOnly,
    /// As read-only, plus typing into the bound tab(s).
    Interactive,
}

impl From<crate::config::ShareScope> for Scope {
    fn from(scope: crate::config::ShareScope) -> Self {
        match scope {
            crate::config::ShareScope::ReadOnly => Scope::ReadOnly,
            crate::config::ShareScope::Interactive => Scope::Interactive,
        }
    }
}

/// Live counters a link shares with its guests' sockets.
#[derive(Debug, Default)]
pub struct ShareStats {
    pub guests: AtomicUsize,
    pub dropped_input: AtomicU64,
}

/// The server-side record of one link.
#[derive(Debug, Clone)]
pub struct ShareRecord {
    pub id: String,
    pub scope: Scope,
    pub terminal: Option<String>,
    /// Unix seconds.
    pub expires_at: u64,
    pub uses_left: u32,
    pub stats: Arc<ShareStats>,
    /// Minted for a locked tab with the owner's consent: its guests skip the
    /// tab's check (`term::tab_lock`), which they could not answer.
    pub passes_lock: bool,
}

/// What `GET /api/shares` shows of a link: never its token.
#[derive(Debug, Serialize)]
pub struct ShareInfo {
    pub id: String,
    pub scope: Scope,
    pub terminal: Option<String>,
    /// Unix milliseconds.
    pub expires_at: u64,
    pub uses_left: u32,
    pub guests: usize,
    pub dropped_input: u64,
}

/// Why a link was refused, for the audit log only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Malformed,
    BadSignature,
    Expired,
    Unknown,
    UsedUp,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Malformed => "malformed",
            Refusal::BadSignature => "bad_signature",
            Refusal::Expired => "expired",
            Refusal::Unknown => "unknown_or_revoked",
            Refusal::UsedUp => "used_up",
        }
    }
}

pub struct ShareLinks {
    key: [u8; 32],
    records: Mutex<HashMap<String, ShareRecord>>,
}

pub use crate::clock::unix_secs as now_secs;

impl ShareLinks {
    pub fn new(key: [u8; 32]) -> Self {
        Self {
            key,
            records: Mutex::default(),
        }
    }

    /// Creates a link; returns its record and its token (shown once).
    pub fn mint(
        &self,
        scope: Scope,
        terminal: Option<String>,
        ttl: Duration,
        uses: u32,
    ) -> Result<(ShareRecord, String), &'static str> {
        let mut records = self.lock();
        let now = now_secs();
        // Used-up links still count while unexpired: their guests are still in.
        records.retain(|_, r| r.expires_at > now);
        if records.len() >= MAX_ACTIVE {
            return Err("at most 4 share links may be active; revoke one first");
        }
        let id_bytes = crate::random::bytes::<ID_BYTES>();
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id_bytes);
        let expires_at = now + ttl.as_secs().max(1);
        let record = ShareRecord {
            id: id.clone(),
            scope,
            terminal,
            expires_at,
            uses_left: uses,
            stats: Arc::default(),
            passes_lock: false,
        };
        records.insert(id, record.clone());
        Ok((record, self.token(&id_bytes, expires_at)))
    }

    fn signature(&self, id: &[u8], expires_at: u64) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(b"termgate-share-v1");
        mac.update(id);
        mac.update(&expires_at.to_be_bytes());
        mac.finalize().into_bytes().into()
    }

    fn token(&self, id: &[u8; ID_BYTES], expires_at: u64) -> String {
        let mut bytes = Vec::with_capacity(TOKEN_BYTES);
        bytes.extend_from_slice(id);
        bytes.extend_from_slice(&expires_at.to_be_bytes());
        bytes.extend_from_slice(&self.signature(id, expires_at));
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Checks a token without using it up.
    pub fn check(&self, token: &str) -> Result<ShareRecord, Refusal> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| Refusal::Malformed)?;
        if bytes.len() != TOKEN_BYTES {
            return Err(Refusal::Malformed);
        }
        let (id, rest) = bytes.split_at(ID_BYTES);
        let (expiry, signature) = rest.split_at(8);
        let expires_at = u64::from_be_bytes(expiry.try_into().expect("8 bytes"));
        if !bool::from(self.signature(id, expires_at).ct_eq(signature)) {
            return Err(Refusal::BadSignature);
        }
        if expires_at <= now_secs() {
            return Err(Refusal::Expired);
        }
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id);
        let records = self.lock();
        let record = records.get(&id).ok_or(Refusal::Unknown)?;
        if record.expires_at != expires_at {
            return Err(Refusal::BadSignature);
        }
        if record.uses_left == 0 {
            return Err(Refusal::UsedUp);
        }
        Ok(record.clone())
    }

    /// Checks a token and spends one use.
    pub fn redeem(&self, token: &str) -> Result<ShareRecord, Refusal> {
        self.redeem_with(token, |_| ()).map(|(record, ())| record)
    }

    /// Checks a token, spends one use and runs `start` (which opens the
    /// guest's session) under the same lock. A revoke then either comes
    /// first, and the link is refused, or after, and finds the session to
    /// end: no guest session can outlive its link by starting late.
    pub fn redeem_with<T>(
        &self,
        token: &str,
        start: impl FnOnce(&ShareRecord) -> T,
    ) -> Result<(ShareRecord, T), Refusal> {
        let record = self.check(token)?;
        let mut records = self.lock();
        let live = records.get_mut(&record.id).ok_or(Refusal::Unknown)?;
        if live.uses_left == 0 {
            return Err(Refusal::UsedUp);
        }
        live.uses_left -= 1;
        let started = start(live);
        Ok((live.clone(), started))
    }

    /// Whether a link still stands (not revoked): a guest session checks it
    /// at every request, in case it was somehow started after its link went.
    pub fn is_live(&self, id: &str) -> bool {
        self.lock().contains_key(id)
    }

    /// The live counters of a link, for its guests' sockets.
    /// Lets a new link's guests past its locked tab's door (before its token is out).
    pub fn let_past_lock(&self, id: &str) {
        if let Some(record) = self.lock().get_mut(id) {
            record.passes_lock = true;
        }
    }

    /// Whether a live link's guests pass a locked tab's door.
    pub fn passes_lock(&self, id: &str) -> bool {
        self.lock().get(id).is_some_and(|r| r.passes_lock)
    }

    pub fn stats(&self, id: &str) -> Option<Arc<ShareStats>> {
        self.lock().get(id).map(|record| record.stats.clone())
    }

    /// Revokes a link at once; `false` if there was none.
    pub fn revoke(&self, id: &str) -> bool {
        self.lock().remove(id).is_some()
    }

    /// Revokes every link (`logout-all`); returns how many there were.
    pub fn revoke_all(&self) -> usize {
        let mut records = self.lock();
        let count = records.len();
        records.clear();
        count
    }

    pub fn list(&self) -> Vec<ShareInfo> {
        let now = now_secs();
        let mut list: Vec<ShareInfo> = self
            .lock()
            .values()
            .filter(|r| r.expires_at > now)
            .map(|r| ShareInfo {
                id: r.id.clone(),
                scope: r.scope,
                terminal: r.terminal.clone(),
                expires_at: r.expires_at * 1000,
                uses_left: r.uses_left,
                guests: r.stats.guests.load(Ordering::Relaxed),
                dropped_input: r.stats.dropped_input.load(Ordering::Relaxed),
            })
            .collect();
        list.sort_by_key(|info| info.expires_at);
        list
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, ShareRecord>> {
        crate::lock::lock(&self.records)
    }
}

/// A short, loggable fingerprint of a token (never the token itself).
pub fn fingerprint(token: &str) -> String {
    hex::encode(&sha256(token.as_bytes())[..4])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> ShareLinks {
        ShareLinks::new([9u8; 32])
    }

    #[test]
    fn tokens_redeem_until_used_up() {
        let links = links();
        let (record, token) = links
            .mint(
                Scope::ReadOnly,
                Some("t1".into()),
                Duration::from_secs(60),
                2,
            )
            .unwrap();
        assert_eq!(links.redeem(&token).unwrap().id, record.id);
        assert_eq!(links.redeem(&token).unwrap().uses_left, 0);
        assert_eq!(links.redeem(&token).unwrap_err(), Refusal::UsedUp);
    }

    #[test]
    fn tampering_with_any_byte_is_refused() {
        let links = links();
        let (_, token) = links
            .mint(Scope::Interactive, None, Duration::from_secs(60), 5)
            .unwrap();
        let mut bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&token)
            .unwrap();
        for index in [0, ID_BYTES, ID_BYTES + 7, TOKEN_BYTES - 1] {
            bytes[index] ^= 1;
            let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
            assert_eq!(
                links.check(&forged).unwrap_err(),
                Refusal::BadSignature,
                "byte {index}"
            );
            bytes[index] ^= 1;
        }
        assert_eq!(links.check("not-a-token").unwrap_err(), Refusal::Malformed);
        // Another key's token is refused too.
        let (_, other) = ShareLinks::new([1u8; 32])
            .mint(Scope::ReadOnly, None, Duration::from_secs(60), 1)
            .unwrap();
        assert_eq!(links.check(&other).unwrap_err(), Refusal::BadSignature);
    }

    #[test]
    fn revoked_and_limits() {
        let links = links();
        let (record, token) = links
            .mint(Scope::ReadOnly, None, Duration::from_secs(60), 1)
            .unwrap();
        assert!(links.revoke(&record.id));
        assert_eq!(links.check(&token).unwrap_err(), Refusal::Unknown);
        for _ in 0..MAX_ACTIVE {
            links
                .mint(Scope::ReadOnly, None, Duration::from_secs(60), 1)
                .unwrap();
        }
        assert!(
            links
                .mint(Scope::ReadOnly, None, Duration::from_secs(60), 1)
                .is_err()
        );
    }
}

#[cfg(test)]
#[path = "share_props.rs"]
mod prop_tests;
