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
    pub fn start(mut command: tokio::process::Command) -> Self {
        super::watchdog();
        let pty = nix::pty::openpty(None, None).unwrap();
        command
            .args(["--port", "0"])
            .stdout(Stdio::from(pty.slave))
            .stderr(Stdio::null());
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
        let mut seen = Vec::new();
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(10))
                .unwrap_or_else(|_| panic!("no line starting {prefix:?}; saw {seen:?}"));
            let done = line.starts_with(prefix);
            seen.push(line);
            if done {
                return seen;
            }
        }
    }
}
