//! `termgate attach`, the real client binary with an API token, on a local
//! terminal that is a PTY held here (answering the queries it is shown as
//! xterm would):
//!
//! - it never types into the shell: issue 11's repro (a program asks for
//!   the terminal's attributes, then `cat -v > seen.txt` waits for input),
//!   then five attaches, each detached with Ctrl-] twice; a query in what
//!   attach writes, or a reply attach lets through, would reach `cat`;
//! - it shows the shell, sizes the tab to the local terminal and follows
//!   its resize (SIGWINCH), detaches leaving the tab running and the local
//!   terminal as it was, and exits with the shell's status when it ends.

mod common;

use common::TestServer;
use common::cli::{mint, with_token};
use common::xterm::answers;
use nix::pty::{OpenptyResult, Winsize, openpty};
use nix::sys::termios::{LocalFlags, tcgetattr};
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use termgate::term::screen::Screen;
use tokio::sync::mpsc;

/// The detach key, pressed twice.
const DETACH: &[u8] = &[termgate::client::DETACH_KEY, termgate::client::DETACH_KEY];
/// What attach asks its terminal once the screen is rebuilt (see its `Gate`).
const STATUS_QUERY: &[u8] = termgate::client::STATUS_QUERY;

/// An API token that may type, minted by the owner.
async fn script_token(server: &TestServer, cookie: &str) -> String {
    mint(
        server.authed("POST", "/api/tokens", cookie),
        &["terminals:write"],
    )
    .await
}

/// `termgate attach ARGS` on `local`, with `token`, a private config home.
fn attach(
    server: &TestServer,
    home: &Path,
    token: &str,
    local: &LocalTerminal,
    args: &[&str],
) -> tokio::process::Child {
    let url = format!("http://{}", server.host());
    let slave = || Stdio::from(local.slave.try_clone().unwrap());
    with_token(home, &url, token, "attach", args)
        .stdin(slave())
        .stdout(slave())
        .stderr(slave())
        .spawn()
        .unwrap()
}

/// Waits for `child` to exit (10 s at most); its exit code.
async fn exit_code(child: &mut tokio::process::Child, what: &str) -> Option<i32> {
    tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap_or_else(|_| panic!("attach did not end: {what}"))
        .unwrap()
        .code()
}

/// The terminal attach runs in: a PTY whose master side this test reads
/// (into a screen, answering queries) and writes (keys, answers).
struct LocalTerminal {
    master: std::fs::File,
    slave: OwnedFd,
    output: mpsc::UnboundedReceiver<Vec<u8>>,
    screen: Screen,
    /// Attach's status query after the rebuild was seen and answered.
    status_answered: bool,
}

impl LocalTerminal {
    fn open() -> Self {
        let size = Winsize {
            ws_row: 24,
            ws_col: 80,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let OpenptyResult { master, slave } = openpty(Some(&size), None).unwrap();
        let master = std::fs::File::from(master);
        let mut reader = master.try_clone().unwrap();
        let (tx, output) = mpsc::unbounded_channel();
        // Ends with EIO once every slave descriptor is closed.
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                if tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Self {
            master,
            slave,
            output,
            screen: Screen::new(80, 24, 100),
            status_answered: false,
        }
    }

    fn type_in(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).unwrap();
    }

    /// Resizes the terminal as a window would, and tells `pid` as the
    /// kernel tells a terminal's foreground job (attach runs without a
    /// controlling terminal here).
    fn resize(&self, cols: u16, rows: u16, pid: u32) {
        let status = std::process::Command::new("stty")
            .args(["cols", &cols.to_string(), "rows", &rows.to_string()])
            .stdin(Stdio::from(self.slave.try_clone().unwrap()))
            .status()
            .unwrap();
        assert!(status.success());
        let pid = nix::unistd::Pid::from_raw(pid as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGWINCH).unwrap();
    }

    /// Reads what attach writes (answering queries) until the screen shows `needle`.
    async fn until_showing(&mut self, needle: &str) {
        let wait = tokio::time::timeout(Duration::from_secs(30), async {
            while !self
                .screen
                .visible_text()
                .iter()
                .any(|r| r.contains(needle))
            {
                let Some(bytes) = self.output.recv().await else {
                    return false;
                };
                self.screen.feed(&bytes);
                for answer in answers(&bytes, self.screen.cursor()) {
                    self.type_in(&answer);
                }
            }
            true
        });
        assert!(
            wait.await == Ok(true),
            "attach never showed {needle:?}: {:#?}",
            self.screen.visible_text()
        );
    }

    /// Whether the terminal is back in its normal (cooked, echoing) mode.
    fn is_cooked(&self) -> bool {
        let modes = tcgetattr(&self.slave).unwrap().local_flags;
        modes.contains(LocalFlags::ICANON | LocalFlags::ECHO)
    }

