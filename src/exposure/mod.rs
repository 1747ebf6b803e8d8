//! What is public right now: the one place that knows, and that the gate asks.
//!
//! termgate is public through the owner's reverse proxy (`--public-url`, for
//! the whole run) and/or a tunnel it supervises (`--zrok`, `--cloudflare`,
//! while the tunnel is up). Each is a [`PublicSide`]. The gate reads the
//! current sides on every request ([`Exposure::sides`]) to decide which
//! `Host` and `Origin` it admits and whose forwarding headers it believes,
//! so every transition (tunnel up, restarted with a new URL, given up, ended
//! by `--public-timeout`) changes all of that at once, and nothing is left
//! behind: no stale host, no trust in forwarded headers once no proxy is there.
//!
//! While public, a daemon whose owner is away for `--idle-shutdown` (3 h)
//! stops itself (see [`idle`]), unless `--public-no-expiry`.

pub mod idle;

use crate::config::{Config, PublicUrl};
use serde::Serialize;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

/// How requests reach us from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The owner's reverse proxy (`--public-url`).
    Proxy,
    Zrok,
    /// Cloudflare's edge, which sets `CF-Connecting-IP` itself.
    Cloudflare,
}

/// One public origin and how it reaches us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicSide {
    /// `https://host[:port]`, as browsers send it in `Origin`.
    pub origin: String,
    /// `host[:port]`, lower case, as browsers send it in `Host`.
    pub host: String,
    pub via: Via,
}

pub struct Exposure {
    /// `--public-url`: public for the whole run.
    proxy: Option<PublicSide>,
    inner: RwLock<Inner>,
    /// `None` with `--public-no-expiry`.
    idle_shutdown: Option<Duration>,
    public_timeout: Option<Duration>,
}

#[derive(Default)]
struct Inner {
    tunnel: Option<PublicSide>,
    /// The sides as the gate sees them, rebuilt on every transition.
    sides: Arc<[PublicSide]>,
    /// When the tunnel's public side ends by itself (`--public-timeout`).
    /// Monotonic, like the supervisor's clock, so a suspend cannot make
    /// the shown expiry differ from the one enforced.
    public_deadline: Option<Instant>,
    /// Since when termgate has been public, counting a tunnel's restart
    /// gaps as public (a flapping tunnel must not restart the idle clock).
    public_since: Option<Instant>,
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
    pub fn new(config: &Config) -> Self {
        let expiring = |d: Option<Duration>| d.filter(|_| !config.public_no_expiry);
        let proxy = config.public_url.as_ref().map(|url| side(url, Via::Proxy));
        let exposure = Self {
            proxy,
            inner: RwLock::default(),
            idle_shutdown: expiring(config.idle_shutdown),
            public_timeout: expiring(config.public_timeout),
        };
        exposure.publish(&mut exposure.write());
        exposure
    }

    /// The public sides right now; what the gate admits and believes.
    pub fn sides(&self) -> Arc<[PublicSide]> {
        self.read().sides.clone()
    }

    /// The origin links are made for while public: the owner's proxy if
    /// there is one (it is what they chose), else the tunnel's.
    pub fn public_origin(&self) -> Option<String> {
        self.read().sides.first().map(|side| side.origin.clone())
    }

    /// A tunnel is up at `url` (or came back with a new one): its host is
    /// admitted instead of any earlier tunnel host, and the public clock
    /// starts with the first one.
    pub fn tunnel_up(&self, via: Via, url: &str) -> Result<(), String> {
        let url = PublicUrl::parse(url)?;
        let mut inner = self.write();
        inner.tunnel = Some(side(&url, via));
        if inner.public_deadline.is_none() {
            inner.public_deadline = self.public_timeout.map(|t| Instant::now() + t);
        }
        self.publish(&mut inner);
        Ok(())
    }

    /// The tunnel client died and is being restarted: its host is refused
    /// and its forwarding headers disbelieved until it is up again, but
    /// termgate still counts as public for the idle clock.
    pub fn tunnel_down(&self) {
        let mut inner = self.write();
        inner.tunnel = None;
        self.publish(&mut inner);
    }

    /// The tunnel is over (given up, `--public-timeout`): as
    /// [`tunnel_down`](Self::tunnel_down), and its clocks stop.
    pub fn tunnel_ended(&self) {
        let mut inner = self.write();
        inner.tunnel = None;
        inner.public_deadline = None;
        self.publish(&mut inner);
        if inner.sides.is_empty() {
            inner.public_since = None;
        }
    }

    fn publish(&self, inner: &mut Inner) {
        inner.sides = self.proxy.iter().chain(&inner.tunnel).cloned().collect();
        if !inner.sides.is_empty() && inner.public_since.is_none() {
            inner.public_since = Some(Instant::now());
        }
    }

    /// Since when termgate has been public without a break.
    pub fn public_since(&self) -> Option<Instant> {
        self.read().public_since
    }

    pub fn status(&self, idle_deadline: Option<SystemTime>) -> Status {
        let inner = self.read();
        Status {
            version: env!("CARGO_PKG_VERSION"),
            public_url: inner.sides.first().map(|side| side.origin.clone()),
            public_expires_at: inner
                .public_deadline
                .filter(|_| inner.tunnel.is_some())
                .map(wall)
                .map(unix_ms),
            idle_shutdown_at: idle_deadline.map(unix_ms),
        }
    }

    /// `--idle-shutdown`, unless `--public-no-expiry`.
    pub fn idle_shutdown(&self) -> Option<Duration> {
        self.idle_shutdown
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        crate::lock::read(&self.inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        crate::lock::write(&self.inner)
    }
}

fn side(url: &PublicUrl, via: Via) -> PublicSide {
    PublicSide {
        origin: url.origin.clone(),
        host: url.host.clone(),
        via,
    }
}

use crate::clock::to_unix_ms as unix_ms;
pub use crate::clock::wall;

#[cfg(test)]
mod tests;
