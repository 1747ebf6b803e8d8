//! Checking a secret against its budget: the PIN wherever it is asked again
//! (logout-all, extend, an interactive link), and the one way a refusal is
//! reported. What every handler that weighs a secret needs, and nothing more.

use super::credentials::Credentials;
use super::limit::{Budget, Limiter, Refused};
use crate::audit::Audit;
use crate::error::Error;
use crate::http::guard::Remote;
use serde_json::json;

/// The credentials, their budgets and the audit trail that records failures.
#[derive(Clone, Copy)]
pub struct Checks<'a> {
    pub credentials: &'a Credentials,
    pub limiter: &'a Limiter,
    pub audit: &'a Audit,
}

impl Checks<'_> {
    /// Checks a PIN against its own budget. A unit is reserved *before* the
    /// PIN is evaluated, so a burst of held-back requests gets no extra guesses.
    pub fn pin(&self, client: Remote, pin: &str, purpose: &str) -> Result<(), Error> {
        let source = client.source.to_string();
        let reservation = self
            .limiter
            .reserve(Budget::Pin, client.source)
            .map_err(|refused| self.refuse("pin_refused", &source, refused))?;
        if self.credentials.check_pin(pin) {
            return Ok(());
        }
        self.audit
            .record("pin_failed", json!({"purpose": purpose, "source": source}));
        if let Some(lockout) = reservation.failed() {
            self.audit.record(
                "lockout",
                json!({"budget": "pin", "source": source, "secs": lockout.as_secs()}),
            );
        }
        Err(Error::Unauthorized)
    }

    /// A refusal is noise an attacker can make at will: it is counted per
    /// source and interval (`audit::Audit::refused`), never logged line by line.
    pub fn refuse(&self, event: &'static str, source: &str, refused: Refused) -> Error {
        self.audit.refused(event, source, refused.reason);
        Error::RateLimited {
            retry_after: refused.wait,
        }
    }
}
