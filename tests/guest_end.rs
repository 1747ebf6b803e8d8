//! A guest session ends with its link, and `logout-all` ends every session,
//! guests' included: no order of events leaves a guest with a working cookie.

mod common;

use common::{PIN, TestServer};
use serde_json::json;
use std::time::{Duration, Instant};
use termgate::auth::sessions::{GuestGrant, SessionKind};
use termgate::auth::share::Scope;

/// Mints a link (the owner's cookie); returns (id, token).
async fn mint(server: &TestServer, owner: &str, body: serde_json::Value) -> (String, String) {
    let reply = server
        .authed("POST", "/api/shares", owner)
        .json(&body)
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let value = reply.json();
    let url = value["url"].as_str().unwrap();
    (
        value["id"].as_str().unwrap().to_string(),
        url.rsplit_once('#').unwrap().1.to_string(),
    )
}

async fn redeem(server: &TestServer, token: &str) -> Option<String> {
    let reply = server.redeem(token).await;
    (reply.status == 200).then(|| {
        let cookie = reply.first_cookie();
        assert!(cookie.starts_with("termgate_guest="), "{cookie}");
        cookie
    })
}

#[tokio::test]
async fn logout_all_closes_an_interactive_guests_socket_within_a_second() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let tab = server.create_terminal(&owner).await;
    let body =
        json!({"scope": "interactive", "ttl_secs": 900, "uses": 3, "terminal": tab, "pin": PIN});
    let (_, token) = mint(&server, &owner, body).await;
    let guest = redeem(&server, &token).await.expect("the link opens");
    let mut socket = server.attach(&guest, &tab).await;
    assert_eq!(socket.hello["readonly"], false);

    let started = Instant::now();
    let reply = server
        .authed("POST", "/auth/logout-all", &owner)
        .json(&json!({"pin": PIN}))
        .send()
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    assert_eq!(socket.closed(Duration::from_secs(1)).await, Some(4001));
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(server.get("/api/terminals", &guest).await.status, 401);
    // The link went too: the guest cannot simply open it again.
    assert_eq!(redeem(&server, &token).await, None);
}

#[tokio::test]
async fn a_guest_session_started_after_its_link_was_revoked_never_works() {
    // The losing order of a redeem racing a revoke, made deterministic: the
    // revoke sweeps the sessions first, and the redeem's session starts after.
    let server = TestServer::start().await;
    let owner = server.login().await;
    let tab = server.create_terminal(&owner).await;
    let (id, _) = mint(
        &server,
        &owner,
        json!({"scope": "interactive", "ttl_secs": 900, "terminal": tab, "pin": PIN}),
    )
    .await;
    let revoked = server
        .authed("DELETE", &format!("/api/shares/{id}"), &owner)
        .send()
        .await;
    assert_eq!(revoked.status, 204);
    let grant = GuestGrant {
        share_id: id,
        scope: Scope::Interactive,
        terminal: Some(tab.clone()),
    };
    let issued = server
        .state()
        .sessions
        .create_with_deadline(SessionKind::Guest(grant), Duration::from_secs(900));
    let view = issued.view;
    let guest = format!("termgate_guest={}", issued.cookie);
    common::proofs::remember(&guest, &issued.proof);
    assert_eq!(server.get("/api/terminals", &guest).await.status, 401);
    assert!(
        common::WsClient::connect(&server, &guest, &tab)
            .await
            .is_err()
    );
    assert!(*view.ended.borrow(), "the orphaned session was ended");
}

#[tokio::test]
async fn redeems_racing_revokes_never_leave_a_working_guest() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    server.create_terminal(&owner).await;
    let mut survived = 0;
    for round in 0..60 {
        let (id, token) = mint(
            &server,
            &owner,
            json!({"scope": "read-only", "ttl_secs": 900}),
        )
        .await;
        let revoke = async {
            // Alternate which one leaves first.
            if round % 2 == 0 {
                tokio::task::yield_now().await;
            }
            server
                .authed("DELETE", &format!("/api/shares/{id}"), &owner)
                .send()
                .await
                .status
        };
        let (guest, revoked) = tokio::join!(redeem(&server, &token), revoke);
        assert_eq!(revoked, 204);
        if let Some(guest) = guest {
            survived += 1;
            let status = server.get("/api/terminals", &guest).await.status;
            assert_eq!(
                status, 401,
                "round {round}: a guest outlived its revoked link"
            );
        }
    }
    eprintln!("{survived} of 60 redeems won their race (and were ended by the revoke)");
}
