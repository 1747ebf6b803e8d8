//! One terminal tab: a PTY, its scrollback, its input queue, and the
//! fan-out to viewers.
//!
//! Three small tasks serve each terminal: the *reader* moves PTY output into
//! the scrollback and a broadcast channel (both under one lock, so a viewer's
//! replay and its live stream meet without gap or overlap), paced by the
//! fan-out's rules, every wait with a deadline; the *writer* moves input from
//! the byte-bounded [`InputQueue`] to the PTY and applies signal keys out of
//! band, and ends when the PTY hangs up or the shell has exited; the *reaper*
//! reaps the shell through its [`ProcessGroup`] and publishes its exit.
//! Closing a tab stops all three, so the PTY's descriptor is freed at once.
//! [`TerminalHandle`] is the cheap clone sockets and the registry hold.

use super::fanout::{Fanout, Subscription};
use super::input::{Budget, Closed, InputQueue};
use super::pty::{self, Master};
use super::sizing::Sizing;
use super::tab_tasks::{read_output, reap, write_input};
use super::tap::{Recording, Tap};
use crate::clock::unix_ms;
use crate::lock::lock;
use crate::process::ProcessGroup;
use bytes::Bytes;
use nix::sys::signal::Signal;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::{oneshot, watch};
use tokio::task::AbortHandle;

/// Bytes read from the PTY per chunk (and so the largest output frame).
pub const CHUNK: usize = 64 * 1024;
/// How long a closed tab's shell gets between SIGHUP and SIGKILL.
pub const CLOSE_GRACE: Duration = Duration::from_millis(500);

pub use super::info::{ExitInfo, TerminalInfo};

struct Shared {
    id: String,
    created_at: u64,
    /// The title a tab has without a name: the shell's file name.
    title: String,
    /// The owner's name for the tab; viewers watch it to relabel the tab.
    name: watch::Sender<Option<String>>,
    /// The PTY's size; viewers watch it to learn of resizes by others.
    size: watch::Sender<(u16, u16)>,
    /// Which viewer's size applies (see [`Sizing`]).
    sizing: Sizing,
    output: Arc<Fanout>,
    input: Arc<InputQueue>,
    exit: watch::Receiver<Option<ExitInfo>>,
    /// The PTY and the shell; `None` for a test terminal without a process.
    /// Only the reader and writer tasks own the PTY, so stopping them at
    /// close frees its descriptor even while sockets still hold this handle.
    pty: Option<Pty>,
    /// The reader and writer tasks, stopped when the tab closes.
    tasks: Mutex<Vec<AbortHandle>>,
    /// The screen model's counters and command history (`None` for a test
    /// terminal).
    model: Option<Arc<super::model::ModelShared>>,
    recording: Recording,
    lock: super::tab_lock::TabLock,
}

type Pty = (Weak<Master>, Arc<ProcessGroup>);

impl Shared {
    /// A tab's state at its start: no name, its first size, nothing recorded or locked.
    fn new(
        id: String,
        title: String,
        size: (u16, u16),
        output: Arc<Fanout>,
        exit: watch::Receiver<Option<ExitInfo>>,
        pty: Option<Pty>,
        model: Option<Arc<super::model::ModelShared>>,
    ) -> Arc<Self> {
        Arc::new(Self {
            id,
            created_at: unix_ms(),
            title,
            name: watch::channel(None).0,
            size: watch::channel(size).0,
            sizing: Sizing::default(),
            output,
            input: Arc::default(),
            exit,
            pty,
            tasks: Mutex::default(),
            model,
            recording: Recording::default(),
            lock: Default::default(),
        })
    }
}

#[derive(Clone)]
pub struct TerminalHandle(Arc<Shared>);

/// Everything needed to start a terminal.
pub struct TerminalSpec<'a> {
    pub id: String,
    pub title: String,
    pub spawn: pty::SpawnOptions<'a>,
    pub scrollback: usize,
    /// A recording to feed from the first output on (see `crate::record`).
    pub recording: Option<(&'a str, Tap)>,
}

