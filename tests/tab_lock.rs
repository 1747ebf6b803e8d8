//! Locked tabs against the real server: locking asks the PIN; every new socket of a
//! locked tab waits at the door (`locked`) and gets nothing of the tab, nor passes
//! any input, until it sends the owner's factors (the PIN, and the code when the
//! second factor is on) or the owner unlocks the tab; sockets already open stay;
//! wrong answers spend the PIN budget; a link to a locked tab needs the owner's
//! consent, and only such a link's guests skip the door.

mod common;

use common::client::{Frame, WsClient};
use common::{PIN, TestServer};
use serde_json::{Value, json};
use std::time::Duration;
use termgate::auth::totp;

async fn set_lock(server: &TestServer, owner: &str, id: &str, body: Value) -> common::Reply {
    server
        .authed("POST", &format!("/api/terminals/{id}/lock"), owner)
        .json(&body)
        .send()
        .await
}

async fn lock(server: &TestServer, owner: &str, id: &str) {
    let reply = set_lock(server, owner, id, json!({"locked": true, "pin": PIN})).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["locked"], true);
}

/// A socket whose first frame may be the door's `locked`.
async fn open(server: &TestServer, cookie: &str, id: &str) -> WsClient {
    let url = format!("ws://{}/api/terminals/{id}/ws", server.host());
    let headers = [("cookie", cookie), ("origin", &server.origin())];
    WsClient::connect_first(server.addr, &url, &headers)
        .await
        .expect("websocket upgrade")
}

/// The next frame within a short while, or `None` when nothing came.
async fn quiet(socket: &mut WsClient, within: Duration) -> Option<Frame> {
    tokio::time::timeout(within, socket.next()).await.ok()
}

fn unlock(pin: &str, code: Option<&str>) -> String {
    json!({"type": "unlock", "pin": pin, "code": code}).to_string()
}

#[tokio::test]
async fn a_locked_tab_shows_nothing_and_takes_no_input_until_the_pin() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let id = server.create_terminal(&owner).await;
    let mut before = server.attach(&owner, &id).await;
    let wrong = set_lock(
        &server,
        &owner,
        &id,
        json!({"locked": true, "pin": "000000"}),
    )
    .await;
    assert_eq!(wrong.status, 401);
    lock(&server, &owner, &id).await;
    let list = server.get("/api/terminals", &owner).await.json();
    assert_eq!(list["terminals"][0]["locked"], true, "{list}");

    let mut door = open(&server, &owner, &id).await;
    assert_eq!(
        door.hello,
        json!({"type": "locked", "second_factor": false})
    );
    // Typed at the door: must never reach the shell.
    door.send_input(b"echo DOOR$((6*7))\r").await;
    door.send_text(r#"{"type":"resize","cols":100,"rows":30}"#)
        .await;
    // No reply to the resize: the next frame answers the wrong PIN.
    door.send_text(&unlock("000000", None)).await;
    match door.next().await {
        Frame::Control(reply) => assert_eq!(reply["code"], "unlock_failed", "{reply}"),
        other => panic!("expected unlock_failed, got {other:?}"),
    }
    assert!(
        quiet(&mut door, Duration::from_millis(300)).await.is_none(),
        "the door sent something of the tab"
    );
    door.send_text(&unlock(PIN, None)).await;
    let hello = door.next_control().await;
    assert_eq!(hello["type"], "hello", "{hello}");
    assert_eq!(hello["cols"], 80, "the resize at the door applied");

    // The socket open before the lock still types; the door's keystrokes never came.
    before.send_input(b"echo OPEN$((6*7))\r").await;
    let seen = door.read_until("OPEN42").await;
    assert!(
        !seen.contains("DOOR42"),
        "input at the door reached the shell"
    );
    door.send_input(b"echo IN$((6*7))\r").await;
    before.read_until("IN42").await;
    let log = server.audit_log();
    assert!(log.contains("\"tab_locked\""), "{log}");
}

#[tokio::test]
async fn every_open_view_hears_the_tab_locked_and_unlocked() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let id = server.create_terminal(&owner).await;
    let mut first = server.attach(&owner, &id).await;
    let mut second = server.attach(&owner, &id).await;
    lock(&server, &owner, &id).await;
    for view in [&mut first, &mut second] {
        assert_eq!(
            view.next_control().await,
            json!({"type": "tab_lock", "locked": true})
        );
    }
    let reply = set_lock(&server, &owner, &id, json!({"locked": false, "pin": PIN})).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        first.next_control().await,
        json!({"type": "tab_lock", "locked": false})
    );
    // Locking a locked tab again changes nothing, so nothing is said: the
    // next word after the lock is the unlock.
    lock(&server, &owner, &id).await;
    lock(&server, &owner, &id).await;
    let reply = set_lock(&server, &owner, &id, json!({"locked": false, "pin": PIN})).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(first.next_control().await["locked"], true);
    assert_eq!(first.next_control().await["locked"], false);
}

