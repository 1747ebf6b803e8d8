//! Stopping the tunnel client at every stage of its life, within termgate's
//! promise to exit 0 within 2 s of SIGINT/SIGTERM, and when termgate itself
//! is SIGKILLed (the kernel's parent-death signal then reaches the client).

use super::common::daemon::{Started, start};
use super::common::{eventually, process_alive};
use super::{enable, fake_pids, starts, with_fakes, wrapper};
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use std::path::Path;
use std::time::{Duration, Instant};

/// SIGINT/SIGTERM end termgate within this, exit status 0.
const PROMISE: Duration = Duration::from_secs(2);

/// Sends `signal` to the daemon and checks it exits 0 within [`PROMISE`];
/// returns how long that took.
async fn stop_within_promise(daemon: &mut Started, signal: Signal) -> Duration {
    let pid = Pid::from_raw(daemon.child.id().unwrap() as i32);
    let sent = Instant::now();
    kill(pid, signal).unwrap();
    let status = tokio::time::timeout(PROMISE, daemon.child.wait())
        .await
        .unwrap_or_else(|_| panic!("termgate still ran {PROMISE:?} after {signal}"))
        .unwrap();
    let took = sent.elapsed();
    eprintln!("termgate exited {took:?} after {signal}");
    assert_eq!(status.code(), Some(0), "{status}");
    took
}

/// Live (not zombie) processes whose process group is `pgid`, from /proc.
fn group_members(pgid: u32) -> Vec<u32> {
    let mut members = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // After the command's `)`: state, ppid, pgrp.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().take(3).collect())
            .unwrap_or_default();
        if fields.len() == 3 && fields[0] != "Z" && fields[2] == pgid.to_string() {
            members.push(pid);
        }
    }
    members
}

/// The pids of the clients the fakes logged (`start PID …`), which lead their groups.
fn leaders(log: &Path) -> Vec<u32> {
    starts(log)
        .iter()
        .filter_map(|line| line.split_whitespace().nth(1)?.parse().ok())
        .collect()
}

/// Waits until the fakes logged `count` helpers (`child PID`): then each
/// run so far has started and forked.
async fn helpers_forked(log: &Path, count: usize) {
    let forked = eventually(Duration::from_secs(20), || {
        std::fs::read_to_string(log)
            .unwrap_or_default()
            .lines()
            .filter(|line| line.starts_with("child "))
            .count()
            >= count
    })
    .await;
    assert!(
        forked,
        "the fake did not start {count} times: {:?}",
        starts(log)
    );
}

/// The client `leader` was stopped in order, SIGTERM first (the fake logs
/// `deleted PID` from its SIGTERM handler), not only SIGKILLed.
fn got_sigterm(log: &Path, leader: u32) {
    let record = std::fs::read_to_string(log).unwrap();
    assert!(
        record.contains(&format!("deleted {leader}")),
        "{leader} got no SIGTERM: {record}"
    );
}

/// Nothing is left of any client's process group: no leader, no helper.
async fn no_group_left(log: &Path) {
    let pids = fake_pids(log);
    assert!(pids.len() >= 2, "the fake recorded its pids: {pids:?}");
    for pid in pids {
        assert!(
            eventually(Duration::from_secs(1), || !process_alive(pid)).await,
            "tunnel process {pid} outlived termgate"
        );
    }
    // A member SIGKILLed just now may still show (not yet a zombie) while
    // a loaded machine has not scheduled its exit; one nobody killed stays
    // (the fakes' helpers sleep for minutes), so this still fails then.
    for leader in leaders(log) {
        let gone = eventually(Duration::from_secs(5), || group_members(leader).is_empty()).await;
        let left = group_members(leader);
        assert!(gone, "group {leader} still has {left:?}");
    }
}

#[tokio::test]
async fn sigterm_before_zrok_printed_its_url_exits_0_at_once() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "silent", &log);
    // Without the fix this waited for the whole URL timeout, then exited 2.
    command.args(["--zrok", "--tunnel-timeout", "60s"]);
    let mut daemon = start(command).await;
    helpers_forked(&log, 1).await;
    stop_within_promise(&mut daemon, Signal::SIGTERM).await;
    no_group_left(&log).await;
    got_sigterm(&log, leaders(&log)[0]);
}

#[tokio::test]
async fn sigint_before_cloudflared_registered_exits_0_at_once() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "no-edge", &log);
    command.args(["--cloudflare", "--tunnel-timeout", "60s"]);
    let mut daemon = start(command).await;
    daemon
        .line_starting("tunnel created, connecting", Duration::from_secs(10))
        .await;
    stop_within_promise(&mut daemon, Signal::SIGINT).await;
    no_group_left(&log).await;
}