impl TerminalHandle {
    /// Starts the shell and its three tasks. Must run inside the tokio runtime.
    pub fn start(spec: TerminalSpec<'_>) -> std::io::Result<Self> {
        let (cols, rows) = (spec.spawn.cols, spec.spawn.rows);
        let (master, shell) = pty::spawn(spec.spawn)?;
        let (master, shell) = (Arc::new(master), Arc::new(shell));
        let (exit_tx, exit) = watch::channel(None);
        let output = Fanout::modelled(spec.scrollback);
        let model = super::model::spawn(&spec.id, output.clone(), (cols, rows));
        let pty = Some((Arc::downgrade(&master), shell.clone()));
        let shared = Shared::new(
            spec.id,
            spec.title,
            (cols, rows),
            output,
            exit,
            pty,
            Some(model),
        );
        if let Some((id, tap)) = spec.recording {
            // Before the reader starts: the shell's first output is in it.
            shared.recording.start(&shared.output, id, tap);
        }
        let (reader_done, reader_done_rx) = oneshot::channel();
        let reader = tokio::spawn(read_output(
            master.clone(),
            shared.output.clone(),
            reader_done,
        ));
        let writer = tokio::spawn(write_input(master, shared.input.clone()));
        *lock(&shared.tasks) = vec![reader.abort_handle(), writer.abort_handle()];
        tokio::spawn(reap(shell, shared.input.clone(), reader_done_rx, exit_tx));
        Ok(Self(shared))
    }

    /// A terminal without a PTY, for tests: output is whatever the test
    /// publishes to [`TerminalHandle::fanout`], input lands in
    /// [`TerminalHandle::input`], and the exit is what the sender says.
    #[doc(hidden)]
    pub fn detached(id: &str, (cols, rows): (u16, u16)) -> (Self, watch::Sender<Option<ExitInfo>>) {
        let (exit_tx, exit) = watch::channel(None);
        let output = Fanout::new(1 << 20);
        let shared = Shared::new(
            id.into(),
            "test".into(),
            (cols, rows),
            output,
            exit,
            None,
            None,
        );
        (Self(shared), exit_tx)
    }

    pub fn id(&self) -> &str {
        &self.0.id
    }

    pub fn info(&self) -> TerminalInfo {
        let (cols, rows) = *self.0.size.borrow();
        let name = self.0.name.borrow().clone();
        TerminalInfo {
            id: self.0.id.clone(),
            title: name.clone().unwrap_or_else(|| self.0.title.clone()),
            name,
            busy: self.busy(),
            cwd: None,
            cols,
            rows,
            size_locked: self.0.sizing.is_locked(),
            created_at: self.0.created_at,
            clients: self.0.output.viewers(),
            exited: *self.0.exit.borrow(),
            recording: self.0.recording.current().is_some(),
            recording_input: self.0.recording.records_input(),
            locked: self.0.lock.is_locked(),
            screen_rebuilds: self
                .0
                .model
                .as_ref()
                .map_or(0, |m| m.rebuilds.load(std::sync::atomic::Ordering::Relaxed)),
        }
    }

    /// The tab's commands, newest first (none for a test terminal).
    pub fn commands(&self) -> Vec<super::history::Command> {
        let model = self.0.model.as_ref();
        model.map_or_else(Vec::new, |m| lock(&m.history).newest_first())
    }

    /// Names the tab (`None`: back to the shell's own title); every viewer
    /// is told (see [`TerminalHandle::names`]).
    pub fn set_name(&self, name: Option<String>) {
        self.0.name.send_if_modified(|current| {
            let changed = *current != name;
            *current = name;
            changed
        });
    }

    /// Changes of the owner's name for the tab, whoever made them.
    pub fn names(&self) -> watch::Receiver<Option<String>> {
        self.0.name.subscribe()
    }

    /// The title without a name (the shell's file name).
    pub fn default_title(&self) -> &str {
        &self.0.title
    }

    /// The foreground job's command name when it is not the shell; `None`
    /// for the shell, an exited terminal and a test terminal.
    pub fn busy(&self) -> Option<String> {
        if self.0.exit.borrow().is_some() {
            return None;
        }
        let (master, shell) = self.0.pty.as_ref()?;
        master.upgrade()?.foreground_job(shell.id())
    }

    /// The foreground job's folder as a host path ([`Master::foreground_cwd`]).
    pub fn foreground_cwd(&self) -> Option<std::path::PathBuf> {
        if self.0.exit.borrow().is_some() {
            return None;
        }
        let (master, shell) = self.0.pty.as_ref()?;
        master.upgrade()?.foreground_cwd(shell.id())
    }

