//! The token store: minted values are recognised once stored, revoked and
//! expired ones never; scopes deny by default; the file keeps only hashes.

use super::*;

fn read_only() -> Vec<TokenScope> {
    vec![TokenScope::TerminalsRead]
}

#[test]
fn a_minted_token_is_recognised_and_a_tampered_one_is_not() {
    let tokens = ApiTokens::in_memory();
    let (info, token) = tokens.create("ci".into(), read_only(), None).unwrap();
    assert!(token.starts_with(PREFIX));
    assert_eq!(token.len(), PREFIX.len() + 43, "256 bits, base64url");
    let grant = tokens.check(&token, "127.0.0.1").expect("recognised");
    assert_eq!(grant.info.id, info.id);
    assert_eq!(grant.info.last_source.as_deref(), Some("127.0.0.1"));
    let mut tampered = token.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    assert!(
        tokens
            .check(&String::from_utf8(tampered).unwrap(), "x")
            .is_none()
    );
    assert!(
        tokens.check(&token[PREFIX.len()..], "x").is_none(),
        "the prefix is part of it"
    );
}

#[test]
fn revoking_ends_the_grant_and_refuses_the_token() {
    let tokens = ApiTokens::in_memory();
    let (info, token) = tokens.create("agent".into(), read_only(), None).unwrap();
    let grant = tokens.check(&token, "x").unwrap();
    assert!(!*grant.ended.borrow());
    assert!(tokens.revoke(&info.id).unwrap().is_some());
    assert!(*grant.ended.borrow(), "its sockets are told");
    assert!(tokens.check(&token, "x").is_none());
    assert!(tokens.revoke(&info.id).unwrap().is_none());
}

#[test]
fn an_expired_token_is_refused_and_swept() {
    let tokens = ApiTokens::in_memory();
    let (_, token) = tokens
        .create("short".into(), read_only(), Some(Duration::ZERO))
        .unwrap();
    assert!(tokens.check(&token, "x").is_none());
    tokens.sweep();
    assert!(tokens.list().is_empty());
}

#[test]
fn write_implies_read_and_nothing_else() {
    let tokens = ApiTokens::in_memory();
    let (info, _) = tokens
        .create("w".into(), vec![TokenScope::TerminalsWrite], None)
        .unwrap();
    assert!(info.allows(TokenScope::TerminalsWrite));
    assert!(info.allows(TokenScope::TerminalsRead));
    assert!(!info.allows(TokenScope::FilesRead));
    assert!(!info.allows(TokenScope::Shares));
    let (none, _) = tokens.create("none".into(), vec![], None).unwrap();
    assert!(!none.allows(TokenScope::TerminalsRead));
}

#[test]
fn the_store_survives_a_restart_and_holds_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = ApiTokens::open(dir.path()).unwrap();
    let (info, token) = tokens.create("ci".into(), read_only(), None).unwrap();
    let text = std::fs::read_to_string(dir.path().join(STORE_FILE)).unwrap();
    assert!(
        !text.contains(&token[PREFIX.len()..]),
        "only its hash is kept"
    );
    assert!(text.contains(&info.id));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join(STORE_FILE))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let reopened = ApiTokens::open(dir.path()).unwrap();
    assert_eq!(reopened.check(&token, "x").unwrap().info.id, info.id);
}

#[test]
fn at_most_max_tokens() {
    let tokens = ApiTokens::in_memory();
    for i in 0..MAX_TOKENS {
        tokens.create(format!("t{i}"), read_only(), None).unwrap();
    }
    assert!(matches!(
        tokens.create("one more".into(), read_only(), None),
        Err(CreateError::TooMany)
    ));
}

#[test]
fn the_bearer_header_is_read_strictly() {
    use hyper::header::{AUTHORIZATION, HeaderMap, HeaderValue};
    let with = |values: &[&str]| {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        }
        headers
    };
    assert_eq!(bearer(&with(&[])), Ok(None));
    assert_eq!(bearer(&with(&["Bearer tg_abc"])), Ok(Some("tg_abc")));
    assert_eq!(bearer(&with(&["bearer tg_abc"])), Ok(Some("tg_abc")));
    assert_eq!(bearer(&with(&["Basic dXNlcjpwYXNz"])), Err(NotBearer));
    assert_eq!(bearer(&with(&["Bearer "])), Err(NotBearer));
    assert_eq!(bearer(&with(&["Bearer a", "Bearer b"])), Err(NotBearer));
}

#[test]
fn uses_reach_the_audit_first_and_then_at_most_once_a_minute() {
    let tokens = ApiTokens::in_memory();
    let (_, token) = tokens.create("busy".into(), read_only(), None).unwrap();
    assert_eq!(tokens.check(&token, "x").unwrap().audit_uses, Some(1));
    for _ in 0..100 {
        assert_eq!(tokens.check(&token, "x").unwrap().audit_uses, None);
    }
}
