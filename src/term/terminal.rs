//! One terminal tab: a PTY, its scrollback, and the fan-out to viewers.
//!
//! Three small tasks serve each terminal: the *reader* moves PTY output into
//! the scrollback and a broadcast channel (both under one lock, so a viewer's
//! replay and its live stream meet without gap or overlap); the *writer*
//! applies input and resizes from an mpsc of typed [`Command`]s, so slow input
//! never stalls output; the *waiter* reaps the shell and publishes its exit.
//! [`TerminalHandle`] is the cheap clone sockets and the registry hold.

use super::fanout::{Fanout, Subscription};
use super::pty::{self, Master};
use bytes::Bytes;
use nix::sys::signal::Signal;
use serde::Serialize;
use std::os::unix::process::ExitStatusExt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

/// Bytes read from the PTY per chunk (and so the largest output frame).
pub const CHUNK: usize = 64 * 1024;
/// How long a closed tab's shell gets between SIGHUP and SIGKILL.
pub const CLOSE_GRACE: Duration = Duration::from_millis(500);

/// How the shell ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExitInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
}

/// What `GET /api/terminals` shows of a tab.
#[derive(Debug, Clone, Serialize)]
pub struct TerminalInfo {
    pub id: String,
    pub title: String,
    pub cols: u16,
    pub rows: u16,
    pub created_at: u64,
    pub clients: usize,
    pub exited: Option<ExitInfo>,
}

/// Work for the writer task.
enum Command {
    Input(Bytes),
    Resize(u16, u16),
}

struct Shared {
    id: String,
    pid: u32,
    created_at: u64,
    title: Mutex<String>,
    /// The PTY's size; viewers watch it to learn of resizes by others.
    size: watch::Sender<(u16, u16)>,
    output: Arc<Fanout>,
    commands: mpsc::Sender<Command>,
    exit: watch::Receiver<Option<ExitInfo>>,
}

#[derive(Clone)]
pub struct TerminalHandle(Arc<Shared>);

/// Everything needed to start a terminal.
pub struct TerminalSpec<'a> {
    pub id: String,
    pub title: String,
    pub spawn: pty::SpawnOptions<'a>,
    pub scrollback: usize,
}

impl TerminalHandle {
    /// Starts the shell and its three tasks. Must run inside the tokio runtime.
    pub fn start(spec: TerminalSpec<'_>) -> std::io::Result<Self> {
        let (cols, rows) = (spec.spawn.cols, spec.spawn.rows);
        let (master, child) = pty::spawn(spec.spawn)?;
        let pid = child.id().unwrap_or_default();
        let master = Arc::new(master);
        let (commands, command_rx) = mpsc::channel(64);
        let (exit_tx, exit) = watch::channel(None);
        let shared = Arc::new(Shared {
            id: spec.id,
            pid,
            created_at: unix_ms(),
            title: Mutex::new(spec.title),
            size: watch::channel((cols, rows)).0,
            output: Fanout::new(spec.scrollback),
            commands,
            exit,
        });
        let (reader_done, reader_done_rx) = oneshot::channel();
        tokio::spawn(read_output(
            master.clone(),
            shared.output.clone(),
            reader_done,
        ));
        tokio::spawn(apply_commands(master, command_rx));
        tokio::spawn(reap(child, reader_done_rx, exit_tx));
        Ok(Self(shared))
    }

    pub fn id(&self) -> &str {
        &self.0.id
    }

    pub fn info(&self) -> TerminalInfo {
        let (cols, rows) = *self.0.size.borrow();
        TerminalInfo {
            id: self.0.id.clone(),
            title: lock(&self.0.title).clone(),
            cols,
            rows,
            created_at: self.0.created_at,
            clients: self.0.output.viewers(),
            exited: *self.0.exit.borrow(),
        }
    }

    pub fn set_title(&self, title: String) {
        *lock(&self.0.title) = title;
    }

    /// Joins as a viewer: replay and live stream are cut at the same offset.
    pub fn attach(&self) -> Subscription {
        self.0.output.join()
    }

    /// Joins again after falling behind (see [`Fanout::rejoin`]).
    pub fn reattach(&self, previous: Subscription) -> Subscription {
        self.0.output.rejoin(previous)
    }

    /// Sends keystrokes or paste to the shell. Waits if input is backed up.
    pub async fn write(&self, bytes: Bytes) {
        // An error means the writer ended with the shell: input has nowhere to go.
        let _ = self.0.commands.send(Command::Input(bytes)).await;
    }

    /// Resizes the PTY; the last resize received wins.
    pub async fn resize(&self, cols: u16, rows: u16) {
        self.0
            .size
            .send_if_modified(|size| std::mem::replace(size, (cols, rows)) != (cols, rows));
        let _ = self.0.commands.send(Command::Resize(cols, rows)).await;
    }

    pub fn size(&self) -> (u16, u16) {
        *self.0.size.borrow()
    }

    /// Changes of the PTY's size, whoever made them.
    pub fn size_changes(&self) -> watch::Receiver<(u16, u16)> {
        self.0.size.subscribe()
    }

    /// Watches for the shell's exit (`Some` once it has ended and been reaped).
    pub fn exit(&self) -> watch::Receiver<Option<ExitInfo>> {
        self.0.exit.clone()
    }

    /// Ends the shell's session: SIGHUP, then SIGKILL after a grace,
    /// and returns once the shell has been reaped.
    pub async fn kill(&self) {
        let mut exit = self.exit();
        pty::signal_session(self.0.pid, Signal::SIGHUP);
        let graceful = tokio::time::timeout(CLOSE_GRACE, exit.wait_for(Option::is_some))
            .await
            .is_ok();
        // Even after a clean exit, stragglers may remain in the group.
        pty::signal_session(self.0.pid, Signal::SIGKILL);
        if !graceful {
            let _ = exit.wait_for(Option::is_some).await;
        }
    }
}

async fn read_output(master: Arc<Master>, output: Arc<Fanout>, done: oneshot::Sender<()>) {
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match master.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let end = output.publish(Bytes::copy_from_slice(&buf[..n]));
        // Flow control: pause (and so pause the shell) while every viewer is
        // far behind; a stalled viewer alone is cut loose instead.
        output.wait_for_viewers(end).await;
    }
    let _ = done.send(());
}

async fn apply_commands(master: Arc<Master>, mut commands: mpsc::Receiver<Command>) {
    while let Some(command) = commands.recv().await {
        let result = match command {
            Command::Input(bytes) => master.write_all(&bytes).await,
            Command::Resize(cols, rows) => master.resize(cols, rows),
        };
        if let Err(err) = result {
            tracing::debug!("pty input: {err}");
        }
    }
}

async fn reap(
    mut child: tokio::process::Child,
    reader_done: oneshot::Receiver<()>,
    exit: watch::Sender<Option<ExitInfo>>,
) {
    let status = child.wait().await;
    // Let the reader deliver the last output before announcing the exit; a
    // background process still holding the PTY must not delay it for long.
    let _ = tokio::time::timeout(Duration::from_secs(1), reader_done).await;
    let info = match status {
        Ok(status) => ExitInfo {
            code: status.code(),
            signal: status.signal(),
        },
        Err(_) => ExitInfo {
            code: None,
            signal: None,
        },
    };
    exit.send_replace(Some(info));
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Held only for short, non-awaiting sections; a poisoned value is still whole.
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64
}
