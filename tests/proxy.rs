//! termgate behind a real nginx (Debian's package, installed by
//! scripts/install-test-deps) with a self-signed certificate, using the very
//! configuration in examples/nginx.conf.

mod common;
#[path = "proxy/nginx.rs"]
mod nginx;

use common::cli::{client, mint, run, text};
use common::local_terminal::{LocalTerminal, attach_command, exit_code};
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
async fn the_client_logs_in_lists_and_execs_over_https_by_host_name() {
    let proxy = Proxy::start().await;
    // Minted on termgate's own port: a token is the server's, whichever way it is used.
    let owner = proxy.server.login().await;
    let token = mint(
        proxy.server.authed("POST", "/api/tokens", &owner),
        &["terminals:write"],
    )
    .await;
    let home = tempfile::tempdir().unwrap();
    // The platform's roots, with the test CA standing in for the system store.
    let termgate = |args: &[&str]| {
        let mut command = client(home.path(), args);
        command.env("SSL_CERT_FILE", &proxy.ca);
        command
    };
    // A host name, not an address: the certificate is checked against it.
    let url = format!("https://localhost:{}", proxy.port);
    let mut login = termgate(&["login", &url]);
    login.env("TERMGATE_API_TOKEN", &token);
    let done = run(login).await;
    assert!(done.status.success(), "{}", text(&done.stderr));

    let out = run(termgate(&[
        "exec",
        "--",
        "sh",
        "-c",
        "echo via-tls-$((6*7)); exit 5",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "via-tls-42\n");
    let ls = run(termgate(&["ls", "--json"])).await;
    assert!(ls.status.success(), "{}", text(&ls.stderr));
    assert!(
        text(&ls.stdout).starts_with("{\"terminals\":"),
        "{}",
        text(&ls.stdout)
    );

    // With the system's roots alone the test CA's certificate is refused,
    // not waved through.
    let refused = run(client(home.path(), &["ls"])).await;
    assert_eq!(refused.status.code(), Some(125));
    let why = text(&refused.stderr);
    assert!(
        why.contains("cannot reach") && why.contains("certificate"),
        "{why}"
    );
}

#[tokio::test]
async fn the_client_types_into_an_open_tab_over_https() {
    let proxy = Proxy::start().await;
    let owner = proxy.server.login().await;
    let token = mint(
        proxy.server.authed("POST", "/api/tokens", &owner),
        &["terminals:write"],
    )
    .await;
    // The test server's shell is /bin/sh: POSIX is all `--tab` asks.
    let id = proxy.server.create_terminal(&owner).await;
    let home = tempfile::tempdir().unwrap();
    let url = format!("https://localhost:{}", proxy.port);
    let mut exec = client(
        home.path(),
        &[
            "exec",
            "--url",
            &url,
            "--tab",
            &id,
            "--timeout",
            "30s",
            "--",
        ],
    );
    exec.args(["sh", "-c", "echo via-tab-$((6*7)); exit 3"])
        .env("TERMGATE_API_TOKEN", &token)
        .env("SSL_CERT_FILE", &proxy.ca);
    let out = run(exec).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "via-tab-42\n");
    let tabs = proxy.server.get("/api/terminals", &owner).await.json();
    assert_eq!(
        tabs["terminals"][0]["exited"],
        json!(null),
        "the tab stays open"
    );
}

#[tokio::test]
async fn the_client_attaches_over_https_by_host_name() {
    let proxy = Proxy::start().await;
    let owner = proxy.server.login().await;
    let token = mint(
        proxy.server.authed("POST", "/api/tokens", &owner),
        &["terminals:write"],
    )
    .await;
    let home = tempfile::tempdir().unwrap();
    let url = format!("https://localhost:{}", proxy.port);
    let mut local = LocalTerminal::open();
    let mut child = attach_command(&url, home.path(), &token, &local, &["--new"])
        .env("SSL_CERT_FILE", &proxy.ca)
        .spawn()
        .unwrap();
    // Through nginx's WebSocket upgrade both ways: what is typed reaches the
    // shell, what it prints comes back, and its end is attach's end.
    local.until_live_showing("").await;
    local.type_in(b"echo VIA-TLS-$((6*7))\r");
    local.until_showing("VIA-TLS-42").await;
    local.type_in(b"exit 4\r");
    assert_eq!(exit_code(&mut child, "the shell's exit").await, Some(4));
    assert!(local.is_cooked(), "attach left its terminal raw");
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

#[tokio::test]
async fn a_guest_opening_a_link_through_nginx_leaves_no_token_in_its_access_log() {
    let proxy = Proxy::under_term().await;
    let owner = proxy.login().await.session_cookie().unwrap();
    let created = proxy
        .send(
            proxy
                .request("POST", &proxy.path("api/terminals"))
                .header("cookie", &owner),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let minted = proxy
        .send(
            proxy
                .request("POST", &proxy.path("api/shares"))
                .header("cookie", &owner)
                .json(&json!({"scope": "read-only", "ttl_secs": 900})),
        )
        .await;
    assert_eq!(minted.status, 201, "{}", minted.text());
    let url = minted.json()["url"].as_str().unwrap().to_string();
    // What a browser does with the link: request all before the fragment...
    let (requested, token) = url.split_once('#').unwrap_or((&url, ""));
    let path = requested.strip_prefix(&proxy.origin()).unwrap();
    let landing = proxy.send(proxy.request("GET", path)).await;
    assert_eq!(landing.status, 200, "{}", landing.text());
    let page_line = format!("\"GET {path} HTTP/1.1\"");
    proxy.wait_logged(&page_line).await;
    let token = if token.is_empty() {
        // The link had no fragment: its token is its last path segment.
        path.rsplit('/').next().unwrap()
    } else {
        token
    };
    assert!(
        !proxy.access_log().contains(token),
        "the token is in nginx's access log: {}",
        proxy.access_log()
    );
    // ...then the page redeems it with the token in the body.
    let redeem_path = proxy.path("s/redeem");
    let redeemed = proxy
        .send(
            proxy
                .request("POST", &redeem_path)
                .json(&json!({ "token": token })),
        )
        .await;
    assert_eq!(redeemed.status, 200, "{}", redeemed.text());
    let redeem_line = format!("\"POST {redeem_path} HTTP/1.1\" 200");
    proxy.wait_logged(&redeem_line).await;
    assert!(
        !proxy.access_log().contains(token),
        "{}",
        proxy.access_log()
    );
}
