//! Checking the owner's factors against their budget, and the one way a
//! refusal is reported. What every handler that weighs a secret needs, and
//! nothing more; the re-authentication that sensitive actions ask for is
//! built on it in `reauth`.

use super::credentials::Credentials;
use super::limit::{Limiter, Refused};
use super::second_factor::SecondFactor;
use super::sessions::Sessions;
use crate::audit::Audit;
use crate::error::Error;
use std::time::Duration;

/// The credentials, their budgets, the audit trail that records failures,
/// and where a re-authentication window is kept.
#[derive(Clone, Copy)]
pub struct Checks<'a> {
    pub credentials: &'a Credentials,
    pub limiter: &'a Limiter,
    pub audit: &'a Audit,
    /// The optional code asked beside the PIN.
    pub second: &'a SecondFactor,
    /// The owner's sessions, each with its re-authentication window.
    pub sessions: &'a Sessions,
    /// How long a re-authentication spares the factors (5 minutes).
    pub window: Duration,
}

impl Checks<'_> {
    /// A refusal is noise an attacker can make at will: it is counted per
    /// source and interval (`audit::Audit::refused`), never logged line by line.
    pub fn refuse(&self, event: &'static str, source: &str, refused: Refused) -> Error {
        self.audit.refused(event, source, refused.reason);
        Error::RateLimited {
            retry_after: refused.wait,
        }
    }
}
