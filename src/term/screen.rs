//! The server-side screen of one terminal tab, and its snapshot.
//!
//! Every byte the shell writes is fed, in order, to an emulator (`avt`,
//! asciinema's virtual terminal) plus a small pre-scanner for what avt does
//! not model (see [`scan`]). A viewer that joins or rejoins gets
//! [`Screen::snapshot`]: bytes *generated from that state*, never a replay of
//! the output. A replay would re-send the queries programs wrote
//! (`ESC[c`, `ESC[6n`, `OSC 11;?`, DECRQM…); the joining xterm.js would
//! answer them and its answers would be typed into the shell. A snapshot
//! holds only drawing and mode-setting sequences; [`contains_query`] checks
//! that in the tests.
//!
//! Written into a freshly reset xterm.js (`ESC c`) of the same size, a
//! snapshot reproduces, in this order:
//! 1. the window title (OSC 2);
//! 2. the retained scrollback of the main screen (at most `scrollback_lines`
//!    lines), printed and pushed up by line feeds, so that it lands in
//!    xterm's own scrollback;
//! 3. avt's dump of the visible state: the main screen with colours and
//!    attributes and, if the alternate screen is active, the alternate screen
//!    on top of it (so leaving vim shows the shell's screen again), tab
//!    stops, saved cursors, origin mode, the scroll region (DECSTBM), the
//!    cursor position including the pending-wrap state, cursor visibility,
//!    auto-wrap, insert and new-line modes, charsets, application cursor
//!    keys;
//! 4. the modes the pre-scanner follows: application keypad, mouse protocol
//!    and encoding, focus events, bracketed paste, cursor shape (DECSCUSR);
//! 5. the start of an escape sequence or UTF-8 character cut by the end of
//!    the output so far, so that the live stream that follows the snapshot
//!    completes it as it would have.

#[cfg(test)]
mod found_tests;
#[cfg(test)]
mod prop_tests;
mod query;
mod scan;
mod shell;
#[cfg(test)]
mod shell_tests;
mod tails;
#[cfg(test)]
mod tests;

pub use query::contains_query;
pub use scan::Modes;
pub use shell::{MAX_COMMAND, Mark};

use avt::{Color, Line, Pen, ScreenKind, Terminal};
use std::io::Write as _;

/// One tab's screen model.
pub struct Screen {
    vt: Terminal,
    scan: scan::Scanner,
    /// Shell integration marks (command history), see [`shell`].
    shell: shell::Shell,
    scrollback_lines: usize,
}

impl Screen {
    /// A blank screen of `cols` x `rows` (each at least 1) keeping at most
    /// `scrollback_lines` lines of main-screen history.
    pub fn new(cols: u16, rows: u16, scrollback_lines: usize) -> Self {
        let (cols, rows) = (usize::from(cols.max(1)), usize::from(rows.max(1)));
        let vt = Terminal::with_scrollback(cols, rows, Some(scrollback_lines))
            .expect("the size is at least 1x1");
        Self {
            vt,
            scan: scan::Scanner::default(),
            shell: shell::Shell::default(),
            scrollback_lines,
        }
    }

    /// Follows the shell's output, in order; chunks may be cut anywhere,
    /// inside a UTF-8 character or an escape sequence included.
    pub fn feed(&mut self, bytes: &[u8]) {
        let (vt, shell) = (&mut self.vt, &mut self.shell);
        // The pre-scanner hands on each whole sequence as one piece, so the
        // marks are read here in stream order, in the pass that exists anyway.
        self.scan.feed(bytes, &mut |text| {
            shell.scan_osc7(text);
            vt.feed_with(text, &mut *shell);
        });
    }

    /// The shell integration marks fed since the last call, in order.
    pub fn take_marks(&mut self) -> Vec<Mark> {
        self.shell.take()
    }

