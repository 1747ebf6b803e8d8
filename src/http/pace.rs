//! Deadlines for request bodies, so a client that sends a head and then
//! trickles its body (or stops) cannot hold a connection for ever.
//!
//! The head has its own deadline (`header_timeout`, in the server); bodies
//! get one measured from the same clock, the *grace* (that same 10 s):
//!
//! - A bounded body (JSON, an editor save; [`deadline`]) must be whole
//!   within the grace plus its length at [`MIN_RATE`]: 10 s for a login,
//!   about 12 s for 64 KiB, a few minutes for a 5 MiB save. A total, because
//!   a trickle (a byte every few seconds) must end too.
//! - An upload ([`upload_idle`]) may take as long as it needs, however large
//!   `--max-upload` is, but must make progress: at most three graces without
//!   a byte. Uploads are the owner's only (the gate runs before any body is
//!   read), so a slow link is the owner's own and gets no total.
//!
//! A body that misses its deadline is answered 408 `request_timeout` and the
//! connection is closed (see `http::handle`). The grace comes from the config
//! through a task-local set once per request ([`scope`]), so the helpers
//! every handler already calls need no new parameter.

use hyper::body::{Body, Incoming};
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// The slowest a bounded body may arrive, past the grace.
pub const MIN_RATE: u64 = 32 * 1024;
/// The grace outside a [`scope`] (unit tests): the default `header_timeout`.
const DEFAULT_GRACE: Duration = Duration::from_secs(10);

tokio::task_local! {
    static GRACE: Duration;
}

/// Runs a request's handling with `grace` as the body clock.
pub async fn scope<F: Future>(grace: Duration, handling: F) -> F::Output {
    GRACE.scope(grace, handling).await
}

fn grace() -> Duration {
    GRACE.try_with(|grace| *grace).unwrap_or(DEFAULT_GRACE)
}

/// When a body of at most `limit` bytes must have arrived whole. Its
/// declared length counts when it has one (a login declaring 60,000 bytes
/// gets the time for 60,000), else the limit.
pub fn deadline(body: &Incoming, limit: u64) -> Instant {
    let length = body.size_hint().upper().unwrap_or(limit).min(limit);
    Instant::now() + grace() + Duration::from_secs_f64(length as f64 / MIN_RATE as f64)
}

/// The longest an upload may go without a byte.
pub fn upload_idle() -> Duration {
    grace() * 3
}
