//! The real binary: start-up checks, secrets on disk, subcommands, and a
//! clean exit on SIGTERM that leaves no shell behind.

mod common;

use common::daemon::{children_of, failure, start, success, termgate};
use common::{eventually, process_exists};
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

const TOKEN: &str = "lifecycle-token-0123456789";
const PIN: &str = "13572468";

#[tokio::test]
async fn refuses_to_start_without_a_pin_when_not_interactive() {
    let home = tempfile::tempdir().unwrap();
    let mut command = termgate(home.path());
    command.env("TERMGATE_TOKEN", TOKEN);
    let stderr = failure(command).await;
    assert!(stderr.contains("no PIN is set"), "{stderr}");
    assert!(
        stderr.contains("termgate pin") && stderr.contains("TERMGATE_PIN"),
        "{stderr}"
    );
}

#[tokio::test]
async fn refuses_readable_secret_files_and_folders_with_the_fix() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("config/termgate");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::write(dir.join("token"), "a-token-that-is-long-enough\n").unwrap();
    std::fs::set_permissions(dir.join("token"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut command = termgate(home.path());
    command.env("TERMGATE_PIN", PIN);
    let stderr = failure(command).await;
    assert!(stderr.contains("chmod 600"), "{stderr}");

    std::fs::set_permissions(dir.join("token"), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut command = termgate(home.path());
    command.env("TERMGATE_PIN", PIN);
    let stderr = failure(command).await;
    assert!(stderr.contains("chmod 700"), "{stderr}");
}

#[tokio::test]
async fn bad_config_names_the_key_and_the_file() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("termgate.toml");
    std::fs::write(&file, "port = 8080\nidle_timout = \"5m\"\n").unwrap();
    let mut command = termgate(home.path());
    command.env("TERMGATE_PIN", PIN).arg("--config").arg(&file);
    let stderr = failure(command).await;
    assert!(
        stderr.contains("idle_timout") && stderr.contains("termgate.toml"),
        "{stderr}"
    );

    std::fs::write(&file, "session_lifetime = \"forever\"\n").unwrap();
    let mut command = termgate(home.path());
    command.env("TERMGATE_PIN", PIN).arg("--config").arg(&file);
    let stderr = failure(command).await;
    assert!(
        stderr.contains("session_lifetime") && stderr.contains("termgate.toml"),
        "{stderr}"
    );

    let mut command = termgate(home.path());
    command
        .env("TERMGATE_PIN", PIN)
        .args(["--cwd", "/no/such/folder"]);
    let stderr = failure(command).await;
    assert!(stderr.contains("cwd"), "{stderr}");
}

#[tokio::test]
async fn a_duration_without_a_unit_is_refused_and_no_missing_file_is_named() {
    let home = tempfile::tempdir().unwrap();
    let mut command = termgate(home.path());
    command
        .env("TERMGATE_PIN", PIN)
        .args(["--idle-timeout", "30"]);
    let stderr = failure(command).await;
    assert!(
        stderr.contains("idle_timeout") && stderr.contains("30: add a unit, e.g. 30s or 5m"),
        "{stderr}"
    );
    // There is no config file: the message must not send the owner to one.
    assert!(!home.path().join("config/termgate/config.toml").exists());
    assert!(!stderr.contains("config.toml"), "{stderr}");

    let mut command = termgate(home.path());
    command
        .env("TERMGATE_PIN", PIN)
        .env("TERMGATE_SESSION_LIFETIME", "12");
    let stderr = failure(command).await;
    assert!(
        stderr.contains("session_lifetime") && stderr.contains("12: add a unit, e.g. 12s or 5m"),
        "{stderr}"
    );
    assert!(!stderr.contains("config.toml"), "{stderr}");

    // A file that exists is still named, with its key.
    let file = home.path().join("config/termgate/config.toml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "idle_timeout = \"30\"\n").unwrap();
    let mut command = termgate(home.path());
    command.env("TERMGATE_PIN", PIN);
    let stderr = failure(command).await;
    assert!(
        stderr.contains("idle_timeout") && stderr.contains(file.to_str().unwrap()),
        "{stderr}"
    );
}

#[tokio::test]
async fn token_and_pin_subcommands() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &'static [&'static str], input: Option<&'static str>| {
        let mut command = termgate(home.path());
        command.args(args);
        success(command, input)
    };
    let first = run(&["token"], None).await;
    assert_eq!(run(&["token"], None).await, first);
    let rotated = run(&["token", "--rotate"], None).await;
    assert_ne!(rotated, first);
    run(&["pin"], Some("97531864\n")).await;
    let stored = std::fs::read_to_string(home.path().join("config/termgate/pin.hash")).unwrap();
    assert!(!stored.contains("97531864"));

    // The stored token and PIN now log in, with no secret in the environment.
    let mut daemon = start(termgate(home.path())).await;
    daemon.login(&rotated, "97531864").await;
    daemon.child.kill().await.unwrap();
}

#[tokio::test]
async fn sigterm_exits_cleanly_within_two_seconds_and_ends_every_shell() {
    stops_cleanly_on(nix::sys::signal::Signal::SIGTERM).await;
}

