//! The two login factors and their constant-time checks.
//!
//! Neither factor is kept in memory in the clear: the token as its SHA-256,
//! the PIN as HMAC-SHA256 under a secret key. Both checks compare fixed-length
//! digests with `subtle`, so timing reveals neither length nor prefix.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Shortest token a person may choose.
pub const MIN_TOKEN_LEN: usize = 16;
/// Shortest PIN.
pub const MIN_PIN_DIGITS: usize = 6;

#[derive(Clone)]
pub struct Credentials {
    token_digest: [u8; 32],
    pin_key: [u8; 32],
    pin_digest: [u8; 32],
    origin: Option<TokenOrigin>,
}

/// Where the token can be read again when the owner asks for a login link
/// (it is not kept in memory). A token typed with `--token` cannot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOrigin {
    File(std::path::PathBuf),
    /// `TERMGATE_TOKEN`.
    Environment,
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

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The keyed hash a PIN is kept as.
pub fn pin_digest(key: &[u8; 32], pin: &str) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(pin.as_bytes());
    mac.finalize().into_bytes().into()
}

/// A PIN is 6 to 32 ASCII digits.
pub fn validate_pin(pin: &str) -> Result<(), String> {
    if pin.len() < MIN_PIN_DIGITS || pin.len() > 32 || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("a PIN is {MIN_PIN_DIGITS} to 32 digits"));
    }
    Ok(())
}

/// A chosen token is at least 16 visible ASCII characters.
pub fn validate_token(token: &str) -> Result<(), String> {
    if token.len() < MIN_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "an access token is at least {MIN_TOKEN_LEN} visible ASCII characters"
        ));
    }
    Ok(())
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

    #[test]
    fn validation() {
        assert!(validate_pin("123456").is_ok());
        assert!(validate_pin("12345").is_err());
        assert!(validate_pin("12345a").is_err());
        assert!(validate_token("short").is_err());
        assert!(validate_token("sixteen-chars-ok").is_ok());
    }
}
