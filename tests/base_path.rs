//! `--base-path /term/`: termgate under a sub-path of the owner's own site,
//! behind a real nginx running examples/nginx-base-path.conf, and directly:
//! nothing answers outside the prefix, cookies are scoped to it, share links
//! carry it, and the binary validates and prints it.

mod common;
#[path = "proxy/nginx.rs"]
mod nginx;

use common::daemon::{failure, start, termgate};
use common::{PIN, TOKEN, TestServer};
use nginx::Proxy;
use serde_json::json;
use std::time::Duration;
use termgate::http::base::BasePath;

#[tokio::test]
async fn under_term_through_nginx_the_ui_api_socket_files_and_share_links_work() {
    let proxy = Proxy::under_term().await;

    // The UI: the index names its base, its assets load from under it.
    let index = proxy.send(proxy.request("GET", "/term/")).await;
    assert_eq!(index.status, 200, "{}", index.text());
    assert!(
        index.text().contains(r#"<base href="/term/">"#),
        "{}",
        index.text()
    );
    let app = proxy
        .send(proxy.request("GET", "/term/assets/js/app.js"))
        .await;
    assert_eq!(app.status, 200);
    assert!(app.header("content-type").unwrap().contains("javascript"));

    // Login: a cookie scoped to /term/, `__Secure-` since `__Host-` needs Path=/.
    let login = proxy.login().await;
    assert_eq!(login.status, 200, "{}", login.text());
    let set = &login.set_cookies()[0];
    assert!(
        set.starts_with("__Secure-termgate_session=")
            && set.contains("; Path=/term/;")
            && set.contains("; Secure")
            && set.contains("HttpOnly"),
        "{set}"
    );
    assert!(!set.contains("Path=/;"), "{set}");
    let cookie = login.session_cookie().unwrap();
    let session = proxy
        .send(
            proxy
                .request("GET", "/term/auth/session")
                .header("cookie", &cookie),
        )
        .await;
    assert_eq!(session.json()["principal"], "owner", "{}", session.text());

    // A terminal, attached over a WebSocket through nginx.
    let created = proxy
        .send(
            proxy
                .request("POST", "/term/api/terminals")
                .header("cookie", &cookie),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_string();
    proxy
        .run_in_terminal(&cookie, &id, "echo under-term-$((6*7))", "under-term-42")
        .await;

    // The file browser lists the root.
    std::fs::write(proxy.server.root.join("listed-under-term.txt"), "x").unwrap();
    let listing = proxy
        .send(
            proxy
                .request("GET", "/term/api/files/list?path=")
                .header("cookie", &cookie),
        )
        .await;
    assert_eq!(listing.status, 200, "{}", listing.text());
    assert!(
        listing.text().contains("listed-under-term.txt"),
        "{}",
        listing.text()
    );

    // A share link minted through the proxy points under /term/ and opens.
    let minted = proxy
        .send(
            proxy
                .request("POST", "/term/api/shares")
                .header("cookie", &cookie)
                .json(&json!({"scope": "read-only", "ttl_secs": 900})),
        )
        .await;
    assert_eq!(minted.status, 201, "{}", minted.text());
    let url = minted.json()["url"].as_str().unwrap().to_string();
    let prefix = format!("{}/term/s/#", proxy.origin());
    assert!(url.starts_with(&prefix), "{url}");
    let token = &url[prefix.len()..];
    let landing = proxy.send(proxy.request("GET", "/term/s/")).await;
    assert_eq!(landing.status, 200);
    assert!(landing.text().contains(r#"<base href="/term/">"#));
    let redeemed = proxy
        .send(
            proxy
                .request("POST", "/term/s/redeem")
                .json(&json!({ "token": token })),
        )
        .await;
    assert_eq!(redeemed.status, 200, "{}", redeemed.text());
    let guest_set = &redeemed.set_cookies()[0];
    assert!(
        guest_set.starts_with("__Secure-termgate_guest=") && guest_set.contains("; Path=/term/;"),
        "{guest_set}"
    );
    let guest = redeemed.first_cookie();
    let tabs = proxy
        .send(
            proxy
                .request("GET", "/term/api/terminals")
                .header("cookie", &guest),
        )
        .await;
    assert_eq!(tabs.status, 200, "{}", tabs.text());
    assert_eq!(tabs.json()["terminals"][0]["id"], id.as_str());

    // Logging out clears the cookie on the same path it was set on.
    let out = proxy
        .send(
            proxy
                .request("POST", "/term/auth/logout")
                .header("cookie", &cookie),
        )
        .await;
    assert_eq!(out.status, 204);
    let cleared = out.set_cookies();
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("__Secure-termgate_session=;") && c.contains("Path=/term/;")),
        "{cleared:?}"
    );
}

#[tokio::test]
async fn only_the_names_that_can_be_set_are_read() {
    let proxy = Proxy::under_term().await;
    let cookie = proxy.login().await.session_cookie().unwrap();
    let secret = cookie.split_once('=').unwrap().1;
    let ask = |name: &str| {
        proxy
            .request("GET", "/term/api/terminals")
            .header("cookie", &format!("{name}={secret}"))
    };
    assert_eq!(
        proxy.send(ask("__Secure-termgate_session")).await.status,
        200
    );
    // Under a sub-path termgate never sets `__Host-`: a cookie by that name is
    // not one of ours, whatever it holds.
    assert_eq!(proxy.send(ask("__Host-termgate_session")).await.status, 401);
}

#[tokio::test]
async fn outside_the_base_nothing_answers_and_the_bare_prefix_redirects() {
    let server = TestServer::start_with(|c| c.base_path = BasePath::parse("/term").unwrap()).await;
    let cookie = {
        let reply = server
            .request("POST", "/term/auth/login")
            .json(&json!({"token": TOKEN, "pin": PIN}))
            .send()
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        let set = &reply.set_cookies()[0];
        assert!(
            set.starts_with("termgate_session=") && set.contains("; Path=/term/"),
            "{set}"
        );
        reply.session_cookie().unwrap()
    };
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/api/terminals"),
        ("POST", "/api/terminals"),
        ("GET", "/assets/js/app.js"),
        ("POST", "/auth/login"),
        ("GET", "/termx/"),
        ("GET", "/termapi/terminals"),
        ("GET", "/s/abc"),
        ("GET", "/other/term/"),
    ] {
        let reply = server.authed(method, path, &cookie).send().await;
        assert_eq!(reply.status, 404, "{method} {path}: {}", reply.text());
        let body = reply.json();
        assert_eq!(body["code"], "not_found", "{method} {path}");
        assert!(body["message"].is_string(), "{method} {path}");
    }
    let inside = server
        .authed("GET", "/term/api/terminals", &cookie)
        .send()
        .await;
    assert_eq!(inside.status, 200, "{}", inside.text());

    let bare = server.request("GET", "/term").send().await;
    assert_eq!(bare.status, 308, "{}", bare.text());
    assert_eq!(bare.header("location"), Some("/term/"));
    let bare_query = server.request("GET", "/term?x=1").send().await;
    assert_eq!(bare_query.header("location"), Some("/term/?x=1"));
    let index = server.request("GET", "/term/").send().await;
    assert_eq!(index.status, 200);
    // The index is a cheap 304 on a repeat visit, like every other UI file.
    let etag = index.header("etag").unwrap().to_string();
    let again = server
        .request("GET", "/term/")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(again.status, 304);
}

#[tokio::test]
async fn the_binary_validates_the_prefix_and_prints_it_in_the_banner_and_the_share_link() {
    let home = tempfile::tempdir().unwrap();
    for bad in ["/a/../b", "/a//b", "/a b", "/%2e"] {
        let mut command = termgate(home.path());
        command
            .env("TERMGATE_TOKEN", TOKEN)
            .env("TERMGATE_PIN", PIN)
            .args(["--base-path", bad]);
        let stderr = failure(command).await;
        assert!(stderr.contains("base_path"), "{bad}: {stderr}");
    }

    let mut command = termgate(home.path());
    command
        .env("TERMGATE_TOKEN", TOKEN)
        .env("TERMGATE_PIN", PIN)
        .args(["--base-path", "/term", "--share", "read-only"]);
    let mut started = start(command).await;
    let listening = started
        .banner
        .iter()
        .find(|line| line.starts_with("listening on "))
        .unwrap()
        .clone();
    assert_eq!(
        listening,
        format!("listening on http://{}/term/", started.address)
    );
    let share = started
        .line_starting("share link", Duration::from_secs(10))
        .await;
    let want = format!("http://{}/term/s/#", started.address);
    assert!(share.contains(&want), "{share}");
    // And its page opens.
    let landing = started.request("GET", "/term/s/").send().await;
    assert_eq!(landing.status, 200, "{}", landing.text());
    started.child.kill().await.unwrap();
}
