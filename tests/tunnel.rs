//! Public exposure through fake `zrok`, `zrok2` and `cloudflared` executables
//! (tests/fixtures/tunnel-bin) that print each real tool's output, on the
//! real stream, in the real formats.
//!
//! - `cloudflared`: the created-tunnel box, registration, DNS failure, 429,
//!   the environment and config file the real tool would obey
//! - `zrok`: zrok 0.4/1.x/2.x, the agent hand-off, noisy output, the stop grace
//! - `console`: the phone login link printed on a terminal, never into a pipe
//! - `exposure`: what the gate admits and believes as the tunnel comes and
//!   goes, and the owner activity that keeps a public daemon up
//! - `stopping`: SIGINT/SIGTERM at every stage, the shutdown grace, and a
//!   SIGKILLed termgate taking its client along

#[path = "tunnel/cloudflared.rs"]
mod cloudflared;
mod common;
#[path = "tunnel/console.rs"]
mod console;
#[path = "tunnel/exposure.rs"]
mod exposure;
#[path = "tunnel/stopping.rs"]
mod stopping;
#[path = "tunnel/zrok.rs"]
mod zrok;

use common::client::RequestBuilder;
use common::daemon::{Started, failure, start, termgate};
use common::{eventually, process_alive};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

const TOKEN: &str = "tunnel-token-0123456789abc";
const PIN: &str = "31415926";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tunnel-bin")
}

/// Makes `home` look like `zrok enable` (`.zrok`) or `zrok2 enable` (`.zrok2`) ran there.
fn enable(home: &Path, dir: &str) {
    std::fs::create_dir_all(home.join(dir)).unwrap();
    std::fs::write(home.join(dir).join("environment.json"), "{}").unwrap();
}

/// The daemon with the fakes first on PATH, recording their pids in `log`;
/// zrok 1.x is enabled in `home`.
fn with_fakes(home: &Path, mode: &str, log: &Path) -> tokio::process::Command {
    enable(home, ".zrok");
    let mut command = termgate(home);
    let path = format!(
        "{}:{}",
        fixtures().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    command
        .env("PATH", path)
        .env("TERMGATE_TOKEN", TOKEN)
        .env("TERMGATE_PIN", PIN)
        .env("FAKE_TUNNEL_MODE", mode)
        .env("FAKE_TUNNEL_LOG", log);
    command
}

/// Every pid the fakes wrote to their log (the client and its helper).
fn fake_pids(log: &Path) -> Vec<u32> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_whitespace().nth(1)?.parse().ok())
        .collect()
}

async fn stop_and_check_no_orphans(mut daemon: Started, log: &Path) {
    let pid = daemon.child.id().unwrap() as i32;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(3), daemon.child.wait())
        .await
        .expect("exits in time")
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let pids = fake_pids(log);
    assert!(pids.len() >= 2, "the fake recorded its pids: {pids:?}");
    for pid in pids {
        assert!(
            eventually(Duration::from_secs(1), || !process_alive(pid)).await,
            "tunnel process {pid} outlived termgate"
        );
    }
}

