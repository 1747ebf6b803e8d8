//! Strictness at the edges of the protocols: an ambiguous cookie, an
//! absolute-form target, a malformed WebSocket key, an Origin that differs
//! only in case, a signed percent-escape, and the start-up sweep of the
//! temporary files a crashed write left behind.

mod common;

use common::TestServer;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// One raw request `head` (no blank line at its end) and its whole answer.
async fn raw(server: &TestServer, head: &str) -> (u16, String) {
    common::client::raw(server.addr, head).await
}

#[tokio::test]
async fn two_values_for_one_session_cookie_never_authenticate() {
    let server = TestServer::start().await;
    let good = server.login().await;
    let value = good.strip_prefix("termgate_session=").unwrap();
    assert_eq!(server.get("/api/terminals", &good).await.status, 200);
    for cookie in [
        format!("termgate_session={value}; termgate_session=BAD"),
        format!("termgate_session=BAD; termgate_session={value}"),
        format!("termgate_session={value}; termgate_session={value}"),
        format!(
            "termgate_session={value}; a=1; __Host-termgate_session=x; __Host-termgate_session=y"
        ),
    ] {
        let reply = server.get("/api/terminals", &cookie).await;
        assert_eq!(reply.status, 401, "{cookie}");
    }
    // The same pair split over two Cookie headers.
    let (host, good) = (server.host(), common::proofs::raw_lines(&good));
    let (status, _) = raw(
        &server,
        &format!(
            "GET /api/terminals HTTP/1.1\r\nHost: {host}\r\n{good}\r\nCookie: termgate_session=BAD"
        ),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn an_absolute_form_target_is_checked_against_the_host_allowlist() {
    let server = TestServer::start().await;
    let cookie = common::proofs::raw_lines(&server.login().await);
    let host = server.host();
    let (status, text) = raw(
        &server,
        &format!("GET http://evil.example/api/terminals HTTP/1.1\r\nHost: {host}\r\n{cookie}"),
    )
    .await;
    assert_eq!(status, 421, "{text}");
    assert!(text.contains("misdirected_host"), "{text}");
    // RFC 9112 §3.2.2: the target's authority wins over Host, both ways.
    let (status, text) = raw(
        &server,
        &format!("GET http://{host}/api/terminals HTTP/1.1\r\nHost: evil.example\r\n{cookie}"),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let (status, _) = raw(
        &server,
        &format!("GET http://me@{host}/api/terminals HTTP/1.1\r\nHost: {host}\r\n{cookie}"),
    )
    .await;
    assert_eq!(status, 421);
}

#[tokio::test]
async fn a_websocket_key_must_be_the_base64_of_sixteen_bytes() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let cookie = common::proofs::raw_lines(&cookie);
    let (host, origin) = (server.host(), server.origin());
    let upgrade = |key: &str| {
        format!(
            "GET /api/terminals/{id}/ws HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\n\
             {cookie}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}"
        )
    };
    for key in [
        "short",
        "",
        "dGhlIHNhbXBsZSBub25j",     // 15 bytes
        "dGhlIHNhbXBsZSBub25jZSE=", // 17 bytes
        "dGhlIHNhbXBsZSBub25jZQ",   // 16 bytes, unpadded
        "dGhlIHNhbXBsZSBub25jZ?==",
    ] {
        let (status, text) = raw(&server, &upgrade(key)).await;
        assert_eq!(status, 400, "key {key:?}: {text}");
    }
    let (status, text) = raw(&server, &upgrade("dGhlIHNhbXBsZSBub25jZQ==")).await;
    assert_eq!(status, 101, "{text}");
    assert!(text.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "{text}");
}

#[tokio::test]
async fn an_origin_must_match_byte_for_byte() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let port = server.addr.port();
    for origin in [
        format!("http://LOCALHOST:{port}"),
        format!("HTTP://127.0.0.1:{port}"),
        format!("http://Localhost:{port}"),
    ] {
        let reply = server
            .authed("POST", "/api/terminals", &cookie)
            .header("origin", &origin)
            .send()
            .await;
        assert_eq!(reply.status, 403, "{origin}");
    }
    let ok = server
        .authed("POST", "/api/terminals", &cookie)
        .header("origin", &format!("http://localhost:{port}"))
        .send()
        .await;
    assert_eq!(ok.status, 201, "{}", ok.text());
}

#[tokio::test]
async fn a_percent_escape_takes_exactly_two_hex_digits() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    std::fs::write(server.root.join("\u{1}"), "x").unwrap();
    for path in ["%+1", "%-1", "%+01", "%1"] {
        let reply = server
            .get(&format!("/api/files/content?path={path}"), &cookie)
            .await;
        assert_eq!(reply.status, 400, "{path}: {}", reply.text());
    }
    let reply = server.get("/api/files/content?path=%01", &cookie).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}

fn backdate(path: &Path, by: Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - by).unwrap();
}

#[tokio::test]
async fn start_up_sweeps_stale_temporary_files_and_nothing_else() {
    use common::daemon::{start, termgate};
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("root");
    let outside = home.path().join("outside");
    std::fs::create_dir_all(root.join("deep/er")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
    let hours = Duration::from_secs(2 * 3600);
    let stale = [
        root.join(".termgate-0123456789abcdef.tmp"),
        root.join("deep/er/.termgate-00000000deadbeef.tmp"),
    ];
    let kept = [
        // Fresh: perhaps a write still under way.
        root.join(".termgate-fedcba9876543210.tmp"),
        // Stale, but not our naming pattern.
        root.join("notes.tmp"),
        root.join(".termgate-notours.tmp"),
        root.join(".termgate-0123456789ABCDEF.tmp"),
        // Stale and ours, but behind a symlink out of the root.
        outside.join(".termgate-1111111111111111.tmp"),
    ];
    for path in stale.iter().chain(&kept) {
        std::fs::write(path, "partial").unwrap();
    }
    for path in stale.iter().chain(&kept[1..]) {
        backdate(path, hours);
    }
    let mut command = termgate(home.path());
    command
        .env("TERMGATE_TOKEN", "sweep-token-0123456789")
        .env("TERMGATE_PIN", "13572468")
        .arg("--cwd")
        .arg(&root);
    let mut daemon = start(command).await;
    let gone = common::eventually(Duration::from_secs(10), || {
        stale.iter().all(|path| !path.exists())
    })
    .await;
    assert!(gone, "stale temporary files are still there");
    for path in &kept {
        assert!(path.exists(), "{} was removed", path.display());
    }
    daemon.child.kill().await.unwrap();
}
