//! Randomness, in the one place that draws it: every secret (session keys,
//! share-link ids, tokens, keys) and every unguessable name comes from the
//! operating system's generator (getrandom(2)), never from a seeded one.

/// `N` bytes from the operating system's generator. Without it nothing
/// secret can be made, so a failing source is fatal rather than an error to
/// carry around.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the OS random source failed");
    bytes
}

/// A random `u64` (temporary file names that must not collide or be guessed).
pub fn u64() -> u64 {
    u64::from_le_bytes(bytes::<8>())
}
