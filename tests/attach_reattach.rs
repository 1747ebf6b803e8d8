//! examples/attach, the command-line client, never types into the shell:
//! issue 11's repro (a program asks for the terminal's attributes, then
//! `cat -v > seen.txt` waits for input), then five attaches of the real
//! `examples/attach` binary, each ended with Ctrl-]. Its local terminal is a
//! PTY held here that answers the queries it is shown as xterm would, so a
//! query in what attach writes, or a reply attach lets through, would reach
//! `cat`. The binary is `target/<profile>/examples/attach`: `cargo test`
//! builds it; `cargo test --test attach_reattach` alone does not (run
//! `cargo build --examples` first).

mod common;

use common::TestServer;
use common::xterm::answers;
use nix::pty::{OpenptyResult, Winsize, openpty};
use nix::sys::termios::{LocalFlags, tcgetattr};
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use termgate::term::screen::Screen;
use tokio::sync::mpsc;

const DETACH: u8 = 0x1d;
/// What attach asks its terminal once the screen is rebuilt (see its `Gate`).
const STATUS_QUERY: &[u8] = b"\x1b[5n";

fn attach_binary() -> PathBuf {
    let deps = std::env::current_exe().unwrap();
    let bin = deps
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/attach");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --examples` (cargo test builds it)",
        bin.display()
    );
    bin
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
async fn five_attaches_of_examples_attach_type_nothing_into_the_shell() {
    let attach = attach_binary();
    let server = TestServer::start_with(|c| {
        c.program = termgate::config::Program::shell("/bin/bash", false)
    })
    .await;
    let cookie = server.login().await;
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
        let slave = || Stdio::from(local.slave.try_clone().unwrap());
        let mut child = tokio::process::Command::new(&attach)
            .args(["--addr", &server.host(), "attach", &id])
            .env("TERMGATE_TOKEN", common::TOKEN)
            .env("TERMGATE_PIN", common::PIN)
            .stdin(slave())
            .stdout(slave())
            .stderr(slave())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        local.until_live_showing("CAT-READY").await;
        local.type_in(&[DETACH]);
        let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
            .await
            .unwrap_or_else(|_| panic!("attach {round} did not detach on Ctrl-]"))
            .unwrap();
        assert!(status.success(), "attach {round} ended with {status}");
        // It left its terminal as it found it (out of raw mode).
        let modes = tcgetattr(&local.slave).unwrap().local_flags;
        assert!(
            modes.contains(LocalFlags::ICANON | LocalFlags::ECHO),
            "attach {round} left its terminal raw: {modes:?}"
        );
    }

    let mut last = server.attach(&cookie, &id).await;
    last.send_input(b"END\n\x04").await;
    last.read_until("CAT-DONE").await;
    let seen = std::fs::read_to_string(server.root.join("seen.txt")).unwrap();
    assert_eq!(seen, "END\n", "the shell was typed into by the attaches");
}
