//! The budgets' arithmetic, with time passed in rather than slept through.

use super::*;

fn ip(last: u8) -> IpAddr {
    IpAddr::from([10, 0, 0, last])
}

fn fail_at(limiter: &Limiter, budget: Budget, source: IpAddr, now: Instant) -> Option<Duration> {
    let reservation = limiter
        .reserve_at(budget, source, now)
        .expect("a unit is free");
    reservation.settled_at_for_tests(now)
}

impl Reservation<'_> {
    fn settled_at_for_tests(mut self, now: Instant) -> Option<Duration> {
        self.settled = true;
        self.limiter.settle_failure(self.budget, self.source, now)
    }
}

#[test]
fn fifth_failure_locks_the_source_out() {
    let limiter = Limiter::new(Limits::default());
    let now = Instant::now();
    for _ in 0..4 {
        assert_eq!(fail_at(&limiter, Budget::Login, ip(1), now), None);
    }
    assert_eq!(
        fail_at(&limiter, Budget::Login, ip(1), now),
        Some(Duration::from_secs(300))
    );
    let refused = limiter.reserve_at(Budget::Login, ip(1), now).err().unwrap();
    assert_eq!(refused.reason, "locked_out");
    assert!(refused.wait > Duration::from_secs(290));
    // Another source is unaffected.
    assert!(limiter.check(Budget::Login, ip(2)).is_ok());
}

#[test]
fn reservations_beyond_the_budget_are_refused_before_anything_is_evaluated() {
    let limiter = Limiter::new(Limits::default());
    let held: Vec<_> = (0..5)
        .map(|_| limiter.reserve(Budget::Login, ip(1)).unwrap())
        .collect();
    let refused = limiter.reserve(Budget::Login, ip(1)).err().unwrap();
    assert_eq!(refused.reason, "budget_spent");
    // The five fail together: one lockout, at the first level.
    let lockouts: Vec<_> = held.into_iter().filter_map(|r| r.failed()).collect();
    assert_eq!(lockouts, [Duration::from_secs(300)]);
}

#[test]
fn a_right_secret_gives_its_units_back() {
    let limiter = Limiter::new(Limits::default());
    for _ in 0..50 {
        drop(limiter.reserve(Budget::Login, ip(1)).unwrap());
    }
    for _ in 0..4 {
        assert_eq!(
            limiter.reserve(Budget::Login, ip(1)).unwrap().failed(),
            None
        );
    }
    assert!(limiter.check(Budget::Login, ip(1)).is_ok());
}

#[test]
fn lockouts_escalate_once_per_lockout() {
    let limits = Limits {
        login_per_source: 2,
        ..Limits::default()
    };
    let limiter = Limiter::new(limits);
    let start = Instant::now();
    let minute = Duration::from_secs(60);
    let first = limiter.reserve_at(Budget::Login, ip(1), start).unwrap();
    let second = limiter.reserve_at(Budget::Login, ip(1), start).unwrap();
    assert_eq!(first.settled_at_for_tests(start), Some(5 * minute));
    // Admitted before the lockout, failing during it: no second level.
    assert_eq!(second.settled_at_for_tests(start + minute), None);
    // After it ends, the next dry budget doubles the lockout.
    let later = start + 6 * minute;
    assert_eq!(fail_at(&limiter, Budget::Login, ip(1), later), None);
    assert_eq!(
        fail_at(&limiter, Budget::Login, ip(1), later),
        Some(10 * minute)
    );
}

#[test]
fn the_daily_budget_stops_a_patient_attacker() {
    let limits = Limits {
        daily: 3,
        ..Limits::default()
    };
    let limiter = Limiter::new(limits);
    let now = Instant::now();
    for n in 0..2 {
        assert_eq!(fail_at(&limiter, Budget::Pin, ip(n), now), None);
    }
    assert!(fail_at(&limiter, Budget::Pin, ip(9), now).is_some());
    assert!(limiter.check(Budget::Login, ip(10)).is_err());
}

#[test]
fn global_budget_holds_across_sources() {
    let limiter = Limiter::new(Limits::default());
    let now = Instant::now();
    for n in 0..20 {
        fail_at(&limiter, Budget::Login, ip(n), now);
    }
    assert!(limiter.check(Budget::Login, ip(200)).is_err());
}

#[test]
fn clear_forgets_lockouts_and_spending() {
    let limiter = Limiter::new(Limits::default());
    let now = Instant::now();
    for n in 0..20 {
        fail_at(&limiter, Budget::Login, ip(n % 4), now);
    }
    assert!(limiter.check(Budget::Login, ip(1)).is_err());
    assert_eq!(limiter.clear(), 5, "four sources and the global lockout");
    assert!(limiter.check(Budget::Login, ip(1)).is_ok());
    assert!(limiter.check(Budget::Login, ip(200)).is_ok());
}
