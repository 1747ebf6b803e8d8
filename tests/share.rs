//! Share links: minting, the guest's scopes (enforced by the gate and the
//! socket), refusals that all look alike, revocation and expiry.

mod common;

use common::{PIN, TestServer, WsClient, tamper};
use serde_json::{Value, json};
use std::time::Duration;

async fn mint(server: &TestServer, owner: &str, body: Value) -> common::Reply {
    server
        .authed("POST", "/api/shares", owner)
        .json(&body)
        .send()
        .await
}

/// Mints a link and returns (id, token).
async fn mint_ok(server: &TestServer, owner: &str, body: Value) -> (String, String) {
    let reply = mint(server, owner, body).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let value = reply.json();
    let url = value["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/s/#", server.origin())),
        "{url}"
    );
    assert!(value["qr"]["size"].as_u64().unwrap() >= 21);
    (
        value["id"].as_str().unwrap().to_string(),
        url.rsplit_once('#').unwrap().1.to_string(),
    )
}

async fn guest_cookie(server: &TestServer, token: &str) -> String {
    let reply = server.redeem(token).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let cookie = reply.first_cookie();
    assert!(cookie.starts_with("termgate_guest="), "{cookie}");
    cookie
}

/// A new tab, a read-only link bound to it, and a guest watching through it:
/// returns (link id, guest cookie, guest socket).
async fn guest_watching(
    server: &TestServer,
    owner: &str,
    ttl_secs: u64,
) -> (String, String, WsClient) {
    let tab = server.create_terminal(owner).await;
    let body = json!({"scope": "read-only", "ttl_secs": ttl_secs, "terminal": tab});
    let (id, token) = mint_ok(server, owner, body).await;
    let guest = guest_cookie(server, &token).await;
    let socket = server.attach(&guest, &tab).await;
    (id, guest, socket)
}

#[tokio::test]
async fn a_read_only_guest_watches_live_and_its_input_never_reaches_the_shell() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let tab = server.create_terminal(&owner).await;
    let (id, token) = mint_ok(
        &server,
        &owner,
        json!({"scope": "read-only", "ttl_secs": 900, "uses": 2, "terminal": tab}),
    )
    .await;

    // Opening the page uses nothing up; only the POST does.
    let page = server.request("GET", "/s/").send().await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert_eq!(server.uses_left(&owner, &id).await, 2);
    let guest = guest_cookie(&server, &token).await;
    assert_eq!(server.uses_left(&owner, &id).await, 1);

    let session = server.get("/auth/session", &guest).await.json();
    assert_eq!(
        (session["principal"].clone(), session["scope"].clone()),
        (json!("guest"), json!("read-only"))
    );

    let mut watcher = server.attach(&guest, &tab).await;
    assert_eq!(watcher.hello["readonly"], true);
    let mut typist = server.attach(&owner, &tab).await;
    // The guest types a command; it must never run.
    watcher.send_input(b"echo GUEST-$((20+3))\n").await;
    watcher
        .send_text(r#"{"type":"resize","cols":33,"rows":11}"#)
        .await;
    typist
        .send_input(b"echo OWNER-$((40+2)); stty size; echo END-$((1+1))\n")
        .await;
    let seen_by_guest = watcher.read_until("END-2").await;
    let owner_view = typist.read_until("END-2").await;
    assert!(
        seen_by_guest.contains("OWNER-42") && owner_view.contains("24 80"),
        "{owner_view}"
    );
    for output in [&seen_by_guest, &owner_view] {
        assert!(
            !output.contains("GUEST-23"),
            "guest input reached the shell: {output}"
        );
    }
    assert!(!owner_view.contains("11 33"), "guest resized the PTY");
    let list = server.get("/api/shares", &owner).await.json();
    assert_eq!(list["shares"][0]["guests"], 1);
    assert!(list["shares"][0]["dropped_input"].as_u64().unwrap() >= 2);
}

