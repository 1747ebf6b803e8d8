//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP), the
//! optional third login factor: what any authenticator app computes from a
//! shared secret and the clock. Pure functions; the enrolled secret, the
//! last step used and the backup codes live in `totp_store`.

use hmac::{Hmac, KeyInit, Mac};

/// Seconds per step, and digits per code: what every authenticator app
/// assumes when the `otpauth://` URL says nothing else.
pub const STEP_SECS: u64 = 30;
pub const DIGITS: u32 = 6;
/// Steps either side of now that are still accepted (clock drift, and the
/// seconds a person takes to type).
pub const DRIFT_STEPS: u64 = 1;
/// Bytes of a fresh secret: 160 bits, as RFC 4226 recommends for SHA-1.
pub const SECRET_BYTES: usize = 20;

/// The hash HOTP runs on. Apps default to SHA-1; the others are here for
/// RFC 6238's test vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Sha1,
    Sha256,
    Sha512,
}

/// The step a unix time falls in.
pub fn step_of(unix_secs: u64) -> u64 {
    unix_secs / STEP_SECS
}

/// HOTP(secret, counter) truncated to `digits` (RFC 4226 §5.3).
pub fn hotp(algorithm: Algorithm, secret: &[u8], counter: u64, digits: u32) -> u32 {
    let message = counter.to_be_bytes();
    // One line per hash: the HMAC types share no trait a plain generic could name.
    macro_rules! mac {
        ($hash:ty) => {{
            let mut mac = <Hmac<$hash> as KeyInit>::new_from_slice(secret)
                .expect("HMAC takes any key length");
            mac.update(&message);
            mac.finalize().into_bytes().to_vec()
        }};
    }
    let digest: Vec<u8> = match algorithm {
        Algorithm::Sha1 => mac!(sha1::Sha1),
        Algorithm::Sha256 => mac!(sha2::Sha256),
        Algorithm::Sha512 => mac!(sha2::Sha512),
    };
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    binary % 10u32.pow(digits)
}

/// The code an app shows for `secret` at `unix_secs` (SHA-1, 6 digits, 30 s).
pub fn code_at(secret: &[u8], unix_secs: u64) -> u32 {
    hotp(Algorithm::Sha1, secret, step_of(unix_secs), DIGITS)
}

/// The step whose code `code` is, within the drift window around
/// `unix_secs`, if any. Every step in the window is computed and compared
/// (no early exit), so timing does not tell which step matched.
pub fn matching_step(secret: &[u8], code: &str, unix_secs: u64) -> Option<u64> {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let wanted: u32 = code.parse().ok()?;
    let now = step_of(unix_secs);
    let mut found = None;
    for step in now.saturating_sub(DRIFT_STEPS)..=now + DRIFT_STEPS {
        let same =
            subtle::ConstantTimeEq::ct_eq(&hotp(Algorithm::Sha1, secret, step, DIGITS), &wanted);
        if bool::from(same) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// RFC 4648 base32 without padding, as `otpauth://` URLs carry secrets.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Reads what [`base32`] wrote (case and spaces forgiven, as people type it).
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = match c.to_ascii_uppercase() {
            c @ 'A'..='Z' => c as u32 - 'A' as u32,
            c @ '2'..='7' => c as u32 - '2' as u32 + 26,
            _ => return None,
        };
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// The machine's name (`/proc/sys/kernel/hostname`): what an app lists the
/// account under; `localhost` when it cannot be read.
pub fn account_label() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// The `otpauth://` URL an authenticator app scans.
pub fn otpauth_url(secret: &[u8], host: &str) -> String {
    let label: String = host
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    format!(
        "otpauth://totp/termgate:{label}?secret={}&issuer=termgate&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        base32(secret)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B: the seeds are ASCII "1234567890" repeated to the
    /// hash's length; codes are 8 digits.
    #[test]
    fn rfc_6238_appendix_b_vectors() {
        let sha1 = b"12345678901234567890".as_slice();
        let sha256 = b"12345678901234567890123456789012".as_slice();
        let sha512 = b"1234567890123456789012345678901234567890123456789012345678901234".as_slice();
        let vectors: [(u64, u32, u32, u32); 6] = [
            (59, 94287082, 46119246, 90693936),
            (1111111109, 7081804, 68084774, 25091201),
            (1111111111, 14050471, 67062674, 99943326),
            (1234567890, 89005924, 91819424, 93441116),
            (2000000000, 69279037, 90698825, 38618901),
            (20000000000, 65353130, 77737706, 47863826),
        ];
        for (time, want1, want256, want512) in vectors {
            let step = step_of(time);
            assert_eq!(
                hotp(Algorithm::Sha1, sha1, step, 8),
                want1,
                "SHA1 at {time}"
            );
            assert_eq!(
                hotp(Algorithm::Sha256, sha256, step, 8),
                want256,
                "SHA256 at {time}"
            );
            assert_eq!(
                hotp(Algorithm::Sha512, sha512, step, 8),
                want512,
                "SHA512 at {time}"
            );
        }
    }

    #[test]
    fn a_code_matches_within_one_step_either_side_and_not_beyond() {
        let secret = b"12345678901234567890";
        let now = 1_111_111_111;
        let code = |t: u64| format!("{:06}", code_at(secret, t));
        assert_eq!(matching_step(secret, &code(now), now), Some(step_of(now)));
        assert_eq!(
            matching_step(secret, &code(now - 30), now),
            Some(step_of(now) - 1)
        );
        assert_eq!(
            matching_step(secret, &code(now + 30), now),
            Some(step_of(now) + 1)
        );
        assert_eq!(matching_step(secret, &code(now - 90), now), None);
        assert_eq!(matching_step(secret, "12345", now), None);
        assert_eq!(matching_step(secret, "12a456", now), None);
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(from_base32("mzxw 6ytb oi").unwrap(), b"foobar");
        assert_eq!(from_base32("MZXW6YTBOI======").unwrap(), b"foobar");
        assert!(from_base32("MZ1").is_none());
        let secret = crate::random::bytes::<SECRET_BYTES>();
        assert_eq!(from_base32(&base32(&secret)).unwrap(), secret);
    }
}
