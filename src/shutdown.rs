//! One handle that says "we are stopping", and why.
//!
//! Every long-lived task (accept loop, connections, WebSockets, terminals,
//! sweepers) holds a clone and selects on [`Shutdown::wait`]. Signals, tests
//! and the idle auto-shutdown all stop the process the same way: by calling
//! [`Shutdown::trigger`] with a [`Reason`], which sockets pass on to the
//! page so it can say why it lost its terminal.

use tokio::sync::watch;

/// Why termgate stops; the `as_str` form is the WebSocket close reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A signal (Ctrl-C, SIGTERM, the terminal closed) or a test.
    Stopped,
    /// Publicly exposed with no owner activity for `--idle-shutdown`.
    Idle,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Stopped => "shutdown",
            Reason::Idle => "idle_shutdown",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Shutdown {
    tx: watch::Sender<Option<Reason>>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    pub fn new() -> Self {
        Self {
            tx: watch::channel(None).0,
        }
    }

    /// Ask everything to stop (a signal, a test). Idempotent.
    pub fn trigger(&self) {
        self.trigger_because(Reason::Stopped);
    }

    /// Ask everything to stop, saying why. The first reason stays.
    pub fn trigger_because(&self, reason: Reason) {
        self.tx.send_if_modified(|current| {
            if current.is_some() {
                return false;
            }
            *current = Some(reason);
            true
        });
    }

    pub fn is_triggered(&self) -> bool {
        self.tx.borrow().is_some()
    }

    /// Why we stop, once we do.
    pub fn reason(&self) -> Option<Reason> {
        *self.tx.borrow()
    }

    /// Resolves once [`trigger`](Self::trigger) has been called (at once if
    /// it already was), with the reason.
    pub async fn wait(&self) -> Reason {
        let mut rx = self.tx.subscribe();
        // An error means the sender is gone, which cannot happen while `self` lives.
        match rx.wait_for(Option::is_some).await {
            Ok(reason) => reason.unwrap_or(Reason::Stopped),
            Err(_) => Reason::Stopped,
        }
    }
}

/// Resolves on the first SIGINT, SIGTERM or SIGHUP. SIGHUP (the terminal
/// termgate runs in was closed) would otherwise kill the process outright and
/// leave its shells, which live in sessions of their own, running.
pub async fn signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("install SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("install SIGINT handler");
    let mut hup = signal(SignalKind::hangup()).expect("install SIGHUP handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
        _ = hup.recv() => {}
    }
}