#[tokio::test]
async fn a_guest_is_refused_everything_its_link_does_not_grant() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let bound = server.create_terminal(&owner).await;
    let other = server.create_terminal(&owner).await;
    let (_, token) = mint_ok(
        &server,
        &owner,
        json!({"scope": "interactive", "ttl_secs": 900, "terminal": bound, "pin": PIN}),
    )
    .await;
    let guest = guest_cookie(&server, &token).await;

    for (method, path, body) in [
        ("POST", "/api/terminals", json!({})),
        (
            "PATCH",
            &*format!("/api/terminals/{bound}"),
            json!({"title": "x"}),
        ),
        ("DELETE", &*format!("/api/terminals/{bound}"), json!({})),
        ("GET", "/api/shares", json!({})),
        (
            "POST",
            "/api/shares",
            json!({"scope": "read-only", "ttl_secs": 300}),
        ),
        ("DELETE", "/api/shares/abc", json!({})),
        ("POST", "/auth/logout-all", json!({"pin": PIN})),
        ("POST", "/auth/extend", json!({"pin": PIN})),
    ] {
        let reply = server
            .request(method, path)
            .header("cookie", &guest)
            .json(&body)
            .send()
            .await;
        assert_eq!(reply.status, 403, "{method} {path}: {}", reply.text());
        assert_eq!(reply.json()["code"], "forbidden");
    }
    let list = server.get("/api/terminals", &guest).await.json();
    let ids: Vec<&str> = list["terminals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [bound.as_str()]);
    assert!(
        WsClient::connect(&server, &guest, &other).await.is_err(),
        "guest reached an unbound tab"
    );
    // Interactive: typing into the bound tab works.
    let mut socket = server.attach(&guest, &bound).await;
    assert_eq!(socket.hello["readonly"], false);
    // Once the owner lets it in (live approval).
    assert_eq!(server.allow_guests(&owner).await, 1);
    socket.send_input(b"echo TYPED-$((4*4))\n").await;
    socket.read_until("TYPED-16").await;
    // The owner's own session was untouched by all this.
    assert_eq!(server.get("/api/shares", &owner).await.status, 200);
}

#[tokio::test]
async fn an_unbound_read_only_link_watches_every_tab_but_types_into_none() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let first = server.create_terminal(&owner).await;
    let second = server.create_terminal(&owner).await;
    let (_, token) = mint_ok(
        &server,
        &owner,
        json!({"scope": "read-only", "ttl_secs": 300}),
    )
    .await;
    let guest = guest_cookie(&server, &token).await;
    let list = server.get("/api/terminals", &guest).await.json();
    assert_eq!(list["terminals"].as_array().unwrap().len(), 2);
    for tab in [&first, &second] {
        assert_eq!(server.attach(&guest, tab).await.hello["readonly"], true);
    }
}

#[tokio::test]
async fn minting_rules() {
    // No re-authentication window (a login opens one otherwise): the PIN is asked each time.
    let server = TestServer::start_with(|c| c.reauth_window = Duration::ZERO).await;
    let owner = server.login().await;
    let interactive = mint(
        &server,
        &owner,
        json!({"scope": "interactive", "ttl_secs": 300}),
    )
    .await;
    assert_eq!(interactive.status, 401, "an interactive link needs the PIN");
    assert_eq!(interactive.json()["code"], "reauth_required");
    let wrong = mint(
        &server,
        &owner,
        json!({"scope": "interactive", "ttl_secs": 300, "pin": "000000"}),
    )
    .await;
    assert_eq!(wrong.status, 401);
    for body in [
        json!({"scope": "read-only", "ttl_secs": 301}),
        json!({"scope": "read-only", "ttl_secs": 300, "uses": 0}),
        json!({"scope": "read-only", "ttl_secs": 300, "uses": 101}),
        json!({"scope": "admin", "ttl_secs": 300}),
        json!({"scope": "read-only", "ttl_secs": 300, "terminal": "t99"}),
    ] {
        assert_eq!(
            mint(&server, &owner, body.clone()).await.status,
            400,
            "{body}"
        );
    }
    for _ in 0..4 {
        mint_ok(
            &server,
            &owner,
            json!({"scope": "read-only", "ttl_secs": 300}),
        )
        .await;
    }
    let fifth = mint(
        &server,
        &owner,
        json!({"scope": "read-only", "ttl_secs": 300}),
    )
    .await;
    assert_eq!(
        (fifth.status, fifth.json()["code"].clone()),
        (409, json!("too_many_shares"))
    );
}

