//! The tunnel client process: started in its own process group with its
//! output piped to us, stopped by signalling the whole group and reaping,
//! through a [`ProcessGroup`] (never a signal after the leader is reaped).
//!
//! It is spawned tied to termgate ([`crate::process::spawn_tied`]): if
//! termgate is SIGKILLed or OOM-killed, nothing of ours runs to stop it, so
//! the kernel sends it [`super::Kind::death_signal`]. That reaches the
//! client itself, not processes it started (they are left to their own
//! parent); the real `zrok` and `cloudflared` are single Go processes, so
//! this covers them, but a wrapper script around them is not covered.
//!
//! Every stop honours termgate's shutdown: once it begins, the client gets
//! at most [`super::SHUTDOWN_STOP_GRACE`] more before SIGKILL, whatever its
//! own grace.

use super::output::{Event, UrlScanner};
use super::program::{Program, clear_environment};
use super::{NO_SHARE_STOP_GRACE, SHUTDOWN_STOP_GRACE, TunnelError, lines};
use crate::Shutdown;
use crate::process::{Ended, ProcessGroup, Reach};
use nix::sys::signal::Signal;
use std::os::unix::process::CommandExt;
use std::process::{ChildStderr, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// How long to read what an exited client left in its pipes.
const LAST_WORDS: Duration = Duration::from_millis(300);
/// The most cloudflared's URL waits for a registration line we recognise.
const MAX_FALLBACK: Duration = Duration::from_secs(15);

/// How long after its created-tunnel box cloudflared may take to register:
/// half of `--tunnel-timeout`, at most [`MAX_FALLBACK`]. A cloudflared that
/// words its registration line differently is then still exposable.
pub fn fallback_delay(timeout: Duration) -> Duration {
    (timeout / 2).min(MAX_FALLBACK)
}

/// Whether the client confirmed that its public URL is reachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// zrok's URL, or cloudflared's once it registered a connection.
    Confirmed,
    /// cloudflared printed its URL but no registration within this long.
    Unconfirmed(Duration),
}

/// What a running client did next.
#[derive(Debug)]
pub enum Watched {
    /// It exited (its status, for messages).
    Exited(String),
    /// An unconfirmed tunnel registered after all.
    Connected(String),
}

/// What to run (decided once per exposure, see `super::prepare`).
#[derive(Debug, Clone)]
pub struct Launch {
    pub kind: super::Kind,
    pub program: Program,
    pub args: Vec<String>,
    /// Between SIGTERM and SIGKILL when stopping a client that printed its URL.
    pub grace: Duration,
}

/// A running tunnel client.
pub struct Tunnel {
    program: &'static str,
    grace: Duration,
    /// Whether it printed its URL (so there is a share it may want to delete).
    announced: bool,
    /// Announced without a registration: the first one is still news.
    unconfirmed: bool,
    shutdown: Shutdown,
    /// The client's process group, reaped by a task of its own.
    group: Arc<ProcessGroup>,
    ended: watch::Receiver<Option<Ended>>,
    lines: mpsc::Receiver<String>,
    scanner: UrlScanner,
}