#[tokio::test]
async fn unlocking_the_tab_lets_the_waiting_socket_in_and_asks_the_pin_too() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let id = server.create_terminal(&owner).await;
    lock(&server, &owner, &id).await;
    let mut door = open(&server, &owner, &id).await;
    assert_eq!(door.hello["type"], "locked");
    let wrong = set_lock(&server, &owner, &id, json!({"locked": false, "pin": "1"})).await;
    assert_eq!(wrong.status, 401);
    let right = set_lock(&server, &owner, &id, json!({"locked": false, "pin": PIN})).await;
    assert_eq!(right.status, 200, "{}", right.text());
    assert_eq!(door.next_control().await["type"], "hello");
    let fresh = server.attach(&owner, &id).await;
    assert_eq!(fresh.hello["type"], "hello");
    assert!(server.audit_log().contains("\"tab_unlocked\""));
}

#[tokio::test]
async fn with_the_second_factor_the_door_asks_for_a_code_too() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let id = server.create_terminal(&owner).await;
    let secret = *b"0123456789abcdefghij";
    server.state().second_factor.enrol(&secret, 0).unwrap();
    let pin_only = set_lock(&server, &owner, &id, json!({"locked": true, "pin": PIN})).await;
    assert_eq!(pin_only.status, 401, "locking took the PIN alone");
    let now = termgate::clock::unix_secs();
    let first = format!("{:06}", totp::code_at(&secret, now));
    let body = json!({"locked": true, "pin": PIN, "code": first});
    assert_eq!(set_lock(&server, &owner, &id, body).await.status, 200);

    let mut door = open(&server, &owner, &id).await;
    assert_eq!(door.hello, json!({"type": "locked", "second_factor": true}));
    for (pin, code) in [
        (PIN, None),
        (PIN, Some("000000")),
        (PIN, Some(first.as_str())),
    ] {
        door.send_text(&unlock(pin, code)).await;
        match door.next().await {
            Frame::Control(reply) => assert_eq!(reply["code"], "unlock_failed", "{code:?}"),
            other => panic!("expected unlock_failed for {code:?}, got {other:?}"),
        }
    }
    // The next step's code: the one used to lock is spent (no replay).
    let next = format!("{:06}", totp::code_at(&secret, now + 30));
    door.send_text(&unlock(PIN, Some(&next))).await;
    assert_eq!(door.next_control().await["type"], "hello");
}

#[tokio::test]
async fn wrong_pins_at_the_door_spend_the_pin_budget() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let id = server.create_terminal(&owner).await;
    lock(&server, &owner, &id).await;
    let mut door = open(&server, &owner, &id).await;
    let mut codes = Vec::new();
    for _ in 0..20 {
        door.send_text(&unlock("000000", None)).await;
        match door.next().await {
            Frame::Control(reply) => codes.push(reply["code"].as_str().unwrap().to_string()),
            other => panic!("expected a reply, got {other:?}"),
        }
        if codes.last().unwrap() == "rate_limited" {
            break;
        }
    }
    assert_eq!(codes.last().unwrap(), "rate_limited", "{codes:?}");
    // Spent for the right PIN as well, and for the lock route from the same place.
    door.send_text(&unlock(PIN, None)).await;
    match door.next().await {
        Frame::Control(reply) => assert_eq!(reply["code"], "rate_limited"),
        other => panic!("expected rate_limited, got {other:?}"),
    }
    let reply = set_lock(&server, &owner, &id, json!({"locked": false, "pin": PIN})).await;
    assert_eq!(reply.status, 429);
}

#[tokio::test]
async fn a_link_to_a_locked_tab_needs_consent_and_only_then_passes() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let id = server.create_terminal(&owner).await;
    let link = json!({"scope": "read-only", "ttl_secs": 300, "terminal": id});
    // A link minted before the lock does not pass it.
    let (_, early) = server.guest(&owner, link.clone()).await;
    lock(&server, &owner, &id).await;
    let refused = server
        .authed("POST", "/api/shares", &owner)
        .json(&link)
        .send()
        .await;
    assert_eq!(refused.status, 409, "{}", refused.text());
    assert_eq!(refused.json()["code"], "tab_locked");
    let mut consented = link.clone();
    consented["confirm_locked"] = json!(true);
    let (_, guest) = server.guest(&owner, consented).await;
    assert_eq!(server.attach(&guest, &id).await.hello["readonly"], true);
    let door = open(&server, &early, &id).await;
    assert_eq!(door.hello["type"], "locked");
}

#[tokio::test]
async fn a_script_token_cannot_lock_a_tab() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let id = server.create_terminal(&owner).await;
    let minted = server
        .authed("POST", "/api/tokens", &owner)
        .json(&json!({"name": "ci", "scopes": ["terminals:write"], "expires_in_secs": null, "pin": PIN}))
        .send()
        .await;
    assert_eq!(minted.status, 201, "{}", minted.text());
    let token = minted.json()["token"].as_str().unwrap().to_string();
    let reply = server
        .request("POST", &format!("/api/terminals/{id}/lock"))
        .without("origin")
        .header("authorization", &format!("Bearer {token}"))
        .json(&json!({"locked": true, "pin": PIN}))
        .send()
        .await;
    assert_eq!(reply.status, 403, "{}", reply.text());
}
