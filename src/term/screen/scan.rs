//! Byte-level pre-scanner in front of the emulator.
//!
//! It does three jobs the emulator (`avt`) cannot do for us:
//! - decode UTF-8 across chunk cuts (avt takes `&str`), replacing invalid
//!   bytes with U+FFFD;
//! - hold back an escape sequence cut by the end of a chunk, so the emulator
//!   only ever sees whole sequences and a snapshot can end with the held
//!   prefix (the live stream then completes it on the viewer's side);
//! - follow the modes avt does not model: mouse reporting and its encoding,
//!   focus events, bracketed paste, application keypad, cursor shape
//!   (DECSCUSR) and the window title (OSC 0/2).

const ESC: u8 = 0x1b;
/// ENQ: asks the terminal for its answerback message (a query).
const ENQ: u8 = 0x05;
/// Longest sequence held back; a longer one (an OSC 52 paste, say) is passed
/// on in pieces and not interpreted.
const MAX_HELD: usize = 4096;
/// Longest window title kept, in characters.
const MAX_TITLE: usize = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Ground,
    Esc,
    EscInter,
    Csi,
    /// OSC, or DCS/SOS/PM/APC (`string`): ends at BEL (OSC only) or ST.
    Str {
        osc: bool,
    },
    /// ESC seen inside a string: ST if `\` follows.
    StrEsc {
        osc: bool,
    },
}

/// Modes avt does not track, as xterm.js models them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Modes {
    /// DECKPAM (`ESC =`) / DECNKM (`?66`).
    pub app_keypad: bool,
    /// `?2004`.
    pub bracketed_paste: bool,
    /// `?1004`.
    pub focus_events: bool,
    /// The mouse protocol in force: 9, 1000, 1002 or 1003.
    pub mouse: Option<u16>,
    /// The mouse encoding in force: 1005, 1006, 1015 or 1016.
    pub mouse_encoding: Option<u16>,
    /// DECSCUSR parameter; 0 is the terminal's default.
    pub cursor_shape: u16,
    /// Last OSC 0/2 title, control characters removed.
    pub title: String,
}

impl Modes {
    fn set_dec(&mut self, mode: u16, on: bool) {
        match mode {
            9 | 1000 | 1002 | 1003 => self.mouse = on.then_some(mode),
            1005 | 1006 | 1015 | 1016 => {
                if on {
                    self.mouse_encoding = Some(mode);
                } else if self.mouse_encoding == Some(mode) {
                    self.mouse_encoding = None;
                }
            }
            66 => self.app_keypad = on,
            1004 => self.focus_events = on,
            2004 => self.bracketed_paste = on,
            _ => {}
        }
    }

    /// Sequences that set these modes on a freshly reset terminal. None of
    /// them moves the cursor, so they may follow the screen contents.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        if self.app_keypad {
            out.extend_from_slice(b"\x1b=");
        }
        let mut dec = |mode: u16| out.extend_from_slice(format!("\x1b[?{mode}h").as_bytes());
        if let Some(mode) = self.mouse {
            dec(mode);
        }
        if let Some(mode) = self.mouse_encoding {
            dec(mode);
        }
        if self.focus_events {
            dec(1004);
        }
        if self.bracketed_paste {
            dec(2004);
        }
        if self.cursor_shape != 0 {
            out.extend_from_slice(format!("\x1b[{} q", self.cursor_shape).as_bytes());
        }
    }
}

#[derive(Clone, Debug)]
pub struct Scanner {
    state: State,
    /// The sequence being read, from its ESC on.
    held: Vec<u8>,
    /// `held` overflowed and was passed on: do not interpret the rest.
    truncated: bool,
    /// The start of a UTF-8 character cut by the end of a chunk.
    utf8: Vec<u8>,
    pub modes: Modes,
}

impl Default for Scanner {
    fn default() -> Self {
        Self {
            state: State::Ground,
            held: Vec::new(),
            truncated: false,
            utf8: Vec::new(),
            modes: Modes::default(),
        }
    }
}

impl Scanner {
    /// Bytes read but not yet given to the emulator: a cut UTF-8 character
    /// and a cut escape sequence, in stream order, without any ENQ in the
    /// sequence. A C0 control inside an escape or CSI acts where it stands,
    /// so the live viewers answered that ENQ when it came, and inside a
    /// string body it is ignored (by avt and xterm.js alike): leaving it
    /// out changes nothing, and a snapshot never asks again.
    pub fn pending(&self) -> Vec<u8> {
        let mut tail = self.utf8.clone();
        if !self.truncated {
            tail.extend(self.held.iter().filter(|&&b| b != ENQ));
        }
        tail
    }

    /// Reads `bytes`, giving the emulator text and whole sequences via `out`.
    pub fn feed(&mut self, mut bytes: &[u8], out: &mut dyn FnMut(&str)) {
        while !bytes.is_empty() {
            if self.state == State::Ground {
                // Fast path: plain text up to the next ESC.
                let end = bytes.iter().position(|&b| b == ESC).unwrap_or(bytes.len());
                decode(&bytes[..end], &mut self.utf8, out);
                bytes = &bytes[end..];
                if let Some((_, rest)) = bytes.split_first() {
                    self.start();
                    bytes = rest;
                }
                continue;
            }
            let (&b, rest) = bytes.split_first().expect("not empty");
            bytes = rest;
            self.step(b, out);
        }
    }

