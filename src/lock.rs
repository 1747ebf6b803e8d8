//! The one place termgate takes a std lock, ignoring poisoning.
//!
//! Every `std::sync` lock in termgate guards state that a panic cannot leave
//! half-updated: sections are short, never cross an `await`, and each
//! mutation is a single insert, remove or plain assignment. So a lock that a
//! panicking thread held is still whole, and refusing it (the std default)
//! would only turn one panic into a cascade. Std rather than tokio locks:
//! no section waits on anything (as mini-redis's `Db` explains for its own).

use std::sync::{Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

/// Locks `mutex`, poisoned or not.
pub fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Read-locks `lock`, poisoned or not.
pub fn read<T: ?Sized>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}

/// Write-locks `lock`, poisoned or not.
pub fn write<T: ?Sized>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|p| p.into_inner())
}

/// [`Condvar::wait`], poisoned or not.
pub fn wait<'a, T>(condvar: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    condvar.wait(guard).unwrap_or_else(|p| p.into_inner())
}

/// [`Condvar::wait_timeout`], poisoned or not; true when it timed out.
pub fn wait_timeout<'a, T>(
    condvar: &Condvar,
    guard: MutexGuard<'a, T>,
    timeout: Duration,
) -> (MutexGuard<'a, T>, bool) {
    let (guard, waited) = condvar
        .wait_timeout(guard, timeout)
        .unwrap_or_else(|p| p.into_inner());
    (guard, waited.timed_out())
}
