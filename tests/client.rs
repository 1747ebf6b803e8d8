//! The `termgate` client binary against a spawned daemon: login with an API
//! token (checked first, stored 0600), whoami and ls with and without
//! `--json`, logout; `exec` streams a command's output and exits with its
//! status, 124 on `--timeout` with nothing left running; `tokens` mints,
//! lists and revokes as the owner. (`attach` under a
//! PTY: tests/attach_reattach.rs; through nginx's HTTPS: tests/proxy.rs.)

mod common;

use common::cli::{client, mint, run, text, with_token};
use common::daemon::{Started, start, with_factors};
use common::{PIN, TOKEN};
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

/// A daemon with its owner logged in, and an API token minted by them.
struct Setup {
    daemon: Started,
    owner: String,
    token: String,
    url: String,
    _daemon_home: tempfile::TempDir,
    _root: tempfile::TempDir,
}

async fn setup(scopes: &[&str]) -> Setup {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let mut command = with_factors(home.path());
    command.env("TERMGATE_CWD", root.path());
    let daemon = start(command).await;
    let owner = daemon.login(TOKEN, PIN).await;
    let request = daemon
        .request("POST", "/api/tokens")
        .header("cookie", &owner);
    let token = mint(request, scopes).await;
    let url = format!("http://{}", daemon.address);
    Setup {
        daemon,
        owner,
        token,
        url,
        _daemon_home: home,
        _root: root,
    }
}

