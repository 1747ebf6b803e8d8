//! Properties of reading termgate's cookies: any `Cookie` headers are read
//! without a panic; each of our names is found by exact name, whatever
//! else is sent around it; one of our names sent twice (in one header or
//! across several) makes the request anonymous even when one value is a
//! live owner session; and a live session sent once is the owner.

use super::*;
use proptest::prelude::*;
use std::time::Duration;

/// Names near ours: ours under the root and a sub-path, and look-alikes.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            COOKIE,
            SECURE_COOKIE,
            SUB_PATH_COOKIE,
            GUEST_COOKIE,
            SECURE_GUEST_COOKIE,
            SUB_PATH_GUEST_COOKIE,
            "termgate_sessio",
            "termgate_session_",
            "Termgate_session",
            "session",
            "a",
        ])
        .prop_map(str::to_string),
        "[!#-+\\--:<>-~]{1,12}",
    ]
}

fn value() -> impl Strategy<Value = String> {
    "[!#-+\\--:<-~]{0,12}"
}

/// Pairs spread over one to three `Cookie` headers.
fn headers_of(pairs: &[(String, String)], split: &[usize]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let mut rest = pairs;
    for &at in split {
        let at = at.min(rest.len());
        let (now, later) = rest.split_at(at);
        rest = later;
        let text: Vec<String> = now.iter().map(|(k, v)| format!("{k}={v}")).collect();
        headers.append(hyper::header::COOKIE, text.join("; ").parse().unwrap());
    }
    let text: Vec<String> = rest.iter().map(|(k, v)| format!("{k}={v}")).collect();
    headers.append(hyper::header::COOKIE, text.join("; ").parse().unwrap());
    headers
}

fn base() -> impl Strategy<Value = BasePath> {
    prop::sample::select(vec![BasePath::default(), BasePath::parse("/term").unwrap()])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_cookie_header_is_read_without_panic(text in "\\PC{0,60}", base in base()) {
        let mut headers = HeaderMap::new();
        if let Ok(value) = text.parse() {
            headers.insert(hyper::header::COOKIE, value);
        }
        let _ = our_cookies(&headers, &cookie_names(&base));
    }

    #[test]
    fn ours_are_found_exactly_and_twice_is_ambiguous(
        pairs in proptest::collection::vec((name(), value()), 0..8),
        split in proptest::collection::vec(0..4usize, 0..3),
        base in base(),
    ) {
        let names = cookie_names(&base);
        let headers = headers_of(&pairs, &split);
        let found = our_cookies(&headers, &names);
        let twice = names
            .iter()
            .any(|n| pairs.iter().filter(|(k, _)| k == n).count() > 1);
        match found {
            None => prop_assert!(twice),
            Some(values) => {
                prop_assert!(!twice);
                for (name, value) in names.iter().zip(values) {
                    let sent = pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
                    prop_assert_eq!(value, sent, "{}", name);
                }
            }
        }
    }

    #[test]
    fn a_second_value_for_our_name_is_anonymous_even_beside_a_live_session(
        noise in proptest::collection::vec((name(), value()), 0..4),
        other in prop_oneof![value(), Just(String::new())],
        other_live: bool,
        good_first: bool,
        split in proptest::collection::vec(0..6usize, 0..3),
        base in base(),
    ) {
        let sessions = Sessions::new(Duration::from_secs(600), Duration::from_secs(3600));
        let shares = ShareLinks::new([7; 32]);
        let good = sessions.create(SessionKind::Owner);
        let proof = good.proof;
        let good = good.cookie;
        let other = if other_live { sessions.create(SessionKind::Owner).cookie } else { other };
        let name = cookie_name(false, false, &base).to_string();
        let names = cookie_names(&base);
        // Noise that is not one of our names.
        let mut pairs: Vec<(String, String)> =
            noise.into_iter().filter(|(k, _)| !names.contains(&k.as_str())).collect();
        let mut once = headers_of(&[pairs.clone(), vec![(name.clone(), good.clone())]].concat(), &split);
        once.insert(PROOF_HEADER, proof.parse().unwrap());
        let owner = require(&sessions, &shares, &once, &base, Access::Owner, false, None);
        prop_assert!(matches!(owner, Ok(Principal::Owner(_))));
        let (first, second) = if good_first { (good, other) } else { (other, good) };
        pairs.insert(0, (name.clone(), first));
        pairs.push((name, second));
        let mut twice = headers_of(&pairs, &split);
        twice.insert(PROOF_HEADER, proof.parse().unwrap());
        for access in [Access::Owner, Access::AnySession, Access::Viewer] {
            let result = require(&sessions, &shares, &twice, &base, access, false, None);
            prop_assert!(matches!(result, Err(Error::Unauthorized)), "{:?}", pairs);
        }
    }
}
