//! `termgate token [--rotate]` and `termgate pin` act on the token and PIN
//! the daemon actually uses: the same flags, environment and config file,
//! through the same function that decides where they live.

mod common;

use common::daemon::{failure, start, success, termgate};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

const OLD_TOKEN: &str = "old-leaked-token-0123456789";
const PIN: &str = "13572468";

fn private_file(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, format!("{text}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap().trim().to_string()
}

/// A config file naming a token file and a PIN file outside the config folder.
fn configured(home: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let secrets = home.join("secrets");
    let (token, pin) = (secrets.join("token"), secrets.join("pin"));
    private_file(&token, OLD_TOKEN);
    private_file(&pin, PIN);
    let config = home.join("termgate.toml");
    let text = format!(
        "token_file = {:?}\npin_file = {:?}\n",
        token.display().to_string(),
        pin.display().to_string()
    );
    std::fs::write(&config, text).unwrap();
    (config, token, pin)
}

async fn login_status(daemon: &common::daemon::Started, token: &str, pin: &str) -> u16 {
    daemon
        .request("POST", "/auth/login")
        .json(&serde_json::json!({"token": token, "pin": pin}))
        .send()
        .await
        .status
}

#[tokio::test]
async fn token_rotate_rotates_the_token_file_the_config_names() {
    let home = tempfile::tempdir().unwrap();
    let (config, token_file, _) = configured(home.path());
    let mut show = termgate(home.path());
    show.arg("token").arg("--config").arg(&config);
    assert_eq!(success(show, None).await, OLD_TOKEN);

    let mut rotate = termgate(home.path());
    rotate.args(["token", "--rotate", "--config"]).arg(&config);
    let new = success(rotate, None).await;
    assert_ne!(new, OLD_TOKEN);
    assert_eq!(read(&token_file), new, "the token file the daemon reads");
    assert!(!home.path().join("config/termgate/token").exists());

    let mut serve = termgate(home.path());
    serve.arg("--config").arg(&config);
    let mut daemon = start(serve).await;
    assert_eq!(login_status(&daemon, OLD_TOKEN, PIN).await, 401);
    assert_eq!(login_status(&daemon, &new, PIN).await, 200);
    daemon.child.kill().await.unwrap();

    // TERMGATE_TOKEN_FILE is followed the same way.
    let elsewhere = home.path().join("elsewhere/token");
    private_file(&elsewhere, OLD_TOKEN);
    let mut rotate = termgate(home.path());
    rotate
        .env("TERMGATE_TOKEN_FILE", &elsewhere)
        .args(["token", "--rotate"]);
    let newer = success(rotate, None).await;
    assert_eq!(read(&elsewhere), newer);
    assert_eq!(
        read(&token_file),
        new,
        "the config's file is not the one in use"
    );
}

#[tokio::test]
async fn pin_sets_the_pin_file_the_config_names() {
    let home = tempfile::tempdir().unwrap();
    let (config, _, pin_file) = configured(home.path());
    let mut pin = termgate(home.path());
    pin.args(["pin", "--config"]).arg(&config);
    success(pin, Some("97531864\n")).await;
    assert_eq!(read(&pin_file), "97531864");
    let mode = std::fs::metadata(&pin_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    let mut serve = termgate(home.path());
    serve.arg("--config").arg(&config);
    let mut daemon = start(serve).await;
    assert_eq!(login_status(&daemon, OLD_TOKEN, PIN).await, 401);
    assert_eq!(login_status(&daemon, OLD_TOKEN, "97531864").await, 200);
    daemon.child.kill().await.unwrap();
}

#[tokio::test]
async fn a_token_or_pin_from_the_environment_or_the_command_line_is_not_rotated() {
    let home = tempfile::tempdir().unwrap();
    let stored = home.path().join("config/termgate/token");

    let mut rotate = termgate(home.path());
    rotate
        .env("TERMGATE_TOKEN", OLD_TOKEN)
        .args(["token", "--rotate"]);
    let stderr = failure(rotate).await;
    assert!(
        stderr.contains("TERMGATE_TOKEN") && stderr.contains("cannot rotate"),
        "{stderr}"
    );
    assert!(!stored.exists(), "no token file nobody reads");

    let mut rotate = termgate(home.path());
    rotate.args(["--token", OLD_TOKEN, "token", "--rotate"]);
    let stderr = failure(rotate).await;
    assert!(stderr.contains("--token"), "{stderr}");

    // Shown, though: it is the token in use.
    let mut show = termgate(home.path());
    show.env("TERMGATE_TOKEN", OLD_TOKEN).arg("token");
    assert_eq!(success(show, None).await, OLD_TOKEN);
    assert!(!stored.exists());

    let mut pin = termgate(home.path());
    pin.env("TERMGATE_PIN", PIN).arg("pin").stdin(Stdio::null());
    let stderr = failure(pin).await;
    assert!(stderr.contains("TERMGATE_PIN"), "{stderr}");
    assert!(!home.path().join("config/termgate/pin.hash").exists());
}

#[tokio::test]
async fn shell_integration_prints_the_snippet_and_refuses_an_unknown_shell() {
    let home = tempfile::tempdir().unwrap();
    let mut command = termgate(home.path());
    command.args(["shell-integration", "bash"]);
    let printed = success(command, None).await;
    let snippet = termgate::shell_integration::snippet(termgate::shell_integration::Shell::Bash);
    assert_eq!(printed, snippet.trim_end());
    let mut command = termgate(home.path());
    command.args(["shell-integration", "tcsh"]);
    assert!(failure(command).await.contains("tcsh"));
}