impl Setup {
    async fn tabs(&self) -> Vec<Value> {
        let reply = self
            .daemon
            .request("GET", "/api/terminals")
            .header("cookie", &self.owner)
            .send()
            .await;
        assert_eq!(reply.status, 200);
        reply.json()["terminals"].as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn login_stores_a_checked_token_and_whoami_ls_and_logout_use_it() {
    let s = setup(&["terminals:write"]).await;
    let home = tempfile::tempdir().unwrap();
    let stored = home.path().join("config/termgate/client-login.json");

    // A token the server refuses is not stored.
    let mut wrong = client(home.path(), &["login", &s.url]);
    wrong.env("TERMGATE_API_TOKEN", format!("{}x", s.token));
    let refused = run(wrong).await;
    assert_eq!(
        refused.status.code(),
        Some(125),
        "{}",
        text(&refused.stderr)
    );
    assert!(
        text(&refused.stderr).contains("refused"),
        "{}",
        text(&refused.stderr)
    );
    assert!(!stored.exists());

    let mut login = client(home.path(), &["login", &s.url]);
    login.env("TERMGATE_API_TOKEN", &s.token);
    let done = run(login).await;
    assert!(done.status.success(), "{}", text(&done.stderr));
    let mode = std::fs::metadata(&stored).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(
        !text(&done.stderr).contains(&s.token) && !text(&done.stdout).contains(&s.token),
        "the token is never printed"
    );

    let whoami = run(client(home.path(), &["whoami", "--json"])).await;
    assert!(whoami.status.success(), "{}", text(&whoami.stderr));
    let me: Value = serde_json::from_slice(&whoami.stdout).unwrap();
    assert_eq!(me["principal"], "token");
    assert_eq!(me["name"], "cli");
    assert_eq!(me["scopes"], json!(["terminals:write"]));
    assert_eq!(me["url"], format!("{}/", s.url));
    let plain = run(client(home.path(), &["whoami"])).await;
    assert!(
        text(&plain.stdout).contains("\"cli\" (terminals:write)"),
        "{}",
        text(&plain.stdout)
    );

    let id = s.daemon.create_terminal(&s.owner).await;
    let ls = run(client(home.path(), &["ls", "--json"])).await;
    assert!(ls.status.success(), "{}", text(&ls.stderr));
    let listed: Value = serde_json::from_slice(&ls.stdout).unwrap();
    let tab = &listed["terminals"][0];
    assert_eq!(tab["id"], id.as_str());
    assert_eq!(
        (tab["cols"].as_u64(), tab["exited"].is_null()),
        (Some(80), true)
    );
    let table = text(&run(client(home.path(), &["ls"])).await.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("VIEWERS"),
        "{table}"
    );
    assert!(
        lines[1].starts_with(&id) && lines[1].contains("80x24"),
        "{table}"
    );

    let out = run(client(home.path(), &["logout"])).await;
    assert!(out.status.success());
    assert!(!stored.exists());
    let after = run(client(home.path(), &["ls"])).await;
    assert_eq!(after.status.code(), Some(125));
    assert!(
        text(&after.stderr).contains("not logged in"),
        "{}",
        text(&after.stderr)
    );
}

#[tokio::test]
async fn exec_prints_the_output_and_exits_with_the_commands_status() {
    let s = setup(&["terminals:write"]).await;
    let home = tempfile::tempdir().unwrap();
    let exec = |args: &[&str]| with_token(home.path(), &s.url, &s.token, "exec", args);

    let out = run(exec(&["--", "sh", "-c", "echo hi; exit 7"])).await;
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    // Into a pipe, the PTY's CRLF reads as plain lines.
    assert_eq!(text(&out.stdout), "hi\n");
    assert!(s.tabs().await.is_empty(), "the tab is closed afterwards");

    // An argv, not a shell string: the `;` reaches echo as it is.
    let out = run(exec(&["--keep", "--", "echo", "a;b", "$HOME"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "a;b $HOME\n");
    let tabs = s.tabs().await;
    assert_eq!(tabs.len(), 1, "--keep keeps the tab");
    assert_eq!(tabs[0]["exited"], json!({"code": 0}));

    // A command the server cannot find is the server's refusal, not a status.
    let out = run(exec(&["--", "no-such-program-here"])).await;
    assert_eq!(out.status.code(), Some(125));
    assert!(
        text(&out.stderr).contains("not found on PATH"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn exec_past_its_timeout_exits_124_and_leaves_no_process() {
    let s = setup(&["terminals:write"]).await;
    let home = tempfile::tempdir().unwrap();
    // A duration no other process on the machine is sleeping.
    let nap = format!("5.{}", std::process::id());
    let mut command = with_token(
        home.path(),
        &s.url,
        &s.token,
        "exec",
        &["--timeout", "1s", "--", "sleep", &nap],
    );
    command.stdin(std::process::Stdio::null());
    let child = command.spawn().unwrap();
    let sleeping = || sleepers(&nap);
    let seen = common::eventually(Duration::from_secs(10), || !sleeping().is_empty()).await;
    assert!(seen, "the command never ran");
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("exec did not end after its timeout")
        .unwrap();
    assert_eq!(out.status.code(), Some(124), "{}", text(&out.stderr));
    // DELETE answers once the tab's processes are reaped: gone already.
    assert_eq!(
        sleeping(),
        Vec::<u32>::new(),
        "the command was left running"
    );
    assert!(s.tabs().await.is_empty());
}

/// Pids of live `sleep NAP` processes.
fn sleepers(nap: &str) -> Vec<u32> {
    // argv[0] is the path found on PATH.
    let wanted = format!("/sleep\0{nap}\0");
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.ends_with(wanted.as_bytes()))
                && common::process_alive(*pid)
        })
        .collect()
}

#[tokio::test]
async fn tokens_mints_lists_and_revokes_as_the_owner() {
    let s = setup(&["terminals:read"]).await;
    let home = tempfile::tempdir().unwrap();
    let owner = |args: &[&str]| {
        let mut command = client(home.path(), args);
        command
            .args(["--url", &s.url])
            .env("TERMGATE_TOKEN", TOKEN)
            .env("TERMGATE_PIN", PIN);
        command
    };
    let mut wrong = owner(&["tokens", "list"]);
    wrong.env("TERMGATE_PIN", "000000");
    let refused = run(wrong).await;
    assert_eq!(refused.status.code(), Some(125));
    assert!(
        text(&refused.stderr).contains("401"),
        "{}",
        text(&refused.stderr)
    );

    let created = run(owner(&[
        "tokens",
        "create",
        "--name",
        "agent",
        "--scope",
        "terminals:write",
        "--expires",
        "30d",
    ]))
    .await;
    assert!(created.status.success(), "{}", text(&created.stderr));
    let token = text(&created.stdout).trim().to_string();
    assert!(token.starts_with("tg_") && token.len() == 46, "{token}");

    let listed = run(owner(&["tokens", "list", "--json"])).await;
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let list: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let agent = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "agent")
        .expect("the new token is listed")
        .clone();
    assert_eq!(agent["scopes"], json!(["terminals:write"]));
    let days =
        (agent["expires_at"].as_u64().unwrap() - agent["created_at"].as_u64().unwrap()) / 86_400;
    assert_eq!(days, 30);
    assert!(
        !text(&listed.stdout).contains(&token[3..]),
        "a list never shows a value"
    );

    // The minted token works for the client, until it is revoked.
    let whoami = || with_token(home.path(), &s.url, &token, "whoami", &[]);
    assert!(run(whoami()).await.status.success());
    let id = agent["id"].as_str().unwrap();
    let revoked = run(owner(&["tokens", "revoke", id])).await;
    assert!(revoked.status.success(), "{}", text(&revoked.stderr));
    let after = run(whoami()).await;
    assert_eq!(after.status.code(), Some(125), "a revoked token is refused");
    // Each command logged out again: no owner session is left but the test's.
    let sessions = s
        .daemon
        .request("GET", "/api/sessions")
        .header("cookie", &s.owner)
        .send()
        .await;
    assert_eq!(sessions.status, 200, "{}", sessions.text());
    assert_eq!(
        sessions.json()["sessions"].as_array().unwrap().len(),
        1,
        "{}",
        sessions.text()
    );
}
