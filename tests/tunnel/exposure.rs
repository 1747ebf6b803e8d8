//! What the gate admits and believes as a tunnel comes and goes, and the
//! owner activity that keeps a public termgate up.

use super::{PIN, TOKEN, fake_pids, with_fakes};
use crate::common::client::RequestBuilder;
use crate::common::daemon::Started;
use crate::common::daemon::start;
use crate::common::{eventually, process_alive};
use serde_json::json;
use std::time::{Duration, Instant};

/// A daemon whose fake tunnel client (in `mode`) announced its public URL.
struct Public {
    home: tempfile::TempDir,
    log: std::path::PathBuf,
    daemon: Started,
    /// The `public URL: …` line.
    line: String,
}

async fn public(mode: &str, args: &[&str]) -> Public {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), mode, &log);
    command.args(args);
    let mut daemon = start(command).await;
    let line = daemon
        .line_starting("public URL: ", Duration::from_secs(10))
        .await;
    Public {
        home,
        log,
        daemon,
        line,
    }
}

#[tokio::test]
async fn owner_activity_keeps_a_public_daemon_up_and_its_absence_ends_it() {
    let Public {
        home: _home,
        log,
        mut daemon,
        line: _,
    } = public("up", &["--zrok", "--idle-shutdown", "3s"]).await;
    let cookie = daemon.login(TOKEN, PIN).await;
    let id = daemon.create_terminal(&cookie).await;
    let mut viewer = daemon.attach(&cookie, &id).await;

    // Typing for twice the idle limit: the daemon stays.
    let typing = Instant::now();
    while typing.elapsed() < Duration::from_secs(6) {
        viewer.send_input(b"true\n").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(
        daemon.child.try_wait().unwrap().is_none(),
        "stopped while typed into"
    );

    // Watching in a visible page: the daemon stays too.
    viewer
        .send_text(r#"{"type":"visibility","visible":true}"#)
        .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(
        daemon.child.try_wait().unwrap().is_none(),
        "stopped while watched"
    );

    // The page is hidden: the owner is away, and the daemon stops itself,
    // telling the page why.
    viewer
        .send_text(r#"{"type":"visibility","visible":false}"#)
        .await;
    let hidden = Instant::now();
    daemon
        .line_starting(
            "no owner activity for 3s while public",
            Duration::from_secs(15),
        )
        .await;
    assert!(
        hidden.elapsed() >= Duration::from_millis(2500),
        "{:?}",
        hidden.elapsed()
    );
    assert_eq!(viewer.closed(Duration::from_secs(5)).await, Some(1001));
    assert_eq!(viewer.close_reason.as_deref(), Some("idle_shutdown"));
    let status = tokio::time::timeout(Duration::from_secs(5), daemon.child.wait())
        .await
        .expect("exits")
        .unwrap();
    assert_eq!(status.code(), Some(0));
    for pid in fake_pids(&log) {
        assert!(
            eventually(Duration::from_secs(2), || !process_alive(pid)).await,
            "{pid} left behind"
        );
    }
}

#[tokio::test]
async fn forwarded_headers_and_the_tunnel_host_count_only_while_the_tunnel_is_up() {
    let Public {
        home,
        log: _log,
        mut daemon,
        line: _,
    } = public(
        "up",
        &["--zrok", "--public-timeout", "4s", "--idle-shutdown", "1h"],
    )
    .await;
    let addr = daemon.address.parse().unwrap();
    let login = |host: &str, origin: &str| {
        RequestBuilder::new(addr, "POST", "/auth/login")
            .header("host", host)
            .header("origin", origin)
            .header("x-forwarded-for", "198.51.100.7")
            .header("x-forwarded-proto", "https")
            .json(&json!({"token": TOKEN, "pin": PIN}))
    };
    let public = login("fake1.share.zrok.io", "https://fake1.share.zrok.io")
        .send()
        .await;
    assert_eq!(public.status, 200, "{}", public.text());
    assert!(public.set_cookies()[0].contains("; Secure"));

    // On the loopback name the same headers are any local process's claim.
    let local_origin = format!("http://{}", daemon.address);
    let local = login(&daemon.address, &local_origin).send().await;
    assert_eq!(local.status, 200);
    assert!(
        !local.set_cookies()[0].contains("; Secure"),
        "forwarded headers believed on the loopback name: {:?}",
        local.set_cookies()
    );

    daemon
        .line_starting("public exposure ended", Duration::from_secs(10))
        .await;
    let gone = login("fake1.share.zrok.io", "https://fake1.share.zrok.io")
        .send()
        .await;
    assert_eq!(gone.status, 421, "the tunnel's host outlived it");
    let after = login(&daemon.address, &local_origin).send().await;
    assert_eq!(after.status, 200);
    assert!(!after.set_cookies()[0].contains("; Secure"));
    // The audit log names the claimed address only for the login that
    // came through the tunnel. It is written off the request path: wait
    // for all three logins' lines.
    let path = home.path().join("config/termgate/audit.log");
    let logins = || {
        let audit = std::fs::read_to_string(&path).unwrap_or_default();
        audit
            .lines()
            .filter(|line| line.contains("login_ok"))
            .count()
    };
    assert!(
        eventually(Duration::from_secs(10), || logins() >= 3).await,
        "the audit log lacks the logins"
    );
    let audit = std::fs::read_to_string(&path).unwrap();
    let claimed = audit
        .lines()
        .filter(|line| line.contains("login_ok") && line.contains("198.51.100.7"))
        .count();
    assert_eq!(claimed, 1, "{audit}");
}

#[tokio::test]
async fn links_minted_on_localhost_while_public_are_for_the_public_origin() {
    let Public {
        home,
        log: _log,
        daemon,
        line: _,
    } = public("up", &["--zrok"]).await;
    // The owner is on http://127.0.0.1:PORT.
    let cookie = daemon.login(TOKEN, PIN).await;
    daemon.create_terminal(&cookie).await;
    let share = daemon
        .request("POST", "/api/shares")
        .header("cookie", &cookie)
        .json(&json!({"scope": "read-only", "ttl_secs": 900}))
        .send()
        .await;
    assert_eq!(share.status, 201, "{}", share.text());
    let share = share.json();
    assert_eq!(share["origin"], "https://fake1.share.zrok.io");
    assert_eq!(share["public"], true);
    let url = share["url"].as_str().unwrap();
    assert!(url.starts_with("https://fake1.share.zrok.io/s/#"), "{url}");

    // The phone login link: the token in the fragment, for the public origin.
    let link = daemon
        .request("POST", "/api/login-link")
        .header("cookie", &cookie)
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(link.status, 200, "{}", link.text());
    let link = link.json();
    assert_eq!(
        link["url"],
        format!("https://fake1.share.zrok.io/#token={TOKEN}")
    );
    assert_eq!(link["public"], true);
    assert!(link["qr"]["size"].as_u64().unwrap() > 20);
    // Only the owner may see it: not a guest, not a stranger.
    let token = url.rsplit_once("/s/#").unwrap().1;
    let guest = daemon
        .request("POST", "/s/redeem")
        .json(&json!({ "token": token }))
        .send()
        .await;
    assert_eq!(guest.status, 200);
    let guest_cookie = guest.first_cookie();
    for cookie in [guest_cookie.as_str(), ""] {
        let refused = daemon
            .request("POST", "/api/login-link")
            .header("cookie", cookie)
            .json(&json!({}))
            .send()
            .await;
        assert!([401, 403].contains(&refused.status), "{}", refused.status);
        assert!(!refused.text().contains(TOKEN));
    }
    // Written off the request path: wait for the line.
    let path = home.path().join("config/termgate/audit.log");
    let read = || std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        eventually(Duration::from_secs(10), || read()
            .contains("login_link_shown"))
        .await,
        "the audit log lacks the login link"
    );
    assert!(!read().contains(TOKEN), "the token reached the audit log");
}

#[tokio::test]
async fn under_a_base_path_the_public_url_and_its_links_carry_it() {
    let Public {
        home: _home,
        log: _log,
        daemon,
        line,
    } = public("up", &["--zrok", "--base-path", "/term/"]).await;
    assert_eq!(line, "public URL: https://fake1.share.zrok.io/term/");
    let addr = daemon.address.parse().unwrap();
    let local = format!("http://{}", daemon.address);
    let request = |method: &str, path: &str| {
        RequestBuilder::new(addr, method, path)
            .header("host", &daemon.address)
            .header("origin", &local)
    };
    let login = request("POST", "/term/auth/login")
        .json(&json!({"token": TOKEN, "pin": PIN}))
        .send()
        .await;
    assert_eq!(login.status, 200, "{}", login.text());
    let cookie = login.session_cookie().unwrap();
    let link = request("POST", "/term/api/login-link")
        .header("cookie", &cookie)
        .json(&json!({}))
        .send()
        .await
        .json();
    assert_eq!(
        link["url"],
        format!("https://fake1.share.zrok.io/term/#token={TOKEN}")
    );
    let share = request("POST", "/term/api/shares")
        .header("cookie", &cookie)
        .json(&json!({"scope": "read-only", "ttl_secs": 900}))
        .send()
        .await
        .json();
    let url = share["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://fake1.share.zrok.io/term/s/#"),
        "{url}"
    );
}

#[tokio::test]
async fn the_public_timeout_holds_while_a_restarted_client_waits_for_its_url() {
    // The first client dies after its URL; the restarted one never prints one.
    let Public {
        home: _home,
        log,
        mut daemon,
        line: _,
    } = public(
        "die-then-silent",
        &[
            "--zrok",
            "--public-timeout",
            "2s",
            "--tunnel-timeout",
            "60s",
        ],
    )
    .await;
    let ended = Instant::now();
    daemon
        .line_starting("public exposure ended", Duration::from_secs(15))
        .await;
    assert!(
        ended.elapsed() < Duration::from_secs(10),
        "{:?}",
        ended.elapsed()
    );
    // The restarted client is not left waiting for a URL nobody will announce.
    for pid in fake_pids(&log) {
        assert!(
            eventually(Duration::from_secs(3), || !process_alive(pid)).await,
            "restarted client {pid} outlived the public timeout"
        );
    }
    assert!(
        daemon.child.try_wait().unwrap().is_none(),
        "localhost goes on"
    );
}