#[tokio::test]
async fn zrok_url_is_read_admitted_and_secure() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "up", &log);
    command.arg("--zrok");
    let mut daemon = start(command).await;
    let line = daemon
        .line_starting("public URL: ", Duration::from_secs(10))
        .await;
    assert_eq!(line, "public URL: https://fake1.share.zrok.io");
    let args = std::fs::read_to_string(&log).unwrap();
    assert!(
        args.contains(&format!(
            "share public http://{} --headless",
            daemon.address
        )),
        "{args}"
    );

    // Through the tunnel (from loopback, with the public Host and Origin).
    let addr = daemon.address.parse().unwrap();
    let login = RequestBuilder::new(addr, "POST", "/auth/login")
        .header("host", "fake1.share.zrok.io")
        .header("origin", "https://fake1.share.zrok.io")
        .header("x-forwarded-for", "198.51.100.23")
        .json(&json!({"token": TOKEN, "pin": PIN}))
        .send()
        .await;
    assert_eq!(login.status, 200, "{}", login.text());
    let cookie = &login.set_cookies()[0];
    assert!(
        cookie.starts_with("__Host-termgate_session=") && cookie.contains("; Secure"),
        "{cookie}"
    );
    assert!(login.header("strict-transport-security").is_some());
    let status = RequestBuilder::new(addr, "GET", "/api/status")
        .header("host", "fake1.share.zrok.io")
        .header("cookie", login.session_cookie().unwrap().as_str())
        .send()
        .await
        .json();
    assert_eq!(status["public_url"], "https://fake1.share.zrok.io");
    assert!(status["idle_shutdown_at"].as_u64().is_some());
    // A foreign Host is still refused.
    let other = RequestBuilder::new(addr, "GET", "/")
        .header("host", "fake9.share.zrok.io")
        .send()
        .await;
    assert_eq!(other.status, 421);
    // The audit log is written off the request path: wait for the line.
    let audit = home.path().join("config/termgate/audit.log");
    assert!(
        eventually(Duration::from_secs(10), || {
            std::fs::read_to_string(&audit).is_ok_and(|text| text.contains("198.51.100.23"))
        })
        .await,
        "the forwarded source is what the audit log records"
    );
    stop_and_check_no_orphans(daemon, &log).await;
}

#[tokio::test]
async fn cloudflared_url_is_read() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "up", &log);
    command.arg("--cloudflare");
    let mut daemon = start(command).await;
    let line = daemon
        .line_starting("public URL: ", Duration::from_secs(10))
        .await;
    assert_eq!(line, "public URL: https://fake-tunnel-1.trycloudflare.com");
    let args = std::fs::read_to_string(&log).unwrap();
    assert!(
        args.contains("tunnel --url http://127.0.0.1:") && args.contains("--no-autoupdate"),
        "{args}"
    );
    stop_and_check_no_orphans(daemon, &log).await;
}

#[tokio::test]
async fn a_dead_tunnel_is_restarted_with_a_new_url() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "die-once", &log);
    command.arg("--zrok");
    let mut daemon = start(command).await;
    daemon
        .line_starting("public URL: https://fake1.", Duration::from_secs(10))
        .await;
    let line = daemon
        .line_starting("new public URL", Duration::from_secs(10))
        .await;
    assert!(line.ends_with("https://fake2.share.zrok.io"), "{line}");
    // The old host is refused, the new one admitted.
    let addr = daemon.address.parse().unwrap();
    let old = RequestBuilder::new(addr, "GET", "/")
        .header("host", "fake1.share.zrok.io")
        .send()
        .await;
    let new = RequestBuilder::new(addr, "GET", "/")
        .header("host", "fake2.share.zrok.io")
        .send()
        .await;
    assert_eq!((old.status, new.status), (421, 200));
    stop_and_check_no_orphans(daemon, &log).await;
}

#[tokio::test]
async fn a_missing_client_says_how_to_install_it() {
    let home = tempfile::tempdir().unwrap();
    let mut command = termgate(home.path());
    command
        .env("PATH", "/usr/bin:/bin")
        .env("TERMGATE_PIN", PIN)
        .args(["--cloudflare", "--port", "0"]);
    let stderr = failure(command).await;
    assert!(
        stderr.contains("`cloudflared` was not found on PATH") && stderr.contains("install"),
        "{stderr}"
    );
}

#[tokio::test]
async fn no_url_in_time_quotes_the_clients_last_lines() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "silent", &log);
    command.args(["--zrok", "--tunnel-timeout", "1s", "--port", "0"]);
    let stderr = failure(command).await;
    assert!(
        stderr.contains("printed no public URL within 1 s"),
        "{stderr}"
    );
    assert!(
        stderr.contains("connecting to https://api-v2.zrok.io"),
        "{stderr}"
    );
    for pid in fake_pids(&log) {
        assert!(
            eventually(Duration::from_secs(1), || !process_alive(pid)).await,
            "{pid} left behind"
        );
    }
}

