//! Admission: which connections keep their slot when there are too many.
//!
//! After OpenSSH's `MaxStartups`, two caps. Every connection counts against
//! `--max-connections`. A connection that has not (yet) carried a request
//! with a live owner session is *anonymous* and also counts against a much
//! smaller cap, [`anonymous_cap`]. Nothing proves an anonymous connection is
//! worth more than a newcomer, so none of them owns its slot: when a new
//! connection finds either cap full, the **oldest** anonymous connection is
//! evicted (closed) to make room, and the newcomer is admitted.
//!
//! Why this keeps the owner in: an attacker holding every anonymous slot
//! (idle connections, slow heads, slow bodies) cannot keep a newcomer out,
//! because the newcomer is always admitted and is evicted only after
//! `anonymous_cap` more connections have arrived; a client that sends its
//! request at once (a browser logging in) is done long before. A connection
//! whose request carries the owner's session cookie *and its proof* (a
//! cookie alone is anonymous, see `auth::sessions`) becomes *trusted*: it
//! leaves the anonymous set and is never evicted, so the logged-in owner's
//! traffic does not compete with anonymous churn at all. A newcomer is
//! refused only when every slot is trusted, which only the owner can cause.
//!
//! A guest's share-link session does not make a connection trusted: a link
//! can be forwarded, and trusted slots are the ones nobody can take back.
//!
//! "Oldest" is refined by [`Progress`]: a connection whose request has fully
//! arrived is being answered and goes last; among the rest, the oldest goes.
//! This matters when attackers re-open what is evicted at once: the churn is
//! then as fast as the machine accepts, and on a loaded machine
//! `anonymous_cap` accepts can come before a login is answered. Idle and
//! slow-body connections never reach `Received`, so the owner's login, which
//! sends everything at once, is not cut by them however fast they churn.
//! A head alone earns nothing: a body that trickles keeps its head "arrived"
//! for as long as its deadline, at the cost of a few bytes, so were heads
//! ranked above silence, an attacker holding all but one anonymous slot with
//! trickles would make every newcomer, the owner's first connection among
//! them, the very next one evicted. Once answered, a connection is back to
//! `Connected`: holding a kept-alive connection idle earns nothing either.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// The anonymous cap for a total of `max_connections`: a quarter (64 of the
/// default 256), so at least three quarters stay for the owner whatever
/// anonymous clients do, and never below 2 (one to evict, one to admit).
pub fn anonymous_cap(max_connections: usize) -> usize {
    (max_connections / 4).max(2)
}

/// The registry of admitted connections. One per server.
pub struct Admission {
    max_total: usize,
    max_anonymous: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    /// Anonymous connections by admission order: the first is the oldest.
    anonymous: BTreeMap<u64, Arc<Seat>>,
    trusted: usize,
    evictions: u64,
}

/// How far an anonymous connection's current request has come: a request
/// being answered ([`Received`](Progress::Received)) is evicted last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Progress {
    /// Nothing yet, or idle between requests.
    Connected = 0,
    /// A request head arrived; its body may still be coming. Ranks with
    /// `Connected`: a trickle stays here until its deadline (module docs).
    Head = 1,
    /// The whole request arrived and is being answered.
    Received = 2,
}

/// What the registry and a connection share.
#[derive(Default)]
struct Seat {
    evict: Notify,
    /// Set under the registry lock when the seat is taken away.
    evicted: AtomicBool,
    /// A [`Progress`] as its `u8`.
    progress: AtomicU8,
}

tokio::task_local! {
    /// The ticket of the connection whose request the current task serves.
    static SERVING: std::sync::Arc<Ticket>;
}

/// Runs `request` (one request's handling) as `ticket`'s: it starts at
/// [`Progress::Head`], may reach `Received` (see [`request_received`]) and
/// leaves the connection at `Connected` when answered.
pub async fn serving<T>(ticket: Arc<Ticket>, request: impl Future<Output = T>) -> T {
    ticket.set_progress(Progress::Head);
    let answer = SERVING.scope(ticket.clone(), request).await;
    ticket.set_progress(Progress::Connected);
    answer
}

/// The request being served has fully arrived (its body was read).
pub fn request_received() {
    let _ = SERVING.try_with(|ticket| ticket.set_progress(Progress::Received));
}

