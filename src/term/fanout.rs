//! Fan-out of one terminal's output to its viewers, with bounded memory.
//!
//! Output goes into the scrollback ring and a broadcast channel under one
//! lock, so a viewer joining gets a replay and a live stream that meet at the
//! same point. Each viewer reports how many chunks it has delivered, and the
//! PTY reader paces itself on them (flow control, like a native terminal).
//! The rules, stated in docs/PROTOCOL.md:
//!
//! - Only *pacers* can slow the shell: writing viewers (never read-only
//!   guests) that are not demoted.
//! - The reader waits while a pacer is more than [`HIGH_WATER`] chunks
//!   behind, but every wait has a deadline. The fastest pacer is waited for
//!   as long as it makes progress, so the best connection gets every byte;
//!   one that makes none for [`STALL`] is *demoted*. Any other pacer is
//!   waited for at most [`GRACE`] per episode of being behind, then demoted.
//! - Nobody waits for a demoted viewer. It falls out of the broadcast window
//!   ([`LIVE_BACKLOG`] chunks) and resynchronises; once it is within
//!   [`HIGH_WATER`] of the newest output again it paces again.
//! - A join or a leave wakes the reader, so it re-decides at once.
//!
//! So a slow or stalled viewer costs the others at most one short pause per
//! episode, a stalled one costs the shell at most [`STALL`], and memory stays
//! bounded by the window.

use super::model::{FOLLOW_POLL, FOLLOW_POLLS, Feed, ModelEvent, ModelWork};
use super::scrollback::Scrollback;
use super::tap::{Tap, Tapped};
use crate::lock;
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{Notify, broadcast, oneshot};
use tokio::time::Instant;

/// Chunks a viewer may fall behind before it must resynchronise: bounds the
/// memory the live window can hold to `LIVE_BACKLOG * CHUNK` per terminal.
pub const LIVE_BACKLOG: usize = 128;
/// How many chunks the PTY may run ahead of a viewer it waits for. Counting
/// chunks, not bytes, keeps it below the broadcast window whatever their size.
pub const HIGH_WATER: u64 = (LIVE_BACKLOG / 16) as u64;
/// How long the reader waits for a pacer that is not the fastest.
pub const GRACE: Duration = Duration::from_millis(150);
/// How long the fastest pacer may go without progress before it is demoted.
pub const STALL: Duration = Duration::from_secs(2);

pub struct Fanout {
    inner: Mutex<Inner>,
    /// Wakes the PTY reader when a viewer made progress, joined or left.
    progress: Notify,
    /// Wakes the screen model's thread (see `term::model`): output or events.
    model_wake: Condvar,
}

/// How long output must pause before a lagging model rebuilds by itself.
const QUIET: std::time::Duration = std::time::Duration::from_millis(100);

struct Inner {
    scrollback: Scrollback,
    /// What the screen model has yet to read, when one follows this output
    /// (joins then ask it for snapshots).
    model: Option<Feed>,
    live: broadcast::Sender<Bytes>,
    /// Chunks published so far.
    published: u64,
    viewers: HashMap<u64, Place>,
    next_viewer: u64,
    /// A copy of the output for the recorder, offered without waiting.
    tap: Option<Tap>,
}

/// One viewer's place in the stream, as the pacing sees it (the socket side
/// of a viewer is `term::socket::Viewer`).
impl Fanout {
    pub fn new(scrollback: usize) -> Arc<Self> {
        Self::build(scrollback, false)
    }

    /// A fan-out whose joins get snapshots from a screen model (which the
    /// caller starts, see `term::model`).
    pub fn modelled(scrollback: usize) -> Arc<Self> {
        Self::build(scrollback, true)
    }

    fn build(scrollback: usize, modelled: bool) -> Arc<Self> {
        Arc::new(Self {
            model_wake: Condvar::new(),
            inner: Mutex::new(Inner {
                scrollback: Scrollback::new(scrollback),
                model: modelled.then(Feed::default),
                live: broadcast::channel(LIVE_BACKLOG).0,
                published: 0,
                viewers: HashMap::new(),
                next_viewer: 0,
                tap: None,
            }),
            progress: Notify::new(),
        })
    }

