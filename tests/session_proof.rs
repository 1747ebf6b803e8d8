//! A session cookie is worth nothing without its proof (issue 13, item 6).
//! Browsers send a host's cookies to every port of it (RFC 6265 §8.5), so
//! another local user's web server that the owner visits receives
//! `termgate_session`; what it cannot get is the proof, which the login
//! answer hands to this origin's page only. These tests replay a cookie as
//! such a server would, with forged headers, and check that the proof is
//! never echoed where it could leak.

mod common;

use common::proofs::{PROOF, subprotocols};
use common::{TestServer, WsClient};
use serde_json::json;

#[tokio::test]
async fn a_replayed_cookie_without_its_proof_is_refused_everywhere() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let id = server.create_terminal(&owner).await;
    let other = server.login().await;
    let other_proof = common::proofs::for_cookie_header(&other).unwrap();
    assert_eq!(server.get("/api/terminals", &owner).await.status, 200);

    for proof in [None, Some(""), Some("forged"), Some(other_proof.as_str())] {
        let mut request = server
            .authed("GET", "/api/terminals", &owner)
            .without(PROOF);
        if let Some(proof) = proof {
            request = request.header(PROOF, proof);
        }
        let reply = request.send().await;
        assert_eq!(reply.status, 401, "{proof:?}: {}", reply.text());
        // A refused caller is anonymous: the session is not even touched.
        let session = server.authed("GET", "/auth/session", &owner).without(PROOF);
        let session = session.send().await.json();
        assert_eq!(session["logged_in"], false, "{proof:?}");
    }
    // Writing routes too.
    let create = server
        .authed("POST", "/api/terminals", &owner)
        .without(PROOF)
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(create.status, 401);

    // A socket: the cookie alone, or offering another session's proof, is
    // refused before the upgrade.
    let origin = server.origin();
    for offer in [None, Some(subprotocols(&other_proof))] {
        let mut headers = vec![("cookie", owner.as_str()), ("origin", origin.as_str())];
        let offer = offer.unwrap_or_else(|| "termgate".to_string());
        headers.push(("sec-websocket-protocol", offer.as_str()));
        let refused = WsClient::connect_with(&server, &id, &headers).await;
        assert!(refused.is_err(), "{offer}");
    }
    // The owner's own page still gets in, both ways.
    assert_eq!(server.attach(&owner, &id).await.hello["type"], "hello");
    assert_eq!(server.get("/api/terminals", &owner).await.status, 200);
}

#[tokio::test]
async fn the_socket_picks_the_plain_subprotocol_and_never_echoes_the_proof() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let id = server.create_terminal(&owner).await;
    let proof = common::proofs::for_cookie_header(&owner).unwrap();
    let request = format!(
        "GET /api/terminals/{id}/ws HTTP/1.1\r\nhost: {host}\r\norigin: {origin}\r\n\
         cookie: {owner}\r\nsec-websocket-protocol: {offer}\r\nconnection: Upgrade\r\n\
         upgrade: websocket\r\nsec-websocket-version: 13\r\n\
         sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==",
        host = server.host(),
        origin = server.origin(),
        offer = subprotocols(&proof),
    );
    let (status, head) = common::client::raw(server.addr, &request).await;
    assert_eq!(status, 101, "{head}");
    let lower = head.to_ascii_lowercase();
    assert!(
        lower.contains("\r\nsec-websocket-protocol: termgate\r\n"),
        "{head}"
    );
    assert!(!head.contains(&proof), "the proof was echoed: {head}");
}

#[tokio::test]
async fn the_proof_is_shown_once_in_the_body_and_never_in_cookies_or_logs() {
    let server = TestServer::start().await;
    let reply = server
        .request("POST", "/auth/login")
        .json(&json!({"token": common::TOKEN, "pin": common::PIN}))
        .send()
        .await;
    assert_eq!(reply.status, 200);
    let proof = reply.proof().expect("the login answer holds the proof");
    assert!(proof.len() >= 43, "256 bits: {proof}");
    let cookie = reply.session_cookie().unwrap();
    assert!(!cookie.contains(&proof));
    assert!(reply.set_cookies().iter().all(|c| !c.contains(&proof)));
    // Extending and reading the session never hand it out again.
    let extended = server
        .authed("POST", "/auth/extend", &cookie)
        .json(&json!({"pin": common::PIN}))
        .send()
        .await;
    assert_eq!(extended.status, 200, "{}", extended.text());
    assert!(!extended.text().contains(&proof));
    let session = server.get("/auth/session", &cookie).await;
    assert_eq!(session.json()["logged_in"], true);
    assert!(!session.text().contains(&proof));
    server.create_terminal(&cookie).await;
    assert!(!server.audit_log().contains(&proof));
}

#[tokio::test]
async fn the_proof_decides_whose_session_a_page_is_in_a_browser_holding_both_cookies() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    server.create_terminal(&owner).await;
    let (_, guest) = server
        .guest(&owner, json!({"scope": "read-only", "ttl_secs": 300}))
        .await;
    let guest_proof = common::proofs::for_cookie_header(&guest).unwrap();
    let owner_proof = common::proofs::for_cookie_header(&owner).unwrap();
    let both = format!("{owner}; {guest}");
    let as_page = |proof: &str| {
        server
            .authed("GET", "/auth/session", &both)
            .header(PROOF, proof)
            .send()
    };
    assert_eq!(as_page(&owner_proof).await.json()["principal"], "owner");
    assert_eq!(as_page(&guest_proof).await.json()["principal"], "guest");
    // The guest page cannot reach the owner's routes with the owner's cookie beside it.
    let shares = server
        .authed("GET", "/api/shares", &both)
        .header(PROOF, &guest_proof)
        .send()
        .await;
    assert_eq!(shares.status, 403, "{}", shares.text());
    // And a guest cookie alone is nothing without its proof.
    let bare = server
        .authed("GET", "/api/terminals", &guest)
        .without(PROOF)
        .send()
        .await;
    assert_eq!(bare.status, 401);
}
