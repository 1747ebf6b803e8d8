//! `termgate attach`, the real client binary with an API token, on a local
//! terminal that is a PTY held here (answering the queries it is shown as
//! xterm would):
//!
//! - it never types into the shell: issue 11's repro (a program asks for
//!   the terminal's attributes, then `cat -v > seen.txt` waits for input),
//!   then five attaches, each detached with Ctrl-] twice; a query in what
//!   attach writes, or a reply attach lets through, would reach `cat`;
//! - it shows the shell, sizes the tab to the local terminal and follows
//!   its resize (SIGWINCH), detaches leaving the tab running and the local
//!   terminal as it was, and exits with the shell's status when it ends.

mod common;

use common::TestServer;
use common::cli::mint;
use common::local_terminal::{LocalTerminal, attach, exit_code};
use std::time::Duration;

/// The detach key, pressed twice.
const DETACH: &[u8] = &[termgate::client::DETACH_KEY, termgate::client::DETACH_KEY];

/// The server's plain-HTTP URL, for attach.
fn url_of(server: &TestServer) -> String {
    format!("http://{}", server.host())
}
/// An API token that may type, minted by the owner.
async fn script_token(server: &TestServer, cookie: &str) -> String {
    mint(
        server.authed("POST", "/api/tokens", cookie),
        &["terminals:write"],
    )
    .await
}

#[tokio::test]
async fn five_attaches_type_nothing_into_the_shell() {
    let server = TestServer::start_with(|c| c.program = common::plain_bash()).await;
    let cookie = server.login().await;
    let token = script_token(&server, &cookie).await;
    let home = tempfile::tempdir().unwrap();
    let id = server.create_terminal(&cookie).await;
    let mut first = server.attach(&cookie, &id).await;
    // The repro: a query answered live (as xterm.js would), then cat waiting.
    first
        .send_input(b"printf '\\033[c'; read -rs -d c -t 2 r; echo ASKED-''$?\n")
        .await;
    first.read_until("\x1b[c").await;
    first.send_input(b"\x1b[?1;2c").await;
    first.read_until("ASKED-0").await;
    first
        .send_input(
            b"stty -echo; echo CAT-''READY; cat -v > seen.txt; stty echo; echo CAT-''DONE\n",
        )
        .await;
    first.read_until("CAT-READY").await;
    drop(first);

    for round in 1..=5 {
        let mut local = LocalTerminal::open();
        let mut child = attach(&url_of(&server), home.path(), &token, &local, &[&id]);
        local.until_live_showing("CAT-READY").await;
        assert!(!local.is_cooked(), "attach {round} runs its terminal raw");
        local.type_in(DETACH);
        let code = exit_code(&mut child, &format!("{round}: the detach key")).await;
        assert_eq!(code, Some(0), "attach {round}");
        // It left its terminal as it found it (out of raw mode).
        assert!(local.is_cooked(), "attach {round} left its terminal raw");
    }

    let mut last = server.attach(&cookie, &id).await;
    last.send_input(b"END\n\x04").await;
    last.read_until("CAT-DONE").await;
    let seen = std::fs::read_to_string(server.root.join("seen.txt")).unwrap();
    assert_eq!(seen, "END\n", "the shell was typed into by the attaches");
}

#[tokio::test]
async fn attach_shows_the_shell_follows_resizes_detaches_and_ends_with_its_status() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let token = script_token(&server, &cookie).await;
    let home = tempfile::tempdir().unwrap();
    let size_of = |tabs: &serde_json::Value| (tabs["cols"].as_u64(), tabs["rows"].as_u64());

    let mut local = LocalTerminal::open();
    let mut child = attach(&url_of(&server), home.path(), &token, &local, &["--new"]);
    local.until_live_showing("").await;
    local.type_in(b"echo SHELL-$((6*7))\r");
    local.until_showing("SHELL-42").await;
    let tabs = server.get("/api/terminals", &cookie).await.json();
    let tab = tabs["terminals"][0].clone();
    let id = tab["id"].as_str().unwrap().to_string();
    assert_eq!(
        size_of(&tab),
        (Some(80), Some(24)),
        "sized to the local terminal"
    );

    local.resize(100, 30, child.id().unwrap());
    let resized = common::eventually(Duration::from_secs(10), || {
        let state = server.state();
        state
            .terminals
            .get(&id)
            .is_some_and(|t| t.size() == (100, 30))
    })
    .await;
    assert!(
        resized,
        "the tab did not follow the local terminal's resize"
    );
    local.type_in(b"stty size\r");
    local.until_showing("30 100").await;

    local.type_in(DETACH);
    assert_eq!(exit_code(&mut child, "the detach key").await, Some(0));
    assert!(local.is_cooked(), "attach left its terminal raw");
    let tabs = server.get("/api/terminals", &cookie).await.json();
    assert!(tabs["terminals"][0]["exited"].is_null(), "the tab runs on");

    // Back on the same tab; the shell's end is attach's end, with its status.
    let mut local = LocalTerminal::open();
    let mut child = attach(&url_of(&server), home.path(), &token, &local, &[&id]);
    local.until_live_showing("SHELL-42").await;
    local.type_in(b"exit 3\r");
    assert_eq!(exit_code(&mut child, "the shell's exit").await, Some(3));
    assert!(local.is_cooked());
}
