//! `termgate totp enable | status | disable` against a running daemon: the
//! real binary shows a secret, takes a code from it on standard input, and
//! from then on the daemon's logins need a code — without a restart.

mod common;

use common::daemon::{self, termgate, with_factors};
use common::{PIN, TOKEN};
use serde_json::json;
use std::process::Stdio;
use std::time::Duration;
use termgate::auth::totp;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn enabling_from_the_terminal_makes_the_running_daemon_ask_for_a_code() {
    let home = tempfile::tempdir().unwrap();
    let running = daemon::start(with_factors(home.path())).await;
    let login = |code: Option<String>| {
        let mut body = json!({"token": TOKEN, "pin": PIN});
        if let Some(code) = code {
            body["code"] = json!(code);
        }
        running.request("POST", "/auth/login").json(&body).send()
    };
    assert_eq!(login(None).await.status, 200);

    let mut enable = termgate(home.path());
    enable.arg("totp").arg("enable").stdin(Stdio::piped());
    let mut child = enable.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let secret = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(text) = line.strip_prefix("secret: ") {
                return totp::from_base32(text).unwrap();
            }
        }
        panic!("no secret printed");
    })
    .await
    .expect("the secret is shown");
    let mut stdin = child.stdin.take().unwrap();
    let at = now();
    stdin
        .write_all(format!("{:06}\n", totp::code_at(&secret, at)).as_bytes())
        .await
        .unwrap();
    let output = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rest: Vec<String> = {
        let mut rest = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            rest.push(line);
        }
        rest
    };
    let backup: Vec<&str> = rest
        .iter()
        .map(|l| l.trim())
        .filter(|l| l.len() == 9 && l.as_bytes()[4] == b'-')
        .collect();
    assert_eq!(backup.len(), 10, "{rest:?}");

    let status = daemon::success(with_status(home.path()), None).await;
    assert!(status.contains("on (10 backup codes left)"), "{status}");
    assert_eq!(
        login(None).await.status,
        401,
        "the running daemon now asks for a code"
    );
    let next = format!("{:06}", totp::code_at(&secret, at + 30));
    assert_eq!(login(Some(next)).await.status, 200);

    let mut disable = termgate(home.path());
    disable.arg("totp").arg("disable");
    daemon::success(disable, Some(&format!("{}\n", backup[0]))).await;
    assert_eq!(login(None).await.status, 200, "off again");
}

fn with_status(home: &std::path::Path) -> tokio::process::Command {
    let mut command = termgate(home);
    command.arg("totp").arg("status");
    command
}
