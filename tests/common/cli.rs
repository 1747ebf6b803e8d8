//! Running the real `termgate` client subcommands (`login`, `exec`, …)
//! against a server, and minting the API token they use.

use super::client::RequestBuilder;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;
use tokio::process::Command;

/// Mints an API token with `scopes` through `request` (a `POST
/// /api/tokens` carrying the owner's cookie); returns its value.
pub async fn mint(request: RequestBuilder, scopes: &[&str]) -> String {
    let reply = request
        .json(&serde_json::json!({"name": "cli", "scopes": scopes, "pin": super::PIN}))
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()["token"].as_str().unwrap().to_string()
}

/// The client binary with a private config home, `args`, and no stdin.
pub fn client(home: &Path, args: &[&str]) -> Command {
    let mut command = super::daemon::termgate(home);
    command.args(args);
    command
}

/// The same with the token in TERMGATE_API_TOKEN and `--url` before the
/// other args' `--` (no stored login needed).
pub fn with_token(home: &Path, url: &str, token: &str, sub: &str, args: &[&str]) -> Command {
    let mut command = client(home, &[sub, "--url", url]);
    command.args(args).env("TERMGATE_API_TOKEN", token);
    command
}

/// Runs `command` to its end (40 s at most).
pub async fn run(mut command: Command) -> Output {
    command.stdin(Stdio::null());
    tokio::time::timeout(Duration::from_secs(40), command.output())
        .await
        .expect("the client did not finish within 40 s")
        .unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
