//! cloudflared as it really behaves: URL only from the created-tunnel box,
//! public once registered (or, unconfirmed, after a fallback), DNS failure
//! and 429 handled, and neither `TUNNEL_*` variables nor
//! `~/.cloudflared/config.yml` changing what runs.

use super::common::client::RequestBuilder;
use super::common::daemon::start;
use super::common::eventually;
use super::{refused, starts, stop_and_check_no_orphans, with_fakes, wrapper};
use std::time::Duration;

#[tokio::test]
async fn a_dns_failure_announces_and_admits_nothing() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "offline", &log);
    command.arg("--cloudflare");
    let (stdout, stderr) = refused(command).await;
    assert!(!stdout.contains("public URL"), "{stdout}");
    assert!(!stdout.contains("api.trycloudflare.com"), "{stdout}");
    assert!(
        stderr.contains("exited (exit status: 1) before printing a public URL")
            && stderr.contains("failed to request quick Tunnel"),
        "{stderr}"
    );
    assert_eq!(starts(&log).len(), 1, "no restarts of a start that failed");
}

#[tokio::test]
async fn the_url_is_public_only_once_cloudflare_registered_the_tunnel() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "up", &log);
    command.arg("--cloudflare");
    let mut daemon = start(command).await;
    let connecting = daemon
        .line_starting("tunnel created, connecting", Duration::from_secs(10))
        .await;
    assert!(
        connecting.ends_with("https://fake-tunnel-1.trycloudflare.com"),
        "{connecting}"
    );
    let line = daemon
        .line_starting("public URL: ", Duration::from_secs(10))
        .await;
    assert_eq!(line, "public URL: https://fake-tunnel-1.trycloudflare.com");
    stop_and_check_no_orphans(daemon, &log).await;
}

/// A cloudflared whose registration line termgate does not recognise (a
/// later version may word it differently) must still be exposable: after
/// the fallback (half of `--tunnel-timeout`) its URL is announced with a
/// warning, and a registration seen later is only noted.
#[tokio::test]
async fn without_a_registration_the_url_is_announced_with_a_warning_after_the_fallback() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let cue = home.path().join("register-now");
    let mut command = with_fakes(home.path(), "no-edge", &log);
    command
        .env("FAKE_TUNNEL_REGISTER_ON", &cue)
        .args(["--cloudflare", "--tunnel-timeout", "2s"]);
    let mut daemon = start(command).await;
    daemon
        .line_starting("tunnel created, connecting", Duration::from_secs(10))
        .await;
    let said = daemon
        .lines_until("public URL: ", Duration::from_secs(10))
        .await;
    assert_eq!(
        said.last().unwrap(),
        "public URL: https://fake-tunnel-1.trycloudflare.com"
    );
    assert!(
        said.iter().any(|line| line.contains(
            "cloudflared did not confirm a registered connection to Cloudflare within 1 s"
        ) && line.contains("may not work yet")),
        "{said:?}"
    );
    // Exposed: the gate admits the tunnel's host.
    let addr = daemon.address.parse().unwrap();
    let public = RequestBuilder::new(addr, "GET", "/")
        .header("host", "fake-tunnel-1.trycloudflare.com")
        .send()
        .await;
    assert_eq!(public.status, 200, "{}", public.text());
    let audit = home.path().join("config/termgate/audit.log");
    let audited = |event: &str| {
        let wanted = format!("\"event\":\"{event}\"");
        std::fs::read_to_string(&audit)
            .unwrap_or_default()
            .lines()
            .any(|line| line.contains(&wanted) && line.contains("fake-tunnel-1.trycloudflare.com"))
    };
    assert!(
        eventually(Duration::from_secs(10), || audited("tunnel_unconfirmed")).await,
        "the unconfirmed announcement is audited"
    );
    assert!(!audited("tunnel_connected"));

    // The registration arrives late: noted, nothing announced again.
    std::fs::write(&cue, "").unwrap();
    let said = daemon
        .lines_until("tunnel connected: ", Duration::from_secs(10))
        .await;
    assert_eq!(
        said.last().unwrap(),
        "tunnel connected: https://fake-tunnel-1.trycloudflare.com"
    );
    assert!(
        !said.iter().any(|line| line.contains("public URL")),
        "{said:?}"
    );
    assert!(
        eventually(Duration::from_secs(10), || audited("tunnel_connected")).await,
        "the late registration is audited"
    );
    stop_and_check_no_orphans(daemon, &log).await;
}

