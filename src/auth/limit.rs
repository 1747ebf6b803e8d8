//! Brute-force budgets for the two secrets: reserve a guess, then evaluate it.
//!
//! Four GCRA budgets bound wrong guesses: logins per source (5 per 5 min),
//! PIN checks per source (8 per 5 min), and two global budgets over all
//! guesses (20 per 5 min, 100 per day) that still hold when every request
//! arrives from one tunnel address or an attacker rotates addresses.
//!
//! A check *reserves* one unit of every applicable budget before the secret
//! is evaluated, all or nothing under one lock, and gives it back if the
//! secret was right. So a burst of guesses held back and released together
//! gets evaluated at most the budget's worth of times: the rest are refused
//! before anything is compared. (Checking first and recording the failure
//! afterwards let every guess in such a burst through.)
//!
//! A failure that leaves a budget dry locks its key out; each lockout within
//! 24 h lasts twice as long as the one before (5 min, 10, 20, … capped at
//! 24 h), and a failure while a lockout is active never escalates it, so one
//! burst costs one level. `clear` (the owner's `termgate unlock`) forgets it
//! all. SECURITY.md derives the worst-case guesses per day from these numbers.
//!
//! The GCRA is our own (a few lines) because governor cannot give a cell back.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Which secret a check is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Budget {
    Login,
    Pin,
}

/// Why and for how long a check was refused before evaluating anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub wait: Duration,
    /// `locked_out`, or `budget_spent` (no lockout, but no unit is free:
    /// other guesses hold them or the daily budget refills slowly).
    pub reason: &'static str,
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

/// Guesses allowed per window before a lockout, and the window.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub login_per_source: u32,
    pub pin_per_source: u32,
    pub global: u32,
    pub window: Duration,
    /// Wrong guesses of any kind, from anywhere, per day.
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

const DAY: Duration = Duration::from_secs(86_400);

/// One GCRA budget: `burst` units, one coming back every `interval`. Its
/// state is the theoretical arrival time (TAT); no state means full.
#[derive(Debug, Clone, Copy)]
struct Gcra {
    interval: Duration,
    burst: u32,
}

impl Gcra {
    fn new(count: u32, window: Duration) -> Self {
        let burst = count.max(1);
        Self {
            interval: window / burst,
            burst,
        }
    }

    /// How long until a unit is free (zero: one is).
    fn wait(&self, tat: Option<Instant>, now: Instant) -> Duration {
        let debt = tat.map_or(Duration::ZERO, |tat| tat.saturating_duration_since(now));
        debt.saturating_sub(self.interval * (self.burst - 1))
    }

    fn spend(&self, tat: &mut Option<Instant>, now: Instant) {
        let from = tat.map_or(now, |tat| tat.max(now));
        *tat = Some(from + self.interval);
    }

    fn refund(&self, tat: &mut Option<Instant>) {
        // A TAT in the past means a full budget, so over-refunding is harmless.
        *tat = tat.and_then(|tat| tat.checked_sub(self.interval));
    }
}

#[derive(Default)]
struct Inner {
    login: HashMap<IpAddr, Option<Instant>>,
    pin: HashMap<IpAddr, Option<Instant>>,
    global: Option<Instant>,
    daily: Option<Instant>,
    lockouts: HashMap<LockKey, Lockout>,
}

impl Inner {
    /// The per-source budget's state, the 5-min global one's and the daily one's.
    fn slots(&mut self, budget: Budget, source: IpAddr) -> [&mut Option<Instant>; 3] {
        let by_source = match budget {
            Budget::Login => &mut self.login,
            Budget::Pin => &mut self.pin,
        };
        [
            by_source.entry(source).or_default(),
            &mut self.global,
            &mut self.daily,
        ]
    }
}

pub struct Limiter {
    limits: Limits,
    login: Gcra,
    pin: Gcra,
    global: Gcra,
    daily: Gcra,
    inner: Mutex<Inner>,
}

/// One unit of every budget that applies to a guess, held while the guess
/// is evaluated. Dropped without [`failed`](Self::failed) (a right secret,
/// or a request that ended early), it is given back.
#[must_use = "a reservation is given back when dropped"]
pub struct Reservation<'a> {
    limiter: &'a Limiter,
    budget: Budget,
    source: IpAddr,
    settled: bool,
}

impl Reservation<'_> {
    /// The guess was wrong: the units stay spent. Returns the lockout this
    /// started, if a budget is now dry and no lockout was already running.
    pub fn failed(mut self) -> Option<Duration> {
        self.settled = true;
        self.limiter
            .settle_failure(self.budget, self.source, Instant::now())
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.limiter.refund(self.budget, self.source);
        }
    }
}

impl Limiter {
    pub fn new(limits: Limits) -> Self {
        Self {
            login: Gcra::new(limits.login_per_source, limits.window),
            pin: Gcra::new(limits.pin_per_source, limits.window),
            global: Gcra::new(limits.global, limits.window),
            daily: Gcra::new(limits.daily, DAY),
            limits,
            inner: Mutex::default(),
        }
    }