/// Counts, for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Census {
    pub anonymous: usize,
    pub trusted: usize,
    /// Anonymous connections closed to make room, since start.
    pub evictions: u64,
}

impl Admission {
    pub fn new(max_connections: usize) -> Self {
        Self {
            max_total: max_connections,
            max_anonymous: anonymous_cap(max_connections),
            inner: Mutex::new(Inner::default()),
        }
    }

    pub fn max_anonymous(&self) -> usize {
        self.max_anonymous
    }

    /// Admits a new (anonymous) connection, evicting the oldest anonymous
    /// one not being answered when a cap is full. `None`: every slot is trusted.
    pub fn admit(self: &Arc<Self>) -> Option<Ticket> {
        let mut inner = self.lock();
        let anonymous = inner.anonymous.len();
        if anonymous >= self.max_anonymous || anonymous + inner.trusted >= self.max_total {
            let answering =
                |seat: &Seat| seat.progress.load(Ordering::Relaxed) >= Progress::Received as u8;
            let (&id, _) = inner
                .anonymous
                .iter()
                .min_by_key(|(id, seat)| (answering(seat), **id))?;
            let victim = inner.anonymous.remove(&id)?;
            victim.evicted.store(true, Ordering::Release);
            // A stored permit if its task is not waiting right now.
            victim.evict.notify_one();
            inner.evictions += 1;
        }
        let id = inner.next_id;
        inner.next_id += 1;
        let seat = Arc::new(Seat::default());
        inner.anonymous.insert(id, seat.clone());
        Some(Ticket {
            admission: self.clone(),
            id,
            seat,
            trusted: AtomicBool::new(false),
        })
    }

    pub fn census(&self) -> Census {
        let inner = self.lock();
        Census {
            anonymous: inner.anonymous.len(),
            trusted: inner.trusted,
            evictions: inner.evictions,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        crate::lock::lock(&self.inner)
    }
}

/// One admitted connection's claim on its slot; dropping it frees the slot.
pub struct Ticket {
    admission: Arc<Admission>,
    id: u64,
    seat: Arc<Seat>,
    trusted: AtomicBool,
}

impl Ticket {
    /// The connection carried the owner's session: it keeps its slot for
    /// good. An eviction that has not yet taken effect is called off if the
    /// total has room, so a request that shows the owner's cookie is never
    /// cut because anonymous newcomers arrived before it was read.
    pub fn trust(&self) {
        if self.is_trusted() {
            return;
        }
        let admission = &self.admission;
        let mut inner = admission.lock();
        let rescued = !inner.anonymous.contains_key(&self.id)
            && inner.anonymous.len() + inner.trusted < admission.max_total;
        if inner.anonymous.remove(&self.id).is_some() || rescued {
            inner.trusted += 1;
            self.trusted.store(true, Ordering::Release);
            self.seat.evicted.store(false, Ordering::Release);
        }
    }

    /// How far this connection's request has come (see [`Progress`]).
    pub fn set_progress(&self, progress: Progress) {
        self.seat.progress.store(progress as u8, Ordering::Relaxed);
    }

    pub fn is_trusted(&self) -> bool {
        self.trusted.load(Ordering::Acquire)
    }

    /// Whether the connection must close now to make room for a newcomer.
    pub fn is_evicted(&self) -> bool {
        self.seat.evicted.load(Ordering::Acquire)
    }

