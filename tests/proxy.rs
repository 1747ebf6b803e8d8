//! termgate behind a real nginx (Debian's package, installed by
//! scripts/install-test-deps) with a self-signed certificate, using the very
//! configuration in examples/nginx.conf.

mod common;
#[path = "proxy/nginx.rs"]
mod nginx;

use common::{PIN, TOKEN};
use nginx::Proxy;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[tokio::test]
async fn https_login_sets_secure_host_cookies_and_a_terminal_websocket_works() {
    let proxy = Proxy::start().await;
    let login = proxy.login().await;
    assert_eq!(login.status, 200, "{}", login.text());
    let set = &login.set_cookies()[0];
    assert!(
        set.starts_with("__Host-termgate_session=")
            && set.contains("; Secure")
            && set.contains("HttpOnly"),
        "{set}"
    );
    assert!(login.header("strict-transport-security").is_some());
    let cookie = login.session_cookie().unwrap();

    let created = proxy
        .send(
            proxy
                .request("POST", "/api/terminals")
                .header("cookie", &cookie),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_string();

    proxy
        .run_in_terminal(
            &cookie,
            &id,
            "echo through-nginx-$((6*7))",
            "through-nginx-42",
        )
        .await;
}

#[tokio::test]
async fn a_wrong_origin_through_the_proxy_is_refused() {
    let proxy = Proxy::start().await;
    let login = proxy.login().await;
    let cookie = login.session_cookie().unwrap();
    for origin in ["https://evil.example", "http://localhost:8080", "null"] {
        let reply = proxy
            .send(
                proxy
                    .request("POST", "/api/terminals")
                    .header("cookie", &cookie)
                    .header("origin", origin),
            )
            .await;
        assert_eq!(reply.status, 403, "{origin}");
    }
    let id = proxy
        .send(
            proxy
                .request("POST", "/api/terminals")
                .header("cookie", &cookie),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut request = format!("wss://localhost:{}/api/terminals/{id}/ws", proxy.port)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    assert!(
        tokio_tungstenite::client_async(request, proxy.tls().await)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn forged_forwarding_headers_do_not_reset_the_rate_limit() {
    let proxy = Proxy::start().await;
    // Five failures, each claiming to come from somewhere else.
    for n in 0..5 {
        let forged = format!("203.0.113.{n}");
        let reply = proxy
            .send(
                proxy
                    .request("POST", "/auth/login")
                    .header("x-forwarded-for", &forged)
                    .header("x-real-ip", &forged)
                    .header("cf-connecting-ip", &forged)
                    .header("forwarded", &format!("for={forged}"))
                    .json(&json!({"token": TOKEN, "pin": "000000"})),
            )
            .await;
        assert_eq!(reply.status, 401);
    }
    // nginx appended the real client (127.0.0.1) every time: it is locked out,
    // however the next request dresses up.
    let reply = proxy
        .send(
            proxy
                .request("POST", "/auth/login")
                .header("x-forwarded-for", "198.51.100.99")
                .header("x-real-ip", "198.51.100.99")
                .json(&json!({"token": TOKEN, "pin": PIN})),
        )
        .await;
    assert_eq!(reply.status, 429, "{}", reply.text());
    assert!(reply.header("retry-after").is_some());
    let audit = proxy.server.audit_log();
    assert!(
        !audit.contains("203.0.113."),
        "a forged address reached the audit log as the source"
    );
}
