//! The local terminal in raw mode while `attach` runs, and back as it was
//! on every way out: the guard's `Drop` (returns, errors, and panics, which
//! unwind in this crate), a panic hook (a panic on another thread), and the
//! signals `attach` turns into a clean return (SIGTERM, SIGHUP, SIGINT).
//! Only SIGKILL leaves the terminal raw; `reset` or `stty sane` fixes that.

use nix::sys::termios::{self, SetArg, Termios};
use std::sync::{Mutex, Once};

/// The settings to restore, for the panic hook.
static SAVED: Mutex<Option<Termios>> = Mutex::new(None);

pub struct RawMode(());

impl RawMode {
    /// Puts standard input's terminal in raw mode (no echo, no line
    /// editing, no signal keys: Ctrl-C goes to the remote shell).
    pub fn enter() -> std::io::Result<Self> {
        let stdin = std::io::stdin();
        let saved = termios::tcgetattr(&stdin)?;
        install_hook();
        *crate::lock::lock(&SAVED) = Some(saved.clone());
        let mut raw = saved;
        termios::cfmakeraw(&mut raw);
        termios::tcsetattr(&stdin, SetArg::TCSAFLUSH, &raw)?;
        Ok(Self(()))
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        restore();
    }
}

fn restore() {
    // `try_lock`: a panic while the lock is held must not deadlock the hook.
    if let Ok(mut saved) = SAVED.try_lock()
        && let Some(saved) = saved.take()
    {
        let _ = termios::tcsetattr(std::io::stdin(), SetArg::TCSANOW, &saved);
    }
}

fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // The message must land on a terminal that is sane again.
            restore();
            previous(info);
        }));
    });
}
