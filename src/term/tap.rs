//! A tap on a tab's output: a copy of every chunk and resize (and of what
//! is typed, for a tap that asks for it: `--record-input`), for a consumer
//! that must never slow the shell (the recorder, `crate::record`).
//!
//! The fan-out offers each chunk under its publish lock, so chunks and
//! resizes keep their order; offering never waits. The queue is bounded in
//! bytes, not events: when it holds [`TAP_BYTES`] (each event's data plus
//! [`EVENT_COST`]) a chunk is dropped and its bytes counted, and the consumer
//! is told how much it lost before its next event (a gap it can mark),
//! rather than the PTY reader being held up by a slow disk.

use super::fanout::Fanout;
use bytes::Bytes;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// What a tap may hold before it drops output: about a second of a flood
/// on a loaded machine (tests/recording_flood.rs: 8 MiB lost 1.6–5.3% of a
/// 2 GB flood there, in 8 to 21 gaps, each a moment the recorder was not
/// scheduled; 32 MiB lost nothing), so a consumer descheduled for a while
/// loses nothing. It is memory only while the recorder is behind.
pub const TAP_BYTES: u64 = 32 << 20;
/// What an event costs in the queue besides its data, so a flood of tiny
/// chunks is bounded too (about what a queued event takes in memory).
pub const EVENT_COST: u64 = 64;

/// What happened in the tab, and when (taken at the offer, so a consumer
/// that lags still writes the true times).
#[derive(Debug)]
pub enum Tapped {
    Output(Bytes, Instant),
    Resize(u16, u16, Instant),
    /// Input a viewer typed or pasted (only to a tap that records input).
    Input(Bytes, Instant),
}

impl Tapped {
    /// When it happened.
    pub fn at(&self) -> Instant {
        match self {
            Self::Output(_, at) | Self::Resize(_, _, at) | Self::Input(_, at) => *at,
        }
    }

    /// The bytes of data it holds (what is lost if it is dropped).
    fn len(&self) -> u64 {
        match self {
            Self::Output(bytes, _) | Self::Input(bytes, _) => bytes.len() as u64,
            Self::Resize(..) => 0,
        }
    }

    /// What it costs against the queue's budget.
    fn cost(&self) -> u64 {
        self.len() + EVENT_COST
    }
}

/// The fan-out's end: offers and never waits.
pub struct Tap {
    events: mpsc::UnboundedSender<Tapped>,
    counts: Arc<Counts>,
    /// Whether typed input is offered too.
    input: bool,
}

/// The consumer's end.
pub struct TapReceiver {
    events: mpsc::UnboundedReceiver<Tapped>,
    counts: Arc<Counts>,
}

#[derive(Default)]
struct Counts {
    /// The cost of the events offered and not yet received.
    queued: AtomicU64,
    /// Output bytes dropped since the consumer last asked.
    lost: AtomicU64,
}

/// A tap and its receiver; `input`: typed input is offered too.
pub fn tap(input: bool) -> (Tap, TapReceiver) {
    let (events, receiver) = mpsc::unbounded_channel();
    let counts = Arc::new(Counts::default());
    let receiver = TapReceiver {
        events: receiver,
        counts: counts.clone(),
    };
    let tap = Tap {
        events,
        counts,
        input,
    };
    (tap, receiver)
}

impl Tap {
    /// Whether typed input is to be offered.
    pub fn records_input(&self) -> bool {
        self.input
    }

    /// Offers an event; output (or input) beyond [`TAP_BYTES`] is counted
    /// as lost (a dropped resize is not: the next one or the exit follows).
    pub fn offer(&self, event: Tapped) {
        let (len, cost) = (event.len(), event.cost());
        // Only this end adds, so the check and the add cannot race to
        // overshoot; the consumer's subtractions only make room.
        if self.counts.queued.load(Ordering::Acquire) + cost > TAP_BYTES {
            self.counts.lost.fetch_add(len, Ordering::Relaxed);
            return;
        }
        self.counts.queued.fetch_add(cost, Ordering::AcqRel);
        if self.events.send(event).is_err() {
            // The consumer is gone: nobody counts this any more.
            self.counts.queued.fetch_sub(cost, Ordering::AcqRel);
        }
    }
}

impl TapReceiver {
    /// The next event (`None` once the tap is gone and drained).
    pub async fn recv(&mut self) -> Option<Tapped> {
        let event = self.events.recv().await;
        self.received(event)
    }

