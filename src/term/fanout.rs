//! Fan-out of one terminal's output to its viewers, with bounded memory.
//!
//! Output goes into the scrollback ring and a broadcast channel under one
//! lock, so a viewer joining gets a replay and a live stream that meet at the
//! same point. Each viewer reports how many chunks it has delivered, and the
//! PTY reader paces itself on them (flow control, like a native terminal):
//!
//! - it always waits for the *fastest* viewer to be within [`HIGH_WATER`]
//!   chunks, so the best connection gets every byte;
//! - it also waits for slower viewers, but each viewer gets at most one
//!   [`GRACE`] period per connection to catch up. A viewer still behind after
//!   that is *demoted*: nobody waits for it again, even after it resynchronises
//!   on the same connection. It falls out of the
//!   broadcast window ([`LIVE_BACKLOG`] chunks) and is told to resynchronise.
//!
//! So a slow or stalled viewer costs the others at most one short pause, and
//! never more than the window in memory.

use super::scrollback::Scrollback;
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, broadcast};
use tokio::time::Instant;

/// Chunks a viewer may fall behind before it must resynchronise: bounds the
/// memory the live window can hold to `LIVE_BACKLOG * CHUNK` per terminal.
pub const LIVE_BACKLOG: usize = 128;
/// How many chunks the PTY may run ahead of a viewer it waits for. Counting
/// chunks, not bytes, keeps it below the broadcast window whatever their size.
pub const HIGH_WATER: u64 = (LIVE_BACKLOG / 16) as u64;
/// How long the reader waits, once per connection, for a lagging viewer.
pub const GRACE: Duration = Duration::from_millis(150);

pub struct Fanout {
    inner: Mutex<Inner>,
    /// Wakes the PTY reader when a viewer made progress or left.
    progress: Notify,
}

struct Inner {
    scrollback: Scrollback,
    live: broadcast::Sender<Bytes>,
    /// Chunks published so far.
    published: u64,
    viewers: HashMap<u64, Viewer>,
    next_viewer: u64,
}

struct Viewer {
    /// Chunks delivered so far, on the same count as `published`.
    delivered: u64,
    /// Since when it has been more than `HIGH_WATER` behind.
    behind_since: Option<Instant>,
    /// Used up its grace: the reader no longer waits for it.
    demoted: bool,
}

/// One viewer's place in the stream. Dropping it leaves.
pub struct Subscription {
    fanout: Arc<Fanout>,
    id: u64,
    pub replay: Vec<u8>,
    pub live: broadcast::Receiver<Bytes>,
}

