//! Re-authentication for sensitive actions (OWASP ASVS 7.5.3) against the real
//! server: every route the table marks sensitive answers `401 reauth_required`
//! to an owner session without a window and without factors; the PIN (and the
//! code once the second factor is on) opens a window that spares them for a
//! while, and so does a login; the window closes; any wrong factor gets one
//! identical 401 and spends the one PIN budget, whichever route it was sent to.

mod common;

use common::{PIN, TestServer, proofs};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use termgate::auth::sessions::SessionKind;
use termgate::auth::totp;
use termgate::http::router::ROUTES;

/// An owner session as a login makes it, but without the window a login opens:
/// the state of a session whose window has closed.
fn windowless_owner(server: &TestServer) -> String {
    let issued = server.state().sessions.create(SessionKind::Owner);
    let cookie = format!("termgate_session={}", issued.cookie);
    proofs::remember(&cookie, &issued.proof);
    cookie
}

/// Turns the second factor on directly (as `termgate totp enable` does); returns the
/// secret and the backup codes.
fn second_factor_on(server: &TestServer) -> (Vec<u8>, Vec<String>) {
    let secret = vec![7u8; totp::SECRET_BYTES];
    let codes = server.state().second_factor.enrol(&secret, 0).unwrap();
    (secret, codes)
}

fn code_now(secret: &[u8]) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    format!("{:06}", totp::code_at(secret, now))
}

async fn call(server: &TestServer, cookie: &str, method: &str, path: &str, body: Value) -> Value {
    let reply = server.authed(method, path, cookie).json(&body).send().await;
    json!({"status": reply.status, "body": reply.json()})
}

async fn extend(server: &TestServer, cookie: &str, body: Value) -> Value {
    call(server, cookie, "POST", "/auth/extend", body).await
}

fn asked(second_factor: bool) -> Value {
    json!({"status": 401, "body": {
        "code": "reauth_required",
        "message": "confirm it is you: enter the PIN again (and the code, when asked)",
        "second_factor": second_factor,
    }})
}

/// The sensitive routes and a body each that gets past everything but the
/// re-authentication. The table must mark exactly these.
fn sensitive_bodies() -> BTreeMap<(&'static str, &'static str), Value> {
    BTreeMap::from([
        (("POST", "/auth/logout-all"), json!({})),
        (("POST", "/auth/extend"), json!({})),
        (
            ("POST", "/api/terminals/{id}/lock"),
            json!({"locked": true}),
        ),
        (("DELETE", "/api/sessions/{id}"), json!({})),
        (("POST", "/api/sessions/revoke-others"), json!({})),
        (("POST", "/api/totp/enroll"), json!({})),
        (("POST", "/api/totp/backup-codes"), json!({})),
        (("POST", "/api/totp/disable"), json!({})),
        (
            ("POST", "/api/tokens"),
            json!({"name": "ci", "scopes": ["terminals:read"]}),
        ),
        (
            ("POST", "/api/shares"),
            json!({"scope": "interactive", "ttl_secs": 900}),
        ),
    ])
}

#[tokio::test]
async fn every_marked_route_asks_without_the_window_and_nothing_happens() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let id = server.create_terminal(&owner).await;
    second_factor_on(&server);
    let stale = windowless_owner(&server);
    let mut bodies = sensitive_bodies();
    for route in ROUTES.iter().filter(|route| route.reauth.is_some()) {
        let key = (route.method.as_str(), route.pattern);
        let body = bodies
            .remove(&key)
            .unwrap_or_else(|| panic!("{key:?} is marked sensitive: give this test a body"));
        let path = route.pattern.replace("{id}", &id);
        let answer = call(&server, &stale, key.0, &path, body).await;
        assert_eq!(answer, asked(true), "{key:?}");
    }
    assert!(
        bodies.is_empty(),
        "the table does not mark {:?} sensitive",
        bodies.keys()
    );
    // Nothing was done: the tab is not locked, no link or token exists, every session lives.
    let tabs = server.get("/api/terminals", &owner).await.json();
    assert_eq!(tabs["terminals"][0]["locked"], false, "{tabs}");
    assert_eq!(
        server.get("/api/shares", &owner).await.json()["shares"],
        json!([])
    );
    assert_eq!(
        server.get("/api/tokens", &owner).await.json()["tokens"],
        json!([])
    );
    assert_eq!(server.get("/api/terminals", &stale).await.status, 200);
    // Asking spends nothing: the budget still has its 8 guesses for wrong PINs.
    for attempt in 0..8 {
        let wrong = extend(&server, &stale, json!({"pin": "000000"})).await;
        assert_eq!(wrong["status"], 401, "attempt {attempt}: {wrong}");
    }
}