    /// Reads what attach writes, answering its queries, until the screen
    /// shows `needle` and attach has asked for the terminal's status.
    async fn until_live_showing(&mut self, needle: &str) {
        let done = |t: &Self| {
            t.status_answered && t.screen.visible_text().iter().any(|r| r.contains(needle))
        };
        let wait = tokio::time::timeout(Duration::from_secs(30), async {
            while !done(self) {
                let Some(bytes) = self.output.recv().await else {
                    return false;
                };
                self.screen.feed(&bytes);
                self.status_answered |=
                    bytes.windows(STATUS_QUERY.len()).any(|w| w == STATUS_QUERY);
                for answer in answers(&bytes, self.screen.cursor()) {
                    self.type_in(&answer);
                }
            }
            true
        });
        assert!(
            wait.await == Ok(true),
            "attach never showed {needle:?} and asked for the status (status asked: {}): {:#?}",
            self.status_answered,
            self.screen.visible_text()
        );
    }
}

#[tokio::test]
async fn five_attaches_type_nothing_into_the_shell() {
    let server = TestServer::start_with(|c| c.program = common::plain_bash()).await;
    let cookie = server.login().await;
    let token = script_token(&server, &cookie).await;
    let home = tempfile::tempdir().unwrap();
    let id = server.create_terminal(&cookie).await;
    let mut first = server.attach(&cookie, &id).await;
    // The repro: a query answered live (as xterm.js would), then cat waiting.
    first
        .send_input(b"printf '\\033[c'; read -rs -d c -t 2 r; echo ASKED-''$?\n")
        .await;
    first.read_until("\x1b[c").await;
    first.send_input(b"\x1b[?1;2c").await;
    first.read_until("ASKED-0").await;
    first
        .send_input(
            b"stty -echo; echo CAT-''READY; cat -v > seen.txt; stty echo; echo CAT-''DONE\n",
        )
        .await;
    first.read_until("CAT-READY").await;
    drop(first);

    for round in 1..=5 {
        let mut local = LocalTerminal::open();
        let mut child = attach(&server, home.path(), &token, &local, &[&id]);
        local.until_live_showing("CAT-READY").await;
        assert!(!local.is_cooked(), "attach {round} runs its terminal raw");
        local.type_in(DETACH);
        let code = exit_code(&mut child, &format!("{round}: the detach key")).await;
        assert_eq!(code, Some(0), "attach {round}");
        // It left its terminal as it found it (out of raw mode).
        assert!(local.is_cooked(), "attach {round} left its terminal raw");
    }

    let mut last = server.attach(&cookie, &id).await;
    last.send_input(b"END\n\x04").await;
    last.read_until("CAT-DONE").await;
    let seen = std::fs::read_to_string(server.root.join("seen.txt")).unwrap();
    assert_eq!(seen, "END\n", "the shell was typed into by the attaches");
}

#[tokio::test]
async fn attach_shows_the_shell_follows_resizes_detaches_and_ends_with_its_status() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let token = script_token(&server, &cookie).await;
    let home = tempfile::tempdir().unwrap();
    let size_of = |tabs: &serde_json::Value| (tabs["cols"].as_u64(), tabs["rows"].as_u64());

    let mut local = LocalTerminal::open();
    let mut child = attach(&server, home.path(), &token, &local, &["--new"]);
    local.until_live_showing("").await;
    local.type_in(b"echo SHELL-$((6*7))\r");
    local.until_showing("SHELL-42").await;
    let tabs = server.get("/api/terminals", &cookie).await.json();
    let tab = tabs["terminals"][0].clone();
    let id = tab["id"].as_str().unwrap().to_string();
    assert_eq!(
        size_of(&tab),
        (Some(80), Some(24)),
        "sized to the local terminal"
    );

    local.resize(100, 30, child.id().unwrap());
    let resized = common::eventually(Duration::from_secs(10), || {
        let state = server.state();
        state
            .terminals
            .get(&id)
            .is_some_and(|t| t.size() == (100, 30))
    })
    .await;
    assert!(
        resized,
        "the tab did not follow the local terminal's resize"
    );
    local.type_in(b"stty size\r");
    local.until_showing("30 100").await;

    local.type_in(DETACH);
    assert_eq!(exit_code(&mut child, "the detach key").await, Some(0));
    assert!(local.is_cooked(), "attach left its terminal raw");
    let tabs = server.get("/api/terminals", &cookie).await.json();
    assert!(tabs["terminals"][0]["exited"].is_null(), "the tab runs on");

    // Back on the same tab; the shell's end is attach's end, with its status.
    let mut local = LocalTerminal::open();
    let mut child = attach(&server, home.path(), &token, &local, &[&id]);
    local.until_live_showing("SHELL-42").await;
    local.type_in(b"exit 3\r");
    assert_eq!(exit_code(&mut child, "the shell's exit").await, Some(3));
    assert!(local.is_cooked());
}