#[tokio::test]
async fn repeated_failures_stop_the_public_side_but_not_localhost() {
    use termgate::tunnel::{Kind, Settings};
    let server = common::TestServer::start().await;
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    // Not the binary: the supervisor in-process, with a fast backoff.
    let state = server.state();
    // The fake takes its mode from the environment; a wrapper script sets it
    // without touching this test process's own environment.
    let wrapper = home.path().join("zrok");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nHOME={} FAKE_TUNNEL_MODE=die FAKE_TUNNEL_LOG={} exec {}/zrok \"$@\"\n",
            home.path().display(),
            log.display(),
            fixtures().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    enable(home.path(), ".zrok");
    let settings = Settings {
        program: Some(wrapper),
        backoff: Duration::from_millis(20),
        max_failures: 3,
        ..Settings::new(Kind::Zrok, server.addr.port())
    };
    let supervisor = termgate::tunnel::start(settings, state.clone())
        .await
        .expect("first start reports a URL")
        .expect("not shutting down");
    tokio::time::timeout(Duration::from_secs(20), supervisor)
        .await
        .expect("the supervisor gives up")
        .unwrap();
    assert_eq!(state.exposure.public_origin(), None);
    let starts = std::fs::read_to_string(&log)
        .unwrap()
        .matches("start ")
        .count();
    assert_eq!(starts, 4, "one start and three restarts");
    // Localhost still works.
    let reply = server.request("GET", "/auth/session").send().await;
    assert_eq!(reply.status, 200);
    let public = server
        .request("GET", "/")
        .header("host", "fake1.share.zrok.io")
        .send()
        .await;
    assert_eq!(public.status, 421);
}

#[tokio::test]
async fn the_public_timeout_ends_exposure_and_idle_shutdown_stops_the_daemon() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "up", &log);
    command.args(["--zrok", "--public-timeout", "1s", "--idle-shutdown", "1h"]);
    let mut daemon = start(command).await;
    daemon
        .line_starting("public URL: ", Duration::from_secs(10))
        .await;
    daemon
        .line_starting("public exposure ended", Duration::from_secs(5))
        .await;
    let addr = daemon.address.parse().unwrap();
    let public = RequestBuilder::new(addr, "GET", "/")
        .header("host", "fake1.share.zrok.io")
        .send()
        .await;
    assert_eq!(
        public.status, 421,
        "the public host is refused after the timeout"
    );
    stop_and_check_no_orphans(daemon, &log).await;

    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "up", &log);
    command.args(["--zrok", "--idle-shutdown", "1s"]);
    let mut daemon = start(command).await;
    daemon
        .line_starting(
            "no owner activity for 1s while public",
            Duration::from_secs(5),
        )
        .await;
    let status = tokio::time::timeout(Duration::from_secs(3), daemon.child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    for pid in fake_pids(&log) {
        assert!(
            eventually(Duration::from_secs(1), || !process_alive(pid)).await,
            "{pid} left behind"
        );
    }
}

/// A script named `name` in `dir` that runs the fake `target` with `env`
/// (`NAME=value …`) set after termgate cleaned the environment.
fn wrapper(dir: &Path, name: &str, env: &str, target: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\n{env} exec {}/{target} \"$@\"\n",
            fixtures().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    path
}

/// Runs a daemon that must refuse to start (exit 2); returns (stdout, stderr).
async fn refused(mut command: tokio::process::Command) -> (String, String) {
    command.args(["--port", "0"]);
    let output = tokio::time::timeout(Duration::from_secs(20), command.output())
        .await
        .expect("termgate gives up within 20 s")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    (stdout, stderr)
}

/// The `start` lines the fakes logged (one per launch; `--help` probes log none).
fn starts(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|line| line.starts_with("start "))
        .map(str::to_string)
        .collect()
}
