//! Brute-force budgets for the two secrets, built on governor.
//!
//! Four GCRA budgets count *failed* checks only: failed logins per source
//! (5 per 5 min), failed PIN checks per source (8 per 5 min), and two global
//! budgets over all failures (20 per 5 min, 100 per day) that still hold when
//! every request arrives from one tunnel address or an attacker rotates
//! addresses. The daily one is what bounds a patient attacker who stays just
//! under the short-window rates. When a budget runs dry its key is locked
//! out, and each lockout within 24 h lasts twice as long as the one before
//! (5 min, 10, 20, … capped at 24 h).
//! SECURITY.md derives the worst-case guesses per day from these numbers.

use governor::clock::DefaultClock;
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Which secret a failed check was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Budget {
    Login,
    Pin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum LockKey {
    Source(Budget, IpAddr),
    Global,
}

#[derive(Debug, Clone, Copy)]
struct Lockout {
    until: Instant,
    level: u32,
    since: Instant,
}

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// Failures allowed per window before a lockout, and the window.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub login_per_source: u32,
    pub pin_per_source: u32,
    pub global: u32,
    pub window: Duration,
    /// Failures of any kind, from anywhere, per day.
    pub daily: u32,
    pub first_lockout: Duration,
    pub max_lockout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            login_per_source: 5,
            pin_per_source: 8,
            global: 20,
            window: Duration::from_secs(300),
            daily: 100,
            first_lockout: Duration::from_secs(300),
            max_lockout: Duration::from_secs(86_400),
        }
    }
}

pub struct Limiter {
    limits: Limits,
    login: Keyed<IpAddr>,
    pin: Keyed<IpAddr>,
    global: Keyed<()>,
    daily: Keyed<()>,
    lockouts: Mutex<HashMap<LockKey, Lockout>>,
}

fn quota(count: u32, window: Duration) -> Quota {
    let count = NonZeroU32::new(count.max(1)).expect("count is at least 1");
    Quota::with_period(window / count.get())
        .expect("window is non-zero")
        .allow_burst(count)
}

impl Limiter {
    pub fn new(limits: Limits) -> Self {
        Self {
            login: RateLimiter::keyed(quota(limits.login_per_source, limits.window))
                .with_middleware::<StateInformationMiddleware>(),
            pin: RateLimiter::keyed(quota(limits.pin_per_source, limits.window))
                .with_middleware::<StateInformationMiddleware>(),
            global: RateLimiter::keyed(quota(limits.global, limits.window))
                .with_middleware::<StateInformationMiddleware>(),
            daily: RateLimiter::keyed(quota(limits.daily, Duration::from_secs(86_400)))
                .with_middleware::<StateInformationMiddleware>(),
            limits,
            lockouts: Mutex::default(),
        }
    }

    /// Before checking a secret: refuses (with the wait) while the source or
    /// everyone is locked out.
    pub fn check(&self, budget: Budget, source: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        let lockouts = self.lock();
        let wait = [LockKey::Source(budget, source), LockKey::Global]
            .iter()
            .filter_map(|key| lockouts.get(key))
            .map(|lockout| lockout.until.saturating_duration_since(now))
            .max()
            .unwrap_or_default();
        if wait.is_zero() { Ok(()) } else { Err(wait) }
    }

    /// After a failed check: spends budget; returns the lockout it started, if any.
    pub fn record_failure(&self, budget: Budget, source: IpAddr) -> Option<Duration> {
        let by_source = match budget {
            Budget::Login => &self.login,
            Budget::Pin => &self.pin,
        };
        let source_dry = exhausted(by_source.check_key(&source));
        let global_dry = exhausted(self.global.check_key(&()));
        let daily_dry = exhausted(self.daily.check_key(&()));
        let mut started = None;
        if source_dry {
            started = Some(self.start_lockout(LockKey::Source(budget, source)));
        }
        if global_dry || daily_dry {
            started = started.max(Some(self.start_lockout(LockKey::Global)));
        }
        started
    }

    fn start_lockout(&self, key: LockKey) -> Duration {
        let now = Instant::now();
        let mut lockouts = self.lock();
        let level = match lockouts.get(&key) {
            Some(previous) if now.duration_since(previous.since) < Duration::from_secs(86_400) => {
                previous.level + 1
            }
            _ => 1,
        };
        let factor = 1u32 << (level - 1).min(16);
        let duration = (self.limits.first_lockout * factor).min(self.limits.max_lockout);
        lockouts.insert(
            key,
            Lockout {
                until: now + duration,
                level,
                since: now,
            },
        );
        duration
    }

    /// Forgets idle per-source state so memory stays bounded under many sources.
    pub fn prune(&self) {
        self.login.retain_recent();
        self.pin.retain_recent();
        let now = Instant::now();
        self.lock()
            .retain(|_, lockout| now.duration_since(lockout.since) < Duration::from_secs(86_400));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<LockKey, Lockout>> {
        // Each mutation is one insert or retain; a poisoned map is still whole.
        self.lockouts.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A budget is dry when this failure used its last cell (or none was left).
fn exhausted<E>(outcome: Result<governor::middleware::StateSnapshot, E>) -> bool {
    match outcome {
        Ok(snapshot) => snapshot.remaining_burst_capacity() == 0,
        Err(_) => true,
    }
}

/// Seconds to put in `Retry-After` (at least 1).
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn fifth_failure_locks_the_source_out() {
        let limiter = Limiter::new(Limits::default());
        for _ in 0..4 {
            assert!(limiter.check(Budget::Login, ip(1)).is_ok());
            assert_eq!(limiter.record_failure(Budget::Login, ip(1)), None);
        }
        assert_eq!(
            limiter.record_failure(Budget::Login, ip(1)),
            Some(Duration::from_secs(300))
        );
        let wait = limiter.check(Budget::Login, ip(1)).unwrap_err();
        assert!(wait > Duration::from_secs(290));
        // Another source is unaffected.
        assert!(limiter.check(Budget::Login, ip(2)).is_ok());
    }

    #[test]
    fn lockouts_escalate() {
        let limits = Limits {
            login_per_source: 1,
            ..Limits::default()
        };
        let limiter = Limiter::new(limits);
        assert_eq!(
            limiter.record_failure(Budget::Login, ip(1)),
            Some(Duration::from_secs(300))
        );
        assert_eq!(
            limiter.record_failure(Budget::Login, ip(1)),
            Some(Duration::from_secs(600))
        );
        assert_eq!(
            limiter.record_failure(Budget::Login, ip(1)),
            Some(Duration::from_secs(1200))
        );
    }

    #[test]
    fn the_daily_budget_stops_a_patient_attacker() {
        let limits = Limits {
            daily: 3,
            ..Limits::default()
        };
        let limiter = Limiter::new(limits);
        for n in 0..2 {
            assert_eq!(limiter.record_failure(Budget::Pin, ip(n)), None);
        }
        assert!(limiter.record_failure(Budget::Pin, ip(9)).is_some());
        assert!(limiter.check(Budget::Login, ip(10)).is_err());
    }

    #[test]
    fn global_budget_holds_across_sources() {
        let limiter = Limiter::new(Limits::default());
        for n in 0..20 {
            limiter.record_failure(Budget::Login, ip(n));
        }
        assert!(limiter.check(Budget::Login, ip(200)).is_err());
    }
}
