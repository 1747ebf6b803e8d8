//! Interactive guests wait for the owner's live approval (issue 16): a guest's
//! keystrokes reach the shell only once the owner allows it, stop again when
//! the owner drops it to read-only; a denial closes its socket with 4003 and a
//! kick with 4005; read-only links open as before; only the owner's browser may
//! list or decide.

mod common;

use common::{PIN, TestServer, WsClient};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use std::time::Duration;

const CLOSE_WITHIN: Duration = Duration::from_secs(10);

fn interactive(tab: &str) -> Value {
    json!({"scope": "interactive", "ttl_secs": 900, "terminal": tab, "pin": PIN})
}

/// Input frames of link `share` the server has dropped so far.
fn dropped(server: &TestServer, share: &str) -> u64 {
    let stats = server.state().shares.stats(share).expect("live link");
    stats.dropped_input.load(Ordering::Relaxed)
}

/// The guest types `line`; returns once the server has dropped the frame.
async fn typed_and_dropped(server: &TestServer, share: &str, guest: &mut WsClient, line: &[u8]) {
    let before = dropped(server, share);
    guest.send_input(line).await;
    let seen = common::eventually(CLOSE_WITHIN, || dropped(server, share) > before).await;
    assert!(seen, "the guest's frame was not dropped");
}

/// The owner types a marker and reads its own output up to it: whatever a
/// guest typed before would have run before it.
async fn owner_marker(desk: &mut WsClient, marker: u32) -> String {
    let line = format!("echo OWNER-$(({marker}+1))\n");
    desk.send_input(line.as_bytes()).await;
    desk.read_until(&format!("OWNER-{}", marker + 1)).await
}

/// The next `approval` message's state.
async fn approval(socket: &mut WsClient) -> Value {
    let message = socket.next_control().await;
    assert_eq!(message["type"], "approval", "{message}");
    message["state"].clone()
}

async fn guests(server: &TestServer, owner: &str) -> Value {
    let reply = server.get("/api/guests", owner).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

async fn decide(server: &TestServer, owner: &str, id: &str, action: &str) -> common::Reply {
    server
        .authed("POST", &format!("/api/guests/{id}"), owner)
        .json(&json!({ "action": action }))
        .send()
        .await
}

/// The one guest on the owner's list.
async fn only_guest(server: &TestServer, owner: &str) -> Value {
    let list = guests(server, owner).await;
    let all = list["guests"].as_array().unwrap();
    assert_eq!(all.len(), 1, "{list}");
    all[0].clone()
}

#[tokio::test]
async fn guest_keystrokes_reach_the_shell_only_after_allow_and_stop_at_read_only() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let tab = server.create_terminal(&owner).await;
    let mut desk = server.attach(&owner, &tab).await;
    let (share, cookie) = server.guest(&owner, interactive(&tab)).await;
    let mut guest = server.attach(&cookie, &tab).await;
    assert_eq!(guest.hello["readonly"], false, "the link lets it type");
    assert_eq!(approval(&mut guest).await, "waiting");

    let listed = only_guest(&server, &owner).await;
    assert_eq!(
        (&listed["state"], &listed["share"], &listed["terminal"]),
        (&json!("waiting"), &json!(share), &json!(tab))
    );
    assert_eq!(listed["sockets"], 1);
    assert!(listed["source"].as_str().unwrap().contains("127.0.0.1"));
    assert!(listed["device"].is_string() && listed["since"].is_u64());
    let id = listed["id"].as_str().unwrap().to_string();
    let secret = cookie.split_once('=').unwrap().1;
    assert!(
        !id.contains(secret) && !secret.contains(&id),
        "id is no cookie"
    );
    let hashed = hex_sha256(secret);
    assert!(!hashed.contains(&id), "id is not the cookie's hash");

    typed_and_dropped(&server, &share, &mut guest, b"echo GUEST-$((6*7))\n").await;
    let before = owner_marker(&mut desk, 1).await;
    assert!(
        !before.contains("GUEST-42"),
        "typed while waiting: {before}"
    );

    assert_eq!(server.allow_guests(&owner).await, 1);
    assert_eq!(approval(&mut guest).await, "allowed");
    guest.send_input(b"echo GUEST-$((6*8))\n").await;
    desk.read_until("GUEST-48").await;

    let dropped_to = decide(&server, &owner, &id, "read_only").await;
    assert_eq!(dropped_to.status, 200, "{}", dropped_to.text());
    assert_eq!(dropped_to.json()["state"], "read_only");
    assert_eq!(approval(&mut guest).await, "read_only");
    typed_and_dropped(&server, &share, &mut guest, b"echo GUEST-$((6*9))\n").await;
    let after = owner_marker(&mut desk, 2).await;
    assert!(
        !after.contains("GUEST-54"),
        "typed while read-only: {after}"
    );

    // A reload keeps the owner's word: the session, not the socket, holds it.
    drop(guest);
    let mut again = server.attach(&cookie, &tab).await;
    assert_eq!(approval(&mut again).await, "read_only");
    let audit = server.audit_log();
    for event in ["guest_waiting", "guest_allowed", "guest_read_only"] {
        assert!(audit.contains(event), "{event} not audited");
    }
}

