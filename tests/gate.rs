//! The gate in front of every route: Host and Origin checks, route access,
//! JSON errors, security headers and request limits.

mod common;

use common::{TestServer, WsClient};
use serde_json::json;

const CSP: &str = "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'";

#[tokio::test]
async fn unknown_hosts_are_misdirected() {
    let server = TestServer::start().await;
    for host in [
        "evil.example",
        "evil.example:80",
        "127.0.0.1",
        "localhost:1",
        "127.0.0.1.nip.io",
    ] {
        let reply = server.request("GET", "/").header("host", host).send().await;
        assert_eq!(reply.status, 421, "{host}");
        assert_eq!(reply.json()["code"], "misdirected_host");
    }
    for host in [server.host(), format!("localhost:{}", server.addr.port())] {
        let reply = server
            .request("GET", "/")
            .header("host", &host)
            .send()
            .await;
        assert_eq!(reply.status, 200, "{host}");
    }
}

#[tokio::test]
async fn state_changing_requests_need_our_exact_origin() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let bad_origins: [Option<&str>; 4] = [
        None,
        Some("null"),
        Some("http://evil.example"),
        Some("https://127.0.0.1"),
    ];
    for origin in bad_origins {
        let mut request = server.authed("POST", "/api/terminals", &cookie);
        request = match origin {
            Some(origin) => request.header("origin", origin),
            None => request.without("origin"),
        };
        let reply = request.send().await;
        assert_eq!(reply.status, 403, "{origin:?}");
        assert_eq!(reply.json()["code"], "forbidden");
        let login = server
            .request("POST", "/auth/login")
            .header("origin", origin.unwrap_or("null"))
            .json(&json!({"token": common::TOKEN, "pin": common::PIN}))
            .send()
            .await;
        assert_eq!(login.status, 403, "login with origin {origin:?}");
    }
    let list = server.get("/api/terminals", &cookie).await;
    assert_eq!(
        list.json()["terminals"],
        json!([]),
        "no terminal was created by a refused request"
    );
}

#[tokio::test]
async fn websocket_upgrades_need_our_origin() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let evil = WsClient::connect_with(
        &server,
        &id,
        &[("cookie", &cookie), ("origin", "http://evil.example")],
    )
    .await;
    assert!(evil.is_err());
    let missing = WsClient::connect_with(&server, &id, &[("cookie", &cookie)]).await;
    assert!(missing.is_err());
    let no_cookie = WsClient::connect_with(&server, &id, &[("origin", &server.origin())]).await;
    assert!(no_cookie.is_err());
    assert!(WsClient::connect(&server, &cookie, &id).await.is_ok());
}

#[tokio::test]
async fn every_route_answers_with_security_headers() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let probes = [
        ("GET", "/"),
        ("GET", "/assets/js/app.js"),
        ("GET", "/auth/session"),
        ("POST", "/auth/login"),
        ("POST", "/auth/logout-all"),
        ("POST", "/auth/extend"),
        ("GET", "/api/terminals"),
        ("PATCH", "/api/terminals/t1"),
        ("DELETE", "/api/terminals/t1"),
        ("GET", "/api/terminals/t1/ws"),
        ("GET", "/no/such/route"),
        ("PUT", "/auth/login"),
    ];
    for (method, path) in probes {
        for with_cookie in [false, true] {
            let mut request = server.request(method, path);
            if with_cookie {
                request = request.header("cookie", &cookie);
            }
            let reply = request.send().await;
            let csp = reply.header("content-security-policy").unwrap_or_default();
            assert!(csp.starts_with(CSP), "{method} {path}: CSP {csp:?}");
            assert_eq!(
                reply.header("x-content-type-options"),
                Some("nosniff"),
                "{method} {path}"
            );
            assert_eq!(
                reply.header("referrer-policy"),
                Some("no-referrer"),
                "{method} {path}"
            );
            if path.starts_with("/auth") || path.starts_with("/api") {
                assert_eq!(
                    reply.header("cache-control"),
                    Some("no-store"),
                    "{method} {path}"
                );
            }
            if reply.status >= 400 {
                let body = reply.json();
                assert!(
                    body["code"].is_string() && body["message"].is_string(),
                    "{method} {path}: {body}"
                );
            }
        }
    }
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_as_json() {
    let server = TestServer::start().await;
    let reply = server.request("GET", "/nope").send().await;
    assert_eq!(
        (reply.status, reply.json()["code"].clone()),
        (404, json!("not_found"))
    );
    let reply = server.request("GET", "/assets/../Cargo.toml").send().await;
    assert_eq!(reply.status, 404);
    let reply = server.request("DELETE", "/auth/login").send().await;
    assert_eq!(
        (reply.status, reply.json()["code"].clone()),
        (405, json!("method_not_allowed"))
    );
}

