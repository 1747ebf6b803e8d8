//! A tab's input queue: keystrokes and pastes from every writing viewer on
//! their way to the PTY, bounded in bytes per viewer.
//!
//! Each writing viewer has a [`Budget`]: at most [`VIEWER_BUDGET`] bytes of
//! its input may wait in the queue. Its reader task waits in
//! [`InputQueue::push`] while the budget is spent, and so stops reading its
//! socket: TCP then pushes back on the sender, and no memory grows however
//! large the paste. The budget also counts the bytes the PTY has taken (or
//! that a signal key discarded), which the socket reports to the client
//! (`input_ack`), so a client can keep its own paste in flight below
//! [`crate::term::protocol::INPUT_WINDOW`] and its Ctrl-C is never stuck
//! behind the paste in the TCP stream.
//!
//! Signal keys jump the queue: [`InputQueue::signal`] drops everything
//! queued (like the line discipline's flush on Ctrl-C) and hands the PTY
//! writer the signal before any further byte, interrupting a write that the
//! PTY is not taking.

use bytes::Bytes;
use nix::sys::signal::Signal;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

/// Bytes of one viewer's input that may wait for the PTY.
pub const VIEWER_BUDGET: usize = 1 << 20;
/// The PTY's progress is reported to a viewer after this many more bytes.
pub const ACK_EVERY: u64 = 64 * 1024;

/// One writing viewer's share of the queue, and its progress.
pub struct Budget {
    capacity: usize,
    permits: Arc<Semaphore>,
    /// Bytes of this viewer's input the PTY took or a signal key discarded.
    consumed: AtomicU64,
    /// The `consumed` count last reported to the viewer.
    acked: AtomicU64,
    due: Notify,
}

impl Budget {
    pub fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Self {
            capacity,
            permits: Arc::new(Semaphore::new(capacity)),
            consumed: AtomicU64::new(0),
            acked: AtomicU64::new(0),
            due: Notify::new(),
        })
    }

    /// Bytes consumed so far.
    pub fn consumed(&self) -> u64 {
        self.consumed.load(Ordering::Acquire)
    }

    /// Waits until [`ACK_EVERY`] more bytes were consumed since the last
    /// report; returns the count to report now.
    pub async fn ack_due(&self) -> u64 {
        loop {
            let notified = self.due.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let consumed = self.consumed();
            if consumed - self.acked.load(Ordering::Acquire) >= ACK_EVERY {
                self.acked.store(consumed, Ordering::Release);
                return consumed;
            }
            notified.await;
        }
    }
}

/// Input waiting for the PTY, holding its share of a viewer's budget until
/// it is written or dropped.
pub struct Held {
    _permit: OwnedSemaphorePermit,
    budget: Arc<Budget>,
    len: u64,
}

impl Drop for Held {
    fn drop(&mut self) {
        let consumed = self.budget.consumed.fetch_add(self.len, Ordering::AcqRel) + self.len;
        if consumed - self.budget.acked.load(Ordering::Acquire) >= ACK_EVERY {
            self.budget.due.notify_one();
        }
    }
}

#[derive(Default)]
pub struct InputQueue {
    state: Mutex<State>,
    /// Wakes the PTY writer: new input, a signal, or the end.
    wake: Notify,
}

#[derive(Default)]
struct State {
    chunks: VecDeque<(Bytes, Held)>,
    /// Bytes in `chunks`.
    bytes: usize,
    /// A signal key waiting to be applied, with the key's byte.
    signal: Option<(Signal, u8)>,
    closed: bool,
}

/// What the PTY writer does next.
pub enum Next {
    Input(Bytes, Held),
    Signal(Signal, u8),
}

/// The queue is closed: the shell is gone and input has nowhere to go.
#[derive(Debug, PartialEq, Eq)]
pub struct Closed;

impl InputQueue {
    /// Queues `bytes` on `budget`, waiting while the budget is spent. A chunk
    /// larger than the whole budget waits until none of it is in use.
    /// Cancel-safe: dropping the future queues nothing.
    pub async fn push(&self, bytes: Bytes, budget: &Arc<Budget>) -> Result<(), Closed> {
        if bytes.is_empty() {
            return Ok(());
        }
        let want = bytes.len().min(budget.capacity) as u32;
        let permit = budget
            .permits
            .clone()
            .acquire_many_owned(want)
            .await
            .map_err(|_| Closed)?;
        let held = Held {
            _permit: permit,
            budget: budget.clone(),
            len: bytes.len() as u64,
        };
        let mut state = self.lock();
        if state.closed {
            return Err(Closed);
        }
        state.bytes += bytes.len();
        state.chunks.push_back((bytes, held));
        drop(state);
        self.wake.notify_one();
        Ok(())
    }

    /// Drops all queued input and asks for `signal` before anything else.
    pub fn signal(&self, signal: Signal, byte: u8) {
        let dropped = {
            let mut state = self.lock();
            state.bytes = 0;
            state.signal = Some((signal, byte));
            std::mem::take(&mut state.chunks)
        };
        // Released outside the lock: each release may wake a viewer.
        drop(dropped);
        self.wake.notify_one();
    }

    /// True when a signal is waiting (the writer abandons its current chunk).
    pub fn signal_pending(&self) -> bool {
        self.lock().signal.is_some()
    }

    /// Waits until a signal is pending.
    pub async fn signalled(&self) {
        loop {
            let notified = self.wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.signal_pending() {
                return;
            }
            notified.await;
        }
    }

