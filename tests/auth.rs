//! Login sessions: the two factors, cookies, expiry, logout, rate limits.

mod common;

use common::{PIN, TOKEN, TestServer};
use serde_json::json;
use std::time::Duration;

async fn login_with(server: &TestServer, token: &str, pin: &str) -> common::Reply {
    server
        .request("POST", "/auth/login")
        .json(&json!({"token": token, "pin": pin}))
        .send()
        .await
}

#[tokio::test]
async fn wrong_token_and_wrong_pin_get_identical_answers() {
    let server = TestServer::start().await;
    let ok = login_with(&server, TOKEN, PIN).await;
    assert_eq!(ok.status, 200);
    assert!(
        ok.json()["absolute_expires_at"].as_u64().unwrap()
            > ok.json()["idle_expires_at"].as_u64().unwrap() - 1
    );

    let wrong_token = login_with(&server, "not-the-token-at-all", PIN).await;
    let wrong_pin = login_with(&server, TOKEN, "999999").await;
    let both = login_with(&server, "x", "1").await;
    for reply in [&wrong_token, &wrong_pin, &both] {
        assert_eq!(reply.status, 401);
        assert_eq!(reply.body, wrong_token.body);
        assert!(reply.set_cookies().is_empty());
    }
    assert_eq!(wrong_token.json()["code"], "unauthorized");

    // The audit log tells the owner which factor was wrong; the client never learns it.
    let audit = server.audit_log();
    assert!(audit.contains(r#""reason":"wrong_pin""#), "{audit}");
    assert!(audit.contains(r#""reason":"wrong_token""#), "{audit}");
    assert!(
        !audit.contains(TOKEN) && !audit.contains(PIN),
        "secrets leaked into the audit log"
    );
}

#[tokio::test]
async fn cookie_flags_on_plain_http() {
    let server = TestServer::start().await;
    let reply = login_with(&server, TOKEN, PIN).await;
    let cookie = &reply.set_cookies()[0];
    assert!(cookie.starts_with("termgate_session="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie} lacks {flag}");
    }
    assert!(!cookie.contains("Secure"));
}

#[tokio::test]
async fn cookie_is_secure_and_host_prefixed_behind_a_trusted_https_proxy() {
    let server = TestServer::start_with(|c| c.trust_proxy = true).await;
    let reply = server
        .request("POST", "/auth/login")
        .header("x-forwarded-proto", "https")
        .json(&json!({"token": TOKEN, "pin": PIN}))
        .send()
        .await;
    let cookie = &reply.set_cookies()[0];
    assert!(cookie.starts_with("__Host-termgate_session="), "{cookie}");
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(reply.header("strict-transport-security").is_some());
}

#[tokio::test]
async fn a_cookie_the_client_brings_is_never_adopted() {
    let server = TestServer::start().await;
    let planted = "termgate_session=attacker-chosen-value";
    let reply = server
        .authed("POST", "/auth/login", planted)
        .json(&json!({"token": TOKEN, "pin": PIN}))
        .send()
        .await;
    let issued = reply.session_cookie().unwrap();
    assert_ne!(issued, planted);
    assert!(
        issued.len() > "termgate_session=".len() + 40,
        "session id too short: {issued}"
    );
    // The planted value grants nothing.
    let list = server.get("/api/terminals", planted).await;
    assert_eq!(list.status, 401);
    // Two logins get two different sessions.
    assert_ne!(server.login().await, server.login().await);
}

#[tokio::test]
async fn idle_sessions_expire() {
    let server = TestServer::start_with(|c| c.idle_timeout = Duration::from_millis(400)).await;
    let cookie = server.login().await;
    let info = server.get("/auth/session", &cookie).await;
    assert_eq!(info.json()["logged_in"], true);
    // Background checks do not count as activity, so polling cannot keep it alive.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        server.get("/auth/session", &cookie).await;
    }
    let info = server.get("/auth/session", &cookie).await;
    assert_eq!(info.json()["logged_in"], false);
    let list = server.get("/api/terminals", &cookie).await;
    assert_eq!(list.status, 401);
}

#[tokio::test]
async fn owner_activity_keeps_a_session_alive_but_not_past_its_lifetime() {
    let server = TestServer::start_with(|c| {
        c.idle_timeout = Duration::from_millis(500);
        c.session_lifetime = Duration::from_millis(1500);
    })
    .await;
    let cookie = server.login().await;
    let started = std::time::Instant::now();
    let mut alive_past_idle = false;
    loop {
        tokio::time::sleep(Duration::from_millis(150)).await;
        // Creating a terminal is the owner's own action: it counts.
        let reply = server
            .authed("PATCH", "/api/terminals/t999", &cookie)
            .json(&json!({"title": "x"}))
            .send()
            .await;
        if reply.status == 401 {
            break;
        }
        assert_eq!(reply.status, 404);
        alive_past_idle |= started.elapsed() > Duration::from_millis(700);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "session outlived its lifetime"
        );
    }
    assert!(alive_past_idle, "activity did not extend the idle timer");
    assert!(started.elapsed() >= Duration::from_millis(1400));
}

#[tokio::test]
async fn logout_ends_rest_access_and_open_sockets() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut socket = server.attach(&cookie, &id).await;

    let reply = server.authed("POST", "/auth/logout", &cookie).send().await;
    assert_eq!(reply.status, 204);
    assert!(reply.set_cookies().iter().any(|c| c.contains("Max-Age=0")));
    let started = std::time::Instant::now();
    assert_eq!(socket.closed(Duration::from_secs(1)).await, Some(4001));
    assert!(started.elapsed() < Duration::from_secs(1));
    let list = server.get("/api/terminals", &cookie).await;
    assert_eq!(list.status, 401);
}

#[tokio::test]
async fn logout_all_needs_the_pin_and_ends_every_session() {
    let server = TestServer::start().await;
    let first = server.login().await;
    let second = server.login().await;
    let id = server.create_terminal(&first).await;
    let mut socket = server.attach(&second, &id).await;

    let refused = server
        .authed("POST", "/auth/logout-all", &first)
        .json(&json!({"pin": "000000"}))
        .send()
        .await;
    assert_eq!(refused.status, 401);
    let list = server.get("/api/terminals", &second).await;
    assert_eq!(list.status, 200, "a wrong PIN must not log anyone out");

    let ok = server
        .authed("POST", "/auth/logout-all", &first)
        .json(&json!({"pin": PIN}))
        .send()
        .await;
    assert_eq!(ok.status, 204);
    assert_eq!(socket.closed(Duration::from_secs(1)).await, Some(4001));
    for cookie in [&first, &second] {
        let list = server.get("/api/terminals", cookie).await;
        assert_eq!(list.status, 401);
    }
}

#[tokio::test]
async fn extend_renews_the_lifetime_with_the_pin() {
    let server = TestServer::start_with(|c| c.session_lifetime = Duration::from_secs(60)).await;
    let cookie = server.login().await;
    let before = server.get("/auth/session", &cookie).await.json();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let wrong = server
        .authed("POST", "/auth/extend", &cookie)
        .json(&json!({"pin": "111111"}))
        .send()
        .await;
    assert_eq!(wrong.status, 401);
    let extended = server
        .authed("POST", "/auth/extend", &cookie)
        .json(&json!({"pin": PIN}))
        .send()
        .await;
    assert_eq!(extended.status, 200);
    assert!(
        extended.json()["absolute_expires_at"].as_u64() > before["absolute_expires_at"].as_u64()
    );
}

#[tokio::test]
async fn failed_logins_are_rate_limited_and_forwarding_headers_do_not_reset_it() {
    let server = TestServer::start().await;
    for attempt in 0..5 {
        let reply = server
            .request("POST", "/auth/login")
            .header("x-forwarded-for", &format!("203.0.113.{attempt}"))
            .json(&json!({"token": TOKEN, "pin": "000000"}))
            .send()
            .await;
        assert_eq!(reply.status, 401, "attempt {attempt}");
    }
    for spoof in ["x-forwarded-for", "cf-connecting-ip", "x-real-ip"] {
        let reply = server
            .request("POST", "/auth/login")
            .header(spoof, "198.51.100.7")
            .json(&json!({"token": TOKEN, "pin": PIN}))
            .send()
            .await;
        assert_eq!(reply.status, 429, "{spoof} reset the budget");
        let retry: u64 = reply.header("retry-after").unwrap().parse().unwrap();
        assert!((250..=300).contains(&retry), "Retry-After {retry}");
        assert_eq!(reply.json()["code"], "rate_limited");
    }
    let audit = server.audit_log();
    assert!(audit.contains(r#""event":"lockout""#), "{audit}");
}

#[tokio::test]
async fn wrong_pins_elsewhere_spend_the_pin_budget() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let mut statuses = Vec::new();
    for _ in 0..9 {
        let reply = server
            .authed("POST", "/auth/extend", &cookie)
            .json(&json!({"pin": "123123"}))
            .send()
            .await;
        statuses.push(reply.status);
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 401, 401, 401, 429]);
}
