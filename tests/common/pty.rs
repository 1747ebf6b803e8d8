//! Running the real `termgate` binary with its standard output on a
//! pseudo-terminal, as when a person started it in a terminal: what it
//! prints only for a person (the token, login links) shows only then.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

/// A daemon whose standard output is a terminal: lines read from the PTY.
pub struct OnTerminal {
    pub child: tokio::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl OnTerminal {
    /// Spawns `command` on port 0, its stdout the PTY and its stderr discarded.
    pub fn start(command: tokio::process::Command) -> Self {
        Self::spawn(command, false)
    }

    /// The same with stderr (the log) on the PTY too, as in a terminal.
    pub fn start_with_log(command: tokio::process::Command) -> Self {
        Self::spawn(command, true)
    }

    fn spawn(mut command: tokio::process::Command, log_too: bool) -> Self {
        super::watchdog();
        let pty = nix::pty::openpty(None, None).unwrap();
        let stderr = match log_too {
            true => Stdio::from(pty.slave.try_clone().unwrap()),
            false => Stdio::null(),
        };
        // In the environment, not as `--port 0`, which would land after a
        // test's `-- PROGRAM`.
        command
            .env("TERMGATE_PORT", "0")
            .stdout(Stdio::from(pty.slave))
            .stderr(stderr);
        let child = command.spawn().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        let master = std::fs::File::from(pty.master);
        std::thread::spawn(move || {
            // Ends with an error (EIO) once the daemon is gone.
            for line in BufReader::new(master).lines().map_while(Result::ok) {
                if tx.send(line.trim_end_matches('\r').to_string()).is_err() {
                    return;
                }
            }
        });
        Self { child, lines }
    }

    /// Everything printed up to and including the line starting with `prefix`.
    pub fn until(&self, prefix: &str) -> Vec<String> {
        self.until_line(&format!("starting {prefix:?}"), |line| {
            line.starts_with(prefix)
        })
    }

    /// Everything printed up to and including the first line that `wanted`
    /// accepts (`what` describes it when none comes).
    pub fn until_line(&self, what: &str, wanted: impl Fn(&str) -> bool) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(10))
                .unwrap_or_else(|_| panic!("no line {what}; saw {seen:?}"));
            let done = wanted(&line);
            seen.push(line);
            if done {
                return seen;
            }
        }
    }
}
