//! Until the owner's first login, every start says how to log in: on a
//! terminal it shows the token and a login URL carrying it; into a pipe or
//! a log file only how to see it (`termgate token`), since secrets stay out
//! of logs. After the first login, starts only say where the token is kept.

mod common;

use common::daemon::{Started, start, termgate};
use common::pty::OnTerminal;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

const PIN: &str = "24681357";
const HINT: &str = "not logged in yet: `termgate token` shows the token";

/// Every line the daemon printed before its start-up share link, which comes
/// after the whole banner: what a start said, with nothing still to come.
async fn said_at_start(daemon: &mut Started) -> String {
    daemon
        .lines_until("share link", Duration::from_secs(10))
        .await
        .join("\n")
}

fn daemon_command(home: &std::path::Path) -> tokio::process::Command {
    let mut command = termgate(home);
    command
        .env("TERMGATE_PIN", PIN)
        .args(["--share", "read-only"]);
    command
}

fn token_of(home: &std::path::Path) -> String {
    let file = home.join("config/termgate/token");
    std::fs::read_to_string(file).unwrap().trim().to_string()
}

#[tokio::test]
async fn into_a_pipe_the_token_never_goes_but_the_hint_does_until_the_first_login() {
    let home = tempfile::tempdir().unwrap();
    let mut first = start(daemon_command(home.path())).await;
    let text = said_at_start(&mut first).await;
    let token = token_of(home.path());
    assert!(token.len() >= 43, "token of {} chars", token.len());
    let token_file = home.path().join("config/termgate/token");
    let mode = std::fs::metadata(&token_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dir = token_file.parent().unwrap();
    assert_eq!(
        std::fs::metadata(dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert!(!text.contains(&token), "the token went into a pipe: {text}");
    assert!(!text.contains(PIN));
    assert!(text.contains(HINT), "{text}");
    first.child.kill().await.unwrap();

    // A first start that ended before any login (Ctrl-C at the PIN prompt,
    // say): the next start still says how to log in.
    let mut second = start(daemon_command(home.path())).await;
    assert!(said_at_start(&mut second).await.contains(HINT));
    second.login(&token, PIN).await;
    second.child.kill().await.unwrap();

    let mut third = start(daemon_command(home.path())).await;
    let text = said_at_start(&mut third).await;
    assert!(!text.contains(HINT), "{text}");
    assert!(text.contains(token_file.to_str().unwrap()), "{text}");
    third.child.kill().await.unwrap();
}

#[tokio::test]
async fn on_a_terminal_the_token_and_a_login_url_show_until_the_first_login() {
    let home = tempfile::tempdir().unwrap();
    let daemon = OnTerminal::start(daemon_command(home.path()));
    let said = daemon.until("share link").join("\n");
    let token = token_of(home.path());
    let address = said
        .lines()
        .find_map(|line| line.strip_prefix("listening on http://"))
        .expect("listening line")
        .to_string();
    assert!(
        said.contains(&format!(
            "your access token (shown until the first login): {token}"
        )),
        "{said}"
    );
    assert!(
        said.contains(&format!("http://{address}/#token={token}")),
        "{said}"
    );
    let client =
        common::client::RequestBuilder::new(address.parse().unwrap(), "POST", "/auth/login")
            .header("host", &address)
            .header("origin", &format!("http://{address}"))
            .json(&serde_json::json!({"token": token, "pin": PIN}))
            .send()
            .await;
    assert_eq!(client.status, 200);
    let mut child = daemon.child;
    child.kill().await.unwrap();

    let again = OnTerminal::start(daemon_command(home.path()));
    let said = again.until("share link").join("\n");
    assert!(
        !said.contains(&token),
        "shown after the first login: {said}"
    );
    let mut child = again.child;
    child.kill().await.unwrap();
}