    /// The next event if one is waiting.
    pub fn try_recv(&mut self) -> Option<Tapped> {
        let event = self.events.try_recv().ok();
        self.received(event)
    }

    fn received(&self, event: Option<Tapped>) -> Option<Tapped> {
        if let Some(event) = &event {
            self.counts.queued.fetch_sub(event.cost(), Ordering::AcqRel);
        }
        event
    }

    /// Bytes dropped since the last call.
    pub fn take_lost(&self) -> u64 {
        self.counts.lost.swap(0, Ordering::Relaxed)
    }
}

/// The recording a tab's tap feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Active {
    pub id: String,
    /// Typed input is recorded too: viewers show "REC + keys".
    pub input: bool,
}

/// Which recording a tab's tap feeds, if any: viewers watch it for REC.
pub struct Recording {
    id: watch::Sender<Option<Active>>,
}

impl Default for Recording {
    fn default() -> Self {
        Self {
            id: watch::channel(None).0,
        }
    }
}

impl Recording {
    /// Starts feeding recording `id` through `tap`; false when one runs.
    /// The tap is set under the watch's lock, so a racing stop cannot
    /// leave a tap without a recording or the other way round.
    pub fn start(&self, fanout: &Fanout, id: &str, tap: Tap) -> bool {
        let mut tap = Some(tap);
        self.id.send_if_modified(|current| {
            if current.is_some() {
                return false;
            }
            let input = tap.as_ref().is_some_and(Tap::records_input);
            *current = Some(Active {
                id: id.to_string(),
                input,
            });
            fanout.set_tap(tap.take());
            true
        })
    }

    /// Stops the recording (`only`: only if it is that one, for a recorder
    /// that ended by itself); returns the id that stopped.
    pub fn stop(&self, fanout: &Fanout, only: Option<&str>) -> Option<String> {
        let mut stopped = None;
        self.id.send_if_modified(|current| {
            let running = current.as_ref().map(|active| active.id.as_str());
            if running.is_none() || only.is_some_and(|id| running != Some(id)) {
                return false;
            }
            stopped = current.take().map(|active| active.id);
            fanout.set_tap(None);
            true
        });
        stopped
    }

    /// The recording running now.
    pub fn current(&self) -> Option<String> {
        self.id.borrow().as_ref().map(|active| active.id.clone())
    }

    /// Whether the recording running now records input too.
    pub fn records_input(&self) -> bool {
        self.id.borrow().as_ref().is_some_and(|active| active.input)
    }

    /// Changes of the recording, for viewers.
    pub fn changes(&self) -> watch::Receiver<Option<Active>> {
        self.id.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_tap_drops_and_counts_instead_of_waiting() {
        let (tap, mut receiver) = tap(false);
        let now = Instant::now();
        // Tiny chunks are bounded by their cost, not only their bytes.
        let fits = (TAP_BYTES / (5 + EVENT_COST)) as usize;
        for _ in 0..fits + 3 {
            tap.offer(Tapped::Output(Bytes::from_static(b"12345"), now));
        }
        assert_eq!(receiver.take_lost(), 15);
        assert_eq!(receiver.take_lost(), 0);
        let mut kept = 0;
        while receiver.try_recv().is_some() {
            kept += 1;
        }
        assert_eq!(kept, fits);
        drop(tap);
        assert!(receiver.recv().await.is_none());
    }

    #[tokio::test]
    async fn the_byte_budget_bounds_big_chunks_and_frees_as_they_are_taken() {
        let (tap, mut receiver) = tap(false);
        let now = Instant::now();
        let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
        let fits = (TAP_BYTES / (chunk.len() as u64 + EVENT_COST)) as usize;
        for _ in 0..fits + 2 {
            tap.offer(Tapped::Output(chunk.clone(), now));
        }
        assert_eq!(receiver.take_lost(), 2 * chunk.len() as u64);
        assert!(receiver.try_recv().is_some());
        // Taking one made room for one more, and no more.
        tap.offer(Tapped::Output(chunk.clone(), now));
        tap.offer(Tapped::Output(chunk.clone(), now));
        assert_eq!(receiver.take_lost(), chunk.len() as u64);
        let mut kept = 1;
        while receiver.try_recv().is_some() {
            kept += 1;
        }
        assert_eq!(kept, fits + 1);
    }
}
