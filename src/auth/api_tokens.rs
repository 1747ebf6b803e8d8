//! Scoped API tokens for scripts and agents: `tg_<43 base64url chars>`
//! (256 random bits), sent as `Authorization: Bearer tg_…`.
//!
//! The owner mints one (`POST /api/tokens`, the PIN asked again) and sees it
//! once; the server keeps only its keyed hash (HMAC-SHA256 under
//! `api-token.key`), with its name, scopes, expiry and when and from where
//! it was last used, in `api-tokens.json` (0600, written atomically). A
//! token grants only its scopes — deny by default — and never mints tokens,
//! changes credentials or reaches the owner-only account routes. Revoking
//! (or expiring) flips the token's end signal, so its sockets close at once.

use crate::clock::unix_secs;
use crate::config::ConfigError;
use crate::config::secrets::{load_or_create_key, read_private, write_private};
use crate::digest::keyed;
use crate::lock::lock;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;
use tokio::sync::watch;

pub const KEY_FILE: &str = "api-token.key";
pub const STORE_FILE: &str = "api-tokens.json";
/// Every token starts so: a secret scanner (and a person) can tell one.
pub const PREFIX: &str = "tg_";
/// Most tokens at once.
pub const MAX_TOKENS: usize = 32;
/// A name is for people reading the list and the audit log.
pub const MAX_NAME: usize = 64;
/// At most one audit line per token this often (see [`TokenGrant::audit_uses`]).
pub const AUDIT_EVERY: Duration = Duration::from_secs(60);
/// How often a token's "last used" reaches the disk while it is in use.
const SAVE_USE_EVERY: Duration = Duration::from_secs(5);

/// What a token may do. Each route of the table names the one it needs (or
/// none: then no token may call it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TokenScope {
    /// List tabs, watch them.
    #[serde(rename = "terminals:read")]
    TerminalsRead,
    /// Open, type into, resize, rename and close tabs.
    #[serde(rename = "terminals:write")]
    TerminalsWrite,
    #[serde(rename = "files:read")]
    FilesRead,
    #[serde(rename = "files:write")]
    FilesWrite,
    /// List, mint and revoke share links.
    #[serde(rename = "shares")]
    Shares,
    /// Turn a tab's recording on or off; list, download and delete recordings.
    #[serde(rename = "recordings")]
    Recordings,
}

/// A token as the list shows it: never its value nor its hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub scopes: Vec<TokenScope>,
    pub created_at: u64,
    /// Unix seconds; `None`: never expires.
    pub expires_at: Option<u64>,
    pub last_used_at: Option<u64>,
    pub last_source: Option<String>,
}

impl TokenInfo {
    /// Write implies read: a token that may type may also watch.
    pub fn allows(&self, scope: TokenScope) -> bool {
        let implied = match scope {
            TokenScope::TerminalsRead => Some(TokenScope::TerminalsWrite),
            TokenScope::FilesRead => Some(TokenScope::FilesWrite),
            _ => None,
        };
        self.scopes
            .iter()
            .any(|s| *s == scope || Some(*s) == implied)
    }

    fn expired(&self, now: u64) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

/// What the gate hands a handler for a request made with a token.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    pub info: TokenInfo,
    /// Flips to `true` when the token is revoked or expires.
    pub ended: watch::Receiver<bool>,
    /// `Some(uses)` when this use is due an audit line: the first use, then
    /// at most one line per [`AUDIT_EVERY`], counting the uses in between,
    /// so a busy script cannot rotate the security events out of the log.
    pub audit_uses: Option<u64>,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    #[serde(flatten)]
    info: TokenInfo,
    /// Hex of the keyed hash of the token.
    digest: String,
}

#[derive(Serialize, Deserialize, Default)]
struct StoreFile {
    tokens: Vec<Stored>,
}

struct Entry {
    info: TokenInfo,
    digest: [u8; 32],
    ended: watch::Sender<bool>,
    /// Uses since the audit last had a line for this token, and when that was.
    unaudited: u64,
    audited_at: Option<Instant>,
}

struct Inner {
    entries: Vec<Entry>,
    /// A use not yet on disk, and when the disk was last written for one.
    unsaved_use: bool,
    saved_at: Instant,
}

pub struct ApiTokens {
    key: [u8; 32],
    path: PathBuf,
    inner: Mutex<Inner>,
}

impl ApiTokens {
    /// Opens the store in the private config folder (making its key on first use).
    pub fn open(dir: &Path) -> Result<Self, ConfigError> {
        let key = load_or_create_key(dir, KEY_FILE)?;
        let path = dir.join(STORE_FILE);
        let file: StoreFile = match read_private(&path)? {
            None => StoreFile::default(),
            Some(text) => serde_json::from_str(&text).map_err(|_| {
                ConfigError::new(format!(
                    "{} is damaged; delete it to revoke every API token",
                    path.display()
                ))
            })?,
        };
        let mut entries = Vec::new();
        for stored in file.tokens {
            let mut digest = [0u8; 32];
            hex::decode_to_slice(&stored.digest, &mut digest).map_err(|_| {
                ConfigError::new(format!("{} holds a damaged token", path.display()))
            })?;
            entries.push(Entry {
                info: stored.info,
                digest,
                ended: watch::channel(false).0,
                unaudited: 0,
                audited_at: None,
            });
        }
        Ok(Self::with(key, path, entries))
    }

    /// A store that is never written (unit tests).
    #[cfg(test)]
    pub fn in_memory() -> Self {
        Self::with(crate::random::bytes::<32>(), PathBuf::new(), Vec::new())
    }

