//! Properties of share-token verification: a minted token verifies; the
//! same token with any character changed, any bit of its bytes flipped, cut
//! short or extended never does; arbitrary text never does; and a token
//! verifies only while its signed expiry is in the future.

use super::*;
use proptest::prelude::*;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn minted() -> (ShareLinks, String) {
    let links = ShareLinks::new([3; 32]);
    let (_, token) = links
        .mint(Scope::Interactive, None, Duration::from_secs(600), 5)
        .unwrap();
    (links, token)
}

/// A link whose record expires `delta` seconds from now.
fn expiring(links: &ShareLinks, delta: i64) -> String {
    let id = crate::random::bytes::<ID_BYTES>();
    let expires_at = now_secs().saturating_add_signed(delta);
    let record = ShareRecord {
        id: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id),
        scope: Scope::ReadOnly,
        terminal: None,
        expires_at,
        uses_left: 1,
        stats: Arc::default(),
        passes_lock: false,
    };
    links.lock().insert(record.id.clone(), record);
    links.token(&id, expires_at)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_changed_character_never_verifies(at in any::<prop::sample::Index>(), with in 0..64usize) {
        let (links, token) = minted();
        prop_assert!(links.check(&token).is_ok());
        let mut bytes = token.into_bytes();
        let i = at.index(bytes.len());
        prop_assume!(bytes[i] != ALPHABET[with]);
        bytes[i] = ALPHABET[with];
        let forged = String::from_utf8(bytes).unwrap();
        prop_assert!(links.check(&forged).is_err(), "{}", forged);
    }

    #[test]
    fn a_flipped_bit_never_verifies(at in any::<prop::sample::Index>(), bit in 0..8u8) {
        let (links, token) = minted();
        let mut bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&token).unwrap();
        let i = at.index(bytes.len());
        bytes[i] ^= 1 << bit;
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
        prop_assert_eq!(links.check(&forged).unwrap_err(), Refusal::BadSignature);
    }

    #[test]
    fn a_cut_or_extended_token_never_verifies(cut in any::<prop::sample::Index>(), tail in "[A-Za-z0-9_=.-]{1,8}") {
        let (links, token) = minted();
        let short = &token[..cut.index(token.len())];
        prop_assert!(links.check(short).is_err(), "{}", short);
        let long = format!("{token}{tail}");
        prop_assert!(links.check(&long).is_err(), "{}", long);
    }

    #[test]
    fn arbitrary_text_never_verifies(text in "[A-Za-z0-9_-]{70,80}|\\PC{0,100}") {
        let (links, _) = minted();
        prop_assert!(links.check(&text).is_err());
    }

    #[test]
    fn expiry_is_honoured(delta in prop_oneof![-100_000..=0i64, 2..100_000i64]) {
        let links = ShareLinks::new([5; 32]);
        let token = expiring(&links, delta);
        let checked = links.check(&token);
        if delta <= 0 {
            prop_assert_eq!(checked.unwrap_err(), Refusal::Expired);
        } else {
            prop_assert!(checked.is_ok(), "{:?}", checked);
        }
    }
}