    /// The tab's new size (each at least 1). The main screen reflows.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        let (cols, rows) = (usize::from(cols.max(1)), usize::from(rows.max(1)));
        self.vt.resize_with(cols, rows, &mut self.shell);
    }

    /// `(cols, rows)`.
    pub fn size(&self) -> (u16, u16) {
        let (cols, rows) = self.vt.size();
        (clamp(cols), clamp(rows))
    }

    /// The window title last set with OSC 0 or 2 ("" if none).
    pub fn title(&self) -> &str {
        &self.scan.modes.title
    }

    /// Whether the alternate screen (a full-screen program) is active.
    pub fn alternate_screen(&self) -> bool {
        self.vt.active_screen_kind() == ScreenKind::Alternate
    }

    /// The visible rows as text (trailing blanks kept).
    pub fn visible_text(&self) -> Vec<String> {
        self.vt.screen().visible_lines().map(Line::text).collect()
    }

    /// The visible rows cell by cell: character and style, comparable
    /// between two screens (for tests of what viewers end up showing).
    pub fn visible_cells(&self) -> Vec<Vec<(char, String)>> {
        self.vt
            .screen()
            .visible_lines()
            .map(|line| {
                line.cells()
                    .iter()
                    .map(|c| (c.char(), format!("{:?}", c.pen())))
                    .collect()
            })
            .collect()
    }

    /// The cursor: row, column, visible.
    pub fn cursor(&self) -> (usize, usize, bool) {
        let cursor = self.vt.cursor();
        (cursor.row, cursor.col, cursor.visible)
    }

    /// The modes avt does not model (input modes, cursor shape, title).
    pub fn modes(&self) -> &Modes {
        &self.scan.modes
    }

    /// Bytes that rebuild this screen in a freshly reset terminal of the same
    /// size; see the module documentation. Never holds a query.
    pub fn snapshot(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let modes = &self.scan.modes;
        if !modes.title.is_empty() {
            // The title had its control characters removed: it cannot end
            // the OSC early.
            out.extend_from_slice(b"\x1b]2;");
            out.extend_from_slice(modes.title.as_bytes());
            out.extend_from_slice(b"\x1b\\");
        }
        self.write_history(&mut out);
        // avt's dump ends with the sequence its parser is inside, if any (a
        // CSI the pre-scanner gave up on, say, cut by a non-ASCII byte):
        // it must stay open for the live stream, so the modes go before it.
        let dump = self.vt.dump();
        let (screen, open) = dump.split_at(open_sequence_start(&dump));
        out.extend_from_slice(&tails::erase_blank_tails(screen, self.vt.size().0));
        modes.write_to(&mut out);
        out.extend_from_slice(open.as_bytes());
        out.extend_from_slice(&self.scan.pending());
        out
    }

    /// Prints the main screen's retained history, then pushes it into the
    /// scrollback with line feeds and homes the cursor for the dump.
    fn write_history(&self, out: &mut Vec<u8>) {
        let (_, rows) = self.vt.size();
        let lines: Vec<&Line> = self.vt.primary_screen().all_lines().collect();
        let history = &lines[..lines.len().saturating_sub(rows)];
        let history = &history[history.len().saturating_sub(self.scrollback_lines)..];
        if history.is_empty() {
            return;
        }
        let mut pen = Pen::default();
        let mut continues = false;
        for (i, line) in history.iter().enumerate() {
            let cells = line.cells();
            // A wrapped line is printed whole so that auto-wrap continues it
            // on the next row as the original did; the last history line
            // always ends with CR LF (its wrap flag is lost) so that the
            // line count below stays exact.
            let soft = line.is_wrapped() && i + 1 < history.len();
            let used = if soft {
                cells.len()
            } else {
                let trimmed = cells.len() - cells.iter().rev().take_while(|c| is_blank(c)).count();
                // A line that a wrap continues into starts only once its first
                // cell is printed: a blank one printed as nothing would leave
                // the wrap pending and merge it with the next line.
                trimmed.max(usize::from(continues))
            };
            // The wrap into this line happens as its first cell prints, after
            // that cell's pen is set: the new row's blanks take that pen.
            let wrapped_under_pen = continues && used > 0 && !cells[0].pen().is_default();
            continues = soft;
            for cell in &cells[..used] {
                if cell.width() == 0 {
                    continue; // the right half of a wide character
                }
                if *cell.pen() != pen {
                    pen = *cell.pen();
                    write_sgr(out, &pen);
                }
                let mut buf = [0; 4];
                out.extend_from_slice(cell.char().encode_utf8(&mut buf).as_bytes());
            }
            if !soft {
                if !pen.is_default() {
                    // New rows must not take a background colour.
                    pen = Pen::default();
                    out.extend_from_slice(b"\x1b[0m");
                }
                if wrapped_under_pen && used < cells.len() {
                    out.extend_from_slice(b"\x1b[K"); // blanks back to the default pen
                }
                out.extend_from_slice(b"\r\n");
            }
        }
        // The cursor is on the row after the history; rows - 1 more line
        // feeds push all of it off the top, into the scrollback.
        out.resize(out.len() + rows - 1, b'\n');
        out.extend_from_slice(b"\x1b[H");
    }
}

/// Where avt's dump of its parser's unfinished sequence starts
/// (`dump.len()` if there is none). Before it come only whole sequences and
/// printed characters, never a C1 control (avt acts on those, it never
/// prints them); avt writes an unfinished CSI, DCS, OSC or SOS/PM/APC with
/// its C1 introducer, and an unfinished escape as ESC and intermediates.
fn open_sequence_start(dump: &str) -> usize {
    if let Some(at) = dump.find(|c| ('\u{80}'..='\u{9f}').contains(&c)) {
        return at;
    }
    match dump.rfind('\x1b') {
        Some(at) if dump[at + 1..].bytes().all(|b| (0x20..=0x2f).contains(&b)) => at,
        _ => dump.len(),
    }
}

fn is_blank(cell: &avt::Cell) -> bool {
    cell.char() == ' ' && cell.width() == 1 && cell.pen().is_default()
}

/// A full SGR for `pen` (reset first, so no earlier attribute leaks).
fn write_sgr(out: &mut Vec<u8>, pen: &Pen) {
    out.extend_from_slice(b"\x1b[0");
    if pen.is_bold() {
        out.extend_from_slice(b";1");
    }
    if pen.is_faint() {
        out.extend_from_slice(b";2");
    }
    for (on, code) in [
        (pen.is_italic(), 3),
        (pen.is_underline(), 4),
        (pen.is_blink(), 5),
        (pen.is_inverse(), 7),
        (pen.is_strikethrough(), 9),
    ] {
        if on {
            let _ = write!(out, ";{code}");
        }
    }
    for (color, base) in [(pen.foreground(), 30), (pen.background(), 40)] {
        match color {
            None => {}
            Some(Color::Indexed(n)) if n < 8 => {
                let _ = write!(out, ";{}", base + u16::from(n));
            }
            Some(Color::Indexed(n)) if n < 16 => {
                let _ = write!(out, ";{}", base + 52 + u16::from(n));
            }
            Some(Color::Indexed(n)) => {
                let _ = write!(out, ";{};5;{n}", base + 8);
            }
            Some(Color::RGB(c)) => {
                let _ = write!(out, ";{};2;{};{};{}", base + 8, c.r, c.g, c.b);
            }
        }
    }
    out.push(b'm');
}

fn clamp(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}
