//! Trailing blanks of the emulator's dump written as "erase to end of line".
//!
//! avt's dump writes a row's blank tail as spaces (often one space and a
//! REP). Written into xterm.js those become real space characters: copying
//! a line after a reattach would carry them, and a prompt would no longer
//! end the line. A blank tail is erased instead (`ESC[K`), which leaves the
//! same cells, but only where that is exact: when no background colour,
//! inverse, underline, strike-through or overline is in force, since
//! erasing paints with the background only.

/// The dump (of a screen `cols` wide) with each safe blank tail before a
/// line end replaced by `ESC[K`.
///
/// A blank run never crosses a soft wrap: `ESC[K` does not move the cursor
/// on, so the row the text wrapped into would be lost (and at the pending
/// wrap position xterm would even erase the row's last character). So the
/// columns are counted, and where they are not known (a sequence that moves
/// the cursor) no run starts until the next row.
pub fn erase_blank_tails(dump: &str, cols: usize) -> Vec<u8> {
    let b = dump.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut pen = Pen::default();
    // Where, in `out`, the current run of blanks began (while it is safe).
    let mut run: Option<usize> = None;
    let mut at = Column::new(cols);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' => {
                let wrapped = at.place(1);
                if wrapped {
                    run = None;
                } else if run.is_none() && at.known() && pen.blank_safe() {
                    run = Some(out.len());
                }
                out.push(b' ');
                i += 1;
            }
            b'\r' if b.get(i + 1) == Some(&b'\n') => {
                if let Some(start) = run.take() {
                    out.truncate(start);
                    out.extend_from_slice(b"\x1b[K");
                }
                out.extend_from_slice(b"\r\n");
                at.row_end();
                i += 2;
            }
            0x1b => {
                let end = sequence_end(b, i);
                let seq = &b[i..end];
                let csi_final = (seq.len() >= 3 && seq[1] == b'[').then(|| seq[seq.len() - 1]);
                match csi_final {
                    Some(b'b') => {
                        // A REP of the space that started the run continues
                        // it, unless it wraps.
                        if at.repeat(&seq[2..seq.len() - 1]) {
                            run = None;
                        }
                    }
                    Some(b'm') => {
                        pen.apply(&seq[2..seq.len() - 1]);
                        if !pen.blank_safe() {
                            run = None;
                        }
                    }
                    _ => {
                        run = None;
                        at.lose();
                    }
                }
                out.extend_from_slice(seq);
                i = end;
            }
            other => {
                run = None;
                if !(0x80..0xc0).contains(&other) {
                    // A character starts here (not a UTF-8 continuation byte).
                    let width = dump[i..].chars().next().map_or(1, |c| {
                        unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
                    });
                    at.place(width);
                }
                out.push(other);
                i += 1;
            }
        }
    }
    out
}

/// The column the next character of the dump lands in, while known.
struct Column {
    cols: usize,
    /// Columns filled in the current row (`cols`: a wrap is pending).
    filled: Option<usize>,
    /// The width of the last character, for a REP.
    last: usize,
}

impl Column {
    fn new(cols: usize) -> Self {
        Self {
            cols: cols.max(1),
            filled: Some(0),
            last: 1,
        }
    }

    fn known(&self) -> bool {
        self.filled.is_some()
    }

    /// A character `width` wide is written; true when it wrapped first.
    fn place(&mut self, width: usize) -> bool {
        if width > 0 {
            self.last = width;
        }
        let Some(filled) = self.filled else {
            return false;
        };
        if width > 0 && filled + width > self.cols {
            self.filled = Some(width);
            return true;
        }
        self.filled = Some(filled + width);
        false
    }

    /// A REP with these parameters; true when it wrapped (or may have).
    fn repeat(&mut self, params: &[u8]) -> bool {
        let count: usize = std::str::from_utf8(params)
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(1)
            .max(1);
        match self.filled {
            Some(filled) if filled + count * self.last <= self.cols => {
                self.filled = Some(filled + count * self.last);
                false
            }
            _ => {
                self.filled = None;
                true
            }
        }
    }