#[tokio::test]
async fn sigint_and_sighup_stop_it_the_same_way() {
    // SIGHUP: the terminal termgate ran in was closed; its shells must not
    // be left running.
    stops_cleanly_on(nix::sys::signal::Signal::SIGINT).await;
    stops_cleanly_on(nix::sys::signal::Signal::SIGHUP).await;
}

/// Two shells, then `signal`: exit 0 within 2 s and no shell left behind.
async fn stops_cleanly_on(signal: nix::sys::signal::Signal) {
    let home = tempfile::tempdir().unwrap();
    let mut command = termgate(home.path());
    command
        .env("TERMGATE_PIN", PIN)
        .env("TERMGATE_TOKEN", TOKEN);
    let running = start(command).await;
    let cookie = running.login(TOKEN, PIN).await;
    for _ in 0..2 {
        running.create_terminal(&cookie).await;
    }
    let child = running.child;
    let daemon = child.id().unwrap();
    let children = children_of(daemon);
    assert_eq!(
        children.len(),
        2,
        "two shells run as children: {children:?}"
    );

    let started = Instant::now();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(daemon as i32), signal).unwrap();
    let output = tokio::time::timeout(Duration::from_secs(2), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{signal}: no exit within 2 s"))
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    for pid in children {
        assert!(
            eventually(Duration::from_millis(500), || !process_exists(pid)).await,
            "shell {pid} outlived the daemon"
        );
    }
}

#[tokio::test]
async fn a_start_up_share_link_is_printed_once_and_never_logged() {
    let home = tempfile::tempdir().unwrap();
    let mut command = termgate(home.path());
    command
        .env("TERMGATE_PIN", PIN)
        .env("TERMGATE_TOKEN", TOKEN)
        .env("TERMGATE_LOG", "debug")
        .args([
            "--share",
            "read-only",
            "--share-ttl",
            "5m",
            "--share-uses",
            "2",
        ]);
    let mut daemon = start(command).await;
    let line = daemon
        .line_starting(
            "share link (read-only, 5 min, 2 uses): ",
            Duration::from_secs(5),
        )
        .await;
    let url = line.rsplit(' ').next().unwrap();
    let token = url.rsplit_once("/s/#").unwrap().1.to_string();
    let address = daemon.address.clone();
    assert!(url.starts_with(&format!("http://{address}/s/#")), "{url}");
    // The link covers whichever tab is open: it waits for one, unspent.
    let reply = daemon
        .request("POST", "/s/redeem")
        .json(&serde_json::json!({ "token": token }))
        .send()
        .await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.json()["code"], "no_terminal_yet");
    let cookie = daemon.login(TOKEN, PIN).await;
    daemon.create_terminal(&cookie).await;
    for _ in 0..2 {
        let reply = daemon
            .request("POST", "/s/redeem")
            .json(&serde_json::json!({ "token": token }))
            .send()
            .await;
        assert_eq!(reply.status, 200, "both uses are left");
    }
    // The audit log is written off the request path: wait for the
    // redemptions before the kill, which would cut its writer short.
    let path = home.path().join("config/termgate/audit.log");
    let redeemed = || {
        let audit = std::fs::read_to_string(&path).unwrap_or_default();
        audit.matches("share_redeemed").count()
    };
    assert!(
        eventually(Duration::from_secs(10), || redeemed() >= 2).await,
        "the audit log lacks the redemptions"
    );
    daemon.child.kill().await.unwrap();
    let output = daemon.child.wait_with_output().await.unwrap();
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(
        logs.contains("share_redeemed"),
        "the audit events reach the log: {logs}"
    );
    assert!(!logs.contains(&token), "the token reached the log");
    let audit = std::fs::read_to_string(home.path().join("config/termgate/audit.log")).unwrap();
    assert!(!audit.contains(&token), "the token reached the audit log");

    let mut bad = termgate(home.path());
    bad.env("TERMGATE_PIN", PIN)
        .args(["--share", "read-only", "--share-ttl", "7m"]);
    let stderr = failure(bad).await;
    assert!(stderr.contains("share_ttl"), "{stderr}");
}

#[tokio::test]
async fn shells_do_not_outlive_a_killed_daemon() {
    let home = tempfile::tempdir().unwrap();
    let mut command = termgate(home.path());
    command
        .env("TERMGATE_PIN", PIN)
        .env("TERMGATE_TOKEN", TOKEN);
    let mut daemon = start(command).await;
    let cookie = daemon.login(TOKEN, PIN).await;
    daemon.create_terminal(&cookie).await;
    let shells = children_of(daemon.child.id().unwrap());
    assert_eq!(shells.len(), 1);
    // SIGKILL: no chance to clean up. The kernel closes the PTY master with
    // the process, which hangs the terminal up and sends the shell SIGHUP;
    // this holds only while no other process inherited the master (it is
    // opened close-on-exec).
    daemon.child.kill().await.unwrap();
    assert!(
        eventually(Duration::from_secs(2), || !common::process_alive(shells[0])).await,
        "the shell outlived a killed daemon"
    );
}
