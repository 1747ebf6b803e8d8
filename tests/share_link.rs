//! Share tokens never appear in a request line: a link carries its token
//! after `#` (browsers never send the fragment), the landing page is the
//! same `GET /s/` for every link, and redemption takes the token in the body
//! of `POST /s/redeem` (as the landing's look at the link does, `POST /s/peek`). Proxy and tunnel access logs log request lines, so
//! a token in the path would rest in every one of them.

mod common;

use common::daemon::{start, termgate};
use common::{PIN, TOKEN, TestServer, eventually, tamper};
use serde_json::{Value, json};
use std::time::Duration;

/// Splits a link at its fragment and checks that nothing before it (what a
/// browser puts in the request line) holds the token: returns (what is
/// requested, token).
fn split_link(url: &str, base: &str) -> (String, String) {
    let (requested, token) = url
        .split_once('#')
        .unwrap_or_else(|| panic!("no `#` in the link, so the token is in the request: {url}"));
    assert!(
        token.len() >= 20
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{url}"
    );
    assert!(!requested.contains('?'), "a query in the link: {url}");
    assert!(
        !requested.contains(token),
        "the token is in the path: {url}"
    );
    let path = &requested[requested.find("://").unwrap() + 3..];
    let path = &path[path.find('/').unwrap()..];
    assert_eq!(path, format!("{base}s/"), "{url}");
    (requested.to_string(), token.to_string())
}

async fn mint(server: &TestServer, owner: &str) -> (String, String, String) {
    let reply = server
        .authed("POST", "/api/shares", owner)
        .json(&json!({"scope": "read-only", "ttl_secs": 900, "uses": 2}))
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let value = reply.json();
    let (requested, token) = split_link(value["url"].as_str().unwrap(), "/");
    assert_eq!(requested, format!("{}/s/", server.origin()));
    (value["id"].as_str().unwrap().to_string(), requested, token)
}

fn redeem_body(server: &TestServer, body: Value) -> common::client::RequestBuilder {
    server.request("POST", "/s/redeem").json(&body)
}

fn peek_body(server: &TestServer, body: Value) -> common::client::RequestBuilder {
    server.request("POST", "/s/peek").json(&body)
}

#[tokio::test]
async fn a_rest_link_keeps_its_token_after_the_fragment_and_redeems_from_the_body() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    server.create_terminal(&owner).await;
    let (id, _, token) = mint(&server, &owner).await;

    // The landing page, `GET /s/`, is the one every link shares and costs
    // nothing: share::a_read_only_guest_watches_live_… checks it.
    // The token in the path, as the old links had it, redeems nothing.
    let in_path = server.request("POST", &format!("/s/{token}")).send().await;
    assert!((400..500).contains(&in_path.status), "{}", in_path.status);
    assert!(in_path.json()["code"].is_string(), "{}", in_path.text());
    assert!(in_path.set_cookies().is_empty());
    assert_eq!(server.uses_left(&owner, &id).await, 2);

    // In the body, it does.
    let redeemed = server.redeem(&token).await;
    assert_eq!(redeemed.status, 200, "{}", redeemed.text());
    let cookie = redeemed.first_cookie();
    assert!(cookie.starts_with("termgate_guest="), "{cookie}");
    assert_eq!(server.uses_left(&owner, &id).await, 1);
    let session = server.get("/auth/session", &cookie).await.json();
    assert_eq!(session["principal"], "guest");
}

/// A value that looks secret: no answer may echo it.
const SECRET: &str = "secret-looking-value-0123456789";

/// Bodies a redeem (or a peek) must refuse, beside a good `token`, with the
/// status each gets: malformed ones 400, a wrong or tampered token 410.
fn bad_bodies(token: &str) -> Vec<(Value, u16)> {
    // In the signature, well before its last character.
    let tampered = tamper(token, token.len() - 8);
    vec![
        (json!({}), 400),
        (json!({"token": 7}), 400),
        (json!({"token": token, SECRET: 1}), 400),
        (json!({"token": [SECRET]}), 400),
        (json!({"token": SECRET}), 410),
        (json!({"token": tampered}), 410),
    ]
}

#[tokio::test]
async fn bad_redeem_bodies_get_a_4xx_with_a_code_and_echo_nothing() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    server.create_terminal(&owner).await;
    let (id, _, token) = mint(&server, &owner).await;
    for (body, status) in bad_bodies(&token) {
        let reply = redeem_body(&server, body.clone()).send().await;
        assert_eq!(reply.status, status, "{body}: {}", reply.text());
        let answer = reply.json();
        assert!(
            answer["code"].is_string() && answer["message"].is_string(),
            "{body}"
        );
        let text = reply.text();
        assert!(
            !text.contains(SECRET) && !text.contains(&token),
            "{body}: {text}"
        );
        assert!(reply.set_cookies().is_empty(), "{body}");
    }
    assert_eq!(server.uses_left(&owner, &id).await, 2);
}

