//! `termgate login` without an API token, against a spawned daemon with the
//! real binary: it logs in as the owner with the access token and PIN (and
//! the authenticator's code when the second factor is on), read here as
//! lines of standard input (not a terminal), mints `cli@<hostname>`, logs
//! the owner out and stores only the minted token, 0600. A wrong factor
//! exits 125 with a clear message and stores nothing.

mod common;

use common::cli::{client, text};
use common::daemon::{Started, start, with_factors};
use common::{PIN, TOKEN};
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;
use termgate::auth::totp;
use tokio::io::AsyncWriteExt;

struct Setup {
    daemon: Started,
    owner: String,
    url: String,
    /// The client's home (its config folder holds the login file).
    home: tempfile::TempDir,
    _daemon_home: tempfile::TempDir,
}

async fn setup() -> Setup {
    let daemon_home = tempfile::tempdir().unwrap();
    let daemon = start(with_factors(daemon_home.path())).await;
    let owner = daemon.login(TOKEN, PIN).await;
    let url = format!("http://{}", daemon.address);
    Setup {
        daemon,
        owner,
        url,
        home: tempfile::tempdir().unwrap(),
        _daemon_home: daemon_home,
    }
}

impl Setup {
    fn stored(&self) -> PathBuf {
        self.home.path().join("config/termgate/client-login.json")
    }

    /// `termgate login URL ARGS…` with `lines` on its standard input (a pipe).
    async fn login(&self, args: &[&str], lines: &[&str]) -> Output {
        let mut all = vec!["login", self.url.as_str()];
        all.extend_from_slice(args);
        feed(client(self.home.path(), &all), lines).await
    }

    /// The owner sessions the daemon holds (the test's own is one).
    async fn sessions(&self) -> usize {
        let reply = self
            .daemon
            .request("GET", "/api/sessions")
            .header("cookie", &self.owner)
            .send()
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        reply.json()["sessions"].as_array().unwrap().len()
    }

    async fn tokens(&self) -> Vec<Value> {
        let reply = self
            .daemon
            .request("GET", "/api/tokens")
            .header("cookie", &self.owner)
            .send()
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        reply.json()["tokens"].as_array().unwrap().clone()
    }

    /// Mints a token named `cli` as the owner and logs the client in with
    /// it, given as the first line (as `echo tg_… | termgate login` does).
    async fn log_in_with_a_given_token(&self) -> String {
        let request = self
            .daemon
            .request("POST", "/api/tokens")
            .header("cookie", &self.owner);
        let token = common::cli::mint(request, &["terminals:read"]).await;
        let done = self.login(&[], &[&token]).await;
        assert!(done.status.success(), "{}", text(&done.stderr));
        token
    }