    fn gcras(&self, budget: Budget) -> [Gcra; 3] {
        let by_source = match budget {
            Budget::Login => self.login,
            Budget::Pin => self.pin,
        };
        [by_source, self.global, self.daily]
    }

    /// A cheap early refusal (before reading a request body): would a
    /// reservation be refused now? Spends nothing.
    pub fn check(&self, budget: Budget, source: IpAddr) -> Result<(), Refused> {
        let mut inner = self.lock();
        self.refusal(&mut inner, budget, source, Instant::now())
            .map_or(Ok(()), Err)
    }

    /// Takes one unit of every applicable budget, or none and says why.
    pub fn reserve(&self, budget: Budget, source: IpAddr) -> Result<Reservation<'_>, Refused> {
        self.reserve_at(budget, source, Instant::now())
    }

    fn reserve_at(
        &self,
        budget: Budget,
        source: IpAddr,
        now: Instant,
    ) -> Result<Reservation<'_>, Refused> {
        let mut inner = self.lock();
        if let Some(refused) = self.refusal(&mut inner, budget, source, now) {
            return Err(refused);
        }
        for (gcra, tat) in self.gcras(budget).iter().zip(inner.slots(budget, source)) {
            gcra.spend(tat, now);
        }
        Ok(Reservation {
            limiter: self,
            budget,
            source,
            settled: false,
        })
    }

    fn refusal(
        &self,
        inner: &mut Inner,
        budget: Budget,
        source: IpAddr,
        now: Instant,
    ) -> Option<Refused> {
        let locked = [LockKey::Source(budget, source), LockKey::Global]
            .iter()
            .filter_map(|key| inner.lockouts.get(key))
            .map(|lockout| lockout.until.saturating_duration_since(now))
            .max()
            .unwrap_or_default();
        if !locked.is_zero() {
            return Some(Refused {
                wait: locked,
                reason: "locked_out",
            });
        }
        let gcras = self.gcras(budget);
        let spent = gcras
            .iter()
            .zip(inner.slots(budget, source))
            .map(|(gcra, tat)| gcra.wait(*tat, now))
            .max()
            .unwrap_or_default();
        (!spent.is_zero()).then_some(Refused {
            wait: spent,
            reason: "budget_spent",
        })
    }

    fn refund(&self, budget: Budget, source: IpAddr) {
        let mut inner = self.lock();
        for (gcra, tat) in self.gcras(budget).iter().zip(inner.slots(budget, source)) {
            gcra.refund(tat);
        }
    }

    fn settle_failure(&self, budget: Budget, source: IpAddr, now: Instant) -> Option<Duration> {
        let mut inner = self.lock();
        let [by_source, global, daily] = self.gcras(budget);
        let [source_tat, global_tat, daily_tat] = inner.slots(budget, source);
        let source_dry = !by_source.wait(*source_tat, now).is_zero();
        let global_dry =
            !global.wait(*global_tat, now).is_zero() || !daily.wait(*daily_tat, now).is_zero();
        let mut started = None;
        if source_dry {
            started = self.start_lockout(&mut inner, LockKey::Source(budget, source), now);
        }
        if global_dry {
            started = started.max(self.start_lockout(&mut inner, LockKey::Global, now));
        }
        started
    }

    /// Starts (or, while one is active, keeps) the key's lockout.
    fn start_lockout(&self, inner: &mut Inner, key: LockKey, now: Instant) -> Option<Duration> {
        let level = match inner.lockouts.get(&key) {
            // One escalation per lockout: guesses evaluated while it runs
            // were admitted before it started, and must not double it again.
            Some(active) if active.until > now => return None,
            Some(previous) if now.duration_since(previous.since) < DAY => previous.level + 1,
            _ => 1,
        };
        let factor = 1u32 << (level - 1).min(16);
        let duration = (self.limits.first_lockout * factor).min(self.limits.max_lockout);
        let lockout = Lockout {
            until: now + duration,
            level,
            since: now,
        };
        inner.lockouts.insert(key, lockout);
        Some(duration)
    }

    /// The owner's `termgate unlock`: forgets every lockout, its escalation
    /// history and every budget's spending. Returns how many lockouts were
    /// active.
    pub fn clear(&self) -> usize {
        let now = Instant::now();
        let mut inner = self.lock();
        let active = inner.lockouts.values().filter(|l| l.until > now).count();
        *inner = Inner::default();
        active
    }

    /// Forgets full per-source budgets and old lockouts, so memory stays
    /// bounded under many sources.
    pub fn prune(&self) {
        let now = Instant::now();
        let mut inner = self.lock();
        let spent = |tat: &mut Option<Instant>| tat.is_some_and(|tat| tat > now);
        inner.login.retain(|_, tat| spent(tat));
        inner.pin.retain(|_, tat| spent(tat));
        inner
            .lockouts
            .retain(|_, lockout| now.duration_since(lockout.since) < DAY);
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        crate::lock::lock(&self.inner)
    }
}

/// Seconds to put in `Retry-After` (at least 1).
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
#[path = "limit_tests.rs"]
mod tests;
