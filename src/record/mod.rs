//! Tab recordings: a tab's output as an asciicast v3 file, opt-in per tab
//! (`POST /api/terminals/{id}/recording`) or for every tab (`--record`).
//!
//! - `cast`: the asciicast v3 encoder (UTF-8 across chunks, the size cap)
//! - `store`: the folder (generated ids, 0600 files, retention, total cap)
//! - `recorder`: one recording's task, off the terminal's output path
//! - `api`: the HTTP handlers
//!
//! [`Recordings`] starts and stops them, tells the audit log, and keeps the
//! folder within its limits: at start, when a recording begins or ends,
//! and every [`SWEEP_EVERY`]. Only output is recorded, unless the owner
//! asked for input too (`--record-input`): then the header's tags say so,
//! the audit line says so, and every viewer sees "REC + keys".

pub mod api;
pub mod cast;
pub mod recorder;
pub mod store;

use crate::audit::Audit;
use crate::config::recording::Recordings as Settings;
use crate::error::Error;
use crate::lock::lock;
use crate::term::TerminalHandle;
use crate::term::tap::Tap;
use recorder::{Ending, Job};
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use store::Store;

/// How often retention and the total cap are applied besides at start
/// and when a recording begins or ends.
pub const SWEEP_EVERY: Duration = Duration::from_secs(10 * 60);

/// Who started a recording, for the audit line.
#[derive(Debug, Clone, Copy)]
pub enum StartedBy {
    Owner,
    /// `--record`: the tab was recorded from its start.
    RecordAll,
}

#[derive(Clone)]
pub struct Recordings(Arc<Inner>);

/// A recording whose file exists and whose tab is not told yet.
pub struct Pending {
    pub id: String,
    file: std::fs::File,
    started: SystemTime,
    start: tokio::time::Instant,
    receiver: crate::term::tap::TapReceiver,
}

struct Inner {
    store: Store,
    settings: Settings,
    audit: Arc<Audit>,
    /// Recordings being written: the caps never delete them.
    active: Mutex<HashSet<String>>,
    /// Recordings the owner turned off (their stop reason is "owner").
    stopped_by_owner: Mutex<HashSet<String>>,
}

impl Recordings {
    /// The recordings in `settings.dir` (made with the first recording),
    /// with retention applied once.
    pub fn open(settings: &Settings, audit: Arc<Audit>) -> Self {
        let recordings = Self(Arc::new(Inner {
            store: Store::new(&settings.dir),
            settings: settings.clone(),
            audit,
            active: Mutex::default(),
            stopped_by_owner: Mutex::default(),
        }));
        recordings.sweep();
        recordings
    }

    /// `--record`: whether every new tab is recorded.
    pub fn record_all(&self) -> bool {
        self.0.settings.all
    }

    fn store(&self) -> &Store {
        &self.0.store
    }

    /// Starts recording `terminal` (its current recording if one runs).
    pub fn start(&self, terminal: &TerminalHandle, by: StartedBy) -> Result<String, Error> {
        if let Some(id) = terminal.recording().current() {
            return Ok(id);
        }
        let (pending, tap) = self.prepare()?;
        if !terminal.start_recording(&pending.id, tap) {
            // Another start won the race: keep its recording, drop this one.
            self.abandon(pending);
            return terminal.recording().current().ok_or(Error::NotFound);
        }
        let id = pending.id.clone();
        self.launch(pending, terminal, by);
        Ok(id)
    }