    fn row_end(&mut self) {
        self.filled = Some(0);
    }

    fn lose(&mut self) {
        self.filled = None;
    }
}

/// One past the end of the escape sequence at `at`.
fn sequence_end(b: &[u8], at: usize) -> usize {
    match b.get(at + 1) {
        Some(b'[') => (at + 2..b.len())
            .find(|&j| (0x40..=0x7e).contains(&b[j]))
            .map_or(b.len(), |j| j + 1),
        Some(b']') => (at + 2..b.len())
            .find_map(|j| match b[j] {
                0x07 => Some(j + 1),
                0x1b if b.get(j + 1) == Some(&b'\\') => Some(j + 2),
                _ => None,
            })
            .unwrap_or(b.len()),
        Some(b'(' | b')' | b'*' | b'+') => (at + 3).min(b.len()),
        Some(_) => at + 2,
        None => b.len(),
    }
}

/// What of the pen an erase could not reproduce on a blank cell.
#[derive(Default)]
struct Pen {
    background: bool,
    inverse: bool,
    underline: bool,
    strike: bool,
    overline: bool,
}

impl Pen {
    fn blank_safe(&self) -> bool {
        !(self.background || self.inverse || self.underline || self.strike || self.overline)
    }

    /// Applies an SGR's parameters (`1;4:3;48;5;2`).
    fn apply(&mut self, params: &[u8]) {
        let mut params = params.split(|&c| c == b';');
        if params.clone().all(|p| p.is_empty() || p == b"0") {
            *self = Pen::default();
            return;
        }
        while let Some(param) = params.next() {
            let mut parts = param.split(|&c| c == b':');
            let code: u32 = std::str::from_utf8(parts.next().unwrap_or_default())
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            match code {
                0 => *self = Pen::default(),
                4 => self.underline = parts.next() != Some(b"0"),
                21 => self.underline = true,
                24 => self.underline = false,
                7 => self.inverse = true,
                27 => self.inverse = false,
                9 => self.strike = true,
                29 => self.strike = false,
                53 => self.overline = true,
                55 => self.overline = false,
                40..=47 | 100..=107 => self.background = true,
                49 => self.background = false,
                48 | 38 | 58 => {
                    if code == 48 {
                        self.background = true;
                    }
                    // Colour arguments in the `;` form follow as parameters.
                    if parts.next().is_none() {
                        match params.next() {
                            Some(b"5") => {
                                params.next();
                            }
                            Some(b"2") => {
                                params.nth(2);
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::erase_blank_tails;

    fn erased(dump: &str) -> String {
        String::from_utf8(erase_blank_tails(dump, 80)).unwrap()
    }

    #[test]
    fn a_default_blank_tail_is_erased() {
        assert_eq!(erased("root@vm:~# \x1b[9b\r\nx"), "root@vm:~#\x1b[K\r\nx");
        assert_eq!(erased("ab   \r\n"), "ab\x1b[K\r\n");
        // A foreground colour does not show on blanks.
        assert_eq!(erased("\x1b[31mab  \r\n"), "\x1b[31mab\x1b[K\r\n");
    }

    #[test]
    fn tails_that_erasing_would_change_are_kept() {
        for dump in [
            "\x1b[7mstatus  \x1b[9b\r\n",
            "\x1b[41mab  \r\n",
            "\x1b[48;5;3mab  \r\n",
            "\x1b[4mab  \r\n",
            "ab==\x1b[9b\r\n",
            "ab  \x1b[2Cx\r\n",
        ] {
            assert_eq!(erased(dump), dump, "{dump:?}");
        }
    }

    #[test]
    fn a_reset_makes_it_safe_again_and_inner_spaces_stay() {
        assert_eq!(
            erased("\x1b[7mA\x1b[0m b  \r\n"),
            "\x1b[7mA\x1b[0m b\x1b[K\r\n"
        );
        assert_eq!(erased("a b\r\n"), "a b\r\n");
        assert_eq!(
            erased("\x1b[38;2;1;2;3mab \r\n"),
            "\x1b[38;2;1;2;3mab\x1b[K\r\n"
        );
    }
}
