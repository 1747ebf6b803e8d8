//! Scoped API tokens (`Authorization: Bearer tg_…`), against the real server:
//! minted by the owner with the PIN and shown once; scopes enforced on every
//! route as the route table names them (a route added tomorrow is covered);
//! never mixed with a browser's request; wrong tokens cost the login budget;
//! a token's socket watches, types only with `terminals:write`, and closes
//! within a second of the revoke.

mod common;

use common::{PIN, TestServer, WsClient};
use serde_json::{Value, json};
use std::time::Duration;
use termgate::auth::Access;
use termgate::auth::api_tokens::TokenScope;
use termgate::http::router::ROUTES;

const SCOPES: [(TokenScope, &str); 6] = [
    (TokenScope::TerminalsRead, "terminals:read"),
    (TokenScope::TerminalsWrite, "terminals:write"),
    (TokenScope::FilesRead, "files:read"),
    (TokenScope::FilesWrite, "files:write"),
    (TokenScope::Shares, "shares"),
    (TokenScope::Recordings, "recordings"),
];

/// Mints a token with `scopes` as the owner; returns its answer (value included).
async fn mint(server: &TestServer, owner: &str, name: &str, scopes: &[&str]) -> Value {
    let reply = server
        .authed("POST", "/api/tokens", owner)
        .json(&json!({"name": name, "scopes": scopes, "expires_in_secs": 3600, "pin": PIN}))
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()
}

/// A request as a script sends it: Host, a bearer token, no Origin, no cookie.
fn scripted(
    server: &TestServer,
    method: &str,
    path: &str,
    token: &str,
) -> common::client::RequestBuilder {
    server
        .request(method, path)
        .without("origin")
        .header("authorization", &format!("Bearer {token}"))
}

fn token_of(minted: &Value) -> String {
    minted["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn minting_needs_the_pin_and_shows_the_token_once() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let wrong = server
        .authed("POST", "/api/tokens", &owner)
        .json(&json!({"name": "ci", "scopes": ["terminals:read"], "pin": "000000"}))
        .send()
        .await;
    assert_eq!(wrong.status, 401, "{}", wrong.text());
    for bad in [
        json!({"name": "", "scopes": ["terminals:read"], "pin": PIN}),
        json!({"name": "ci", "scopes": [], "pin": PIN}),
        json!({"name": "ci", "scopes": ["root"], "pin": PIN}),
        json!({"name": "ci", "scopes": ["shares"], "expires_in_secs": 1, "pin": PIN}),
    ] {
        let reply = server
            .authed("POST", "/api/tokens", &owner)
            .json(&bad)
            .send()
            .await;
        assert_eq!(reply.status, 400, "{bad}: {}", reply.text());
        assert!(reply.json()["code"].is_string());
    }
    let minted = mint(&server, &owner, "ci", &["terminals:read"]).await;
    let token = token_of(&minted);
    assert!(token.starts_with("tg_") && token.len() == 46, "{token}");
    let list = server.get("/api/tokens", &owner).await;
    assert_eq!(list.status, 200);
    assert!(
        !list.text().contains(&token[3..]),
        "the list never shows a value"
    );
    assert_eq!(list.json()["tokens"][0]["name"], "ci");
    let audit = server.audit_log();
    assert!(audit.contains("api_token_created") && !audit.contains(&token[3..]));
    // The token says who it is, and nothing about the owner's session.
    let whoami = scripted(&server, "GET", "/auth/session", &token)
        .send()
        .await;
    assert_eq!(whoami.status, 200, "{}", whoami.text());
    assert_eq!(whoami.json()["principal"], "token");
    assert_eq!(whoami.json()["scopes"], json!(["terminals:read"]));
}

#[tokio::test]
async fn every_route_takes_a_token_only_with_the_scope_the_table_names() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let mut tokens = Vec::new();
    for (scope, name) in SCOPES {
        tokens.push((scope, token_of(&mint(&server, &owner, name, &[name]).await)));
    }
    let mut checked = (0, 0);
    for route in ROUTES.iter().filter(|route| route.access != Access::Public) {
        let method = route.method.as_str();
        let path = route.pattern.replace("{id}", "x").replace('*', "x");
        for (scope, token) in &tokens {
            let reply = scripted(&server, method, &path, token).send().await;
            // Write implies read; nothing else implies anything.
            let implied = match route.token {
                Some(TokenScope::TerminalsRead) => *scope == TokenScope::TerminalsWrite,
                Some(TokenScope::FilesRead) => *scope == TokenScope::FilesWrite,
                _ => false,
            };
            let allowed = route.token == Some(*scope) || implied;
            if allowed {
                assert!(
                    ![401, 403].contains(&reply.status),
                    "{method} {path} refused a {scope:?} token: {} {}",
                    reply.status,
                    reply.text()
                );
                checked.0 += 1;
            } else {
                assert_eq!(
                    reply.status,
                    403,
                    "{method} {path} answered a {scope:?} token: {}",
                    reply.text()
                );
                checked.1 += 1;
            }
        }
    }
    assert!(checked.0 >= 20 && checked.1 >= 60, "{checked:?}");
    // Tokens never reach the token routes, whatever their scopes.
    let all: Vec<&str> = SCOPES.iter().map(|(_, name)| *name).collect();
    let every = token_of(&mint(&server, &owner, "every", &all).await);
    let listed = scripted(&server, "GET", "/api/tokens", &every).send().await;
    assert_eq!(listed.status, 403);
    let minted = scripted(&server, "POST", "/api/tokens", &every)
        .json(&json!({"name": "more", "scopes": ["shares"], "pin": PIN}))
        .send()
        .await;
    assert_eq!(minted.status, 403);
}