#[tokio::test]
async fn an_old_path_link_is_refused_with_a_page_saying_the_format_changed() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    server.create_terminal(&owner).await;
    let (id, _, token) = mint(&server, &owner).await;

    let old = server.request("GET", &format!("/s/{token}")).send().await;
    assert_eq!(old.status, 404, "{}", old.text());
    assert!(old.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(old.header("cache-control"), Some("no-store"));
    let text = old.text();
    assert!(text.contains("link format changed"), "{text}");
    assert!(!text.contains(&token), "{text}");
    assert_eq!(server.uses_left(&owner, &id).await, 2);

    // termgate keeps no access log, and the audit trail never names the
    // path: once a later event is written, the old request left no trace.
    let redeemed = server.redeem(&token).await;
    assert_eq!(redeemed.status, 200, "{}", redeemed.text());
    let written = eventually(Duration::from_secs(10), || {
        server.audit_log().contains("share_redeemed")
    })
    .await;
    assert!(written, "{}", server.audit_log());
    assert!(
        !server.audit_log().contains(&token),
        "{}",
        server.audit_log()
    );
}

#[tokio::test]
async fn the_console_share_link_keeps_its_token_after_the_fragment() {
    let home = tempfile::tempdir().unwrap();
    let mut command = termgate(home.path());
    command
        .env("TERMGATE_PIN", PIN)
        .env("TERMGATE_TOKEN", TOKEN)
        .args(["--base-path", "/term", "--share", "read-only"]);
    let mut daemon = start(command).await;
    let line = daemon
        .line_starting("share link (read-only", Duration::from_secs(10))
        .await;
    let url = line.rsplit(' ').next().unwrap().trim();
    let (requested, token) = split_link(url, "/term/");
    assert_eq!(requested, format!("http://{}/term/s/", daemon.address));

    let page = daemon.request("GET", "/term/s/").send().await;
    assert_eq!(page.status, 200, "{}", page.text());
    // The daemon's helpers speak the root base; under /term/ by hand.
    let login = daemon
        .request("POST", "/term/auth/login")
        .json(&json!({"token": TOKEN, "pin": PIN}))
        .send()
        .await;
    assert_eq!(login.status, 200, "{}", login.text());
    let owner = login.session_cookie().unwrap();
    let tab = daemon
        .request("POST", "/term/api/terminals")
        .header("cookie", &owner)
        .send()
        .await;
    assert_eq!(tab.status, 201, "{}", tab.text());
    let redeemed = daemon
        .request("POST", "/term/s/redeem")
        .json(&json!({"token": token}))
        .send()
        .await;
    assert_eq!(redeemed.status, 200, "{}", redeemed.text());
    daemon.child.kill().await.unwrap();
}

#[tokio::test]
async fn a_peek_describes_the_link_from_the_body_and_spends_nothing() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    server.create_terminal(&owner).await;
    let minted = server
        .authed("POST", "/api/shares", &owner)
        .json(&json!({"scope": "interactive", "ttl_secs": 900, "uses": 2, "pin": PIN}))
        .send()
        .await;
    assert_eq!(minted.status, 201, "{}", minted.text());
    let minted = minted.json();
    let id = minted["id"].as_str().unwrap();
    let (_, token) = split_link(minted["url"].as_str().unwrap(), "/");

    // Peeking as often as the landing page likes spends no use and sets no cookie.
    for _ in 0..3 {
        let peek = peek_body(&server, json!({ "token": token })).send().await;
        assert_eq!(peek.status, 200, "{}", peek.text());
        assert!(peek.set_cookies().is_empty());
        assert_eq!(
            peek.json(),
            json!({"scope": "interactive", "expires_at": minted["expires_at"], "uses_left": 2})
        );
    }
    assert_eq!(server.uses_left(&owner, id).await, 2);
    assert_eq!(server.redeem(&token).await.status, 200);
    let peek = peek_body(&server, json!({ "token": token })).send().await;
    assert_eq!(peek.json()["uses_left"], 1, "{}", peek.text());

    // Bad bodies: what redeem answers, echoing nothing.
    for (body, status) in bad_bodies(&token) {
        let peek = peek_body(&server, body.clone()).send().await;
        let redeem = redeem_body(&server, body.clone()).send().await;
        assert_eq!(peek.status, status, "{body}: {}", peek.text());
        assert_eq!(peek.body, redeem.body, "{body}");
        let text = peek.text();
        assert!(
            !text.contains(SECRET) && !text.contains(&token),
            "{body}: {text}"
        );
    }
    assert_eq!(server.uses_left(&owner, id).await, 1);
    assert!(!server.audit_log().contains(&token));
}

#[tokio::test]
async fn forged_peeks_spend_the_login_budget_and_good_ones_do_not() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    server.create_terminal(&owner).await;
    let (_, _, token) = mint(&server, &owner).await;
    // More good peeks than the budget holds: none of them costs a unit.
    for _ in 0..8 {
        let peek = peek_body(&server, json!({ "token": token })).send().await;
        assert_eq!(peek.status, 200, "{}", peek.text());
    }
    let forged = tamper(&token, 30);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            peek_body(&server, json!({ "token": forged }))
                .send()
                .await
                .status,
        );
    }
    assert_eq!(statuses, [410, 410, 410, 410, 410, 429]);
    // The lockout is the one a login or a redeem from here would meet.
    let locked = peek_body(&server, json!({ "token": token })).send().await;
    assert_eq!(locked.status, 429, "{}", locked.text());
    assert_eq!(locked.json()["code"], "rate_limited");
    assert_eq!(server.redeem(&token).await.status, 429);
}