#[tokio::test]
async fn sigterm_while_a_restarted_zrok_has_no_url_yet_exits_0_at_once() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    // The first run dies after its URL; the restart never prints one.
    let mut command = with_fakes(home.path(), "die-then-silent", &log);
    command.args(["--zrok", "--tunnel-timeout", "60s"]);
    let mut daemon = start(command).await;
    daemon
        .line_starting("public URL: ", Duration::from_secs(10))
        .await;
    helpers_forked(&log, 2).await;
    stop_within_promise(&mut daemon, Signal::SIGTERM).await;
    no_group_left(&log).await;
    // Stopped by the supervisor, not only killed when the runtime ended.
    got_sigterm(&log, leaders(&log)[1]);
}

#[tokio::test]
async fn at_shutdown_zrok_gets_its_second_to_delete_the_share() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "up", &log);
    // A controller round trip of 1 s: within the shutdown grace, and termgate
    // still exits within 2 s.
    command.env("FAKE_ZROK_DELETE_SECS", "1").arg("--zrok");
    let mut daemon = start(command).await;
    daemon
        .line_starting("public URL: ", Duration::from_secs(10))
        .await;
    stop_within_promise(&mut daemon, Signal::SIGTERM).await;
    // Killed any earlier, it would not have logged this.
    got_sigterm(&log, leaders(&log)[0]);
    no_group_left(&log).await;
}

#[tokio::test]
async fn a_shutdown_cuts_short_a_slow_share_deletion_at_the_public_timeout() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "up", &log);
    // The stop at --public-timeout gives zrok 5 s; a shutdown in the middle
    // of it must not wait that long.
    command
        .env("FAKE_ZROK_DELETE_SECS", "30")
        .args(["--zrok", "--public-timeout", "1s"]);
    let mut daemon = start(command).await;
    daemon
        .line_starting("public URL: ", Duration::from_secs(10))
        .await;
    let deleting = eventually(Duration::from_secs(10), || {
        std::fs::read_to_string(&log).is_ok_and(|l| l.contains("deleting "))
    })
    .await;
    assert!(deleting, "the public timeout did not stop zrok");
    stop_within_promise(&mut daemon, Signal::SIGTERM).await;
    no_group_left(&log).await;
}

/// SIGKILLs the daemon and checks the client (the group's leader) dies
/// within 2 s; then ends what the fake started itself, which the death
/// signal does not reach (the real tools are single processes).
async fn sigkill_and_check_the_client_dies(mut daemon: Started, log: &Path) {
    let pid = Pid::from_raw(daemon.child.id().unwrap() as i32);
    kill(pid, Signal::SIGKILL).unwrap();
    daemon.child.wait().await.unwrap();
    let leader = leaders(log)[0];
    let died = eventually(PROMISE, || !process_alive(leader)).await;
    // The fake's own helpers keep the group (and so its id) alive.
    let _ = killpg(Pid::from_raw(leader as i32), Signal::SIGKILL);
    assert!(
        died,
        "the tunnel client {leader} outlived a SIGKILLed termgate"
    );
}

#[tokio::test]
async fn a_sigkilled_termgate_takes_zrok_along_and_zrok_deletes_its_share() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "up", &log);
    command.arg("--zrok");
    let mut daemon = start(command).await;
    daemon
        .line_starting("public URL: ", Duration::from_secs(10))
        .await;
    sigkill_and_check_the_client_dies(daemon, &log).await;
    // SIGTERM, not SIGKILL: zrok had the time to delete its share.
    got_sigterm(&log, leaders(&log)[0]);
}

#[tokio::test]
async fn a_sigkilled_termgate_takes_cloudflared_along() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "up", &log);
    command.arg("--cloudflare");
    let mut daemon = start(command).await;
    daemon
        .line_starting("public URL: ", Duration::from_secs(10))
        .await;
    sigkill_and_check_the_client_dies(daemon, &log).await;
}

#[tokio::test]
async fn a_shutdown_in_the_restart_backoff_ends_the_supervisor_at_once() {
    use termgate::tunnel::{Kind, Settings};
    let server = super::common::TestServer::start().await;
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let env = format!(
        "HOME={} FAKE_TUNNEL_MODE=die-then-silent FAKE_TUNNEL_LOG={}",
        home.path().display(),
        log.display()
    );
    let program = wrapper(home.path(), "zrok", &env, "zrok");
    enable(home.path(), ".zrok");
    let settings = Settings {
        program: Some(program),
        // Far longer than the test: the shutdown must cut it short.
        backoff: Duration::from_secs(600),
        ..Settings::new(Kind::Zrok, server.addr.port())
    };
    let state = server.state();
    let supervisor = termgate::tunnel::start(settings, state.clone())
        .await
        .expect("the first start prints a URL")
        .expect("not shutting down");
    // The first client died and was reaped: the supervisor is in its backoff.
    let leader = leaders(&log)[0];
    let reaped = eventually(Duration::from_secs(10), || {
        state.exposure.public_origin().is_none() && !super::common::process_exists(leader)
    })
    .await;
    assert!(reaped, "the first client did not die");
    state.shutdown.trigger();
    tokio::time::timeout(PROMISE, supervisor)
        .await
        .expect("the supervisor ends within 2 s of the shutdown")
        .unwrap();
    assert_eq!(starts(&log).len(), 1, "no restart after the shutdown");
}
