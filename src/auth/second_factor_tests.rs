//! The enrolled second factor: enrolment only with a right code, a code good
//! once, backup codes used up one by one and replaced as a set.

use super::*;

fn now_code(secret: &[u8]) -> String {
    format!("{:06}", totp::code_at(secret, unix_secs()))
}

/// Enrolled with the code of the time it returns.
fn enrolled(dir: &Path) -> (SecondFactor, Vec<u8>, Vec<String>, u64) {
    let factor = SecondFactor::new(dir);
    let secret = factor.begin();
    assert!(factor.confirm("000000x").unwrap().is_none());
    assert!(!factor.enabled(), "a wrong code enrols nothing");
    let at = unix_secs();
    let code = format!("{:06}", totp::code_at(&secret, at));
    let codes = factor.confirm(&code).unwrap().expect("enrolled");
    (factor, secret, codes, at)
}

#[test]
fn enrolment_needs_a_code_from_the_shown_secret() {
    let dir = tempfile::tempdir().unwrap();
    let factor = SecondFactor::new(dir.path());
    assert!(!factor.enabled());
    let other = factor.begin();
    let secret = factor.begin(); // the newer secret replaces the first
    if now_code(&other) != now_code(&secret) {
        assert!(factor.confirm(&now_code(&other)).unwrap().is_none());
    }
    let codes = factor.confirm(&now_code(&secret)).unwrap().unwrap();
    assert_eq!(codes.len(), BACKUP_CODES);
    assert!(
        codes
            .iter()
            .all(|c| c.len() == 9 && c.as_bytes()[4] == b'-'),
        "{codes:?}"
    );
    assert!(factor.enabled());
    let text = std::fs::read_to_string(dir.path().join(STORE_FILE)).unwrap();
    assert!(
        codes.iter().all(|c| !text.contains(&c.replace('-', ""))),
        "only hashes kept"
    );
}

#[test]
fn a_code_is_good_once() {
    let dir = tempfile::tempdir().unwrap();
    let (factor, secret, _, at) = enrolled(dir.path());
    // The enrolment used that step's code: the same code again is a replay.
    assert_eq!(
        factor.check(&format!("{:06}", totp::code_at(&secret, at))),
        None
    );
    let next = format!("{:06}", totp::code_at(&secret, at + totp::STEP_SECS));
    let matched = factor
        .check(&next)
        .expect("the next step's code, within the drift");
    assert!(factor.consume(&matched));
    assert!(!factor.consume(&matched), "used up");
    assert_eq!(factor.check(&next), None);
}

#[test]
fn backup_codes_are_used_once_and_replaced_as_a_set() {
    let dir = tempfile::tempdir().unwrap();
    let (factor, _, codes, _) = enrolled(dir.path());
    assert!(factor.verify(&codes[0].to_lowercase()), "any case");
    assert!(!factor.verify(&codes[0]), "once");
    assert!(
        factor.verify(&codes[1].replace('-', "")),
        "with or without the dash"
    );
    assert_eq!(factor.backup_codes_left(), BACKUP_CODES - 2);
    let fresh = factor.regenerate().unwrap();
    assert!(!factor.verify(&codes[2]), "the old set is void");
    assert!(factor.verify(&fresh[0]));
    assert!(!factor.verify("ABCD-EFGH"));
}

#[test]
fn disabling_removes_every_trace() {
    let dir = tempfile::tempdir().unwrap();
    let (factor, secret, _, _) = enrolled(dir.path());
    factor.disable().unwrap();
    assert!(!factor.enabled());
    assert!(!dir.path().join(STORE_FILE).exists());
    assert_eq!(factor.check(&now_code(&secret)), None);
}
