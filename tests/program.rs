//! What a tab runs: `termgate -- program args…` (or `command = [...]` in the
//! config file) instead of a shell, `--login-shell` (`login_shell = true`)
//! for a shell with a `-` in front of its argv[0], and the refusals of
//! combinations that say two different things.

mod common;

use common::daemon::{Started, failure, start};
use std::path::Path;

use common::{PIN, TOKEN};

fn daemon(home: &Path) -> tokio::process::Command {
    common::daemon::with_factors(home)
}

/// Opens a tab on `daemon` and returns its socket.
async fn open_tab(daemon: &Started) -> common::WsClient {
    let cookie = daemon.login(TOKEN, PIN).await;
    let id = daemon.create_terminal(&cookie).await;
    daemon.attach(&cookie, &id).await
}

/// A program that prints its arguments one per bracket and how many
/// TERMGATE_ variables it sees, in one write (so a screen snapshot cannot
/// fall in between), then waits for input (so the tab stays open).
const PRINT_ARGS: &str = r#"s=$(printf '[%s]' "$0" "$@"); n=$(env | grep -c TERMGATE_);
printf '%s secrets=%s;end\n' "$s" "$n"; exec cat"#;

#[tokio::test]
async fn a_tab_runs_the_command_after_double_dash_with_its_arguments() {
    let home = tempfile::tempdir().unwrap();
    let mut command = daemon(home.path());
    // `sh`, not `/bin/sh`: a bare name is looked up on PATH as a shell would.
    command.args(["--", "sh", "-c", PRINT_ARGS, "first", "two words", "--port"]);
    let mut running = start(command).await;
    let mut tab = open_tab(&running).await;
    let out = tab.read_until(";end").await;
    // The daemon has TERMGATE_TOKEN and TERMGATE_PIN; the command none.
    assert!(
        out.contains("[first][two words][--port] secrets=0;end"),
        "{out}"
    );
    running.child.kill().await.unwrap();
}

#[tokio::test]
async fn the_config_file_command_runs_with_its_arguments() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("termgate.toml");
    let line = format!("command = [\"/bin/sh\", \"-c\", {PRINT_ARGS:?}, \"from file\", \"x\"]\n");
    std::fs::write(&file, line).unwrap();
    let mut command = daemon(home.path());
    command.arg("--config").arg(&file);
    let mut running = start(command).await;
    let mut tab = open_tab(&running).await;
    let out = tab.read_until(";end").await;
    assert!(out.contains("[from file][x] secrets=0;end"), "{out}");
    running.child.kill().await.unwrap();
}

#[tokio::test]
async fn a_login_shell_sees_a_dash_in_front_of_argv0() {
    let home = tempfile::tempdir().unwrap();
    // What login(1) gives: ~/.profile is read, so its PATH additions are there.
    std::fs::write(home.path().join(".profile"), "PROFILE_READ=yes\n").unwrap();
    let mut command = daemon(home.path());
    command.args(["--shell", "/bin/bash", "--login-shell"]);
    let mut running = start(command).await;
    let mut tab = open_tab(&running).await;
    tab.send_input(b"echo \"zero=$0 profile=$PROFILE_READ end\"\n")
        .await;
    let out = tab.read_until(" end\r\n").await;
    assert!(out.contains("zero=-bash profile=yes end"), "{out}");
    running.child.kill().await.unwrap();

    // The same from the config file.
    let file = home.path().join("termgate.toml");
    std::fs::write(&file, "shell = \"/bin/bash\"\nlogin_shell = true\n").unwrap();
    let mut command = daemon(home.path());
    command.arg("--config").arg(&file);
    let mut running = start(command).await;
    let mut tab = open_tab(&running).await;
    tab.send_input(b"echo \"zero=$0 end\"\n").await;
    let out = tab.read_until(" end\r\n").await;
    assert!(out.contains("zero=-bash end"), "{out}");
    running.child.kill().await.unwrap();
}