    /// Starts copying output to `tap` for recording `id` (false: one runs).
    pub fn start_recording(&self, id: &str, tap: Tap) -> bool {
        self.0.recording.start(&self.0.output, id, tap)
    }

    /// Stops the recording (`only`: if it is that one); the id that stopped.
    pub fn stop_recording(&self, only: Option<&str>) -> Option<String> {
        self.0.recording.stop(&self.0.output, only)
    }

    /// The recording running now, and its changes (for viewers' REC).
    pub fn recording(&self) -> &Recording {
        &self.0.recording
    }

    /// Joins as a viewer: replay and live stream are cut at the same offset.
    /// Writing viewers pace the shell (see [`Fanout`]); read-only ones never do.
    pub fn attach(&self, paces: bool) -> Subscription {
        self.0.output.join(paces)
    }

    /// Joins again after falling behind (see [`Fanout::rejoin`]).
    pub fn reattach(&self, previous: Subscription) -> Subscription {
        self.0.output.rejoin(previous)
    }

    /// The output side, for tests that play the PTY.
    #[doc(hidden)]
    pub fn fanout(&self) -> &Arc<Fanout> {
        &self.0.output
    }

    /// The input side, for tests that play the PTY.
    #[doc(hidden)]
    pub fn input(&self) -> &Arc<InputQueue> {
        &self.0.input
    }

    /// Queues keystrokes or paste for the shell on a viewer's budget,
    /// waiting while it is spent. `Err(Closed)` once the shell is gone.
    pub async fn write(&self, bytes: Bytes, budget: &Arc<Budget>) -> Result<(), Closed> {
        // Told to the recorder first: the push may wait, and a recorder that
        // sees the echo before the keys would read as if the shell typed.
        self.0.output.typed(&bytes);
        self.0.input.push(bytes, budget).await
    }

    /// The keys that raise a signal in the tty's current mode (Ctrl-C in
    /// cooked mode: SIGINT; none in raw mode, where they are plain keys).
    pub fn signal_keys(&self) -> Vec<(u8, Signal)> {
        match &self.0.pty {
            Some((master, _)) => master
                .upgrade()
                .map(|m| m.signal_keys())
                .unwrap_or_default(),
            // A test terminal behaves like a cooked tty with the default key.
            None => vec![(0x03, Signal::SIGINT)],
        }
    }

    /// Applies a signal key ahead of all queued input, which is dropped.
    pub fn send_signal_key(&self, signal: Signal, byte: u8) {
        self.0.output.typed(&[byte]);
        self.0.input.signal(signal, byte);
    }

    /// Whether new viewers must prove the owner's factors first.
    pub fn tab_lock(&self) -> &super::tab_lock::TabLock {
        &self.0.lock
    }

    /// Which viewer's size applies; apply its answers with [`Self::resize`].
    pub fn sizing(&self) -> &Sizing {
        &self.0.sizing
    }

    /// Locks or unlocks the size (unlocking applies the holder's wish).
    pub fn set_size_locked(&self, locked: bool) {
        if let Some((cols, rows)) = self.0.sizing.set_locked(locked) {
            self.resize(cols, rows);
        }
    }

    /// Resizes the PTY now, whoever asks (the size rule is [`Sizing`]'s).
    pub fn resize(&self, cols: u16, rows: u16) {
        let changed = self
            .0
            .size
            .send_if_modified(|size| std::mem::replace(size, (cols, rows)) != (cols, rows));
        if changed {
            // At this exact point of the output, for the screen model.
            self.0.output.resized(cols, rows);
        }
        if let (true, Some((master, _))) = (changed, &self.0.pty)
            && let Some(master) = master.upgrade()
            && let Err(err) = master.resize(cols, rows)
        {
            tracing::debug!("pty resize: {err}");
        }
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

    /// Ends the shell's session: SIGHUP, then SIGKILL after a grace (what is
    /// left of the session is killed before the shell is reaped); returns
    /// once the shell has been reaped and the PTY closed. A shell that had
    /// already exited is not signalled at all: its ids may belong to others.
    pub async fn kill(&self) {
        if let Some((_, shell)) = &self.0.pty {
            shell.terminate(Signal::SIGHUP, CLOSE_GRACE).await;
            let _ = self.exit().wait_for(Option::is_some).await;
        }
        self.0.input.close();
        self.0.output.close_model();
        self.stop_recording(None);
        for task in lock(&self.0.tasks).drain(..) {
            task.abort();
        }
    }
}