    /// An ESC begins a sequence.
    fn start(&mut self) {
        self.held.clear();
        self.held.push(ESC);
        self.truncated = false;
        self.state = State::Esc;
    }

    fn step(&mut self, b: u8, out: &mut dyn FnMut(&str)) {
        match self.state {
            State::StrEsc { .. } => {
                if b == b'\\' {
                    self.push(b, out);
                    return self.finish(out);
                }
                // ESC aborted the string and starts a new sequence.
                self.held.pop();
                self.flush(out);
                self.start();
                return self.step(b, out);
            }
            State::Str { osc } => {
                match b {
                    ESC => self.state = State::StrEsc { osc },
                    0x07 if osc => {
                        self.push(b, out);
                        return self.finish(out);
                    }
                    0x18 | 0x1a => {
                        self.push(b, out);
                        self.flush(out);
                        return;
                    }
                    _ => {}
                }
                return self.push(b, out);
            }
            _ => {}
        }
        match b {
            ESC => {
                self.flush(out);
                self.start();
                return;
            }
            0x18 | 0x1a | 0x80.. => {
                // CAN/SUB abort; a non-ASCII byte ends it too.
                self.push(b, out);
                return self.flush(out);
            }
            // C0 controls act inside a sequence without ending it.
            0x00..=0x1f => return self.push(b, out),
            _ => {}
        }
        self.push(b, out);
        match (self.state, b) {
            (State::Esc, b'[') => self.state = State::Csi,
            (State::Esc, b']') => self.state = State::Str { osc: true },
            (State::Esc, b'P' | b'X' | b'^' | b'_') => self.state = State::Str { osc: false },
            (State::Esc | State::EscInter, 0x20..=0x2f) => self.state = State::EscInter,
            (State::Esc | State::EscInter, 0x30..=0x7e) => self.finish(out),
            (State::Csi, 0x20..=0x3f) => {}
            (State::Csi, 0x40..=0x7e) => self.finish(out),
            // DEL is ignored.
            _ => {}
        }
    }

    fn push(&mut self, b: u8, out: &mut dyn FnMut(&str)) {
        if self.held.len() >= MAX_HELD {
            // Too long to hold: pass it on, stop interpreting it.
            let state = self.state;
            self.flush(out);
            self.state = state;
            self.truncated = true;
        }
        self.held.push(b);
    }

    /// A whole sequence: note what it does, then pass it on.
    fn finish(&mut self, out: &mut dyn FnMut(&str)) {
        if !self.truncated {
            interpret(&self.held, &mut self.modes);
        }
        self.flush(out);
    }

    fn flush(&mut self, out: &mut dyn FnMut(&str)) {
        decode(&self.held, &mut self.utf8, out);
        self.held.clear();
        self.state = State::Ground;
        self.truncated = false;
    }
}

/// Decodes `bytes` after the cut character in `pending`, keeping a new cut
/// character there.
fn decode(bytes: &[u8], pending: &mut Vec<u8>, out: &mut dyn FnMut(&str)) {
    if bytes.is_empty() {
        return;
    }
    let joined;
    let mut rest = if pending.is_empty() {
        bytes
    } else {
        joined = [std::mem::take(pending).as_slice(), bytes].concat();
        joined.as_slice()
    };
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => return out(text),
            Err(err) => {
                let (valid, after) = rest.split_at(err.valid_up_to());
                if let Ok(text) = std::str::from_utf8(valid)
                    && !text.is_empty()
                {
                    out(text);
                }
                match err.error_len() {
                    Some(len) => {
                        out("\u{fffd}");
                        rest = &after[len..];
                    }
                    None => return pending.extend_from_slice(after),
                }
            }
        }
    }
}

/// Updates `modes` for one whole sequence (ESC first).
fn interpret(seq: &[u8], modes: &mut Modes) {
    match seq {
        [ESC, b'c'] => *modes = Modes::default(), // RIS
        [ESC, b'='] => modes.app_keypad = true,
        [ESC, b'>'] => modes.app_keypad = false,
        [ESC, b'[', body @ .., last] => csi(body, *last, modes),
        [ESC, b']', body @ ..] => {
            let body = body
                .strip_suffix(b"\x07")
                .or_else(|| body.strip_suffix(b"\x1b\\"))
                .unwrap_or(body);
            let (ps, text) = match body.iter().position(|&b| b == b';') {
                Some(at) => (&body[..at], &body[at + 1..]),
                None => return,
            };
            if ps == b"0" || ps == b"2" {
                modes.title = String::from_utf8_lossy(text)
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(MAX_TITLE)
                    .collect();
            }
        }
        _ => {}
    }
}

fn csi(body: &[u8], last: u8, modes: &mut Modes) {
    match (body, last) {
        ([b'?', params @ ..], b'h' | b'l') => {
            for param in params.split(|&b| b == b';') {
                if let Some(mode) = number(param) {
                    modes.set_dec(mode, last == b'h');
                }
            }
        }
        ([param @ .., b' '], b'q') => {
            modes.cursor_shape = if param.is_empty() {
                Some(0)
            } else {
                number(param)
            }
            .filter(|&n| n <= 6)
            .unwrap_or(modes.cursor_shape);
        }
        // DECSTR resets the keypad (avt resets what it models).
        (b"!", b'p') => modes.app_keypad = false,
        _ => {}
    }
}

fn number(digits: &[u8]) -> Option<u16> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}
