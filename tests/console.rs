//! What the daemon's console says: on a terminal, short human lines
//! (`12:03:04 login ok from 127.0.0.1`), not the audit file's JSON; into a
//! pipe, or with `--log-format json`, one JSON object a line for machines.
//! The audit file is JSON either way.

mod common;

use common::daemon::start;
use common::pty::OnTerminal;
use std::path::Path;
use std::time::Duration;

use common::{PIN, TOKEN};

fn daemon(home: &Path) -> tokio::process::Command {
    common::daemon::with_factors(home)
}

/// `HH:MM:SS ` at the start of a line.
fn starts_with_a_time(line: &str) -> bool {
    let bytes = line.as_bytes();
    bytes.len() > 9
        && [0, 1, 3, 4, 6, 7]
            .iter()
            .all(|&i| bytes[i].is_ascii_digit())
        && bytes[2] == b':'
        && bytes[5] == b':'
        && bytes[8] == b' '
}

/// Logs in once at the daemon listening at `address`.
async fn log_in(address: &str) {
    let reply =
        common::client::RequestBuilder::new(address.parse().unwrap(), "POST", "/auth/login")
            .header("host", address)
            .header("origin", &format!("http://{address}"))
            .json(&serde_json::json!({"token": TOKEN, "pin": PIN}))
            .send()
            .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}

fn address_of(lines: &[String]) -> String {
    lines
        .iter()
        .find_map(|line| line.strip_prefix("listening on http://"))
        .expect("the listening line")
        .to_string()
}

fn audit_file(home: &Path) -> String {
    std::fs::read_to_string(home.join("config/termgate/audit.log")).unwrap_or_default()
}

#[tokio::test]
async fn on_a_terminal_log_lines_are_human_not_json() {
    let home = tempfile::tempdir().unwrap();
    let console = OnTerminal::start_with_log(daemon(home.path()));
    let mut seen = console.until("listening on http://");
    log_in(&address_of(&seen)).await;
    seen.extend(console.until_line("saying `login ok`", |line| line.contains("login ok")));
    let line = seen.last().unwrap();
    assert!(starts_with_a_time(line), "{line:?}");
    assert_eq!(&line[9..], "login ok from 127.0.0.1", "{line:?}");
    for line in &seen {
        assert!(
            !line.contains("\"event\"") && !line.trim_start().starts_with('{'),
            "JSON on the terminal: {seen:#?}"
        );
        assert!(!line.contains('\x1b'), "colour codes in the log: {line:?}");
    }
    // The audit file keeps its JSON. Its writer thread appends after the
    // console line is printed: wait for the line to land.
    let landed = common::eventually(Duration::from_secs(5), || {
        audit_file(home.path()).contains(r#""event":"login_ok""#)
    })
    .await;
    assert!(landed, "{}", audit_file(home.path()));
    let mut child = console.child;
    child.kill().await.unwrap();
}

#[tokio::test]
async fn on_a_terminal_log_format_json_keeps_json() {
    let home = tempfile::tempdir().unwrap();
    let mut command = daemon(home.path());
    command.args(["--log-format", "json"]);
    let console = OnTerminal::start_with_log(command);
    let seen = console.until("listening on http://");
    log_in(&address_of(&seen)).await;
    let seen = console.until_line("with the login_ok event", |line| line.contains("login_ok"));
    let line: serde_json::Value =
        serde_json::from_str(seen.last().unwrap()).unwrap_or_else(|e| panic!("{e}: {seen:?}"));
    assert_eq!(line["event"], "login_ok");
    assert_eq!(line["source"], "127.0.0.1");
    let mut child = console.child;
    child.kill().await.unwrap();
}

#[tokio::test]
async fn into_a_pipe_every_log_line_is_a_json_object() {
    let home = tempfile::tempdir().unwrap();
    let running = start(daemon(home.path())).await;
    // The login's log line is written before its answer is sent.
    log_in(&running.address).await;
    let (code, _, stderr) = running.terminate_and_collect().await;
    assert_eq!(code, Some(0), "{stderr}");
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"))
        })
        .collect();
    assert!(lines.iter().all(serde_json::Value::is_object), "{stderr}");
    assert!(
        lines
            .iter()
            .any(|l| l["event"] == "login_ok" && l["source"] == "127.0.0.1"),
        "{stderr}"
    );
    // The lines that are not audit events say how bad and what.
    assert!(
        lines
            .iter()
            .filter(|l| l.get("event").is_none())
            .all(|l| l["level"].is_string() && l["msg"].is_string() && l["ts"].is_u64()),
        "{stderr}"
    );
    assert!(
        lines.iter().any(|l| l.get("event").is_none()),
        "the shutdown says it stops: {stderr}"
    );
}
