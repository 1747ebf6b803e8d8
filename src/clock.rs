//! Wall-clock time, in the one place that reads it.
//!
//! Deadlines and timeouts run on the monotonic clock (`Instant`), which never
//! jumps; the wall clock is read only where a time leaves the process: audit
//! lines, share-link expiry (signed into the token, so it must survive a
//! restart), file ages on disk, and times shown in the UI. A monotonic
//! deadline is shown by adding what is left of it to the wall clock now.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Since the Unix epoch (zero if the clock is set before it).
fn since_epoch(time: SystemTime) -> Duration {
    time.duration_since(UNIX_EPOCH).unwrap_or_default()
}

/// Seconds since the Unix epoch, now.
pub fn unix_secs() -> u64 {
    since_epoch(SystemTime::now()).as_secs()
}

/// Milliseconds since the Unix epoch, now.
pub fn unix_ms() -> u64 {
    to_unix_ms(SystemTime::now())
}

/// Milliseconds since the Unix epoch at `time`.
pub fn to_unix_ms(time: SystemTime) -> u64 {
    since_epoch(time).as_millis() as u64
}

/// A monotonic instant as wall-clock time, for the UI.
pub fn wall(at: Instant) -> SystemTime {
    SystemTime::now() + at.saturating_duration_since(Instant::now())
}

/// [`wall`] in Unix milliseconds.
pub fn wall_ms(at: Instant) -> u64 {
    to_unix_ms(wall(at))
}

/// Unix seconds `age` ago (zero when that is before the epoch).
pub fn unix_secs_ago(age: Duration) -> u64 {
    SystemTime::now()
        .checked_sub(age)
        .map_or(0, |t| since_epoch(t).as_secs())
}
