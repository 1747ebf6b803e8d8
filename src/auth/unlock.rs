//! `termgate unlock`: the owner's way back in while strangers keep the
//! budgets locked.
//!
//! The request is a file, `unlock.request`, in the config folder. That
//! folder is 0700 (the daemon refuses to start otherwise) and already holds
//! the token and the keys, so whoever can create a file there could read the
//! token anyway: the mechanism reaches no one the login does not already
//! trust, and nothing on the network can trigger it. A file also needs no
//! pid (unlike a signal, which could hit a reused pid or the wrong one of
//! two daemons) and no socket path length limit. The daemon looks for it at
//! every session sweep (250 ms; one `stat`), clears every lockout and budget,
//! audits `unlocked`, and deletes the file: the deletion is the answer the
//! command waits for.

use super::limit::Limiter;
use crate::audit::Audit;
use crate::config::ConfigError;
use serde_json::json;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

pub const REQUEST_FILE: &str = "unlock.request";

/// How long `termgate unlock` waits for a running daemon to answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(10);

/// Daemon side, at every sweep: acts on a pending request.
pub fn poll(config_dir: &Path, limiter: &Limiter, audit: &Audit) {
    let path = config_dir.join(REQUEST_FILE);
    let Ok(meta) = std::fs::symlink_metadata(&path) else {
        return;
    };
    // The folder's mode already keeps others out; the owner check still
    // holds should someone loosen that mode while we run.
    let me = nix::unistd::geteuid().as_raw();
    if !meta.file_type().is_file() || (meta.uid() != me && meta.uid() != 0) {
        tracing::warn!("ignoring {}: not a file of ours", path.display());
        return;
    }
    let cleared = limiter.clear();
    if let Err(err) = std::fs::remove_file(&path) {
        tracing::warn!("cannot remove {}: {err}", path.display());
    }
    audit.record(
        "unlocked",
        json!({"lockouts": cleared, "by": "termgate unlock"}),
    );
}

/// `termgate unlock`: asks the daemon using the default config folder.
pub fn command() -> Result<(), ConfigError> {
    let dir = crate::config::default_config_dir()?;
    request(&dir, ANSWER_WITHIN)?;
    eprintln!("Lockouts cleared: you can log in again.");
    Ok(())
}

/// Writes the request into `dir` and waits until a daemon has acted on it.
pub fn request(dir: &Path, within: Duration) -> Result<(), ConfigError> {
    crate::config::secrets::ensure_private_dir(dir)?;
    let path = dir.join(REQUEST_FILE);
    std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let deadline = Instant::now() + within;
    while path.exists() {
        if Instant::now() > deadline {
            // Left behind, it would unlock a daemon started later for no reason.
            let _ = std::fs::remove_file(&path);
            return Err(ConfigError::new(format!(
                "no running termgate answered within {} s (is it running with the config folder {}?); \
                 restarting termgate also clears every lockout",
                within.as_secs(),
                dir.display()
            )));
        }
        // A command-line wait for another process: polling is all there is.
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}