#[tokio::test]
async fn tampered_expired_revoked_and_used_up_links_look_the_same() {
    let server = TestServer::start_with(|c| {
        c.tuning.share_ttls = vec![Duration::from_secs(1), Duration::from_secs(300)]
    })
    .await;
    let owner = server.login().await;
    // Links for "any tab" wait until there is one (409, nothing spent).
    server.create_terminal(&owner).await;
    let (_, used) = mint_ok(
        &server,
        &owner,
        json!({"scope": "read-only", "ttl_secs": 300, "uses": 1}),
    )
    .await;
    guest_cookie(&server, &used).await;
    let (revoked_id, revoked) = mint_ok(
        &server,
        &owner,
        json!({"scope": "read-only", "ttl_secs": 300}),
    )
    .await;
    let reply = server
        .authed("DELETE", &format!("/api/shares/{revoked_id}"), &owner)
        .send()
        .await;
    assert_eq!(reply.status, 204);
    let (_, expired) = mint_ok(
        &server,
        &owner,
        json!({"scope": "read-only", "ttl_secs": 1}),
    )
    .await;
    let (_, good) = mint_ok(
        &server,
        &owner,
        json!({"scope": "read-only", "ttl_secs": 300}),
    )
    .await;

    // Flip one character in the id, the expiry and the signature parts.
    let tampered: Vec<String> = [2usize, 24, 70].map(|at| tamper(&good, at)).to_vec();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let mut bodies = Vec::new();
    for token in [
        &used,
        &revoked,
        &expired,
        &tampered[0],
        &tampered[1],
        &tampered[2],
        &"short".to_string(),
    ] {
        let reply = server.redeem(token).await;
        assert_eq!(reply.status, 410, "{token}");
        assert!(reply.set_cookies().is_empty());
        bodies.push(reply.body.clone());
    }
    // The landing's look at a link refuses the genuine ones with the very
    // same answer (forgeries: share_link::a_peek_…; each costs a unit).
    for token in [&used, &revoked, &expired] {
        let peek = server
            .request("POST", "/s/peek")
            .json(&json!({ "token": token }))
            .send()
            .await;
        assert_eq!(peek.status, 410, "peek {token}");
        assert!(peek.set_cookies().is_empty());
        bodies.push(peek.body.clone());
    }
    assert!(
        bodies.windows(2).all(|pair| pair[0] == pair[1]),
        "refusals differ"
    );
    // The untouched link still works: the refusals above spent nothing of it.
    guest_cookie(&server, &good).await;
    let audit = server.audit_log();
    for reason in ["used_up", "unknown_or_revoked", "expired", "bad_signature"] {
        assert!(audit.contains(reason), "audit lacks {reason}");
    }
    for token in [&used, &good, &expired] {
        assert!(
            !audit.contains(token.as_str()),
            "a token reached the audit log"
        );
    }
}

#[tokio::test]
async fn revocation_closes_a_live_guest_socket_within_a_second() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let (id, guest, mut socket) = guest_watching(&server, &owner, 300).await;
    let started = std::time::Instant::now();
    server
        .authed("DELETE", &format!("/api/shares/{id}"), &owner)
        .send()
        .await;
    assert_eq!(socket.closed(Duration::from_secs(1)).await, Some(4001));
    assert!(started.elapsed() < Duration::from_secs(1));
    let list = server.get("/api/terminals", &guest).await;
    assert_eq!(list.status, 401);
}

#[tokio::test]
async fn a_guest_session_never_outlives_its_link() {
    // Long enough to mint and redeem on a busy machine, short for a test.
    let ttl = Duration::from_secs(3);
    let server = TestServer::start_with(|c| c.tuning.share_ttls = vec![ttl]).await;
    let owner = server.login().await;
    let (_, guest, mut socket) = guest_watching(&server, &owner, ttl.as_secs()).await;
    assert_eq!(
        socket.closed(ttl + Duration::from_secs(3)).await,
        Some(4001)
    );
    let list = server.get("/api/terminals", &guest).await;
    assert_eq!(list.status, 401);
}

#[tokio::test]
async fn the_owners_cookie_survives_opening_a_link_in_the_same_browser() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    server.create_terminal(&owner).await;
    let (_, token) = mint_ok(
        &server,
        &owner,
        json!({"scope": "read-only", "ttl_secs": 300}),
    )
    .await;
    let guest = guest_cookie(&server, &token).await;
    // A browser holding both cookies acts as the owner.
    let both = format!("{owner}; {guest}");
    let info = server.get("/auth/session", &both).await.json();
    assert_eq!(info["principal"], "owner");
}
