//! The owner's view of every login (`/api/sessions`), against the real
//! server: each device and guest with its browser and address, "this
//! device" marked, ids that are neither cookies nor their hashes; revoking
//! one closes its sockets within a second; ending all others needs the PIN.

mod common;

use common::{PIN, TOKEN, TestServer};
use serde_json::{Value, json};
use std::time::Duration;

const PHONE: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36";
const LAPTOP: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

async fn login_as(server: &TestServer, agent: &str) -> String {
    let reply = server
        .request("POST", "/auth/login")
        .header("user-agent", agent)
        .json(&json!({"token": TOKEN, "pin": PIN}))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.session_cookie().unwrap()
}

fn sessions(list: &Value) -> Vec<Value> {
    list["sessions"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_owner_sees_each_device_and_guest_and_revokes_one_whose_socket_closes() {
    let server = TestServer::start().await;
    let laptop = login_as(&server, LAPTOP).await;
    let phone = login_as(&server, PHONE).await;
    let id = server.create_terminal(&laptop).await;
    let (_, guest) = server
        .guest(&laptop, json!({"scope": "read-only", "ttl_secs": 900}))
        .await;
    let listed = server.get("/api/sessions", &laptop).await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    let rows = sessions(&listed.json());
    assert_eq!(rows.len(), 3, "{rows:?}");
    let row = |device: &str| {
        rows.iter()
            .find(|r| r["device"] == device)
            .cloned()
            .unwrap()
    };
    let (me, other) = (row("Firefox on Linux"), row("Chrome on Android"));
    assert_eq!(me["this_device"], true);
    assert_eq!(other["this_device"], false);
    assert_eq!(other["kind"], "owner");
    assert_eq!(other["source"], "127.0.0.1");
    let visitor = rows.iter().find(|r| r["kind"] == "guest").unwrap();
    assert_eq!(visitor["scope"], "read-only");
    let text = listed.text();
    for cookie in [&laptop, &phone, &guest] {
        let value = cookie.split_once('=').unwrap().1;
        assert!(!text.contains(value), "a cookie in the list");
    }

    let mut socket = server.attach(&phone, &id).await;
    let other_id = other["id"].as_str().unwrap();
    let revoked = server
        .authed("DELETE", &format!("/api/sessions/{other_id}"), &laptop)
        .send()
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.text());
    assert!(
        socket.closed(Duration::from_secs(1)).await.is_some(),
        "closes within 1 s"
    );
    assert_eq!(server.get("/api/terminals", &phone).await.status, 401);
    let again = server
        .authed("DELETE", &format!("/api/sessions/{other_id}"), &laptop)
        .send()
        .await;
    assert_eq!(again.status, 404);
}

#[tokio::test]
async fn ending_all_other_sessions_needs_the_pin_and_keeps_this_one() {
    let server = TestServer::start().await;
    let laptop = login_as(&server, LAPTOP).await;
    let phone = login_as(&server, PHONE).await;
    let wrong = server
        .authed("POST", "/api/sessions/revoke-others", &laptop)
        .json(&json!({"pin": "000000"}))
        .send()
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(
        server.get("/api/terminals", &phone).await.status,
        200,
        "nothing ended"
    );
    let ended = server
        .authed("POST", "/api/sessions/revoke-others", &laptop)
        .json(&json!({"pin": PIN}))
        .send()
        .await;
    assert_eq!(ended.status, 200, "{}", ended.text());
    assert_eq!(ended.json()["ended"], 1);
    assert_eq!(server.get("/api/terminals", &phone).await.status, 401);
    assert_eq!(server.get("/api/terminals", &laptop).await.status, 200);
    assert!(server.audit_log().contains("sessions_revoked"));
}
