//! The optional second factor: an enrolled TOTP secret, the last step a code
//! was accepted for (a code is good once: replays are refused), and ten
//! one-time backup codes kept only as keyed hashes.
//!
//! All of it lives in `totp.json` in the private config folder (0600,
//! written atomically) and is read afresh at every check, so the daemon and
//! `termgate totp …` on the same machine never disagree and nothing needs a
//! reload. The secret itself must stay readable — the server computes the
//! codes — which is why it sits with the token and the keys, whose folder
//! the daemon refuses to run with if anyone else can read it.

use super::totp;
use crate::clock::unix_secs;
use crate::config::ConfigError;
use crate::config::secrets::{load_or_create_key, read_private, write_private};
use crate::digest::keyed;
use crate::lock::lock;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

pub const STORE_FILE: &str = "totp.json";
const KEY_FILE: &str = "backup-codes.key";
pub const BACKUP_CODES: usize = 10;
/// How long a secret shown for enrolment waits for its first code.
const ENROL_WITHIN: Duration = Duration::from_secs(600);
/// No 0/O, 1/I/L: a backup code is read off paper.
const CODE_ALPHABET: &[u8; 31] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

#[derive(Serialize, Deserialize)]
struct Stored {
    /// Base32, as the app was given it.
    secret: String,
    /// The newest step a code was accepted for; older and equal are replays.
    last_step: u64,
    /// Hex keyed hashes of the unused backup codes.
    backup: Vec<String>,
}

/// What a code presented at login matched, found without using it up
/// (so a wrong token or PIN costs the same time as a wrong code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matched {
    Step(u64),
    Backup(String),
}

/// A login's code, as [`SecondFactor::presented`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    /// The factor is off: no code is needed (whatever was sent).
    NotAsked,
    Right(Matched),
    Wrong,
}

pub struct SecondFactor {
    dir: PathBuf,
    /// Serialises this process's read-modify-write of the file.
    writing: Mutex<Option<Pending>>,
}

/// A secret shown to the owner, enrolled once a code from it comes back.
struct Pending {
    secret: Vec<u8>,
    shown_at: Instant,
}