    async fn whoami(&self) -> Value {
        let mut command = client(self.home.path(), &["whoami", "--json"]);
        command.stdin(Stdio::null());
        let out = wait(command.output()).await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

/// Runs `command` with `lines` written to its standard input, then closed.
async fn feed(mut command: tokio::process::Command, lines: &[&str]) -> Output {
    command.stdin(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input: String = lines.iter().map(|line| format!("{line}\n")).collect();
    // The client may stop reading early (a refusal): a broken pipe is fine.
    let _ = stdin.write_all(input.as_bytes()).await;
    drop(stdin);
    wait(child.wait_with_output()).await
}

async fn wait<T>(work: impl Future<Output = std::io::Result<T>>) -> T {
    tokio::time::timeout(Duration::from_secs(40), work)
        .await
        .expect("the client did not finish within 40 s")
        .unwrap()
}

fn read_stored(path: &Path) -> String {
    let mode = std::fs::metadata(path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the login file is private");
    std::fs::read_to_string(path).unwrap()
}

#[tokio::test]
async fn login_with_token_and_pin_on_stdin_stores_only_a_minted_token() {
    let s = setup().await;
    let done = s.login(&[], &[TOKEN, PIN]).await;
    assert!(done.status.success(), "{}", text(&done.stderr));
    let stored = read_stored(&s.stored());
    let file: Value = serde_json::from_str(&stored).unwrap();
    let token = file["token"].as_str().unwrap();
    assert!(token.starts_with("tg_"), "{stored}");
    assert!(
        !stored.contains(TOKEN) && !stored.contains(PIN),
        "neither the access token nor the PIN is stored: {stored}"
    );
    let said = format!("{}{}", text(&done.stdout), text(&done.stderr));
    assert!(!said.contains(token), "the minted token is never printed");

    let me = s.whoami().await;
    assert_eq!(me["principal"], "token");
    let name = me["name"].as_str().unwrap();
    assert!(name.starts_with("cli@") && name.len() > 4, "{me}");
    assert_eq!(me["scopes"], json!(["terminals:write"]));
    let minted = s.tokens().await;
    let row = minted.iter().find(|t| t["name"] == name).unwrap();
    let days = (row["expires_at"].as_u64().unwrap() - row["created_at"].as_u64().unwrap()) / 86_400;
    assert_eq!(days, 90, "{row}");
    assert_eq!(s.sessions().await, 1, "the owner's session was logged out");
}

#[tokio::test]
async fn a_second_login_replaces_this_machines_login_token_and_no_other() {
    let s = setup().await;
    // A token the user minted and gave: a later owner login never revokes it.
    s.log_in_with_a_given_token().await;
    let mut ids = Vec::new();
    for round in 0..2 {
        let done = s.login(&[], &[TOKEN, PIN]).await;
        assert!(done.status.success(), "{}", text(&done.stderr));
        let said = text(&done.stderr);
        assert_eq!(said.contains("replaces"), round == 1, "{said}");
        ids.push(s.whoami().await["token"].as_str().unwrap().to_string());
    }
    let names: Vec<Value> = s.tokens().await.iter().map(|t| t["name"].clone()).collect();
    assert_eq!(
        names.len(),
        2,
        "the given token and one login token: {names:?}"
    );
    assert!(
        names.contains(&json!("cli")),
        "the given token stays: {names:?}"
    );
    let rows = s.tokens().await;
    let ids_left: Vec<&str> = rows.iter().filter_map(|t| t["id"].as_str()).collect();
    assert!(
        ids_left.contains(&ids[1].as_str()),
        "the new login token works"
    );
    assert!(
        !ids_left.contains(&ids[0].as_str()),
        "the first login's token was revoked"
    );
}

#[tokio::test]
async fn an_api_token_as_the_first_line_is_stored_as_before() {
    let s = setup().await;
    let token = s.log_in_with_a_given_token().await;
    assert!(read_stored(&s.stored()).contains(&token));
    assert_eq!(
        s.whoami().await["name"],
        "cli",
        "the given token, none minted"
    );
    assert_eq!(s.tokens().await.len(), 1);
}

#[tokio::test]
async fn a_wrong_pin_exits_125_with_a_clear_message_and_stores_nothing() {
    let s = setup().await;
    let refused = s.login(&[], &[TOKEN, "000000"]).await;
    assert_eq!(
        refused.status.code(),
        Some(125),
        "{}",
        text(&refused.stderr)
    );
    let why = text(&refused.stderr);
    assert!(
        why.contains("refused the login") && why.contains("PIN"),
        "{why}"
    );
    assert!(!why.contains("000000") && !why.contains(TOKEN), "{why}");
    assert!(!s.stored().exists(), "nothing is stored");
    assert!(s.tokens().await.is_empty(), "nothing is minted");

    // No input at all: told what to set, nothing stored.
    let empty = s.login(&[], &[]).await;
    assert_eq!(empty.status.code(), Some(125));
    assert!(
        text(&empty.stderr).contains("TERMGATE_TOKEN"),
        "{}",
        text(&empty.stderr)
    );
    assert!(!s.stored().exists());
}

#[tokio::test]
async fn with_the_second_factor_on_the_code_is_required() {
    let s = setup().await;
    let secret = enable_totp(&s).await;

    let no_code = s.login(&[], &[TOKEN, PIN]).await;
    assert_eq!(no_code.status.code(), Some(125));
    assert!(
        text(&no_code.stderr).contains("TERMGATE_TOTP_CODE"),
        "{}",
        text(&no_code.stderr)
    );
    let wrong = s.login(&[], &[TOKEN, PIN, "123456"]).await;
    assert_eq!(wrong.status.code(), Some(125), "{}", text(&wrong.stderr));
    assert!(!s.stored().exists());

    // The next step's code: the one confirming the enrolment is spent.
    let code = format!("{:06}", totp::code_at(&secret, now() + 30));
    let flags = ["--scope", "terminals:read", "--expires", "1d"];
    let done = s.login(&flags, &[TOKEN, PIN, &code]).await;
    assert!(done.status.success(), "{}", text(&done.stderr));
    assert!(!read_stored(&s.stored()).contains(&code));
    let me = s.whoami().await;
    assert_eq!(me["scopes"], json!(["terminals:read"]), "{me}");
    assert_eq!(s.sessions().await, 1, "the owner's session was logged out");
}

/// Turns the second factor on as the owner; its secret.
async fn enable_totp(s: &Setup) -> Vec<u8> {
    let enrolled = s
        .daemon
        .request("POST", "/api/totp/enroll")
        .header("cookie", &s.owner)
        .json(&json!({"pin": PIN}))
        .send()
        .await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text());
    let secret = totp::from_base32(enrolled.json()["secret"].as_str().unwrap()).unwrap();
    let confirmed = s
        .daemon
        .request("POST", "/api/totp/confirm")
        .header("cookie", &s.owner)
        .json(&json!({"code": format!("{:06}", totp::code_at(&secret, now()))}))
        .send()
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text());
    secret
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}
