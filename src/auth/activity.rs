//! The owner's activity, as the idle auto-shutdown of a public termgate sees it.
//!
//! Activity is what only a present owner does: logging in, typing, using the
//! API (background polls excluded, see the route table's `activity` column),
//! and having a terminal open in a *visible* browser tab (the page reports
//! its visibility on each socket). Guests never count: a forgotten share
//! link must not keep a daemon public. This is deliberately wider than a
//! login session's idle clock, which watching output does not reset.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Clone)]
pub struct OwnerActivity(Arc<Inner>);

struct Inner {
    last: Mutex<Instant>,
    /// Owner viewers attached in a visible browser tab.
    watching: AtomicUsize,
}

impl Default for OwnerActivity {
    fn default() -> Self {
        Self(Arc::new(Inner {
            last: Mutex::new(Instant::now()),
            watching: AtomicUsize::new(0),
        }))
    }
}

impl OwnerActivity {
    /// The owner did something just now.
    pub fn note(&self) {
        *self.lock() = Instant::now();
    }

    /// The owner is watching a terminal until the guard drops.
    pub fn watching(&self) -> Watching {
        self.0.watching.fetch_add(1, Ordering::Relaxed);
        Watching(self.clone())
    }

    /// Since when the owner has been away; `None` while watching.
    pub fn idle_since(&self) -> Option<Instant> {
        if self.0.watching.load(Ordering::Relaxed) > 0 {
            return None;
        }
        Some(*self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Instant> {
        crate::lock::lock(&self.0.last)
    }
}

/// Held while an owner viewer is visible. Dropping it counts as activity:
/// the owner was there until that moment.
pub struct Watching(OwnerActivity);

impl Drop for Watching {
    fn drop(&mut self) {
        self.0.note();
        self.0.0.watching.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watching_holds_the_clock_and_leaving_restarts_it() {
        let activity = OwnerActivity::default();
        let before = activity.idle_since().unwrap();
        let guard = activity.watching();
        let second = activity.watching();
        assert_eq!(activity.idle_since(), None);
        drop(guard);
        assert_eq!(activity.idle_since(), None, "one viewer still watches");
        drop(second);
        assert!(activity.idle_since().unwrap() >= before);
    }
}