    /// Resolves when the connection has been chosen for eviction (check
    /// [`is_evicted`](Self::is_evicted): a [`trust`](Self::trust) may have
    /// called it off meanwhile).
    pub async fn evicted(&self) {
        self.seat.evict.notified().await
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut inner = self.admission.lock();
        if self.is_trusted() {
            inner.trusted -= 1;
        } else {
            // Absent already if it was evicted.
            inner.anonymous.remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn census(admission: &Admission) -> (usize, usize) {
        let census = admission.census();
        (census.anonymous, census.trusted)
    }

    #[test]
    fn a_request_being_answered_goes_last_and_an_answered_one_earns_nothing() {
        let admission = Arc::new(Admission::new(12));
        assert_eq!(admission.max_anonymous(), 3);
        let answering = admission.admit().unwrap();
        let head_only = admission.admit().unwrap();
        let idle = admission.admit().unwrap();
        answering.set_progress(Progress::Received);
        head_only.set_progress(Progress::Head);
        let first = admission.admit().unwrap();
        assert!(
            head_only.is_evicted(),
            "the oldest not being answered, a head only though it sent"
        );
        assert!(!idle.is_evicted() && !answering.is_evicted());
        let _second = admission.admit().unwrap();
        assert!(idle.is_evicted() && !first.is_evicted());
        answering.set_progress(Progress::Connected);
        let _third = admission.admit().unwrap();
        assert!(
            answering.is_evicted(),
            "answered, it is idle again, and oldest"
        );
        assert!(!first.is_evicted());
    }

    #[test]
    fn a_trickling_body_does_not_outlast_a_newer_connection() {
        // Every anonymous slot but one held by heads whose bodies trickle (a
        // few bytes each, renewed when their deadline cuts them): a newcomer
        // must still outlive `max_anonymous - 1` later arrivals, like any
        // connection that has sent nothing yet, or one more arrival evicts it.
        let admission = Arc::new(Admission::new(12));
        let trickling: Vec<Ticket> = (0..2)
            .map(|_| {
                let ticket = admission.admit().unwrap();
                ticket.set_progress(Progress::Head);
                ticket
            })
            .collect();
        let owner = admission.admit().unwrap();
        let _next = admission.admit().unwrap();
        assert!(
            !owner.is_evicted(),
            "the newest but one went, while a trickle kept its slot"
        );
        assert!(
            trickling[0].is_evicted(),
            "the oldest that is not being answered goes"
        );
    }

    #[test]
    fn a_newcomer_evicts_the_oldest_anonymous_connection() {
        let admission = Arc::new(Admission::new(8));
        assert_eq!(admission.max_anonymous(), 2);
        let first = admission.admit().unwrap();
        let second = admission.admit().unwrap();
        let third = admission.admit().unwrap();
        assert!(first.is_evicted() && !second.is_evicted() && !third.is_evicted());
        assert_eq!(census(&admission), (2, 0));
        drop(first);
        assert_eq!(
            census(&admission),
            (2, 0),
            "an evicted ticket frees nothing twice"
        );
        let _fourth = admission.admit().unwrap();
        assert!(second.is_evicted() && !third.is_evicted());
        assert_eq!(admission.census().evictions, 2);
    }

    #[test]
    fn trusted_connections_are_never_evicted_and_fill_the_rest() {
        let admission = Arc::new(Admission::new(4));
        let owner: Vec<Ticket> = (0..4)
            .map(|_| {
                let ticket = admission.admit().unwrap();
                ticket.trust();
                ticket
            })
            .collect();
        assert_eq!(census(&admission), (0, 4));
        assert!(admission.admit().is_none(), "every slot is the owner's");
        drop(owner);
        assert_eq!(census(&admission), (0, 0));
        assert!(admission.admit().is_some(), "slots come back");
    }

    #[test]
    fn a_full_total_evicts_an_anonymous_connection_not_a_trusted_one() {
        let admission = Arc::new(Admission::new(4));
        let owner: Vec<Ticket> = (0..3)
            .map(|_| {
                let ticket = admission.admit().unwrap();
                ticket.trust();
                ticket
            })
            .collect();
        let anonymous = admission.admit().unwrap();
        let newcomer = admission.admit().unwrap();
        assert!(anonymous.is_evicted() && !newcomer.is_evicted());
        assert!(owner.iter().all(|t| !t.is_evicted()));
        assert_eq!(census(&admission), (1, 3));
    }

    #[test]
    fn the_owners_cookie_calls_off_a_pending_eviction_while_there_is_room() {
        let admission = Arc::new(Admission::new(8));
        let owner = admission.admit().unwrap();
        let _a = admission.admit().unwrap();
        let _b = admission.admit().unwrap();
        assert!(owner.is_evicted());
        owner.trust();
        assert!(owner.is_trusted() && !owner.is_evicted());
        assert_eq!(census(&admission), (2, 1));
        drop(owner);
        assert_eq!(census(&admission), (2, 0));
    }
}
