//! zrok as it really behaves: 0.4, 1.x (`zrok`) and 2.x (`zrok2`), the agent
//! hand-off, output that is not UTF-8 or very long, and the share deletion
//! zrok does on SIGTERM.

use super::common::daemon::{Started, start};
use super::common::eventually;
use super::{enable, starts, stop_and_check_no_orphans, with_fakes};
use std::time::Duration;

/// Starts the daemon and waits for the fake's first public URL.
async fn exposed_at_fake1(command: tokio::process::Command) -> Started {
    let mut daemon = start(command).await;
    let line = daemon
        .line_starting("public URL: ", Duration::from_secs(10))
        .await;
    assert_eq!(line, "public URL: https://fake1.share.zrok.io");
    daemon
}

#[tokio::test]
async fn zrok2_is_found_and_its_bare_host_becomes_https() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "up", &log);
    // Only zrok2 is enabled here, so it is the one to run although `zrok` is on PATH too.
    std::fs::remove_dir_all(home.path().join(".zrok")).unwrap();
    enable(home.path(), ".zrok2");
    command.arg("--zrok");
    let daemon = exposed_at_fake1(command).await;
    let started = starts(&log);
    assert!(
        started[0].contains(" zrok2 share public http://") && started[0].contains("--force-local"),
        "{started:?}"
    );
    stop_and_check_no_orphans(daemon, &log).await;
}

#[tokio::test]
async fn with_a_running_agent_zrok_still_shares_locally() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "die-once", &log);
    command.env("FAKE_ZROK_AGENT", "1").arg("--zrok");
    let mut daemon = exposed_at_fake1(command).await;
    // The restart after the first share died is local again, not the agent's.
    let line = daemon
        .line_starting("new public URL", Duration::from_secs(10))
        .await;
    assert!(line.ends_with("https://fake2.share.zrok.io"), "{line}");
    let started = starts(&log);
    assert_eq!(started.len(), 2, "{started:?}");
    assert!(
        started.iter().all(|s| s.contains("--force-local")),
        "{started:?}"
    );
    stop_and_check_no_orphans(daemon, &log).await;
}

#[tokio::test]
async fn zrok_0_4_is_not_given_the_flag_it_does_not_know() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "up", &log);
    command.env("FAKE_ZROK_VERSION", "0.4").arg("--zrok");
    let daemon = exposed_at_fake1(command).await;
    let started = starts(&log);
    assert!(!started[0].contains("--force-local"), "{started:?}");
    stop_and_check_no_orphans(daemon, &log).await;
}

#[tokio::test]
async fn invalid_utf8_and_a_1_mib_line_do_not_stop_the_reader() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "noisy", &log);
    command.arg("--zrok");
    let daemon = exposed_at_fake1(command).await;
    // 300 KiB after the URL: more than a pipe holds, so the client only gets
    // this far if termgate keeps reading.
    assert!(
        eventually(Duration::from_secs(10), || {
            std::fs::read_to_string(&log).is_ok_and(|l| l.contains("drained "))
        })
        .await,
        "the client's output was not drained"
    );
    stop_and_check_no_orphans(daemon, &log).await;
}

#[tokio::test]
async fn zrok_gets_time_to_delete_its_share_on_stop() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "up", &log);
    // The controller round trip takes longer than the 0.5 s other clients get.
    command
        .env("FAKE_ZROK_DELETE_SECS", "1.5")
        .args(["--zrok", "--public-timeout", "1s"]);
    let mut daemon = start(command).await;
    daemon
        .line_starting("public URL: ", Duration::from_secs(10))
        .await;
    daemon
        .line_starting("public exposure ended", Duration::from_secs(10))
        .await;
    let pid = starts(&log)[0]
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    // The public side ends at once; zrok deletes its share meanwhile.
    let deleted = format!("deleted {pid}");
    let read = || std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        eventually(Duration::from_secs(5), || read().contains(&deleted)).await,
        "zrok was killed before it deleted its share: {}",
        read()
    );
    stop_and_check_no_orphans(daemon, &log).await;
}

#[tokio::test]
async fn with_neither_zrok_nor_zrok2_on_path_it_says_how_to_install_either() {
    let home = tempfile::tempdir().unwrap();
    // A PATH with nothing on it: no zrok of the machine's can be found either.
    let empty = tempfile::tempdir().unwrap();
    let mut command = super::common::daemon::termgate(home.path());
    command
        .env("PATH", empty.path())
        .env("TERMGATE_PIN", super::PIN)
        .args(["--zrok", "--port", "0"]);
    let output = tokio::time::timeout(Duration::from_secs(20), command.output())
        .await
        .expect("termgate gives up within 20 s")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("neither `zrok2` nor `zrok` was found on PATH"),
        "{stderr}"
    );
    assert!(
        stderr.contains("install zrok from https://docs.zrok.io/docs/guides/install/")
            && stderr.contains("`zrok2 enable <account token>` (zrok 2.x)")
            && stderr.contains("`zrok enable <account token>` (0.4/1.x)"),
        "{stderr}"
    );
    assert!(!stdout.contains("public URL"), "{stdout}");
}