impl Fanout {
    pub fn new(scrollback: usize) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(Inner {
                scrollback: Scrollback::new(scrollback),
                live: broadcast::channel(LIVE_BACKLOG).0,
                published: 0,
                viewers: HashMap::new(),
                next_viewer: 0,
            }),
            progress: Notify::new(),
        })
    }

    /// Appends output for everyone; returns the number of chunks published.
    pub fn publish(&self, chunk: Bytes) -> u64 {
        let mut inner = self.lock();
        inner.scrollback.push(&chunk);
        // No receivers is fine: nobody is watching right now.
        let _ = inner.live.send(chunk);
        inner.published += 1;
        inner.published
    }

    /// Flow control for the PTY reader after publishing chunk number `end`.
    pub async fn wait_for_viewers(&self, end: u64) {
        loop {
            let notified = self.progress.notified();
            tokio::pin!(notified);
            // Register before checking, so progress in between is not missed.
            notified.as_mut().enable();
            match self.pacing(end) {
                Pace::Go => return,
                Pace::Wait(None) => notified.await,
                Pace::Wait(Some(deadline)) => {
                    let _ = tokio::time::timeout_at(deadline, notified).await;
                }
            }
        }
    }

    /// Decides whether the reader must wait, demoting viewers whose grace ran out.
    fn pacing(&self, end: u64) -> Pace {
        let now = Instant::now();
        let mut inner = self.lock();
        let Some(fastest) = inner.viewers.values().map(|v| v.delivered).max() else {
            return Pace::Go;
        };
        let mut wait = end.saturating_sub(fastest) > HIGH_WATER;
        let mut deadline: Option<Instant> = None;
        for viewer in inner.viewers.values_mut().filter(|v| !v.demoted) {
            if end.saturating_sub(viewer.delivered) <= HIGH_WATER {
                viewer.behind_since = None;
                continue;
            }
            let since = *viewer.behind_since.get_or_insert(now);
            if now.duration_since(since) >= GRACE {
                viewer.demoted = true;
                continue;
            }
            wait = true;
            let until = since + GRACE;
            deadline = Some(deadline.map_or(until, |d| d.min(until)));
        }
        if wait { Pace::Wait(deadline) } else { Pace::Go }
    }

    /// Joins as a viewer: the replay and the live stream are cut at one point.
    pub fn join(self: &Arc<Self>) -> Subscription {
        self.join_with(false)
    }

    /// Joins again after falling out of the window: a fresh replay and live
    /// stream, keeping a demotion (a slow connection gets one grace, not one
    /// per resync).
    pub fn rejoin(self: &Arc<Self>, previous: Subscription) -> Subscription {
        let demoted = self
            .lock()
            .viewers
            .get(&previous.id)
            .is_some_and(|v| v.demoted);
        drop(previous);
        self.join_with(demoted)
    }

    fn join_with(self: &Arc<Self>, demoted: bool) -> Subscription {
        let mut inner = self.lock();
        let id = inner.next_viewer;
        inner.next_viewer += 1;
        let delivered = inner.published;
        inner.viewers.insert(
            id,
            Viewer {
                delivered,
                behind_since: None,
                demoted,
            },
        );
        Subscription {
            fanout: self.clone(),
            id,
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

enum Pace {
    Go,
    /// Wait for progress, or until a grace period ends.
    Wait(Option<Instant>),
}

impl Subscription {
    /// Records that one more live chunk reached this viewer.
    pub fn delivered(&mut self) {
        if let Some(viewer) = self.fanout.lock().viewers.get_mut(&self.id) {
            viewer.delivered += 1;
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

    fn publish(fanout: &Fanout, chunks: u64) -> u64 {
        (0..chunks)
            .map(|_| fanout.publish(Bytes::from_static(b"chunk")))
            .last()
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn replay_and_live_meet_exactly() {
        let fanout = Fanout::new(1024);
        fanout.publish(Bytes::from_static(b"before "));
        let mut viewer = fanout.join();
        fanout.publish(Bytes::from_static(b"after"));
        assert_eq!(viewer.replay, b"before ");
        assert_eq!(viewer.live.recv().await.unwrap(), "after");
    }

    #[tokio::test(start_paused = true)]
    async fn the_fastest_viewer_always_paces_the_reader() {
        let fanout = Fanout::new(1024);
        let mut only = fanout.join();
        let end = publish(&fanout, HIGH_WATER + 2);
        let waiting =
            tokio::time::timeout(Duration::from_secs(60), fanout.wait_for_viewers(end)).await;
        assert!(
            waiting.is_err(),
            "the only viewer is never demoted below the fastest rule"
        );
        for _ in 0..2 {
            only.delivered();
        }
        tokio::time::timeout(Duration::from_secs(1), fanout.wait_for_viewers(end))
            .await
            .unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_viewer_costs_one_grace_period_once() {
        let fanout = Fanout::new(1024);
        let _stalled = fanout.join();
        let mut fast = fanout.join();
        let end = publish(&fanout, HIGH_WATER + 2);
        for _ in 0..HIGH_WATER + 2 {
            fast.delivered();
        }
        let started = Instant::now();
        fanout.wait_for_viewers(end).await;
        assert_eq!(started.elapsed(), GRACE, "waited exactly one grace period");
        // Demoted: later chunks do not wait for it again.
        let end = publish(&fanout, 3);
        for _ in 0..3 {
            fast.delivered();
        }
        let started = Instant::now();
        fanout.wait_for_viewers(end).await;
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_resynchronised_viewer_stays_demoted() {
        let fanout = Fanout::new(1024);
        let slow = fanout.join();
        let mut fast = fanout.join();
        let end = publish(&fanout, HIGH_WATER + 2);
        for _ in 0..HIGH_WATER + 2 {
            fast.delivered();
        }
        fanout.wait_for_viewers(end).await;
        let _again = fanout.rejoin(slow);
        assert_eq!(fanout.viewers(), 2);
        let end = publish(&fanout, HIGH_WATER + 2);
        for _ in 0..HIGH_WATER + 2 {
            fast.delivered();
        }
        let started = Instant::now();
        fanout.wait_for_viewers(end).await;
        assert_eq!(started.elapsed(), Duration::ZERO, "no second grace period");
    }

    #[tokio::test]
    async fn without_viewers_nothing_waits() {
        let fanout = Fanout::new(16);
        let end = publish(&fanout, LIVE_BACKLOG as u64 * 2);
        tokio::time::timeout(Duration::from_millis(100), fanout.wait_for_viewers(end))
            .await
            .unwrap();
        assert_eq!(fanout.viewers(), 0);
    }
}