#[tokio::test]
async fn without_login_shell_argv0_has_no_dash() {
    let home = tempfile::tempdir().unwrap();
    let mut command = daemon(home.path());
    command.args(["--shell", "/bin/bash"]);
    let mut running = start(command).await;
    let mut tab = open_tab(&running).await;
    tab.send_input(b"echo \"zero=$0 end\"\n").await;
    let out = tab.read_until(" end\r\n").await;
    assert!(out.contains("zero=/bin/bash end"), "{out}");
    running.child.kill().await.unwrap();
}

#[tokio::test]
async fn contradictory_or_unrunnable_programs_are_refused_clearly() {
    let home = tempfile::tempdir().unwrap();
    let refused = |args: &[&str]| {
        let mut command = daemon(home.path());
        command.args(args);
        failure(command)
    };
    let stderr = refused(&["--shell", "/bin/sh", "--", "tmux"]).await;
    assert!(
        stderr.contains("--shell") && stderr.contains("-- tmux") && stderr.contains("not both"),
        "{stderr}"
    );
    let stderr = refused(&["--login-shell", "--", "tmux"]).await;
    assert!(
        stderr.contains("--login-shell") && stderr.contains("-- tmux"),
        "{stderr}"
    );
    let stderr = refused(&["--", "no-such-program-for-termgate"]).await;
    assert!(
        stderr.contains("no-such-program-for-termgate") && stderr.contains("PATH"),
        "{stderr}"
    );
    let stderr = refused(&["--", "./relative/script"]).await;
    assert!(stderr.contains("absolute"), "{stderr}");

    let file = home.path().join("termgate.toml");
    let refused_file = |text: &'static str| {
        std::fs::write(&file, text).unwrap();
        let mut command = daemon(home.path());
        command.arg("--config").arg(&file);
        failure(command)
    };
    let stderr = refused_file("shell = \"/bin/sh\"\ncommand = [\"tmux\"]\n").await;
    assert!(
        stderr.contains("`command`")
            && stderr.contains("shell")
            && stderr.contains("termgate.toml"),
        "{stderr}"
    );
    let stderr = refused_file("command = []\n").await;
    assert!(
        stderr.contains("`command`") && stderr.contains("empty"),
        "{stderr}"
    );
    let stderr = refused_file("command = [\"sh\"]\nlogin_shell = true\n").await;
    assert!(stderr.contains("login_shell"), "{stderr}");
}

#[tokio::test]
async fn a_tab_opened_with_a_command_runs_that_argv_and_its_exit_code_reaches_the_socket() {
    let home = tempfile::tempdir().unwrap();
    let mut running = start(daemon(home.path())).await;
    let cookie = running.login(TOKEN, PIN).await;
    let create = |body: serde_json::Value| {
        running
            .request("POST", "/api/terminals")
            .header("cookie", &cookie)
            .json(&body)
            .send()
    };
    for (bad, why) in [
        (serde_json::json!({"command": []}), "must not be empty"),
        (
            serde_json::json!({"command": ["no-such-program-here"]}),
            "not found on PATH",
        ),
    ] {
        let reply = create(bad).await;
        assert_eq!(reply.status, 400, "{}", reply.text());
        assert!(reply.text().contains(why), "{}", reply.text());
    }
    // The same spawn path as `-- PROGRAM`: found on PATH, no TERMGATE_ secret inherited.
    let script = format!("{PRINT_ARGS}; exit 9").replace("exec cat", "true");
    let reply = create(serde_json::json!({"command": ["sh", "-c", script, "a;b", "$x"]})).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.json()["title"], "sh");
    let id = reply.json()["id"].as_str().unwrap().to_string();
    let mut tab = running.attach(&cookie, &id).await;
    let out = tab.read_until(";end").await;
    assert!(out.contains("[a;b][$x] secrets=0;end"), "{out}");
    let exit = loop {
        let message = tab.next_control().await;
        if message["type"] == "exit" {
            break message;
        }
    };
    assert_eq!(exit["code"], 9, "{exit}");

    let bogus = running
        .request("GET", &format!("/api/terminals/{id}/ws?replay=bogus"))
        .header("cookie", &cookie)
        .send()
        .await;
    assert_eq!(bogus.status, 400, "{}", bogus.text());
    running.child.kill().await.unwrap();
}
