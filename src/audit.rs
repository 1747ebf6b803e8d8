//! The audit log: one JSON line per security event, in the config folder.
//!
//! The file is created 0600, capped in size, and rotated once to `audit.log.1`
//! so it can never fill the disk. Callers pass only non-secret fields (event
//! name, reason class, source address, ids); tokens, PINs and cookies never
//! reach this module.

use serde_json::{Map, Value, json};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Size at which the log is rotated.
pub const MAX_BYTES: u64 = 1 << 20;

pub struct Audit {
    path: PathBuf,
    file: Mutex<Option<File>>,
}

impl Audit {
    pub fn open(dir: &Path) -> Self {
        Self {
            path: dir.join("audit.log"),
            file: Mutex::new(None),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one event. Failing to write is logged, never fatal: the daemon
    /// keeps serving the owner even on a full disk.
    pub fn record(&self, event: &str, fields: Value) {
        let mut line = Map::new();
        let ts = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        line.insert("ts".into(), json!(ts.as_millis() as u64));
        line.insert("event".into(), json!(event));
        if let Value::Object(extra) = fields {
            line.extend(extra);
        }
        let mut text = Value::Object(line).to_string();
        text.push('\n');
        tracing::info!(target: "audit", "{}", text.trim_end());
        if let Err(err) = self.append(text.as_bytes()) {
            tracing::warn!("audit log {}: {err}", self.path.display());
        }
    }

    fn append(&self, bytes: &[u8]) -> std::io::Result<()> {
        // Held only for one small write; never across an await.
        let mut slot = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(self.open_file()?);
        }
        let size = slot
            .as_ref()
            .map(|f| f.metadata().map(|m| m.len()))
            .transpose()?;
        if size.unwrap_or(0) + bytes.len() as u64 > MAX_BYTES {
            *slot = None;
            std::fs::rename(&self.path, self.path.with_extension("log.1"))?;
            *slot = Some(self.open_file()?);
        }
        slot.as_mut().expect("opened above").write_all(bytes)
    }

    fn open_file(&self) -> std::io::Result<File> {
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_json_and_rotation_caps_size() {
        let dir = tempfile::tempdir().unwrap();
        let audit = Audit::open(dir.path());
        audit.record(
            "login_failed",
            json!({"reason": "wrong_pin", "source": "127.0.0.1"}),
        );
        let text = std::fs::read_to_string(audit.path()).unwrap();
        let line: Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["event"], "login_failed");
        assert_eq!(line["reason"], "wrong_pin");

        let filler = "x".repeat(4096);
        for _ in 0..400 {
            audit.record("filler", json!({ "pad": filler }));
        }
        assert!(std::fs::metadata(audit.path()).unwrap().len() <= MAX_BYTES);
        assert!(dir.path().join("audit.log.1").exists());
    }
}