#[tokio::test]
async fn the_pin_opens_a_window_that_spares_it_and_a_login_opens_one_too() {
    let server = TestServer::start().await;
    let stale = windowless_owner(&server);
    assert_eq!(extend(&server, &stale, json!({})).await, asked(false));
    let shown = extend(&server, &stale, json!({"pin": PIN})).await;
    assert_eq!(shown["status"], 200, "{shown}");
    for _ in 0..2 {
        let spared = extend(&server, &stale, json!({})).await;
        assert_eq!(spared["status"], 200, "{spared}");
    }
    // Factors sent inside the window are still weighed: a wrong PIN is no pass.
    let wrong = extend(&server, &stale, json!({"pin": "000000"})).await;
    assert_eq!(wrong["status"], 401);
    assert_eq!(wrong["body"]["code"], "unauthorized");

    let fresh = server.login().await;
    let link = json!({"scope": "interactive", "ttl_secs": 900});
    let minted = call(&server, &fresh, "POST", "/api/shares", link).await;
    assert_eq!(minted["status"], 201, "a login opens the window: {minted}");
    let audit = server.audit_log();
    assert!(
        audit.contains(r#""event":"reauth_ok","purpose":"extend""#),
        "{audit}"
    );
}

#[tokio::test]
async fn the_window_closes() {
    let server = TestServer::start_with(|c| c.reauth_window = Duration::from_secs(1)).await;
    let owner = server.login().await;
    // No claim on when: only that it does, well within the deadline.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let answer = extend(&server, &owner, json!({})).await;
        if answer == asked(false) {
            break;
        }
        assert_eq!(answer["status"], 200, "{answer}");
        assert!(Instant::now() < deadline, "the window never closed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let again = extend(&server, &owner, json!({"pin": PIN})).await;
    assert_eq!(again["status"], 200, "{again}");
}

#[tokio::test]
async fn any_wrong_factor_gets_one_401_and_every_route_spends_the_one_pin_budget() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let id = server.create_terminal(&owner).await;
    let (secret, _) = second_factor_on(&server);
    let stale = windowless_owner(&server);
    let right = code_now(&secret);
    let mut answers = Vec::new();
    for body in [
        json!({"pin": "000000", "code": right}),
        json!({"pin": PIN, "code": "000000"}),
        json!({"pin": PIN}),
        json!({"pin": "000000", "code": "000000"}),
    ] {
        answers.push(extend(&server, &stale, body).await);
    }
    let lock = json!({"locked": true, "pin": PIN, "code": "123456"});
    let path = format!("/api/terminals/{id}/lock");
    answers.push(call(&server, &stale, "POST", &path, lock).await);
    let others = json!({"pin": "999999", "code": right});
    answers.push(
        call(
            &server,
            &stale,
            "POST",
            "/api/sessions/revoke-others",
            others,
        )
        .await,
    );
    let backup = json!({"pin": "999999", "code": "AAAA-AAAA"});
    answers.push(call(&server, &stale, "POST", "/api/totp/disable", backup).await);
    let token = json!({"name": "x", "scopes": ["shares"], "pin": PIN, "code": "12"});
    answers.push(call(&server, &stale, "POST", "/api/tokens", token).await);
    let first = answers[0].clone();
    assert_eq!(first["status"], 401);
    assert_eq!(first["body"]["code"], "unauthorized");
    for (at, answer) in answers.iter().enumerate() {
        assert_eq!(answer, &first, "answer {at} tells which factor was wrong");
    }
    // Eight wrong, from this source: even the right factors now wait.
    let right = extend(&server, &stale, json!({"pin": PIN, "code": right})).await;
    assert_eq!(right["status"], 429, "{right}");
    let audit = server.audit_log();
    for event in ["pin_failed", "totp_code_failed", "lockout"] {
        assert!(audit.contains(event), "{event}: {audit}");
    }
}

#[tokio::test]
async fn a_backup_code_reauthenticates_once_and_a_window_without_the_code_no_longer_counts() {
    let server = TestServer::start().await;
    let before = server.login().await;
    let (secret, codes) = second_factor_on(&server);
    // That login's window was opened on the PIN alone: the code is asked now.
    assert_eq!(extend(&server, &before, json!({})).await, asked(true));
    let (first, second) = (windowless_owner(&server), windowless_owner(&server));
    let backup = json!({"pin": PIN, "code": codes[0]});
    let used = extend(&server, &first, backup.clone()).await;
    assert_eq!(used["status"], 200, "{used}");
    assert_eq!(extend(&server, &first, json!({})).await["status"], 200);
    let replayed = extend(&server, &second, backup).await;
    assert_eq!(replayed["status"], 401, "a backup code is good once");
    let code = json!({"pin": PIN, "code": code_now(&secret)});
    let shown = extend(&server, &second, code.clone()).await;
    assert_eq!(shown["status"], 200, "{shown}");
    let third = windowless_owner(&server);
    assert_eq!(extend(&server, &third, code).await["status"], 401, "replay");
    assert!(server.audit_log().contains("backup_code_used"));
}

#[tokio::test]
async fn a_script_has_no_window_and_sends_the_pin() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let minted = call(
        &server,
        &owner,
        "POST",
        "/api/tokens",
        json!({"name": "ci", "scopes": ["shares"]}),
    )
    .await;
    assert_eq!(minted["status"], 201, "{minted}");
    let token = minted["body"]["token"].as_str().unwrap().to_string();
    let mint = |body: Value| {
        server
            .request("POST", "/api/shares")
            .header("authorization", &format!("Bearer {token}"))
            .without("origin")
            .json(&body)
            .send()
    };
    let link = json!({"scope": "interactive", "ttl_secs": 900});
    let refused = mint(link.clone()).await;
    assert_eq!(refused.status, 401, "{}", refused.text());
    assert_eq!(refused.json()["code"], "reauth_required");
    let mut with_pin = link;
    with_pin["pin"] = json!(PIN);
    let ok = mint(with_pin.clone()).await;
    assert_eq!(ok.status, 201, "{}", ok.text());
    // The PIN it sent opened nothing: the next call needs it again.
    with_pin.as_object_mut().unwrap().remove("pin");
    assert_eq!(mint(with_pin).await.status, 401);
}
