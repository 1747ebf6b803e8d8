//! The two login factors and their constant-time checks.
//!
//! Neither factor is kept in memory in the clear: the token as its SHA-256,
//! the PIN as HMAC-SHA256 under a secret key. Both checks compare fixed-length
//! digests with `subtle`, so timing reveals neither length nor prefix.

use crate::config::ConfigError;
use crate::config::secrets::{Factors, TokenOrigin};
use crate::digest::{pin_digest, sha256};
use subtle::ConstantTimeEq;

#[derive(Clone)]
pub struct Credentials {
    token_digest: [u8; 32],
    pin_key: [u8; 32],
    pin_digest: [u8; 32],
    origin: Option<TokenOrigin>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(..)")
    }
}

/// What a login attempt got right. Only the audit log sees the detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginCheck {
    pub token_ok: bool,
    pub pin_ok: bool,
}

impl LoginCheck {
    pub fn ok(self) -> bool {
        self.token_ok && self.pin_ok
    }

    /// Reason class for the audit log.
    pub fn failure_reason(self) -> &'static str {
        match (self.token_ok, self.pin_ok) {
            (true, true) => "none",
            (true, false) => "wrong_pin",
            (false, true) => "wrong_token",
            (false, false) => "wrong_token_and_pin",
        }
    }
}

impl Credentials {
    pub fn new(token: &str, pin_key: [u8; 32], pin_digest: [u8; 32]) -> Self {
        Self {
            token_digest: sha256(token.as_bytes()),
            pin_key,
            pin_digest,
            origin: None,
        }
    }

    /// The factors as the config layer loaded them.
    pub fn from_factors(factors: &Factors) -> Self {
        Self {
            token_digest: factors.token_digest,
            pin_key: factors.pin_key,
            pin_digest: factors.pin_digest,
            origin: factors.origin.clone(),
        }
    }

    /// The access token, read again from where it came from (it is not kept
    /// in memory), for a login link. Refuses when that is not the token in use.
    pub fn reread_token(&self) -> Result<String, ConfigError> {
        let token = crate::config::secrets::reread_token(self.origin())?;
        if !self.is_token(&token) {
            return Err(ConfigError::new(
                "the token changed since termgate started (termgate token --rotate?): restart termgate",
            ));
        }
        Ok(token)
    }

    /// Remembers where the token can be read again.
    pub fn with_origin(mut self, origin: Option<TokenOrigin>) -> Self {
        self.origin = origin;
        self
    }

    pub fn origin(&self) -> Option<&TokenOrigin> {
        self.origin.as_ref()
    }

    /// Is `token` the one termgate started with? (A token file rewritten by
    /// `termgate token --rotate` is not, until the restart.)
    pub fn is_token(&self, token: &str) -> bool {
        sha256(token.as_bytes()).ct_eq(&self.token_digest).into()
    }

    /// For tests and embedders: derive everything from clear values.
    pub fn from_clear(token: &str, pin: &str) -> Self {
        let key = [7u8; 32];
        Self::new(token, key, pin_digest(&key, pin))
    }

    /// Checks both factors, always both, without early exit.
    pub fn check_login(&self, token: &str, pin: &str) -> LoginCheck {
        let token_ok = sha256(token.as_bytes()).ct_eq(&self.token_digest);
        let pin_ok = pin_digest(&self.pin_key, pin).ct_eq(&self.pin_digest);
        LoginCheck {
            token_ok: token_ok.into(),
            pin_ok: pin_ok.into(),
        }
    }

    pub fn check_pin(&self, pin: &str) -> bool {
        pin_digest(&self.pin_key, pin)
            .ct_eq(&self.pin_digest)
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_factors_are_reported() {
        let creds = Credentials::from_clear("correct-horse-battery", "123456");
        assert!(creds.check_login("correct-horse-battery", "123456").ok());
        let check = creds.check_login("correct-horse-battery", "654321");
        assert_eq!(check.failure_reason(), "wrong_pin");
        let check = creds.check_login("x", "123456");
        assert_eq!(check.failure_reason(), "wrong_token");
        assert!(creds.check_pin("123456"));
        assert!(!creds.check_pin("1234567"));
    }
}
