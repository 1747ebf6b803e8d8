//! One handle that says "we are stopping".
//!
//! Every long-lived task (accept loop, connections, WebSockets, terminals,
//! sweepers) holds a clone and selects on [`Shutdown::wait`]. Signals, tests
//! and later the idle auto-shutdown all stop the process the same way: by
//! calling [`Shutdown::trigger`].

use tokio::sync::watch;

#[derive(Clone, Debug)]
pub struct Shutdown {
    tx: watch::Sender<bool>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    pub fn new() -> Self {
        Self {
            tx: watch::channel(false).0,
        }
    }

    /// Ask everything to stop. Idempotent.
    pub fn trigger(&self) {
        self.tx.send_replace(true);
    }

    pub fn is_triggered(&self) -> bool {
        *self.tx.borrow()
    }

    /// Resolves once [`trigger`](Self::trigger) has been called (at once if it already was).
    pub async fn wait(&self) {
        let mut rx = self.tx.subscribe();
        // An error means the sender is gone, which cannot happen while `self` lives.
        let _ = rx.wait_for(|stopped| *stopped).await;
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
