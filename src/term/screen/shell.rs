//! Shell integration marks, read where the screen model already parses the
//! output: OSC 133 (`A` prompt, `B` input, `C` output, `D[;exit]` finished)
//! and OSC 7 (the shell's folder, `file://host/path`).
//!
//! avt parses OSC 133 itself and its [`ShellTracker`] rebuilds the command
//! from the *screen* between `B` and `C`, so line editing (arrows, backspace,
//! history recall, soft wraps) yields what the user actually ran, not the
//! keystrokes' echo. This module only adds what avt lacks: the raw `D` (the
//! tracker reports it only for a command it saw start, and the history must
//! finish a command whose start a rebuilt model never saw), and OSC 7, which
//! avt ignores. Marks come out in stream order.

use avt::Operation;
use avt::observer::{Observation, Observer, ShellEvent, ShellTracker};
use avt::parser::{Function, Osc, ShellIntegration};

/// Longest command text kept, in characters (a wrapped line can be long).
pub const MAX_COMMAND: usize = 4096;
/// Longest folder kept, in bytes.
const MAX_CWD: usize = 4096;

/// One shell integration event, in the order the shell wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mark {
    /// `C`: a command was submitted; its text as the screen shows it (`None`
    /// when it could not be followed, e.g. a hard multi-line command).
    Submitted(Option<String>),
    /// `D`: the command ended (or the prompt was cancelled), with its
    /// status when the shell told it.
    Finished(Option<u8>),
    /// OSC 7: the shell's folder, percent-decoded.
    Cwd(String),
}

/// The screen's shell tracker and the marks not yet taken.
#[derive(Default)]
pub struct Shell {
    tracker: ShellTracker,
    marks: Vec<Mark>,
    /// Between `B` and the next mark: only then does the tracker look at
    /// printed characters (to tell a soft-wrapped command line from a
    /// multi-line one), so only then are they handed to it.
    input: bool,
}

impl Shell {
    /// Notes an OSC 7 if `piece` (one whole sequence or a run of text, as the
    /// pre-scanner hands them on) is one.
    pub fn scan_osc7(&mut self, piece: &str) {
        if let Some(path) = osc7(piece) {
            self.marks.push(Mark::Cwd(path));
        }
    }

    /// The marks seen since the last call, in stream order.
    pub fn take(&mut self) -> Vec<Mark> {
        std::mem::take(&mut self.marks)
    }

    fn drain_tracker(&mut self, context: &mut Observation<'_>) {
        for event in self.tracker.end(context) {
            if let ShellEvent::CommandSubmitted(command) = event {
                let text = command
                    .text
                    .map(|text| text.chars().take(MAX_COMMAND).collect());
                self.marks.push(Mark::Submitted(text));
            }
        }
    }
}

/// avt 0.19's tracker implements only `before` and `end`; the other hooks
/// stay the default no-ops, inlined away on the per-character path.
impl Observer for Shell {
    type Output = ();

    fn before(&mut self, context: &mut Observation<'_>, operation: &Operation) {
        // Called for every character: what the tracker ignores returns here
        // (it looks only at marks, a reset, and prints during a command line).
        let Operation::Function(function) = operation else {
            return;
        };
        match function {
            Function::Print(_) | Function::Rep(_) if self.input => {
                self.tracker.before(context, operation)
            }
            Function::Ris => {
                self.input = false;
                self.tracker.before(context, operation);
            }
            Function::Osc(Osc::ShellIntegration(mark)) => {
                self.tracker.before(context, operation);
                // Only marks make tracker events: draining here keeps the
                // cost off ordinary output and the order exact.
                self.drain_tracker(context);
                self.input = matches!(mark, ShellIntegration::CommandStart);
                if let ShellIntegration::CommandFinished { exit_status } = mark {
                    self.marks.push(Mark::Finished(*exit_status));
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, context: &mut Observation<'_>) {
        self.drain_tracker(context);
    }
}

/// The folder of an OSC 7 sequence (`ESC ] 7 ; file://host/path` ended by
/// BEL or ST): the path, percent-decoded. The host is not checked: over
/// ssh it is another machine's folder, which is still what the user saw.
pub fn osc7(piece: &str) -> Option<String> {
    let body = piece.strip_prefix("\x1b]7;")?;
    let body = body
        .strip_suffix('\x07')
        .or_else(|| body.strip_suffix("\x1b\\"))?;
    let rest = body.strip_prefix("file://")?;
    let path = &rest[rest.find('/')?..];
    let decoded = percent_decode(path.as_bytes());
    if decoded.len() > MAX_CWD || decoded.contains(&0) {
        return None;
    }
    Some(String::from_utf8_lossy(&decoded).into_owned())
}

fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|&b| (b as char).to_digit(16));
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}