impl Tunnel {
    /// Starts the client; every later stop is cut short by `shutdown`.
    pub async fn launch(launch: &Launch, shutdown: &Shutdown) -> Result<Self, TunnelError> {
        let program = launch.program.name;
        let mut command = Command::new(&launch.program.path);
        command
            .args(&launch.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own group, so stopping it reaches anything it started.
            .process_group(0);
        // termgate's secrets, and settings that would change what the client does.
        clear_environment(&mut command);
        let mut child = crate::process::spawn_tied(command, launch.kind.death_signal())
            .await
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::NotFound => TunnelError::Missing(format!(
                    "`{}` was not found: {}",
                    launch.program.path.display(),
                    launch.kind.install_hint()
                )),
                _ => TunnelError::Spawn { program, source },
            })?;
        let spawn_error = |source| TunnelError::Spawn { program, source };
        let pipes = (child.stdout.take(), child.stderr.take());
        let group = Arc::new(ProcessGroup::adopt(child, Reach::Group).map_err(spawn_error)?);
        let ended = group.ended();
        tokio::spawn({
            let group = group.clone();
            async move { group.reap().await }
        });
        let (tx, lines) = mpsc::channel(256);
        if let Err(source) = forward_output(pipes, tx) {
            // Nobody could read its URL: end it (the reaper task reaps it).
            group.signal(Signal::SIGKILL);
            return Err(spawn_error(source));
        }
        Ok(Self {
            program,
            grace: launch.grace,
            announced: false,
            unconfirmed: false,
            shutdown: shutdown.clone(),
            group,
            ended,
            lines,
            scanner: UrlScanner::new(launch.kind.format()),
        })
    }

    /// Reads output until the public URL appears, the client exits, time
    /// runs out, or termgate begins to shut down: then the client is stopped
    /// and the answer is `Ok(None)`.
    pub async fn wait_for_url(
        &mut self,
        timeout: Duration,
    ) -> Result<Option<(String, Readiness)>, TunnelError> {
        let shutdown = self.shutdown.clone();
        tokio::select! {
            // First, so a shutdown already under way is never outrun by output.
            biased;
            _ = shutdown.wait() => {}
            found = self.read_url(timeout) => {
                let (url, readiness) = found?;
                self.announced = true;
                self.unconfirmed = readiness != Readiness::Confirmed;
                return Ok(Some((url, readiness)));
            }
        }
        self.stop().await;
        Ok(None)
    }

    /// Until the URL: the deadline is `timeout`; once cloudflared printed
    /// its box, the [`fallback_delay`] from then, after which the URL is
    /// taken unconfirmed (the client still running).
    async fn read_url(&mut self, timeout: Duration) -> Result<(String, Readiness), TunnelError> {
        let mut deadline = tokio::time::Instant::now() + timeout;
        let fallback = fallback_delay(timeout);
        let mut reading = true;
        loop {
            tokio::select! {
                line = self.lines.recv(), if reading => match line {
                    Some(line) => match self.scanner.feed(&line) {
                        Some(Event::Ready(url)) => return Ok((url, Readiness::Confirmed)),
                        Some(Event::Created(url)) => {
                            println!("tunnel created, connecting: {url}");
                            deadline = tokio::time::Instant::now() + fallback;
                        }
                        Some(refusal) => {
                            self.stop().await;
                            return Err(TunnelError::refused(self.program, refusal));
                        }
                        None => {}
                    },
                    // Both pipes closed: the client is gone or going. Its
                    // exit (or the deadline, if it lingers) ends the wait.
                    None => reading = false,
                },
                // Exited while something it started still holds the pipes open.
                status = exit_status(self.ended.clone()) => {
                    return Err(self.exited(status).await);
                }
                _ = tokio::time::sleep_until(deadline) => {
                    if let Some(url) = self.scanner.created() {
                        return Ok((url.to_string(), Readiness::Unconfirmed(fallback)));
                    }
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

    /// The error for a client that exited before its URL: a refusal among
    /// its last lines (a 429 is printed just before the exit), else `Exited`.
    async fn exited(&mut self, status: String) -> TunnelError {
        let quiet = tokio::time::sleep(LAST_WORDS);
        tokio::pin!(quiet);
        let mut refusal = None;
        loop {
            tokio::select! {
                line = self.lines.recv() => match line {
                    Some(line) => {
                        if let Some(event @ (Event::RateLimited | Event::AgentHandoff { .. })) =
                            self.scanner.feed(&line)
                        {
                            refusal = Some(event);
                        }
                    }
                    None => break,
                },
                _ = &mut quiet => break,
            }
        }
        self.stop().await;
        match refusal {
            Some(event) => TunnelError::refused(self.program, event),
            None => TunnelError::Exited {
                program: self.program,
                status,
                last_lines: self.scanner.last_lines(),
            },
        }
    }

    /// Waits for the client to exit, or for an unconfirmed tunnel's first
    /// registration (draining its output meanwhile). Cancel-safe.
    pub async fn wait(&mut self) -> Watched {
        loop {
            tokio::select! {
                status = exit_status(self.ended.clone()) => return Watched::Exited(status),
                line = self.lines.recv(), if !self.lines.is_closed() => {
                    let event = line.and_then(|line| self.scanner.feed(&line));
                    if let Some(Event::Ready(url)) = event
                        && std::mem::take(&mut self.unconfirmed)
                    {
                        return Watched::Connected(url);
                    }
                }
            }
        }
    }

    /// Ends the whole process group: SIGTERM, SIGKILL after the grace, and
    /// reaped. Members the leader left behind are killed before it is
    /// reaped, also when it died by itself (see [`Reach::Group`]).
    ///
    /// The grace is the client's own once it printed its URL, else at most
    /// [`NO_SHARE_STOP_GRACE`]; and once termgate shuts down, at most
    /// [`SHUTDOWN_STOP_GRACE`] from then on (also when the shutdown comes
    /// in the middle of a longer stop).
    pub async fn stop(&mut self) {
        let grace = if self.announced {
            self.grace
        } else {
            self.grace.min(NO_SHARE_STOP_GRACE)
        };
        let shutdown = self.shutdown.clone();
        let kill_at = async move {
            let cut_short = async {
                shutdown.wait().await;
                tokio::time::sleep(grace.min(SHUTDOWN_STOP_GRACE)).await;
            };
            tokio::select! {
                _ = tokio::time::sleep(grace) => {}
                _ = cut_short => {}
            }
        };
        self.group.terminate_by(Signal::SIGTERM, kill_at).await;
    }
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        // A client dropped without `stop` (an error path, the runtime ending)
        // must not keep the port public; a no-op once it has been reaped.
        self.group.signal(Signal::SIGKILL);
    }
}

/// Reads the client's stdout and stderr into `tx`, each for its whole life.
fn forward_output(
    (stdout, stderr): (Option<ChildStdout>, Option<ChildStderr>),
    tx: mpsc::Sender<String>,
) -> std::io::Result<()> {
    if let Some(stdout) = stdout {
        let stdout = tokio::process::ChildStdout::from_std(stdout)?;
        tokio::spawn(lines::forward(stdout, tx.clone()));
    }
    if let Some(stderr) = stderr {
        let stderr = tokio::process::ChildStderr::from_std(stderr)?;
        tokio::spawn(lines::forward(stderr, tx));
    }
    Ok(())
}

/// Resolves with the client's exit, as text for messages.
async fn exit_status(mut ended: watch::Receiver<Option<Ended>>) -> String {
    let status = ended
        .wait_for(Option::is_some)
        .await
        .map(|ended| ended.map(|e| e.to_string()).unwrap_or_default());
    match status {
        Ok(status) => status,
        Err(_) => std::future::pending().await,
    }
}