    /// A new recording's file and tap, before its tab is known: `--record`
    /// gives the tap to the tab before its reader starts, so the tab's
    /// first output is recorded too. Then [`Self::launch`] it.
    pub fn prepare(&self) -> Result<(Pending, Tap), Error> {
        let started = SystemTime::now();
        let (id, file) = self
            .store()
            .create(crate::clock::to_unix_ms(started))
            .map_err(|err| {
                let dir = self.0.settings.dir.display();
                tracing::warn!("cannot start a recording in {dir}: {err}");
                Error::Unavailable("cannot write in the recordings folder (the log says why)")
            })?;
        let (tap, receiver) = crate::term::tap::tap(self.0.settings.input);
        lock(&self.0.active).insert(id.clone());
        // Room for the new one, off the caller's thread (a request or a
        // tab's creation); the new file is active, so it is never deleted.
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.sweep());
        let pending = Pending {
            id,
            file,
            started,
            start: tokio::time::Instant::now(),
            receiver,
        };
        Ok((pending, tap))
    }

    /// Drops a prepared recording that no tab took.
    pub fn abandon(&self, pending: Pending) {
        lock(&self.0.active).remove(&pending.id);
        if let Ok(Some(entry)) = self.store().find(&pending.id) {
            let _ = std::fs::remove_file(entry.path);
        }
    }

    /// Starts the task of a prepared recording whose tap `terminal` holds.
    pub fn launch(&self, pending: Pending, terminal: &TerminalHandle, by: StartedBy) {
        let info = terminal.info();
        let mut encoder = cast::Encoder::new(self.0.settings.max_size);
        let header = encoder.header(&cast::Header {
            cols: info.cols,
            rows: info.rows,
            timestamp: crate::clock::to_unix_ms(pending.started) / 1000,
            title: &info.title,
            input: self.0.settings.input,
        });
        let by = match by {
            StartedBy::Owner => "owner",
            StartedBy::RecordAll => "record_all",
        };
        let id = pending.id;
        self.0.audit.record(
            "recording_started",
            json!({"terminal": info.id, "recording": id, "by": by, "input": self.0.settings.input}),
        );
        let job = Job {
            file: pending.file,
            encoder,
            header,
            start: pending.start,
            tap: pending.receiver,
            exit: terminal.exit(),
        };
        let this = self.clone();
        let terminal = terminal.clone();
        tokio::spawn(async move {
            let ending = recorder::run(job).await;
            this.ended(&terminal, &id, ending).await;
        });
    }

    /// Stops recording `terminal`; `false` when it was not recording.
    pub fn stop(&self, terminal: &TerminalHandle) -> bool {
        let Some(id) = terminal.recording().current() else {
            return false;
        };
        lock(&self.0.stopped_by_owner).insert(id.clone());
        terminal.stop_recording(Some(&id)).is_some()
    }

    /// A recording's task ended: the limits, the audit line, then REC off,
    /// so a viewer told REC is off finds the folder settled.
    async fn ended(&self, terminal: &TerminalHandle, id: &str, ending: Ending) {
        lock(&self.0.active).remove(id);
        let this = self.clone();
        // The folder is read and files deleted on the blocking pool.
        let _ = tokio::task::spawn_blocking(move || this.sweep()).await;
        let by_owner = lock(&self.0.stopped_by_owner).remove(id);
        let reason = match ending {
            Ending::Exited => "exited",
            Ending::Stopped if by_owner => "owner",
            Ending::Stopped => "closed",
            Ending::Truncated => "truncated",
            Ending::Failed => "failed",
        };
        self.0.audit.record(
            "recording_stopped",
            json!({"terminal": terminal.id(), "recording": id, "reason": reason}),
        );
        terminal.stop_recording(Some(id));
    }

    /// Whether recording `id` is being written now.
    pub fn is_active(&self, id: &str) -> bool {
        lock(&self.0.active).contains(id)
    }

    /// Applies retention and the total cap (never to an active recording).
    pub fn sweep(&self) {
        let store = &self.0.store;
        let active = lock(&self.0.active).clone();
        let settings = &self.0.settings;
        match store.enforce(
            settings.max_total,
            settings.keep,
            SystemTime::now(),
            &active,
        ) {
            Ok(deleted) => {
                for id in deleted {
                    self.0.audit.record(
                        "recording_deleted",
                        json!({"recording": id, "reason": "limits"}),
                    );
                }
            }
            Err(err) => tracing::warn!("recordings: cannot apply the limits: {err}"),
        }
    }

    /// Applies the limits every [`SWEEP_EVERY`] until `shutdown`.
    pub async fn sweep_periodically(self, shutdown: crate::Shutdown) {
        let mut every = tokio::time::interval(SWEEP_EVERY);
        every.tick().await;
        loop {
            tokio::select! {
                _ = shutdown.wait() => return,
                _ = every.tick() => {
                    let this = self.clone();
                    let _ = tokio::task::spawn_blocking(move || this.sweep()).await;
                }
            }
        }
    }
}
