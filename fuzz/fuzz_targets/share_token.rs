//! Fuzz target: share-token verification (`ShareLinks::check`), as
//! src/auth/share_props.rs states it. A minted token verifies; the same
//! token with any byte changed, any bit of its decoded bytes flipped, cut
//! short or extended never does; and arbitrary text never does.

#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use std::time::Duration;
use termgate::auth::share::{Refusal, Scope, ShareLinks};

/// One link for the whole run: minting draws randomness and takes a lock.
/// A year, so a long run never outlives it.
fn minted() -> &'static (ShareLinks, String) {
    static LINK: OnceLock<(ShareLinks, String)> = OnceLock::new();
    LINK.get_or_init(|| {
        let links = ShareLinks::new([3; 32]);
        let ttl = Duration::from_secs(366 * 86_400);
        let (_, token) = links.mint(Scope::Interactive, None, ttl, 5).unwrap();
        (links, token)
    })
}

fuzz_target!(|data: &[u8]| {
    let (links, token) = minted();
    assert!(links.check(token).is_ok());
    let [kind, at, with, rest @ ..] = data else {
        return;
    };
    let byte_at = usize::from(*at);
    let at = byte_at % token.len();
    match kind % 4 {
        // Any one byte changed, to anything (invalid UTF-8 is read lossily,
        // as a header or body would be).
        0 => {
            let mut bytes = token.clone().into_bytes();
            if bytes[at] == *with {
                return;
            }
            bytes[at] = *with;
            let forged = String::from_utf8_lossy(&bytes);
            assert!(links.check(&forged).is_err(), "{forged:?}");
        }
        // Any bit of the signed bytes flipped.
        1 => {
            let mut bytes = URL_SAFE_NO_PAD.decode(token).unwrap();
            let at = byte_at % bytes.len();
            bytes[at] ^= 1 << (with % 8);
            let forged = URL_SAFE_NO_PAD.encode(&bytes);
            assert_eq!(links.check(&forged).unwrap_err(), Refusal::BadSignature);
        }
        // Cut short, or extended by anything.
        2 => {
            let short = &token[..at];
            assert!(links.check(short).is_err(), "{short:?}");
            let long = format!("{token}{}", String::from_utf8_lossy(&data[2..]));
            assert!(links.check(&long).is_err(), "{long:?}");
        }
        // Arbitrary text.
        _ => {
            let text = String::from_utf8_lossy(rest);
            if text != token.as_str() {
                assert!(links.check(&text).is_err(), "{text:?}");
            }
        }
    }
});
