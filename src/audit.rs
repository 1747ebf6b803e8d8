//! The audit log: one JSON line per security event, in the config folder.
//!
//! Two files, each created 0600, capped at [`MAX_BYTES`] and rotated once
//! (`.1`), so neither can fill the disk:
//!
//! - `audit.log` holds the security events: failed and successful logins,
//!   wrong PINs, lockouts, share links, file changes. Everything an
//!   unauthenticated client can add here is bounded by the brute-force
//!   budgets, so noise cannot rotate these lines out.
//! - `refusals.log` holds what an attacker can produce at will (requests
//!   refused while locked out): counted per event, source and reason, and
//!   written as one line with the count per [`REFUSAL_WINDOW`].
//!
//! Writing is done by one dedicated thread fed through a bounded queue: a
//! slow or full disk never blocks a runtime worker; when the queue is full a
//! line is dropped and counted, and the count is written as an
//! `audit_dropped` line once there is room. Callers pass only non-secret
//! fields (event name, reason class, source address, ids); tokens, PINs and
//! cookies never reach this module.

pub mod api;
pub mod events;
pub mod reader;
mod writer;

use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The security events' file in the config folder.
pub const FILE: &str = "audit.log";

/// Size at which each file is rotated.
pub const MAX_BYTES: u64 = 1 << 20;

/// Refusals are summed over this long, per event, source and reason.
pub const REFUSAL_WINDOW: Duration = Duration::from_secs(60);

/// Security events waiting for the writer. They are bounded by the budgets
/// (a few hundred a day from strangers; refusals are only counted, see
/// [`REFUSAL_WINDOW`]), so this fills only on a stuck disk. The channel's
/// slots are allocated and written up front (32 bytes each): 4096 of them
/// were 128 KiB of the idle daemon's 6 MB resident memory.
const QUEUE: usize = 512;

/// Distinct (event, source, reason) counters per window; more sources than
/// this are summed under `"source": "others"`, so memory and lines per
/// window stay bounded however many addresses an attacker has.
const MAX_TALLIES: usize = 256;

/// The counters of one window, keyed by (event, source, reason).
type Tally = HashMap<(&'static str, String, &'static str), Count>;

#[derive(Debug, Clone, Copy)]
struct Count {
    count: u64,
    first_ms: u64,
    last_ms: u64,
}

enum Message {
    Line(String),
    /// Write the current refusal counts and everything queued, then answer.
    Sync(SyncSender<()>),
}

pub struct Audit {
    path: PathBuf,
    refusals_path: PathBuf,
    queue: SyncSender<Message>,
    dropped: Arc<AtomicU64>,
    tally: Arc<Mutex<Tally>>,
}

impl Audit {
    /// Opens (lazily) the two files in `dir` and starts their writer thread,
    /// which ends when this is dropped.
    pub fn open(dir: &Path) -> Self {
        let (queue, inbox) = mpsc::sync_channel(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let tally = Arc::new(Mutex::new(Tally::new()));
        let path = dir.join(FILE);
        let refusals_path = dir.join("refusals.log");
        let writer = writer::Writer::new(&path, &refusals_path, dropped.clone(), tally.clone());
        let spawned = std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || writer.run(inbox));
        if let Err(err) = spawned {
            // Lines then go to the process log only (see `record`).
            tracing::warn!("cannot start the audit writer: {err}");
        }
        Self {
            path,
            refusals_path,
            queue,
            dropped,
            tally,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn refusals_path(&self) -> &Path {
        &self.refusals_path
    }

    /// Queues one security event for `audit.log`. Never blocks and never
    /// fails: the daemon keeps serving the owner even on a full disk.
    pub fn record(&self, event: &str, fields: Value) {
        debug_assert!(
            events::is_event(event),
            "audit event {event:?} is not listed in audit::events::EVENTS"
        );
        let mut line = Map::new();
        line.insert("ts".into(), json!(now_ms()));
        line.insert("event".into(), json!(event));
        if let Value::Object(extra) = fields {
            line.extend(extra);
        }
        let text = Value::Object(line).to_string();
        tracing::info!(target: "audit", "{text}");
        match self.queue.try_send(Message::Line(text)) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Counts one refusal an attacker could repeat at will; the counts reach
    /// `refusals.log` once per [`REFUSAL_WINDOW`]. Only a map update under
    /// a short lock: no I/O, and the same memory however many repeats.
    pub fn refused(&self, event: &'static str, source: &str, reason: &'static str) {
        debug_assert!(
            events::is_refusal(event),
            "refusal {event:?} is not listed in audit::events::REFUSALS"
        );
        let now = now_ms();
        let mut tally = crate::lock::lock(&self.tally);
        let key = (event, source.to_string(), reason);
        let key = if tally.len() < MAX_TALLIES || tally.contains_key(&key) {
            key
        } else {
            (event, "others".to_string(), reason)
        };
        let count = tally.entry(key).or_insert(Count {
            count: 0,
            first_ms: now,
            last_ms: now,
        });
        count.count += 1;
        count.last_ms = now;
    }

    /// Waits (blocking, up to `within`) until everything recorded so far,
    /// refusal counts included, is written. For tests and the end of a run;
    /// never called on a runtime worker while serving.
    pub fn sync(&self, within: Duration) -> bool {
        let (done, wait) = mpsc::sync_channel(1);
        if self.queue.send(Message::Sync(done)).is_err() {
            return false;
        }
        wait.recv_timeout(within).is_ok()
    }

    /// One page of `audit.log`, newest first (see [`reader::page`]), with
    /// everything recorded before the call in it: lines reach the file
    /// through the writer thread, so an event the owner caused a moment ago
    /// (the link just minted, the login just refused) would otherwise be
    /// missing from the view opened right after. Blocks up to [`READ_SYNC`]
    /// waiting for the writer — on the blocking pool, never a runtime worker
    /// — then reads what is there even if the disk is slower than that.
    pub fn read_page(&self, event: Option<&str>, offset: usize, limit: usize) -> reader::Page {
        self.sync(READ_SYNC);
        reader::page(&self.path, event, offset, limit)
    }
}

/// How long a read of the log waits for the lines queued before it.
const READ_SYNC: Duration = Duration::from_secs(2);

use crate::clock::unix_ms as now_ms;

#[cfg(test)]
#[path = "audit/tests.rs"]
mod tests;
