//! A viewer's side of the fan-out: its [`Subscription`] (replay or snapshot,
//! then the live stream from the same point) and its [`Place`] in the
//! stream, whose reports of delivered chunks pace the PTY reader.

use super::super::model::Snapshot;
use super::super::scrollback::Replay;
use super::Fanout;
use bytes::Bytes;
use std::sync::Arc;
use tokio::sync::{broadcast, oneshot};
use tokio::time::Instant;

pub(super) struct Place {
    /// Chunks delivered so far, on the same count as `published`.
    pub(super) delivered: u64,
    /// A writing viewer; read-only guests never slow the shell.
    pub(super) paces: bool,
    /// Nobody waits for it until it has caught up again.
    pub(super) demoted: bool,
    /// Since when it has been more than `HIGH_WATER` behind.
    pub(super) behind_since: Option<Instant>,
    /// When it last delivered anything (live chunks or replay frames).
    pub(super) last_progress: Instant,
}

/// One viewer's place in the stream. Dropping it leaves.
pub struct Subscription {
    pub(super) fanout: Arc<Fanout>,
    pub(super) id: u64,
    /// The raw replay up to where the live stream starts: sent first when
    /// no snapshot comes (then taken).
    pub replay: Option<Replay>,
    /// The screen model's snapshot at the same point, when a model runs.
    pub snapshot: Option<oneshot::Receiver<Snapshot>>,
    /// Absolute output offset where `live` starts.
    pub start: u64,
    /// Live bytes still to drop: a snapshot taken later than `start`
    /// already shows them.
    pub skip: u64,
    pub live: broadcast::Receiver<Bytes>,
}

impl Subscription {
    /// A live chunk with the bytes a later snapshot already showed cut off.
    pub fn unseen(&mut self, chunk: Bytes) -> Option<Bytes> {
        if self.skip == 0 {
            return Some(chunk);
        }
        let cut = self.skip.min(chunk.len() as u64);
        self.skip -= cut;
        let rest = chunk.slice(cut as usize..);
        (!rest.is_empty()).then_some(rest)
    }

    /// Records that one more live chunk reached this viewer.
    pub fn delivered(&mut self) {
        self.update(|viewer| viewer.delivered += 1);
    }

    /// Records progress that is not a live chunk (a replay frame went out).
    pub fn progressed(&mut self) {
        self.update(|_| {});
    }

    fn update(&mut self, change: impl FnOnce(&mut Place)) {
        if let Some(viewer) = self.fanout.lock().viewers.get_mut(&self.id) {
            change(viewer);
            viewer.last_progress = Instant::now();
        }
        self.fanout.progress.notify_one();
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.fanout.lock().viewers.remove(&self.id);
        self.fanout.progress.notify_one();
    }
}
