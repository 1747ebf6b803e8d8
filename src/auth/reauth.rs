//! Re-authentication for sensitive actions (OWASP ASVS 7.5.3).
//!
//! The route table marks each sensitive route (`Route::reauth`, with the
//! purpose the audit log names). Such a route passes while the caller's owner
//! session has an open *window* — it showed the owner's factors within the
//! last [`WINDOW`] (`--reauth-window`; zero asks every time): at login, or at an earlier re-authentication. Otherwise
//! the body must carry the PIN (and, once the second factor is on, a current
//! code or a backup code), else the answer is `401 reauth_required`, which
//! tells the page to ask and retry. Factors that are sent are always checked,
//! window or not, so a wrong PIN is never waved through.
//!
//! The factors are weighed together on one reserved unit of the PIN budget
//! (the same budget as every other PIN check, the tab door's included): any
//! wrong factor spends it and gets the one 401, and the code is looked at
//! whatever the PIN was, so neither the answer nor its time says which was
//! wrong. A window opened on the PIN alone does not count once the second
//! factor is on. The window lives in the session table, never in the cookie.

use super::Principal;
use super::checks::Checks;
use super::limit::Budget;
use super::second_factor::{Matched, Presented};
use super::sessions::{SessionKind, SessionView};
use crate::error::Error;
use crate::http::guard::Remote;
use serde_json::json;
use std::time::Duration;

/// How long one re-authentication spares the factors, unless `--reauth-window` says otherwise.
pub const WINDOW: Duration = Duration::from_secs(5 * 60);

impl Checks<'_> {
    /// The owner's factors: the PIN, and a current code (or a backup code) when
    /// the second factor is on, on one unit of the PIN budget; one 401 for any
    /// wrong factor. `Ok(true)` when a code was shown (and is now used up).
    /// Opens no window: the tab door asks this of every socket.
    pub fn factors(
        &self,
        client: Remote,
        pin: &str,
        code: Option<&str>,
        purpose: &str,
    ) -> Result<bool, Error> {
        let source = client.source.to_string();
        let reservation = self
            .limiter
            .reserve(Budget::Pin, client.source)
            .map_err(|refused| self.refuse("pin_refused", &source, refused))?;
        let pin_ok = self.credentials.check_pin(pin);
        // Looked at whatever the PIN was; used up only with a right PIN.
        let presented = self.second.presented(code.unwrap_or_default());
        let code_ok = match &presented {
            Presented::NotAsked => true,
            Presented::Right(matched) => pin_ok && self.second.consume(matched),
            Presented::Wrong => false,
        };
        if pin_ok && code_ok {
            if let Presented::Right(Matched::Backup(_)) = presented {
                let left = self.second.backup_codes_left();
                self.audit
                    .record("backup_code_used", json!({"left": left, "source": source}));
            }
            return Ok(matches!(presented, Presented::Right(_)));
        }
        let event = if pin_ok {
            "totp_code_failed"
        } else {
            "pin_failed"
        };
        self.audit
            .record(event, json!({"purpose": purpose, "source": source}));
        if let Some(lockout) = reservation.failed() {
            self.audit.record(
                "lockout",
                json!({"budget": "pin", "source": source, "secs": lockout.as_secs()}),
            );
        }
        Err(Error::Unauthorized)
    }

    /// [`factors`](Self::factors), then the owner's `session` (if the caller has
    /// one: a script's token has none) gets a fresh window.
    pub fn reauth(
        &self,
        client: Remote,
        session: Option<&SessionView>,
        pin: &str,
        code: Option<&str>,
        purpose: &str,
    ) -> Result<(), Error> {
        let with_code = self.factors(client, pin, code, purpose)?;
        if let Some(view) = session.filter(|view| view.kind == SessionKind::Owner) {
            self.sessions.open_window(view.key, self.window, with_code);
        }
        // The owner's audit view shows when (and for what) the factors were shown again.
        let source = client.source.to_string();
        self.audit
            .record("reauth_ok", json!({"purpose": purpose, "source": source}));
        Ok(())
    }

    /// A sensitive action: the factors in the body if any are there (checked,
    /// and the window renewed), else the open window, else `reauth_required`.
    pub fn sensitive(
        &self,
        client: Remote,
        session: Option<&SessionView>,
        pin: Option<&str>,
        code: Option<&str>,
        purpose: &str,
    ) -> Result<(), Error> {
        if let Some(pin) = pin.filter(|pin| !pin.is_empty()) {
            return self.reauth(client, session, pin, code, purpose);
        }
        if self.window_open(session) {
            return Ok(());
        }
        Err(Error::ReauthRequired {
            second_factor: self.second.enabled(),
        })
    }

    /// The owner's window is open, and was opened with a code if one is asked now.
    fn window_open(&self, session: Option<&SessionView>) -> bool {
        session
            .filter(|view| view.kind == SessionKind::Owner)
            .and_then(|view| self.sessions.window(view.key))
            .is_some_and(|with_code| with_code || !self.second.enabled())
    }
}

/// A marked route's check, built by the pipeline from the route table: the
/// handler hands it the factors its body carried, and nothing else decides.
pub struct Sensitive<'a> {
    checks: Checks<'a>,
    client: Remote,
    session: Option<SessionView>,
    /// The route's mark; `None`: the table does not call the route sensitive.
    purpose: Option<&'static str>,
}

impl<'a> Sensitive<'a> {
    pub fn new(
        checks: Checks<'a>,
        client: Remote,
        principal: &Principal,
        purpose: Option<&'static str>,
    ) -> Self {
        Self {
            checks,
            client,
            session: principal.session().cloned(),
            purpose,
        }
    }

    /// Passes, asks for the factors (`reauth_required`) or refuses them (401).
    pub fn check(&self, pin: Option<&str>, code: Option<&str>) -> Result<(), Error> {
        let Some(purpose) = self.purpose else {
            return Ok(());
        };
        let session = self.session.as_ref();
        self.checks
            .sensitive(self.client, session, pin, code, purpose)
    }
}
