//! Hashing, in the one place that does it: the SHA-256 a secret is kept as
//! (tokens, session cookies and proofs, share-link ids) and the keyed hash
//! of the PIN and of API tokens. A leaf: the config layer stores the PIN's hash with it and
//! the auth layer checks against it, so neither imports the other for it.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The keyed hash a PIN is kept as (HMAC-SHA256 under the config folder's key).
pub fn pin_digest(key: &[u8; 32], pin: &str) -> [u8; 32] {
    keyed(key, pin.as_bytes())
}

/// HMAC-SHA256 of `bytes` under `key`: how a secret the server must
/// recognise but never show again is kept (the PIN, API tokens).
pub fn keyed(key: &[u8; 32], bytes: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(bytes);
    mac.finalize().into_bytes().into()
}