    /// The next thing for the PTY writer: a signal first, then input in order.
    /// `None` once closed.
    pub async fn next(&self) -> Option<Next> {
        loop {
            let notified = self.wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut state = self.lock();
                if state.closed {
                    return None;
                }
                if let Some((signal, byte)) = state.signal.take() {
                    return Some(Next::Signal(signal, byte));
                }
                if let Some((bytes, held)) = state.chunks.pop_front() {
                    state.bytes -= bytes.len();
                    return Some(Next::Input(bytes, held));
                }
            }
            notified.await;
        }
    }

    /// Ends the queue: queued input is dropped and the PTY writer released.
    /// Viewers waiting on a spent budget find the queue closed once they get
    /// room (the writer that held it has ended too).
    pub fn close(&self) {
        let dropped = {
            let mut state = self.lock();
            state.closed = true;
            state.bytes = 0;
            std::mem::take(&mut state.chunks)
        };
        drop(dropped);
        self.wake.notify_waiters();
        self.wake.notify_one();
    }

    /// Bytes queued and not yet taken by the PTY writer.
    pub fn queued(&self) -> usize {
        self.lock().bytes
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        crate::lock::lock(&self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn input(next: Option<Next>) -> Bytes {
        match next {
            Some(Next::Input(bytes, _)) => bytes,
            _ => panic!("expected input"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_spent_budget_makes_its_viewer_wait_until_the_pty_takes_input() {
        let queue = Arc::new(InputQueue::default());
        let budget = Budget::new(10);
        queue
            .push(Bytes::from_static(b"12345678"), &budget)
            .await
            .unwrap();
        let blocked = tokio::spawn({
            let (queue, budget) = (queue.clone(), budget.clone());
            async move { queue.push(Bytes::from_static(b"abcd"), &budget).await }
        });
        // Another viewer's budget is its own.
        queue
            .push(Bytes::from_static(b"other"), &Budget::new(10))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(!blocked.is_finished(), "pushed beyond the budget");
        assert_eq!(queue.queued(), 13);
        // The writer takes the first chunk and finishes it: room again.
        let first = queue.next().await;
        assert_eq!(input(first), "12345678");
        assert_eq!(budget.consumed(), 8);
        blocked.await.unwrap().unwrap();
        assert_eq!(input(queue.next().await), "other");
        assert_eq!(input(queue.next().await), "abcd");
    }

    #[tokio::test(start_paused = true)]
    async fn an_oversized_chunk_waits_for_an_empty_queue_not_forever() {
        let queue = Arc::new(InputQueue::default());
        let budget = Budget::new(4);
        queue
            .push(Bytes::from_static(b"ab"), &budget)
            .await
            .unwrap();
        let big = tokio::spawn({
            let (queue, budget) = (queue.clone(), budget.clone());
            async move { queue.push(Bytes::from_static(b"0123456789"), &budget).await }
        });
        tokio::task::yield_now().await;
        assert!(!big.is_finished());
        drop(queue.next().await);
        big.await.unwrap().unwrap();
        assert_eq!(input(queue.next().await), "0123456789");
    }

    #[tokio::test(start_paused = true)]
    async fn a_signal_jumps_the_queue_and_drops_the_paste() {
        let queue = InputQueue::default();
        let budget = Budget::new(1 << 10);
        queue
            .push(Bytes::from_static(b"paste"), &budget)
            .await
            .unwrap();
        queue
            .push(Bytes::from_static(b"more"), &budget)
            .await
            .unwrap();
        queue.signal(Signal::SIGINT, 3);
        assert!(matches!(
            queue.next().await,
            Some(Next::Signal(Signal::SIGINT, 3))
        ));
        assert_eq!(queue.queued(), 0);
        assert_eq!(budget.consumed(), 9, "the dropped paste counts as consumed");
        queue
            .push(Bytes::from_static(b"after"), &budget)
            .await
            .unwrap();
        assert_eq!(input(queue.next().await), "after");
    }

    #[tokio::test(start_paused = true)]
    async fn closing_releases_waiting_writers_and_the_pty_writer() {
        let queue = Arc::new(InputQueue::default());
        let budget = Budget::new(2);
        queue
            .push(Bytes::from_static(b"xx"), &budget)
            .await
            .unwrap();
        let waiting = tokio::spawn({
            let (queue, budget) = (queue.clone(), budget.clone());
            async move { queue.push(Bytes::from_static(b"yy"), &budget).await }
        });
        tokio::task::yield_now().await;
        queue.close();
        assert_eq!(waiting.await.unwrap(), Err(Closed));
        assert!(queue.next().await.is_none());
        assert_eq!(
            queue.push(Bytes::from_static(b"z"), &budget).await,
            Err(Closed)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn progress_is_reported_every_ack_every_bytes() {
        let queue = InputQueue::default();
        let budget = Budget::new(1 << 20);
        let half = Bytes::from(vec![b'x'; ACK_EVERY as usize / 2]);
        queue.push(half.clone(), &budget).await.unwrap();
        drop(queue.next().await);
        let due = budget.ack_due();
        tokio::pin!(due);
        assert!(
            tokio::time::timeout(Duration::from_secs(1), due.as_mut())
                .await
                .is_err(),
            "reported before ACK_EVERY bytes"
        );
        queue.push(half, &budget).await.unwrap();
        drop(queue.next().await);
        assert_eq!(due.await, ACK_EVERY);
    }
}
