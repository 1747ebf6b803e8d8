//! Login sessions: lookup with the proof, expiry, ending, and the owner's list.

use super::*;

#[test]
fn lookup_touch_and_end() {
    let sessions = Sessions::new(Duration::from_secs(60), Duration::from_secs(600));
    let Issued {
        cookie,
        proof,
        view,
    } = sessions.create(SessionKind::Owner);
    assert!(sessions.lookup(&cookie, &proof, true).is_some());
    assert!(sessions.lookup("not-a-session", &proof, true).is_none());
    sessions.end(view.key);
    assert!(*view.ended.borrow());
    assert!(sessions.lookup(&cookie, &proof, true).is_none());
}

#[test]
fn a_cookie_is_nothing_without_its_own_proof() {
    let sessions = Sessions::new(Duration::from_secs(60), Duration::from_secs(600));
    let one = sessions.create(SessionKind::Owner);
    let other = sessions.create(SessionKind::Owner);
    assert_ne!(one.proof, one.cookie);
    for wrong in ["", one.cookie.as_str(), other.proof.as_str()] {
        assert!(
            sessions.lookup(&one.cookie, wrong, true).is_none(),
            "{wrong}"
        );
    }
    assert!(sessions.lookup(&one.cookie, &one.proof, true).is_some());
}

#[test]
fn idle_expiry_ends_the_session() {
    let sessions = Sessions::new(Duration::from_millis(1), Duration::from_secs(600));
    let issued = sessions.create(SessionKind::Owner);
    std::thread::sleep(Duration::from_millis(5));
    sessions.sweep();
    assert!(*issued.view.ended.borrow());
    assert!(
        sessions
            .lookup(&issued.cookie, &issued.proof, false)
            .is_none()
    );
}

#[test]
fn cookie_values_are_unique_and_not_stored() {
    let sessions = Sessions::new(Duration::from_secs(60), Duration::from_secs(600));
    let a = sessions.create(SessionKind::Owner);
    let b = sessions.create(SessionKind::Owner);
    assert_ne!(a.cookie, b.cookie);
    assert_ne!(a.view.key.0.to_vec(), a.cookie.as_bytes().to_vec());
}
