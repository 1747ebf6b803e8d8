//! What is public right now, and the idle auto-shutdown that limits it.
//!
//! While termgate is reachable from outside (a tunnel, or `--public-url`),
//! a daemon nobody has logged into for `--idle-shutdown` (3 h) stops itself,
//! unless `--public-no-expiry`. The UI shows the public URL and both clocks.

use crate::http::guard::Allowlist;
use crate::shutdown::Shutdown;
use serde::Serialize;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub struct Exposure {
    inner: Mutex<Inner>,
    /// `None` with `--public-no-expiry`.
    idle_shutdown: Option<Duration>,
    public_timeout: Option<Duration>,
}

struct Inner {
    /// The public origin (`https://host`), while exposed.
    public_url: Option<String>,
    /// A reverse proxy was configured: exposed for the whole run.
    behind_proxy: bool,
    /// When the public side ends by itself (`--public-timeout`).
    public_deadline: Option<SystemTime>,
    last_login: Instant,
}

/// `GET /api/status`.
#[derive(Debug, Serialize)]
pub struct Status {
    pub version: &'static str,
    pub public_url: Option<String>,
    pub public_expires_at: Option<u64>,
    pub idle_shutdown_at: Option<u64>,
}

impl Exposure {
    pub fn new(
        idle_shutdown: Option<Duration>,
        public_timeout: Option<Duration>,
        behind_proxy: Option<&str>,
    ) -> Self {
        Self {
            inner: Mutex::new(Inner {
                public_url: behind_proxy.map(str::to_string),
                behind_proxy: behind_proxy.is_some(),
                public_deadline: None,
                last_login: Instant::now(),
            }),
            idle_shutdown,
            public_timeout,
        }
    }

    /// A tunnel reported its URL: admit its host and start the clocks.
    pub fn set_public(&self, url: &str, allowlist: &Allowlist) {
        let host = url.trim_start_matches("https://");
        allowlist.add_public(host, url);
        let mut inner = self.lock();
        if let Some(previous) = inner.public_url.replace(url.to_string())
            && previous != url
        {
            allowlist.remove_public(previous.trim_start_matches("https://"));
        }
        if inner.public_deadline.is_none() {
            inner.public_deadline = self.public_timeout.map(|t| SystemTime::now() + t);
        }
    }

    /// The tunnel is gone: its host is refused from now on.
    pub fn clear_public(&self, allowlist: &Allowlist) {
        let mut inner = self.lock();
        if inner.behind_proxy {
            return;
        }
        if let Some(url) = inner.public_url.take() {
            allowlist.remove_public(url.trim_start_matches("https://"));
        }
    }

    /// A successful login (owner or guest) resets the idle clock.
    pub fn note_login(&self) {
        self.lock().last_login = Instant::now();
    }

    pub fn status(&self) -> Status {
        let inner = self.lock();
        let exposed = inner.public_url.is_some();
        Status {
            version: env!("CARGO_PKG_VERSION"),
            public_url: inner.public_url.clone(),
            public_expires_at: inner.public_deadline.filter(|_| exposed).map(unix_ms),
            idle_shutdown_at: self.idle_deadline_locked(&inner).map(|deadline| {
                unix_ms(SystemTime::now() + deadline.saturating_duration_since(Instant::now()))
            }),
        }
    }

    fn idle_deadline_locked(&self, inner: &Inner) -> Option<Instant> {
        let idle = self.idle_shutdown?;
        inner.public_url.as_ref()?;
        Some(inner.last_login + idle)
    }

    /// Stops the daemon once it has been exposed and idle for too long.
    pub async fn watch_idle(&self, shutdown: Shutdown) {
        loop {
            let deadline = self.idle_deadline_locked(&self.lock());
            let wait = match deadline {
                Some(deadline) if deadline <= Instant::now() => {
                    println!(
                        "no login for a while during public exposure: shutting down (--public-no-expiry opts out)"
                    );
                    shutdown.trigger();
                    return;
                }
                Some(deadline) => deadline
                    .saturating_duration_since(Instant::now())
                    .min(Duration::from_secs(5)),
                None => Duration::from_secs(5),
            };
            tokio::select! {
                _ = shutdown.wait() => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Short sections only; a poisoned value is still whole.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64
}
