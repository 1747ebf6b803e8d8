//! Fan-out of one terminal's output to its viewers, with bounded memory.
//!
//! Output goes into the scrollback ring and a broadcast channel under one
//! lock, so a viewer joining gets a replay and a live stream that meet at the
//! same byte offset. Each viewer reports how far it has delivered; the PTY
//! reader waits while even the *fastest* viewer is more than [`HIGH_WATER`]
//! behind, so output runs at the pace of the best connection (like a native
//! terminal) instead of racing ahead. A viewer slower than that falls out of
//! the broadcast window ([`LIVE_BACKLOG`] chunks) and is told to resynchronise;
//! it never slows the others and never holds more than that window in memory.

use super::scrollback::Scrollback;
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, broadcast};

/// Chunks a viewer may fall behind before it must resynchronise: bounds the
/// memory the live window can hold to `LIVE_BACKLOG * CHUNK` per terminal.
pub const LIVE_BACKLOG: usize = 64;
/// How far (bytes) the PTY may run ahead of the fastest viewer.
pub const HIGH_WATER: u64 = 1 << 20;

pub struct Fanout {
    inner: Mutex<Inner>,
    /// Wakes the PTY reader when a viewer made progress or left.
    progress: Notify,
}

struct Inner {
    scrollback: Scrollback,
    live: broadcast::Sender<Bytes>,
    /// Viewer id -> absolute offset delivered so far.
    viewers: HashMap<u64, u64>,
    next_viewer: u64,
}

/// One viewer's place in the stream. Dropping it leaves.
pub struct Subscription {
    fanout: Arc<Fanout>,
    id: u64,
    delivered: u64,
    pub replay: Vec<u8>,
    pub live: broadcast::Receiver<Bytes>,
}

impl Fanout {
    pub fn new(scrollback: usize) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(Inner {
                scrollback: Scrollback::new(scrollback),
                live: broadcast::channel(LIVE_BACKLOG).0,
                viewers: HashMap::new(),
                next_viewer: 0,
            }),
            progress: Notify::new(),
        })
    }

    /// Appends output for everyone; returns the new end offset.
    pub fn publish(&self, chunk: Bytes) -> u64 {
        let mut inner = self.lock();
        inner.scrollback.push(&chunk);
        // No receivers is fine: nobody is watching right now.
        let _ = inner.live.send(chunk);
        inner.scrollback.end()
    }

    /// Waits while viewers exist and the fastest is more than [`HIGH_WATER`]
    /// behind `end`.
    pub async fn wait_for_viewers(&self, end: u64) {
        loop {
            let notified = self.progress.notified();
            tokio::pin!(notified);
            // Register before checking, so progress in between is not missed.
            notified.as_mut().enable();
            let fastest = self.lock().viewers.values().copied().max();
            match fastest {
                Some(delivered) if end.saturating_sub(delivered) > HIGH_WATER => notified.await,
                _ => return,
            }
        }
    }

    /// Joins as a viewer: the replay and the live stream are cut at one offset.
    pub fn join(self: &Arc<Self>) -> Subscription {
        let mut inner = self.lock();
        let id = inner.next_viewer;
        inner.next_viewer += 1;
        let end = inner.scrollback.end();
        inner.viewers.insert(id, end);
        Subscription {
            fanout: self.clone(),
            id,
            delivered: end,
            replay: inner.scrollback.replay(),
            live: inner.live.subscribe(),
        }
    }

    pub fn viewers(&self) -> usize {
        self.lock().viewers.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Short, non-awaiting sections only; a poisoned value is still whole.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Subscription {
    /// Records that `bytes` more live bytes reached this viewer.
    pub fn delivered(&mut self, bytes: usize) {
        self.delivered += bytes as u64;
        if let Some(slot) = self.fanout.lock().viewers.get_mut(&self.id) {
            *slot = self.delivered;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn replay_and_live_meet_exactly() {
        let fanout = Fanout::new(1024);
        fanout.publish(Bytes::from_static(b"before "));
        let mut viewer = fanout.join();
        fanout.publish(Bytes::from_static(b"after"));
        assert_eq!(viewer.replay, b"before ");
        assert_eq!(viewer.live.recv().await.unwrap(), "after");
    }

    #[tokio::test]
    async fn the_reader_waits_for_the_fastest_viewer_only() {
        let fanout = Fanout::new(1024);
        let _stalled = fanout.join();
        let mut fast = fanout.join();
        let end = fanout.publish(Bytes::from(vec![0u8; (HIGH_WATER + 10) as usize]));
        let waiting =
            tokio::time::timeout(Duration::from_millis(50), fanout.wait_for_viewers(end)).await;
        assert!(waiting.is_err(), "no viewer has caught up yet");
        fast.delivered((HIGH_WATER + 10) as usize);
        tokio::time::timeout(Duration::from_secs(1), fanout.wait_for_viewers(end))
            .await
            .expect("the fast viewer caught up; the stalled one must not matter");
    }

    #[tokio::test]
    async fn without_viewers_nothing_waits() {
        let fanout = Fanout::new(16);
        let end = fanout.publish(Bytes::from(vec![0u8; 4 << 20]));
        tokio::time::timeout(Duration::from_millis(100), fanout.wait_for_viewers(end))
            .await
            .unwrap();
        assert_eq!(fanout.viewers(), 0);
    }
}