    /// Appends output for everyone; returns the number of chunks published.
    pub fn publish(&self, chunk: Bytes) -> u64 {
        let mut inner = self.lock();
        inner.scrollback.push(&chunk);
        if let Some(tap) = &inner.tap {
            tap.offer(Tapped::Output(chunk.clone(), Instant::now()));
        }
        let wake_model = inner.model.as_mut().is_some_and(|feed| feed.push(&chunk));
        // No receivers is fine: nobody is watching right now.
        let _ = inner.live.send(chunk);
        inner.published += 1;
        let published = inner.published;
        drop(inner);
        if wake_model {
            self.model_wake.notify_one();
        }
        published
    }

    /// Tells the screen model of a resize at this exact point of the output.
    pub fn resized(&self, cols: u16, rows: u16) {
        if let Some(tap) = &self.lock().tap {
            tap.offer(Tapped::Resize(cols, rows, Instant::now()));
        }
        self.model_event(ModelEvent::Resize(cols, rows));
    }

    /// What a viewer typed, for a tap that records input (`--record-input`):
    /// offered under the same lock as output, so the two keep their order.
    pub fn typed(&self, bytes: &[u8]) {
        if let Some(tap) = &self.lock().tap
            && tap.records_input()
        {
            tap.offer(Tapped::Input(Bytes::copy_from_slice(bytes), Instant::now()));
        }
    }

    /// Starts (`Some`) or ends (`None`) copying output to a tap; the old
    /// tap's consumer sees its channel close after what it was given.
    pub fn set_tap(&self, tap: Option<Tap>) {
        self.lock().tap = tap;
    }

    fn model_event(&self, event: ModelEvent) {
        let mut inner = self.lock();
        let at = inner.scrollback.end();
        if let Some(feed) = inner.model.as_mut().filter(|f| !f.closed) {
            feed.events.push_back((at, event));
            drop(inner);
            self.model_wake.notify_one();
        }
    }

    /// Ends the screen model's thread (the tab closed).
    pub fn close_model(&self) {
        if let Some(feed) = self.lock().model.as_mut() {
            feed.closed = true;
        }
        self.model_wake.notify_all();
    }

    /// The screen model's next work (blocking: called on the model's own
    /// thread, never on the runtime). `lagging`: it fell behind, and waits
    /// for quiet output or a snapshot request before starting over.
    pub fn model_work(&self, lagging: bool) -> ModelWork {
        let mut inner = self.lock();
        loop {
            let Some(feed) = inner.model.as_ref() else {
                return ModelWork::Closed;
            };
            if feed.closed {
                return ModelWork::Closed;
            }
            let events = !feed.events.is_empty();
            let output = feed.has_output();
            if events || (output && !lagging) {
                if let Some(feed) = inner.model.as_mut() {
                    feed.polls_left = FOLLOW_POLLS;
                }
                break;
            }
            if lagging && output {
                let end = inner.scrollback.end();
                let (guard, timed_out) = lock::wait_timeout(&self.model_wake, inner, QUIET);
                inner = guard;
                if timed_out && inner.scrollback.end() == end {
                    break;
                }
                continue;
            }
            inner = self.model_idle(inner);
        }
        let end = inner.scrollback.end();
        let replay = inner.scrollback.replay();
        let Some(feed) = inner.model.as_mut() else {
            return ModelWork::Closed;
        };
        if lagging {
            feed.restart(end);
            let events = feed.events.drain(..).collect();
            return ModelWork::Rebuild { replay, events };
        }
        if feed.behind() {
            return ModelWork::Behind;
        }
        let events = feed.events.drain(..).collect();
        let (from, blocks) = feed.take();
        ModelWork::Follow {
            from,
            blocks,
            events,
        }
    }

