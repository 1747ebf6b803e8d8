//! One tab's command history, built from the shell integration marks the
//! screen model reads (see `term::screen::Mark`): what ran, when, for how
//! long, how it ended and in which folder. Bounded to [`MAX_COMMANDS`].
//!
//! The history keeps its own idea of the running command rather than the
//! tracker's ids: a screen model that starts over from the ring gets a fresh
//! tracker, and the end of a command it never saw start must still finish
//! the entry the old model made.

use super::screen::Mark;
use serde::Serialize;
use std::collections::VecDeque;

/// Commands kept per tab; the oldest go first.
pub const MAX_COMMANDS: usize = 1000;

/// One command, as `GET /api/terminals/{id}/commands` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Command {
    /// Counts up from 1 per tab.
    pub id: u64,
    /// The command line as the screen showed it when it was submitted;
    /// `None` when it could not be followed (a hard multi-line command).
    pub command: Option<String>,
    /// When it was submitted (OSC 133 C), unix ms.
    pub started_at: u64,
    /// `None` while it runs.
    pub duration_ms: Option<u64>,
    /// Its exit status (OSC 133 D); `None` while it runs or when the shell
    /// did not tell.
    pub exit_code: Option<u8>,
    /// The shell's folder when it started (the last OSC 7): kept as the
    /// shell reported it, told relative to the file root (`term::api`);
    /// `None` if it never did.
    pub cwd: Option<String>,
    pub running: bool,
}

#[derive(Default)]
pub struct History {
    commands: VecDeque<Command>,
    cwd: Option<String>,
    next_id: u64,
}

impl History {
    /// Applies one mark, seen at `now` (unix ms).
    pub fn apply(&mut self, mark: Mark, now: u64) {
        match mark {
            Mark::Cwd(path) => self.cwd = Some(path),
            Mark::Submitted(command) => {
                // A command still running here lost its end (the model fell
                // behind a flood): it is left with no status.
                if let Some(last) = self.commands.back_mut().filter(|c| c.running) {
                    last.running = false;
                }
                if self.commands.len() == MAX_COMMANDS {
                    self.commands.pop_front();
                }
                self.next_id += 1;
                self.commands.push_back(Command {
                    id: self.next_id,
                    command,
                    started_at: now,
                    duration_ms: None,
                    exit_code: None,
                    cwd: self.cwd.clone(),
                    running: true,
                });
            }
            // A finish without a running command is a cancelled prompt
            // (Ctrl-C at the prompt): nothing ran.
            Mark::Finished(exit) => {
                if let Some(last) = self.commands.back_mut().filter(|c| c.running) {
                    last.running = false;
                    last.exit_code = exit;
                    last.duration_ms = Some(now.saturating_sub(last.started_at));
                }
            }
        }
    }

    /// Every command kept, newest first.
    pub fn newest_first(&self) -> Vec<Command> {
        self.commands.iter().rev().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_get_their_folder_status_and_duration() {
        let mut history = History::default();
        history.apply(Mark::Cwd("/a".into()), 1);
        history.apply(Mark::Submitted(Some("true".into())), 10);
        history.apply(Mark::Finished(Some(0)), 15);
        history.apply(Mark::Finished(Some(130)), 16); // a cancelled prompt
        history.apply(Mark::Cwd("/b".into()), 17);
        history.apply(Mark::Submitted(Some("sleep 9".into())), 20);
        let got = history.newest_first();
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].id, got[0].running, got[0].cwd.as_deref()),
            (2, true, Some("/b"))
        );
        assert_eq!((got[0].duration_ms, got[0].exit_code), (None, None));
        assert_eq!(
            (got[1].id, got[1].exit_code, got[1].duration_ms),
            (1, Some(0), Some(5))
        );
        assert_eq!(got[1].cwd.as_deref(), Some("/a"));
        assert!(!got[1].running);
    }

    #[test]
    fn a_command_whose_end_was_lost_stops_running() {
        let mut history = History::default();
        history.apply(Mark::Submitted(Some("a".into())), 1);
        history.apply(Mark::Submitted(Some("b".into())), 2);
        let got = history.newest_first();
        assert!(got[0].running);
        assert!(!got[1].running);
        assert_eq!(got[1].exit_code, None);
    }

    #[test]
    fn only_the_newest_are_kept() {
        let mut history = History::default();
        for n in 0..MAX_COMMANDS + 5 {
            history.apply(Mark::Submitted(Some(n.to_string())), n as u64);
        }
        let got = history.newest_first();
        assert_eq!(got.len(), MAX_COMMANDS);
        assert_eq!(got[0].command.as_deref(), Some("1004"));
        assert_eq!(got.last().unwrap().command.as_deref(), Some("5"));
    }
}