fn hex_sha256(text: &str) -> String {
    termgate::digest::sha256(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn deny_closes_the_guest_with_4003_and_kick_with_4005() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let tab = server.create_terminal(&owner).await;

    let (_, denied) = server.guest(&owner, interactive(&tab)).await;
    let mut socket = server.attach(&denied, &tab).await;
    assert_eq!(approval(&mut socket).await, "waiting");
    let id = only_guest(&server, &owner).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(decide(&server, &owner, &id, "deny").await.status, 200);
    assert_eq!(socket.closed(CLOSE_WITHIN).await, Some(4003));
    // The session stays refused: a new socket closes at once, and the
    // decision is final.
    let mut retry = WsClient::connect_first(
        server.addr,
        &format!("ws://{}/api/terminals/{tab}/ws", server.host()),
        &[("cookie", &denied), ("origin", &server.origin())],
    )
    .await
    .expect("upgrade");
    assert_eq!(retry.closed(CLOSE_WITHIN).await, Some(4003));
    let late = decide(&server, &owner, &id, "allow").await;
    assert_eq!(late.status, 400, "{}", late.text());
    assert!(late.json()["code"].is_string());

    let (_, kicked) = server.guest(&owner, interactive(&tab)).await;
    let mut socket = server.attach(&kicked, &tab).await;
    assert_eq!(approval(&mut socket).await, "waiting");
    let list = guests(&server, &owner).await;
    let waiting = list["guests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["state"] == "waiting")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(decide(&server, &owner, &waiting, "allow").await.status, 200);
    assert_eq!(approval(&mut socket).await, "allowed");
    assert_eq!(decide(&server, &owner, &waiting, "kick").await.status, 200);
    assert_eq!(socket.closed(CLOSE_WITHIN).await, Some(4005));
    let audit = server.audit_log();
    assert!(audit.contains("guest_denied") && audit.contains("guest_kicked"));

    // Unknown guests and unknown actions are refused plainly.
    assert_eq!(decide(&server, &owner, "nope", "allow").await.status, 404);
    let bad = decide(&server, &owner, &waiting, "promote").await;
    assert_eq!(bad.status, 400, "{}", bad.text());
}

#[tokio::test]
async fn read_only_links_open_directly_and_never_wait() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let tab = server.create_terminal(&owner).await;
    let body = json!({"scope": "read-only", "ttl_secs": 300, "terminal": tab});
    let (_, cookie) = server.guest(&owner, body).await;
    let mut watcher = server.attach(&cookie, &tab).await;
    assert_eq!(watcher.hello["readonly"], true);
    // `live` ends the screen with no `approval` before it.
    loop {
        match tokio::time::timeout(CLOSE_WITHIN, watcher.next())
            .await
            .expect("the screen within 10 s")
        {
            common::client::Frame::Control(value) if value["type"] == "live" => break,
            common::client::Frame::Control(value) => {
                assert_ne!(value["type"], "approval", "{value}");
            }
            common::client::Frame::Output(_) => {}
            common::client::Frame::Closed(code) => panic!("closed {code:?}"),
        }
    }
    assert_eq!(guests(&server, &owner).await["guests"], json!([]));
}

#[tokio::test]
async fn the_long_poll_answers_when_a_guest_arrives() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let tab = server.create_terminal(&owner).await;
    let version = guests(&server, &owner).await["version"].as_u64().unwrap();
    let poll = {
        let request = server.authed("GET", &format!("/api/guests?since={version}"), &owner);
        tokio::spawn(request.send())
    };
    let (_, cookie) = server.guest(&owner, interactive(&tab)).await;
    let _guest = server.attach(&cookie, &tab).await;
    let answer = tokio::time::timeout(Duration::from_secs(20), poll)
        .await
        .expect("the poll answers on the change, not after its 25 s")
        .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.text());
    let answer = answer.json();
    assert!(answer["version"].as_u64().unwrap() > version);
    assert_eq!(answer["guests"][0]["state"], "waiting");
    let bad = server.get("/api/guests?since=x", &owner).await;
    assert_eq!(bad.status, 400, "{}", bad.text());
}

#[tokio::test]
async fn neither_a_guest_nor_an_api_token_may_list_or_decide() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let tab = server.create_terminal(&owner).await;
    let (_, cookie) = server.guest(&owner, interactive(&tab)).await;
    let _socket = server.attach(&cookie, &tab).await;
    let id = only_guest(&server, &owner).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let allow = json!({"action": "allow"});
    let path = format!("/api/guests/{id}");
    let listed = server.get("/api/guests", &cookie).await;
    assert_eq!(listed.status, 403, "{}", listed.text());
    let waved_in = server
        .authed("POST", &path, &cookie)
        .json(&allow)
        .send()
        .await;
    assert_eq!(waved_in.status, 403, "{}", waved_in.text());

    let scopes = ["terminals:read", "terminals:write", "shares"];
    let minted = server
        .authed("POST", "/api/tokens", &owner)
        .json(&json!({"name": "ci", "scopes": scopes, "expires_in_secs": 3600, "pin": PIN}))
        .send()
        .await;
    assert_eq!(minted.status, 201, "{}", minted.text());
    let bearer = format!("Bearer {}", minted.json()["token"].as_str().unwrap());
    for (method, body) in [("GET", None), ("POST", Some(&allow))] {
        let target = if method == "GET" {
            "/api/guests"
        } else {
            &path
        };
        let mut request = server
            .request(method, target)
            .without("origin")
            .header("authorization", &bearer);
        if let Some(body) = body {
            request = request.json(body);
        }
        let reply = request.send().await;
        assert_eq!(reply.status, 403, "{method} {target}: {}", reply.text());
    }
    assert_eq!(only_guest(&server, &owner).await["state"], "waiting");
}
