//! The local terminal `termgate attach` runs in, for tests: a PTY whose
//! master side the test reads into a screen (answering the queries it is
//! shown as xterm would) and writes keys into.

use super::cli::with_token;
use super::xterm::answers;
use nix::pty::{OpenptyResult, Winsize, openpty};
use nix::sys::termios::{LocalFlags, tcgetattr};
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use termgate::term::screen::Screen;
use tokio::sync::mpsc;

/// What attach asks its terminal once the screen is rebuilt (see its `Gate`).
const STATUS_QUERY: &[u8] = termgate::client::STATUS_QUERY;

/// `termgate attach ARGS` on `local` at `url`, with `token`, a private
/// config home; not started yet (an https test adds its CA).
pub fn attach_command(
    url: &str,
    home: &Path,
    token: &str,
    local: &LocalTerminal,
    args: &[&str],
) -> tokio::process::Command {
    let slave = || Stdio::from(local.slave.try_clone().unwrap());
    let mut command = with_token(home, url, token, "attach", args);
    command.stdin(slave()).stdout(slave()).stderr(slave());
    command
}

/// [`attach_command`], started.
pub fn attach(
    url: &str,
    home: &Path,
    token: &str,
    local: &LocalTerminal,
    args: &[&str],
) -> tokio::process::Child {
    attach_command(url, home, token, local, args)
        .spawn()
        .unwrap()
}

/// Waits for `child` to exit (10 s at most); its exit code.
pub async fn exit_code(child: &mut tokio::process::Child, what: &str) -> Option<i32> {
    tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap_or_else(|_| panic!("attach did not end: {what}"))
        .unwrap()
        .code()
}

/// The terminal attach runs in: a PTY whose master side this test reads
/// (into a screen, answering queries) and writes (keys, answers).
pub struct LocalTerminal {
    master: std::fs::File,
    pub slave: OwnedFd,
    output: mpsc::UnboundedReceiver<Vec<u8>>,
    screen: Screen,
    /// Attach's status query after the rebuild was seen and answered.
    status_answered: bool,
}

impl LocalTerminal {
    pub fn open() -> Self {
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

    pub fn type_in(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).unwrap();
    }

    /// Resizes the terminal as a window would, and tells `pid` as the
    /// kernel tells a terminal's foreground job (attach runs without a
    /// controlling terminal here).
    pub fn resize(&self, cols: u16, rows: u16, pid: u32) {
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
    pub async fn until_showing(&mut self, needle: &str) {
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
    pub fn is_cooked(&self) -> bool {
        let modes = tcgetattr(&self.slave).unwrap().local_flags;
        modes.contains(LocalFlags::ICANON | LocalFlags::ECHO)
    }

    /// Reads what attach writes, answering its queries, until the screen
    /// shows `needle` and attach has asked for the terminal's status.
    pub async fn until_live_showing(&mut self, needle: &str) {
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