    fn with(key: [u8; 32], path: PathBuf, entries: Vec<Entry>) -> Self {
        let inner = Inner {
            entries,
            unsaved_use: false,
            saved_at: Instant::now(),
        };
        Self {
            key,
            path,
            inner: Mutex::new(inner),
        }
    }

    /// Mints a token; its value is returned once, here. Nothing is kept if
    /// the store cannot be written.
    pub fn create(
        &self,
        name: String,
        scopes: Vec<TokenScope>,
        lifetime: Option<Duration>,
    ) -> Result<(TokenInfo, String), CreateError> {
        let mut inner = lock(&self.inner);
        if inner.entries.len() >= MAX_TOKENS {
            return Err(CreateError::TooMany);
        }
        let token = format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(crate::random::bytes::<32>())
        );
        let now = unix_secs();
        let info = TokenInfo {
            id: hex::encode(crate::random::bytes::<8>()),
            name,
            scopes,
            created_at: now,
            expires_at: lifetime.map(|t| now.saturating_add(t.as_secs())),
            last_used_at: None,
            last_source: None,
        };
        inner.entries.push(Entry {
            info: info.clone(),
            digest: keyed(&self.key, token.as_bytes()),
            ended: watch::channel(false).0,
            unaudited: 0,
            audited_at: None,
        });
        if let Err(err) = self.save(&mut inner) {
            inner.entries.pop();
            return Err(CreateError::Store(err.to_string()));
        }
        Ok((info, token))
    }

    /// The live token `presented` is, noting this use (by `source`).
    pub fn check(&self, presented: &str, source: &str) -> Option<TokenGrant> {
        if !presented.starts_with(PREFIX) {
            return None;
        }
        let digest = keyed(&self.key, presented.as_bytes());
        let now = unix_secs();
        let mut inner = lock(&self.inner);
        let entry = inner
            .entries
            .iter_mut()
            .find(|entry| bool::from(entry.digest.ct_eq(&digest)))?;
        if entry.info.expired(now) {
            return None;
        }
        entry.info.last_used_at = Some(now);
        entry.info.last_source = Some(source.to_string());
        entry.unaudited += 1;
        let due = entry
            .audited_at
            .is_none_or(|at| at.elapsed() >= AUDIT_EVERY);
        let audit_uses = due.then(|| std::mem::take(&mut entry.unaudited));
        if due {
            entry.audited_at = Some(Instant::now());
        }
        let grant = TokenGrant {
            info: entry.info.clone(),
            ended: entry.ended.subscribe(),
            audit_uses,
        };
        inner.unsaved_use = true;
        Some(grant)
    }

    pub fn list(&self) -> Vec<TokenInfo> {
        let inner = lock(&self.inner);
        inner.entries.iter().map(|e| e.info.clone()).collect()
    }

    /// Revokes at once: requests with it fail from now on, its sockets close.
    /// `Ok(None)`: no such token.
    pub fn revoke(&self, id: &str) -> Result<Option<TokenInfo>, ConfigError> {
        let mut inner = lock(&self.inner);
        let Some(index) = inner.entries.iter().position(|e| e.info.id == id) else {
            return Ok(None);
        };
        let entry = inner.entries.remove(index);
        // Ended even if the disk write fails: in memory it is gone now.
        let _ = entry.ended.send(true);
        self.save(&mut inner)?;
        Ok(Some(entry.info))
    }

    /// At every session sweep: ends expired tokens (their sockets close) and
    /// writes recent uses, at most every few seconds.
    pub fn sweep(&self) {
        let now = unix_secs();
        let mut inner = lock(&self.inner);
        let before = inner.entries.len();
        inner.entries.retain(|entry| {
            let expired = entry.info.expired(now);
            if expired {
                let _ = entry.ended.send(true);
            }
            !expired
        });
        let due = inner.unsaved_use && inner.saved_at.elapsed() >= SAVE_USE_EVERY;
        if (inner.entries.len() != before || due)
            && let Err(err) = self.save(&mut inner)
        {
            tracing::warn!("cannot save the API tokens: {err}");
        }
    }

    fn save(&self, inner: &mut Inner) -> Result<(), ConfigError> {
        inner.unsaved_use = false;
        inner.saved_at = Instant::now();
        if self.path.as_os_str().is_empty() {
            return Ok(());
        }
        let file = StoreFile {
            tokens: inner
                .entries
                .iter()
                .map(|entry| Stored {
                    info: entry.info.clone(),
                    digest: hex::encode(entry.digest),
                })
                .collect(),
        };
        let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
        write_private(&self.path, &text)
    }
}

/// Why no token was minted.
#[derive(Debug)]
pub enum CreateError {
    TooMany,
    Store(String),
}

/// A malformed `Authorization` header: not one `Bearer <token>`.
#[derive(Debug, PartialEq, Eq)]
pub struct NotBearer;

/// Tokens as the `Authorization` header carries them: `Bearer <token>`.
/// Several such headers leave no way to tell which was meant: none counts.
pub fn bearer(headers: &hyper::HeaderMap) -> Result<Option<&str>, NotBearer> {
    let mut values = headers.get_all(hyper::header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(NotBearer);
    }
    let text = value.to_str().map_err(|_| NotBearer)?;
    let (kind, token) = text.split_once(' ').ok_or(NotBearer)?;
    if !kind.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(NotBearer);
    }
    Ok(Some(token.trim()))
}

#[cfg(test)]
#[path = "api_tokens_tests.rs"]
mod tests;