impl SecondFactor {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            writing: Mutex::new(None),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.join(STORE_FILE)
    }

    fn read(&self) -> Option<Stored> {
        let text = read_private(&self.path()).ok()??;
        serde_json::from_str(&text).ok()
    }

    fn write(&self, stored: &Stored) -> Result<(), ConfigError> {
        let text = serde_json::to_string_pretty(stored).map_err(|e| e.to_string())?;
        write_private(&self.path(), &text)
    }

    pub fn enabled(&self) -> bool {
        self.read().is_some()
    }

    pub fn backup_codes_left(&self) -> usize {
        self.read().map_or(0, |stored| stored.backup.len())
    }

    /// A fresh secret to show (QR and text); replaces any earlier one not
    /// yet confirmed. Enrolled only by [`confirm`](Self::confirm).
    pub fn begin(&self) -> Vec<u8> {
        let secret = crate::random::bytes::<{ totp::SECRET_BYTES }>().to_vec();
        *lock(&self.writing) = Some(Pending {
            secret: secret.clone(),
            shown_at: Instant::now(),
        });
        secret
    }

    /// Enrols the pending secret if `code` is from it; returns the backup
    /// codes, shown this once. `Ok(None)`: no pending secret, or a wrong code.
    pub fn confirm(&self, code: &str) -> Result<Option<Vec<String>>, ConfigError> {
        let mut pending = lock(&self.writing);
        let Some(shown) = pending
            .as_ref()
            .filter(|p| p.shown_at.elapsed() < ENROL_WITHIN)
        else {
            return Ok(None);
        };
        let Some(step) = totp::matching_step(&shown.secret, code, unix_secs()) else {
            return Ok(None);
        };
        let secret = totp::base32(&shown.secret);
        let (codes, backup) = self.fresh_codes()?;
        self.write(&Stored {
            secret,
            last_step: step,
            backup,
        })?;
        *pending = None;
        Ok(Some(codes))
    }

    /// Enrols `secret` directly (`termgate totp enable` checked the code itself).
    pub fn enrol(&self, secret: &[u8], step: u64) -> Result<Vec<String>, ConfigError> {
        let _guard = lock(&self.writing);
        let (codes, backup) = self.fresh_codes()?;
        self.write(&Stored {
            secret: totp::base32(secret),
            last_step: step,
            backup,
        })?;
        Ok(codes)
    }

    /// What `code` (six digits, or a backup code) matches, without using it.
    /// Every way through costs about the same: the codes of the drift window
    /// and every backup hash are always computed.
    pub fn check(&self, code: &str) -> Option<Matched> {
        match self.presented(code) {
            Presented::Right(matched) => Some(matched),
            Presented::NotAsked | Presented::Wrong => None,
        }
    }

    /// What a login's `code` amounts to, from one read of the file: no code
    /// is asked while the factor is off.
    pub fn presented(&self, code: &str) -> Presented {
        let Some(stored) = self.read() else {
            return Presented::NotAsked;
        };
        let Some(secret) = totp::from_base32(&stored.secret) else {
            return Presented::Wrong;
        };
        let step = totp::matching_step(&secret, code, unix_secs());
        let backup = self.backup_match(&stored, code);
        match (step, backup) {
            (Some(step), _) if step > stored.last_step => Presented::Right(Matched::Step(step)),
            (_, Some(hash)) => Presented::Right(Matched::Backup(hash)),
            _ => Presented::Wrong,
        }
    }

    /// Uses up what [`check`](Self::check) found: the step (and every older
    /// one) or the backup code. `false` if it was used meanwhile.
    pub fn consume(&self, matched: &Matched) -> bool {
        let _guard = lock(&self.writing);
        let Some(mut stored) = self.read() else {
            return false;
        };
        match matched {
            Matched::Step(step) if *step > stored.last_step => stored.last_step = *step,
            Matched::Backup(hash) if stored.backup.contains(hash) => {
                stored.backup.retain(|h| h != hash)
            }
            _ => return false,
        }
        self.write(&stored).is_ok()
    }

    /// Checks and uses a code in one go (the owner's own routes).
    pub fn verify(&self, code: &str) -> bool {
        self.check(code)
            .is_some_and(|matched| self.consume(&matched))
    }

    /// New backup codes; the old ones stop working.
    pub fn regenerate(&self) -> Result<Vec<String>, ConfigError> {
        let _guard = lock(&self.writing);
        let mut stored = self
            .read()
            .ok_or_else(|| ConfigError::new("the second factor is not enabled"))?;
        let (codes, backup) = self.fresh_codes()?;
        stored.backup = backup;
        self.write(&stored)?;
        Ok(codes)
    }

    /// Turns the second factor off (the caller checked a code first).
    pub fn disable(&self) -> Result<(), ConfigError> {
        let _guard = lock(&self.writing);
        match std::fs::remove_file(self.path()) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(ConfigError::new(format!(
                "cannot remove {STORE_FILE}: {err}"
            ))),
        }
    }

    fn backup_match(&self, stored: &Stored, code: &str) -> Option<String> {
        let normal = normalise_backup(code)?;
        let key = load_or_create_key(&self.dir, KEY_FILE).ok()?;
        let presented = hex::encode(keyed(&key, normal.as_bytes()));
        let mut found = None;
        for hash in &stored.backup {
            if bool::from(hash.as_bytes().ct_eq(presented.as_bytes())) {
                found = Some(hash.clone());
            }
        }
        found
    }

    /// Ten codes to show, and their hashes to keep.
    fn fresh_codes(&self) -> Result<(Vec<String>, Vec<String>), ConfigError> {
        let key = load_or_create_key(&self.dir, KEY_FILE)?;
        let codes: Vec<String> = (0..BACKUP_CODES).map(|_| backup_code()).collect();
        let hashes = codes
            .iter()
            .map(|code| hex::encode(keyed(&key, code.replace('-', "").as_bytes())))
            .collect();
        Ok((codes, hashes))
    }
}

/// `XXXX-XXXX` from the unambiguous alphabet (31^8, about 39.6 bits; the
/// modulo of a 64-bit draw is unbiased to within 2^-59).
fn backup_code() -> String {
    let chars: String = (0..8)
        .map(|_| CODE_ALPHABET[(crate::random::u64() % 31) as usize] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// A backup code as typed (any case, with or without the dash) in its
/// stored form; `None` for anything that cannot be one.
fn normalise_backup(code: &str) -> Option<String> {
    let normal: String = code
        .trim()
        .chars()
        .filter(|c| *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (normal.len() == 8 && normal.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(normal)
}

#[cfg(test)]
#[path = "second_factor_tests.rs"]
mod tests;
