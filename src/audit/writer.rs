//! The audit writer thread: the only code that touches the audit files.
//!
//! It owns both files, so rotation needs no lock, and it is the one place
//! that may block on the disk. It wakes for each queued line, for a sync,
//! and at the end of every refusal window to write the counts.

use super::{Count, MAX_BYTES, Message, REFUSAL_WINDOW, Tally, now_ms};
use serde_json::json;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub(super) struct Writer {
    events: Sink,
    refusals: Sink,
    dropped: Arc<AtomicU64>,
    tally: Arc<Mutex<Tally>>,
}

impl Writer {
    pub(super) fn new(
        events: &Path,
        refusals: &Path,
        dropped: Arc<AtomicU64>,
        tally: Arc<Mutex<Tally>>,
    ) -> Self {
        Self {
            events: Sink::new(events),
            refusals: Sink::new(refusals),
            dropped,
            tally,
        }
    }

    /// Runs until the `Audit` is dropped, then writes the last counts.
    pub(super) fn run(mut self, inbox: Receiver<Message>) {
        let mut window_ends = Instant::now() + REFUSAL_WINDOW;
        loop {
            let wait = window_ends.saturating_duration_since(Instant::now());
            match inbox.recv_timeout(wait) {
                Ok(Message::Line(line)) => {
                    self.note_dropped();
                    self.events.append(&line);
                }
                Ok(Message::Sync(done)) => {
                    self.note_dropped();
                    self.write_refusals();
                    let _ = done.send(());
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.note_dropped();
                    self.write_refusals();
                    window_ends = Instant::now() + REFUSAL_WINDOW;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.note_dropped();
                    self.write_refusals();
                    return;
                }
            }
        }
    }

    /// Lines dropped on a full queue leave a trace with their number.
    fn note_dropped(&mut self) {
        let dropped = self.dropped.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            let line = json!({"ts": now_ms(), "event": "audit_dropped", "count": dropped});
            self.events.append(&line.to_string());
        }
    }

    /// One line per (event, source, reason) counted since the last window.
    fn write_refusals(&mut self) {
        let counts = std::mem::take(&mut *crate::lock::lock(&self.tally));
        let mut counts: Vec<_> = counts.into_iter().collect();
        counts.sort_by_key(|(_, count)| count.first_ms);
        for (
            (event, source, reason),
            Count {
                count,
                first_ms,
                last_ms,
            },
        ) in counts
        {
            let line = json!({"ts": now_ms(), "event": event, "reason": reason, "source": source,
                              "count": count, "first_ts": first_ms, "last_ts": last_ms});
            tracing::info!(target: "audit", "{line}");
            self.refusals.append(&line.to_string());
        }
    }
}

/// One capped file, rotated once to `<name>.1`.
struct Sink {
    path: PathBuf,
    file: Option<File>,
}

impl Sink {
    fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            file: None,
        }
    }

    /// Failing to write is logged, never fatal.
    fn append(&mut self, line: &str) {
        if let Err(err) = self.try_append(line) {
            tracing::warn!("audit log {}: {err}", self.path.display());
            // Reopened next time: the folder may have come back.
            self.file = None;
        }
    }

    fn try_append(&mut self, line: &str) -> std::io::Result<()> {
        let mut text = String::with_capacity(line.len() + 1);
        text.push_str(line);
        text.push('\n');
        if self.file.is_none() {
            self.file = Some(self.open()?);
        }
        let size = match &self.file {
            Some(file) => file.metadata()?.len(),
            None => 0,
        };
        if size + text.len() as u64 > MAX_BYTES {
            self.file = None;
            let mut rotated = self.path.clone().into_os_string();
            rotated.push(".1");
            std::fs::rename(&self.path, rotated)?;
            self.file = Some(self.open()?);
        }
        match &mut self.file {
            Some(file) => file.write_all(text.as_bytes()),
            None => Ok(()),
        }
    }

    fn open(&self) -> std::io::Result<File> {
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&self.path)
    }
}
