//! A sizing viewer's seat in its tab's size rule ([`crate::term::sizing`]):
//! its wishes and uses go through it, and closing the socket gives it up.

use crate::term::sizing::SeatId;
use crate::term::terminal::TerminalHandle;

pub(super) struct Seat {
    terminal: TerminalHandle,
    id: SeatId,
}

impl Seat {
    pub(super) fn new(terminal: &TerminalHandle) -> Self {
        Self {
            terminal: terminal.clone(),
            id: terminal.sizing().seat(),
        }
    }

    /// The size this viewer displays at; applied while it holds the size.
    pub(super) fn wish(&self, cols: u16, rows: u16) {
        let apply = self.terminal.sizing().wish(self.id, (cols, rows));
        self.apply(apply);
    }

    /// This viewer is being used (typed into, focused, opened): its size
    /// applies from now on.
    pub(super) fn take(&self) {
        let apply = self.terminal.sizing().take(self.id);
        self.apply(apply);
    }

    fn apply(&self, size: Option<(u16, u16)>) {
        if let Some((cols, rows)) = size {
            self.terminal.resize(cols, rows);
        }
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        self.terminal.sizing().leave(self.id);
    }
}
