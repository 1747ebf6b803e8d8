//! `termgate exec --tab ID`: the real client binary types a command into a
//! bash tab that is already open and reports only what the command
//! printed (not the echo of the typed line, not the prompt) and its exit
//! status; on `--timeout` it exits 124, the command gets a Ctrl-C and the
//! tab stays open at its prompt. (Through nginx's HTTPS: tests/proxy.rs.)

mod common;

use common::cli::{mint, run, text, with_token};
use common::{TestServer, plain_bash};
use std::time::Duration;

struct Setup {
    server: TestServer,
    owner: String,
    url: String,
    home: tempfile::TempDir,
}

async fn setup() -> Setup {
    let server = TestServer::start_with(|c| c.program = plain_bash()).await;
    let owner = server.login().await;
    let url = format!("http://{}", server.host());
    Setup {
        server,
        owner,
        url,
        home: tempfile::tempdir().unwrap(),
    }
}

impl Setup {
    async fn token(&self, scopes: &[&str]) -> String {
        mint(
            self.server.authed("POST", "/api/tokens", &self.owner),
            scopes,
        )
        .await
    }

    /// `termgate exec --url URL --tab ID ARGS…` with `token`.
    fn exec(&self, token: &str, id: &str, args: &[&str]) -> tokio::process::Command {
        let mut all = vec!["--tab", id];
        all.extend_from_slice(args);
        with_token(self.home.path(), &self.url, token, "exec", &all)
    }

    /// Whether tab `id` is listed and its shell still runs.
    async fn running(&self, id: &str) -> bool {
        let list = self.server.get("/api/terminals", &self.owner).await.json();
        list["terminals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|tab| tab["id"] == id && tab["exited"].is_null())
    }
}

#[tokio::test]
async fn exec_into_a_bash_tab_prints_only_the_output_and_exits_with_its_status() {
    let s = setup().await;
    let token = s.token(&["terminals:write"]).await;
    let id = s.server.create_terminal(&s.owner).await;

    let out = run(s.exec(&token, &id, &["--", "sh", "-c", "echo hi; exit 7"])).await;
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "hi\n", "only the command's output");
    assert!(s.running(&id).await, "the tab stays open");

    // Again in the same tab: words are quoted as an argv, and output
    // without a final line end keeps its last line.
    let out = run(s.exec(&token, &id, &["--", "printf", "%s|", "a b", "it's"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "a b|it's|");
}

#[tokio::test]
async fn exec_into_a_tab_past_its_timeout_exits_124_interrupts_it_and_leaves_it_open() {
    let s = setup().await;
    let token = s.token(&["terminals:write"]).await;
    let id = s.server.create_terminal(&s.owner).await;
    // A duration no other process on the machine is sleeping.
    let nap = format!("60.{}", std::process::id());

    let out = run(s.exec(&token, &id, &["--timeout", "2s", "--", "sleep", &nap])).await;
    assert_eq!(out.status.code(), Some(124), "{}", text(&out.stderr));
    assert!(s.running(&id).await, "the tab stays open");
    let gone = common::eventually(Duration::from_secs(10), || sleepers(&nap).is_empty()).await;
    assert!(gone, "the Ctrl-C did not interrupt the command");
    // The shell is back at its prompt: the next command runs at once.
    let out = run(s.exec(&token, &id, &["--timeout", "30s", "--", "echo", "back"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "back\n");
}

#[tokio::test]
async fn a_token_that_cannot_type_is_told_so() {
    let s = setup().await;
    let token = s.token(&["terminals:read"]).await;
    let id = s.server.create_terminal(&s.owner).await;
    let out = run(s.exec(&token, &id, &["--", "true"])).await;
    assert_eq!(out.status.code(), Some(125));
    assert!(
        text(&out.stderr).contains("terminals:write"),
        "{}",
        text(&out.stderr)
    );
    let out = run(s.exec(&token, "t999", &["--", "true"])).await;
    assert_eq!(out.status.code(), Some(125), "{}", text(&out.stderr));
}

#[tokio::test]
async fn a_locked_tab_is_refused_and_nothing_is_typed_into_it() {
    let s = setup().await;
    let token = s.token(&["terminals:write"]).await;
    let id = s.server.create_terminal(&s.owner).await;
    let locked = s
        .server
        .authed("POST", &format!("/api/terminals/{id}/lock"), &s.owner)
        .json(&serde_json::json!({"locked": true, "pin": common::PIN}))
        .send()
        .await;
    assert_eq!(locked.status, 200, "{}", locked.text());
    let out = run(s.exec(&token, &id, &["--timeout", "30s", "--", "true"])).await;
    assert_eq!(out.status.code(), Some(125), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("locked"),
        "{}",
        text(&out.stderr)
    );
    assert!(s.running(&id).await);
}

/// Pids of live `sleep NAP` processes.
fn sleepers(nap: &str) -> Vec<u32> {
    let wanted = format!("sleep\0{nap}\0");
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
