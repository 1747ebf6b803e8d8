//! The idle auto-shutdown: a public termgate whose owner has been away for
//! `--idle-shutdown` stops itself, so a forgotten daemon does not stay on
//! the internet. "Away" is [`OwnerActivity`]'s word; the clock never starts
//! before termgate became public, so a tunnel coming back after a quiet
//! local morning does not stop the daemon at once.

use super::Exposure;
use crate::auth::activity::OwnerActivity;
use crate::shutdown::{Reason, Shutdown};
use std::time::{Duration, Instant, SystemTime};

/// How often the watcher looks again when nothing is due sooner.
const LOOK_EVERY: Duration = Duration::from_secs(5);

/// When termgate stops itself if the owner stays away; `None` while not
/// public, with `--public-no-expiry`, or while the owner is watching.
pub fn deadline(exposure: &Exposure, activity: &OwnerActivity) -> Option<Instant> {
    let idle = exposure.idle_shutdown()?;
    let public_since = exposure.public_since()?;
    let away_since = activity.idle_since()?;
    Some(away_since.max(public_since) + idle)
}

/// [`deadline`] as wall-clock time, for `GET /api/status`.
pub fn deadline_wall(exposure: &Exposure, activity: &OwnerActivity) -> Option<SystemTime> {
    deadline(exposure, activity).map(super::wall)
}

/// Stops the daemon once it has been public and without its owner too long.
pub async fn watch(exposure: &Exposure, activity: &OwnerActivity, shutdown: &Shutdown) {
    loop {
        let wait = match deadline(exposure, activity) {
            Some(at) if at <= Instant::now() => {
                let idle = exposure.idle_shutdown().unwrap_or_default();
                println!(
                    "no owner activity for {} while public: shutting down (--public-no-expiry opts out)",
                    crate::config::units::format_duration(idle)
                );
                shutdown.trigger_because(Reason::Idle);
                return;
            }
            Some(at) => at.saturating_duration_since(Instant::now()).min(LOOK_EVERY),
            None => LOOK_EVERY,
        };
        tokio::select! {
            _ = shutdown.wait() => return,
            _ = tokio::time::sleep(wait) => {}
        }
    }
}