#[tokio::test]
async fn owner_routes_refuse_anonymous_callers() {
    let server = TestServer::start().await;
    for (method, path) in [
        ("GET", "/api/terminals"),
        ("POST", "/api/terminals"),
        ("PATCH", "/api/terminals/t1"),
        ("DELETE", "/api/terminals/t1"),
        ("POST", "/auth/extend"),
        ("POST", "/auth/logout-all"),
        ("POST", "/auth/logout"),
    ] {
        let reply = server.request(method, path).send().await;
        assert_eq!(reply.status, 401, "{method} {path}");
    }
}

#[tokio::test]
async fn oversized_and_malformed_bodies_are_refused_cleanly() {
    let server = TestServer::start().await;
    let huge = vec![b' '; 200 * 1024];
    let reply = server
        .request("POST", "/auth/login")
        .body(huge)
        .send()
        .await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.json()["code"], "payload_too_large");
    let reply = server
        .request("POST", "/auth/login")
        .body(b"{not json".to_vec())
        .send()
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["code"], "bad_request");
}

#[tokio::test]
async fn oversized_request_heads_are_refused() {
    let server = TestServer::start().await;
    let reply = server
        .request("GET", "/")
        .header("x-padding", &"a".repeat(64 * 1024))
        .send()
        .await;
    assert_eq!(reply.status, 431);
}

#[tokio::test]
async fn static_files_revalidate_by_etag() {
    let server = TestServer::start().await;
    let first = server.request("GET", "/").send().await;
    let etag = first.header("etag").unwrap().to_string();
    assert!(
        first
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let again = server
        .request("GET", "/")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(again.status, 304);
}

/// The UI's files are embedded gzipped: a browser gets those bytes as they are, a client
/// without gzip gets the file inflated, and each representation has its own tag.
#[tokio::test]
async fn ui_files_are_sent_gzipped_or_inflated_as_the_client_accepts() {
    use std::io::Read;
    let server = TestServer::start().await;
    let source = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/js/app.js")).unwrap();
    let plain = server.request("GET", "/assets/js/app.js").send().await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-encoding"), None);
    assert!(
        plain.body[..] == source[..],
        "the plain body is not the file"
    );
    let zipped = server
        .request("GET", "/assets/js/app.js")
        .header("accept-encoding", "br, gzip")
        .send()
        .await;
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(&zipped.body[..])
        .read_to_end(&mut inflated)
        .unwrap();
    assert!(
        inflated == source,
        "the gzip body does not inflate to the file"
    );
    let (plain_tag, zipped_tag) = (
        plain.header("etag").unwrap(),
        zipped.header("etag").unwrap(),
    );
    assert_ne!(plain_tag, zipped_tag);
    let again = server
        .request("GET", "/assets/js/app.js")
        .header("if-none-match", zipped_tag)
        .send()
        .await;
    assert_eq!(
        again.status, 200,
        "the gzip tag matched the plain representation"
    );
    let head = server
        .request("HEAD", "/assets/vendor/codemirror.mjs")
        .send()
        .await;
    assert_eq!((head.status, head.body.len()), (200, 0));
}
