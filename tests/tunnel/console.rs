//! The phone login link the tunnel prints: on a terminal, the public URL
//! with the token in its `#token=` fragment (never in the path or query,
//! which reach the tunnel's and the server's logs); into a pipe, no token
//! anywhere.

use super::common::daemon::start;
use super::common::eventually;
use super::common::pty::OnTerminal;
use super::{fake_pids, with_fakes};
use std::path::Path;
use std::time::Duration;

/// The daemon with the fake zrok up and a token termgate generated itself
/// (kept in its file, as for a user who never chose one).
fn exposed(home: &Path, log: &Path) -> tokio::process::Command {
    let mut command = with_fakes(home, "up", log);
    command.env_remove("TERMGATE_TOKEN").arg("--zrok");
    command
}

fn token_of(home: &Path) -> String {
    let file = home.join("config/termgate/token");
    let token = std::fs::read_to_string(file).unwrap().trim().to_string();
    assert!(token.len() >= 43, "token of {} chars", token.len());
    token
}

#[tokio::test]
async fn on_a_terminal_the_public_login_link_carries_the_token_in_its_fragment_only() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let daemon = OnTerminal::start(exposed(home.path(), &log));
    let public = daemon.until("public URL: ");
    let token = token_of(home.path());
    assert_eq!(
        public.last().unwrap(),
        "public URL: https://fake1.share.zrok.io"
    );
    let said = daemon.until("  https://fake1.share.zrok.io");
    assert!(
        said[0].starts_with("log in from your phone") && said[0].contains("PIN is still asked"),
        "{said:?}"
    );
    let link = said.last().unwrap().trim();
    assert_eq!(link, format!("https://fake1.share.zrok.io/#token={token}"));
    // No URL printed (the local login link of the banner included) has the
    // token before its fragment.
    let urls = public
        .iter()
        .chain(&said)
        .flat_map(|line| line.split_whitespace());
    for url in urls.filter(|word| word.contains("://") && word.contains(&token)) {
        let (before, fragment) = url.split_once('#').unwrap_or((url, ""));
        assert!(
            !before.contains(&token),
            "the token outside a fragment: {url}"
        );
        assert_eq!(fragment, format!("token={token}"), "{url}");
    }

    let mut child = daemon.child;
    let pid = nix::unistd::Pid::from_raw(child.id().unwrap() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = tokio::time::timeout(Duration::from_secs(3), child.wait())
        .await
        .expect("exits in time")
        .unwrap();
    assert_eq!(status.code(), Some(0));
    for pid in fake_pids(&log) {
        assert!(
            eventually(Duration::from_secs(1), || {
                !super::common::process_alive(pid)
            })
            .await,
            "tunnel process {pid} outlived termgate"
        );
    }
}

#[tokio::test]
async fn into_a_pipe_the_tunnel_up_prints_no_token_on_either_stream() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("fake.log");
    let mut daemon = start(exposed(home.path(), &log)).await;
    let mut said = daemon
        .lines_until("public URL: ", Duration::from_secs(10))
        .await;
    assert_eq!(
        said.last().unwrap(),
        "public URL: https://fake1.share.zrok.io"
    );
    let token = token_of(home.path());
    let pids = fake_pids(&log);
    // The banner, what followed, and what it printed until it exited.
    let mut printed = daemon.banner.clone();
    let (code, rest, stderr) = daemon.terminate_and_collect().await;
    assert_eq!(code, Some(0), "{stderr}");
    said.extend(rest);
    printed.extend(said);
    let stdout = printed.join("\n");
    assert!(
        stdout.contains("https://fake1.share.zrok.io"),
        "the public URL itself is printed: {stdout}"
    );
    assert!(!stdout.contains("#token="), "{stdout}");
    assert!(
        !stdout.contains(&token),
        "the token reached stdout: {stdout}"
    );
    assert!(
        !stderr.contains(&token),
        "the token reached stderr: {stderr}"
    );
    assert!(pids.len() >= 2, "the fake recorded its pids: {pids:?}");
    for pid in pids {
        assert!(
            eventually(Duration::from_secs(1), || {
                !super::common::process_alive(pid)
            })
            .await,
            "tunnel process {pid} outlived termgate"
        );
    }
}