    /// The model's wait for output: short polls while output was recent,
    /// then a sleep that only a wake ends (see [`FOLLOW_POLL`]).
    fn model_idle<'a>(&self, mut inner: MutexGuard<'a, Inner>) -> MutexGuard<'a, Inner> {
        let Some(feed) = inner.model.as_mut() else {
            return inner;
        };
        if feed.polls_left > 0 {
            feed.polls_left -= 1;
            return lock::wait_timeout(&self.model_wake, inner, FOLLOW_POLL).0;
        }
        feed.asleep = true;
        let mut inner = lock::wait(&self.model_wake, inner);
        if let Some(feed) = inner.model.as_mut() {
            feed.asleep = false;
        }
        inner
    }

    /// Flow control for the PTY reader after publishing chunk number `end`.
    /// Every wait has a deadline (see the module doc), so this always returns.
    pub async fn wait_for_viewers(&self, end: u64) {
        loop {
            let notified = self.progress.notified();
            tokio::pin!(notified);
            // Register before checking, so progress in between is not missed.
            notified.as_mut().enable();
            match self.pacing(end) {
                None => return,
                Some(deadline) => {
                    let _ = tokio::time::timeout_at(deadline, notified).await;
                }
            }
        }
    }

    /// Whether the reader must wait, and until when at most; demotes the
    /// viewers whose patience ran out and promotes those that caught up.
    fn pacing(&self, end: u64) -> Option<Instant> {
        let now = Instant::now();
        let mut inner = self.lock();
        let behind = |v: &Place| end.saturating_sub(v.delivered) > HIGH_WATER;
        for viewer in inner.viewers.values_mut() {
            if !behind(viewer) {
                viewer.behind_since = None;
                viewer.demoted = false;
            }
        }
        let fastest = inner
            .viewers
            .values()
            .filter(|v| v.paces && !v.demoted)
            .map(|v| v.delivered)
            .max()?;
        let mut deadline: Option<Instant> = None;
        for viewer in inner.viewers.values_mut() {
            if !viewer.paces || viewer.demoted || !behind(viewer) {
                continue;
            }
            let since = *viewer.behind_since.get_or_insert(now);
            let until = if viewer.delivered == fastest {
                viewer.last_progress.max(since) + STALL
            } else {
                since + GRACE
            };
            if now >= until {
                viewer.demoted = true;
                continue;
            }
            deadline = Some(deadline.map_or(until, |d| d.min(until)));
        }
        deadline
    }

    /// Joins as a viewer (`paces`: a writing viewer, see the module doc):
    /// the replay and the live stream are cut at one point.
    pub fn join(self: &Arc<Self>, paces: bool) -> Subscription {
        let mut inner = self.lock();
        let id = inner.next_viewer;
        inner.next_viewer += 1;
        let delivered = inner.published;
        inner.viewers.insert(
            id,
            Place {
                delivered,
                paces,
                demoted: false,
                behind_since: None,
                last_progress: Instant::now(),
            },
        );
        let start = inner.scrollback.end();
        let snapshot = inner.model.as_mut().filter(|f| !f.closed).map(|feed| {
            let (tx, rx) = oneshot::channel();
            feed.events.push_back((start, ModelEvent::Snapshot(tx)));
            rx
        });
        let subscription = Subscription {
            fanout: self.clone(),
            id,
            replay: Some(inner.scrollback.replay()),
            snapshot,
            start,
            skip: 0,
            live: inner.live.subscribe(),
        };
        drop(inner);
        self.progress.notify_one();
        if subscription.snapshot.is_some() {
            self.model_wake.notify_one();
        }
        subscription
    }

    /// Joins again after falling out of the window: a fresh replay and live
    /// stream for the same kind of viewer.
    pub fn rejoin(self: &Arc<Self>, previous: Subscription) -> Subscription {
        let paces = self
            .lock()
            .viewers
            .get(&previous.id)
            .is_some_and(|v| v.paces);
        drop(previous);
        self.join(paces)
    }

    pub fn viewers(&self) -> usize {
        self.lock().viewers.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        lock::lock(&self.inner)
    }
}

mod subscription;
use subscription::Place;
pub use subscription::Subscription;

#[cfg(test)]
mod tests;