#[tokio::test]
async fn a_token_is_never_mixed_with_a_browser_request() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let token = token_of(&mint(&server, &owner, "ci", &["terminals:read"]).await);
    let with_origin = server
        .request("GET", "/api/terminals")
        .header("authorization", &format!("Bearer {token}"))
        .send()
        .await;
    assert_eq!(with_origin.status, 403, "{}", with_origin.text());
    let with_cookie = scripted(&server, "GET", "/api/terminals", &token)
        .header("cookie", &owner)
        .send()
        .await;
    assert_eq!(with_cookie.status, 403, "{}", with_cookie.text());
    let alone = scripted(&server, "GET", "/api/terminals", &token)
        .send()
        .await;
    assert_eq!(alone.status, 200, "{}", alone.text());
    let twice = scripted(&server, "GET", "/api/terminals", &token)
        .header("authorization", "Basic eDp5")
        .send()
        .await;
    assert_eq!(twice.status, 401, "not a bearer token: {}", twice.text());
}

#[tokio::test]
async fn wrong_tokens_spend_the_login_budget() {
    let server = TestServer::start().await;
    let guess = format!("tg_{}", "A".repeat(43));
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(
            scripted(&server, "GET", "/api/terminals", &guess)
                .send()
                .await
                .status,
        );
    }
    assert_eq!(&statuses[..5], &[401; 5], "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    // The same budget as a login: the right token and PIN wait too.
    let login = server
        .request("POST", "/auth/login")
        .json(&json!({"token": common::TOKEN, "pin": PIN}))
        .send()
        .await;
    assert_eq!(login.status, 429, "{}", login.text());
    assert!(server.audit_log().contains("api_token_failed"));
}

/// A socket as a script opens it: the bearer header, no Origin, no cookie.
async fn attach(server: &TestServer, id: &str, token: &str) -> WsClient {
    let url = format!("ws://{}/api/terminals/{id}/ws", server.host());
    let bearer = format!("Bearer {token}");
    WsClient::connect_url(server.addr, &url, &[("authorization", &bearer)])
        .await
        .expect("a token's socket opens without Origin")
}

#[tokio::test]
async fn a_read_token_watches_a_write_token_types_and_a_revoke_closes_both() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let id = server.create_terminal(&owner).await;
    let reader = mint(&server, &owner, "watcher", &["terminals:read"]).await;
    let writer = mint(&server, &owner, "agent", &["terminals:write"]).await;
    let mut watching = attach(&server, &id, &token_of(&reader)).await;
    let mut typing = attach(&server, &id, &token_of(&writer)).await;
    assert_eq!(watching.hello["readonly"], true, "{}", watching.hello);
    assert_eq!(typing.hello["readonly"], false, "{}", typing.hello);
    typing.send_input(b"echo typed-by-$((6*7))\r").await;
    watching.read_until("typed-by-42").await;
    // Input from the read-only token is dropped.
    watching.send_input(b"echo never-$((1+1))\r").await;
    typing.send_input(b"echo after-$((2+2))\r").await;
    let seen = typing.read_until("after-4").await;
    assert!(!seen.contains("never-2"), "{seen}");

    for (minted, socket) in [(&reader, &mut watching), (&writer, &mut typing)] {
        let id = minted["id"].as_str().unwrap();
        let revoked = server
            .authed("DELETE", &format!("/api/tokens/{id}"), &owner)
            .send()
            .await;
        assert_eq!(revoked.status, 204, "{}", revoked.text());
        assert!(
            socket.closed(Duration::from_secs(1)).await.is_some(),
            "the socket of a revoked token closes within 1 s"
        );
        let again = scripted(&server, "GET", "/api/terminals", &token_of(minted))
            .send()
            .await;
        assert_eq!(again.status, 401);
    }
    assert!(server.audit_log().contains("api_token_revoked"));
}