#[tokio::test]
async fn tunnel_loglevel_and_the_users_config_file_change_nothing() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    // A named tunnel's config in the user's home: its ingress would override --url.
    let user_config = home.path().join(".cloudflared/config.yml");
    std::fs::create_dir_all(user_config.parent().unwrap()).unwrap();
    std::fs::write(
        &user_config,
        "tunnel: 6ff42ae2\ningress:\n  - service: http://127.0.0.1:22\n",
    )
    .unwrap();
    let mut command = with_fakes(home.path(), "up", &log);
    command
        .env("TUNNEL_LOGLEVEL", "warn")
        .env("TUNNEL_TOKEN", "eyJhIjoiZmFrZSJ9")
        .arg("--cloudflare");
    let mut daemon = start(command).await;
    let line = daemon
        .line_starting("public URL: ", Duration::from_secs(10))
        .await;
    assert_eq!(line, "public URL: https://fake-tunnel-1.trycloudflare.com");
    let record = std::fs::read_to_string(&log).unwrap();
    assert!(record.contains("--loglevel info"), "{record}");
    assert!(!record.contains("env TUNNEL_"), "{record}");
    assert!(!record.contains("env TERMGATE_"), "{record}");
    let used = record
        .lines()
        .find_map(|line| line.strip_prefix("config "))
        .expect("the client was given a config file");
    assert_ne!(std::path::Path::new(used), user_config, "{record}");
    let meta = std::fs::metadata(used).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(used).unwrap();
    assert!(!text.contains("ingress"), "{text}");
    stop_and_check_no_orphans(daemon, &log).await;
}

#[tokio::test]
async fn json_output_is_read_too() {
    use termgate::tunnel::{Kind, Settings};
    let server = super::common::TestServer::start().await;
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    // As with TUNNEL_LOG_OUTPUT=json set by a wrapper the user installed.
    let env = format!(
        "HOME={} TUNNEL_LOG_OUTPUT=json FAKE_TUNNEL_LOG={}",
        home.path().display(),
        log.display()
    );
    let program = wrapper(home.path(), "cloudflared", &env, "cloudflared");
    let settings = Settings {
        program: Some(program),
        ..Settings::new(Kind::Cloudflare, server.addr.port())
    };
    let state = server.state();
    let supervisor = termgate::tunnel::start(settings, state.clone())
        .await
        .expect("the JSON box and registration are read")
        .expect("not shutting down");
    assert_eq!(
        state.exposure.public_origin().as_deref(),
        Some("https://fake-tunnel-1.trycloudflare.com")
    );
    state.shutdown.trigger();
    tokio::time::timeout(Duration::from_secs(5), supervisor)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_rate_limited_first_start_says_so() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "rate-limited", &log);
    command.arg("--cloudflare");
    let (stdout, stderr) = refused(command).await;
    assert!(!stdout.contains("public URL"), "{stdout}");
    assert!(
        stderr.contains("rate-limiting quick tunnels") && stderr.contains("429"),
        "{stderr}"
    );
    assert_eq!(starts(&log).len(), 1);
}

#[tokio::test]
async fn a_rate_limit_on_restart_stops_the_public_side_at_once() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut command = with_fakes(home.path(), "die-then-429", &log);
    command.arg("--cloudflare");
    let mut daemon = start(command).await;
    daemon
        .line_starting("public URL: ", Duration::from_secs(10))
        .await;
    let line = daemon
        .line_starting("Cloudflare is rate-limiting", Duration::from_secs(10))
        .await;
    assert!(line.contains("still serving on localhost"), "{line}");
    assert_eq!(starts(&log).len(), 2, "one restart, then no more");
    let reply = daemon.request("GET", "/auth/session").send().await;
    assert_eq!(reply.status, 200, "localhost keeps working");
    stop_and_check_no_orphans(daemon, &log).await;
}
