//! Command history through shell integration: real bash started with the
//! documented snippet (`termgate shell-integration bash`) as its rc file
//! runs `true`, `false` and `(exit 3)`, and
//! `GET /api/terminals/{id}/commands` answers exactly those, newest first,
//! with their exit codes, times and folder (relative to the file root, and
//! null outside it: no host path reaches a client).

mod common;

use common::TestServer;
use std::path::Path;
use termgate::config::Program;
use termgate::shell_integration::{Shell, snippet};

/// Starts a server whose tabs run bash with `rc` as its rc file: a fixed
/// prompt, no history file (the test must not write the user's), then the
/// snippet exactly as `termgate shell-integration bash` prints it.
async fn server_with_bash(rc: &Path) -> TestServer {
    let text = format!(
        "PS1='tg-prompt$ '\nunset HISTFILE\n{}",
        snippet(Shell::Bash)
    );
    std::fs::write(rc, text).unwrap();
    let rc = rc.to_path_buf();
    TestServer::start_with(move |c| {
        c.program = Program {
            path: "/bin/bash".into(),
            args: vec!["--rcfile".into(), rc.into_os_string(), "-i".into()],
            login: false,
        };
    })
    .await
}

#[tokio::test]
async fn bash_with_the_snippet_yields_its_commands_with_their_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_bash(&dir.path().join("bashrc")).await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut tab = server.attach(&cookie, &id).await;
    let before = termgate::clock::unix_ms();
    // Typed once bash reads its line editor's input (echo is its own by
    // then, not the tty's, so the screen shows each command on its prompt).
    tab.read_until("tg-prompt$").await;
    tab.send_input(b"true\rfalse\r(exit 3)\r").await;
    // The third command's end, then the prompt after it (maybe in the same
    // read: what `read_until` returns goes past its needle).
    let seen = tab.read_until("\x1b]133;D;3\x07").await;
    let (_, after) = seen.split_once("\x1b]133;D;3\x07").unwrap();
    if !after.contains("\x1b]133;B\x07") {
        tab.read_until("\x1b]133;B\x07").await;
    }
    // A joining viewer's screen is made by the model at the point it joins,
    // after it read all of the above (and so recorded its marks).
    let mut second = server.attach(&cookie, &id).await;
    second.read_until("tg-prompt$").await;

    let reply = server
        .get(&format!("/api/terminals/{id}/commands"), &cookie)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    let now = body["now"].as_u64().unwrap();
    let commands = body["commands"].as_array().unwrap();
    let got: Vec<(&str, u64)> = commands
        .iter()
        .map(|c| {
            (
                c["command"].as_str().unwrap(),
                c["exit_code"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [("(exit 3)", 3), ("false", 1), ("true", 0)], "{body}");
    let mut last_start = u64::MAX;
    for command in commands {
        let started = command["started_at"].as_u64().unwrap();
        assert!(
            (before..=now).contains(&started) && started <= last_start,
            "{command}"
        );
        last_start = started;
        assert!(command["duration_ms"].as_u64().unwrap() < 30_000);
        assert_eq!(command["running"], false);
        // bash's $PWD, the root, told relative to the root as a tab's is.
        assert_eq!(command["cwd"], "", "{command}");
    }
    let ids: Vec<u64> = commands.iter().map(|c| c["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [3, 2, 1]);
}

/// Types `line` once bash prompts, then waits until the model has read
/// the end of its last command, `(exit 9)`, and the prompt after it.
async fn run_and_settle(server: &TestServer, cookie: &str, id: &str, line: &[u8]) {
    let mut tab = server.attach(cookie, id).await;
    tab.read_until("tg-prompt$").await;
    tab.send_input(line).await;
    let seen = tab.read_until("\x1b]133;D;9\x07").await;
    let (_, after) = seen.split_once("\x1b]133;D;9\x07").unwrap();
    if !after.contains("\x1b]133;B\x07") {
        tab.read_until("\x1b]133;B\x07").await;
    }
    server
        .attach(cookie, id)
        .await
        .read_until("tg-prompt$")
        .await;
}

#[tokio::test]
async fn folders_are_told_relative_to_the_root_and_not_at_all_outside_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_bash(&dir.path().join("bashrc")).await;
    std::fs::create_dir(server.root.join("sub dir")).unwrap();
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    run_and_settle(
        &server,
        &cookie,
        &id,
        b"cd 'sub dir'\rtrue\rcd /\rtrue\r(exit 9)\r",
    )
    .await;
    let reply = server
        .get(&format!("/api/terminals/{id}/commands"), &cookie)
        .await;
    let body = reply.json();
    let got: Vec<(&str, &serde_json::Value)> = body["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["command"].as_str().unwrap(), &c["cwd"]))
        .collect();
    let null = serde_json::Value::Null;
    let sub = serde_json::json!("sub dir");
    let root = serde_json::json!("");
    assert_eq!(
        got,
        [
            ("(exit 9)", &null),
            ("true", &null),
            ("cd /", &sub),
            ("true", &sub),
            ("cd 'sub dir'", &root)
        ],
        "{body}"
    );
}

#[tokio::test]
async fn the_commands_of_a_tab_that_does_not_exist_are_not_found() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let reply = server.get("/api/terminals/t9/commands", &cookie).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["code"], "not_found");
}
