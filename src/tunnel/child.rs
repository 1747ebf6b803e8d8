//! The tunnel client process: started in its own process group with its
//! output piped to us, stopped by signalling the whole group and reaping.

use super::output::UrlScanner;
use super::{Settings, TunnelError};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

/// What to run.
pub struct Launch {
    kind: super::Kind,
    program: std::path::PathBuf,
    args: Vec<String>,
}

impl Launch {
    pub fn of(settings: &Settings) -> Self {
        Self {
            kind: settings.kind,
            program: settings.program.clone(),
            args: settings.kind.args(settings.port),
        }
    }
}

/// A running tunnel client.
pub struct Client {
    program: &'static str,
    /// The leader's pid, which is also the group's id (kept after reaping).
    group: Pid,
    child: Child,
    lines: mpsc::Receiver<String>,
    scanner: UrlScanner,
}

impl Client {
    pub async fn launch(launch: &Launch) -> Result<Self, TunnelError> {
        let program = launch.kind.program();
        let mut command = Command::new(&launch.program);
        command
            .args(&launch.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own group, so stopping it reaches anything it started.
            .process_group(0)
            .kill_on_drop(true);
        // termgate's own settings and secrets are none of the client's business.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("TERMGATE_") {
                command.env_remove(key);
            }
        }
        let mut child = command.spawn().map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => TunnelError::Missing {
                program,
                hint: launch.kind.install_hint(),
            },
            _ => TunnelError::Spawn { program, source },
        })?;
        let (tx, lines) = mpsc::channel(256);
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(forward_lines(stdout, tx.clone()));
        }
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(forward_lines(stderr, tx));
        }
        let group = Pid::from_raw(child.id().unwrap_or_default() as i32);
        Ok(Self {
            program,
            group,
            child,
            lines,
            scanner: UrlScanner::new(launch.kind.format()),
        })
    }

    /// Reads output until the public URL appears, the client exits, or time runs out.
    pub async fn wait_for_url(&mut self, timeout: Duration) -> Result<String, TunnelError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            tokio::select! {
                line = self.lines.recv() => match line {
                    Some(line) => {
                        if let Some(url) = self.scanner.feed(&line) {
                            return Ok(url);
                        }
                    }
                    // Both pipes closed: the client is gone or going.
                    None => {
                        let status = self.wait().await;
                        self.stop().await;
                        return Err(TunnelError::Exited {
                            program: self.program,
                            status,
                            last_lines: self.scanner.last_lines(),
                        });
                    }
                },
                _ = tokio::time::sleep_until(deadline) => {
                    self.stop().await;
                    return Err(TunnelError::NoUrl {
                        program: self.program,
                        secs: timeout.as_secs(),
                        last_lines: self.scanner.last_lines(),
                    });
                }
            }
        }
    }

    /// Waits for the client to exit (draining its output meanwhile).
    pub async fn wait(&mut self) -> String {
        loop {
            tokio::select! {
                status = self.child.wait() => {
                    return match status {
                        Ok(status) => status.to_string(),
                        Err(err) => err.to_string(),
                    };
                }
                line = self.lines.recv(), if !self.lines.is_closed() => {
                    if let Some(line) = line {
                        self.scanner.feed(&line);
                    }
                }
            }
        }
    }

    /// Ends the whole process group: SIGTERM, SIGKILL after a grace, reaped.
    /// Also right after the leader died by itself, for what it left behind:
    /// while any member lives, the kernel keeps the group id from reuse.
    pub async fn stop(&mut self) {
        let _ = killpg(self.group, Signal::SIGTERM);
        if tokio::time::timeout(Duration::from_millis(500), self.child.wait())
            .await
            .is_err()
        {
            let _ = killpg(self.group, Signal::SIGKILL);
            let _ = self.child.wait().await;
        }
        // Members that outlived the leader still share its group id.
        let _ = killpg(self.group, Signal::SIGKILL);
    }
}

async fn forward_lines(stream: impl AsyncRead + Unpin, tx: mpsc::Sender<String>) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if tx.send(line).await.is_err() {
            break;
        }
    }
}
