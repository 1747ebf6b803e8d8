//! The terminal modes in force where a replay starts.
//!
//! A replay that begins after the ring has wrapped has lost the escape
//! sequences that switched modes on: the alternate screen of a full-screen
//! program, application cursor keys, mouse reporting, bracketed paste. A
//! viewer rebuilding its screen from that replay would draw vim onto the
//! normal screen and send the wrong bytes for arrow keys. So the bytes that
//! fall out of the ring pass through a [`ModeTracker`], and the replay starts
//! by switching those modes back on.

use std::collections::BTreeMap;

/// DEC private modes worth restoring, and their power-on values.
const TRACKED: &[(u16, bool)] = &[
    (1, false),    // application cursor keys
    (7, true),     // auto-wrap
    (25, true),    // cursor visible
    (47, false),   // alternate screen (old)
    (1000, false), // mouse: clicks
    (1002, false), // mouse: drags
    (1003, false), // mouse: all motion
    (1004, false), // focus events
    (1005, false), // mouse: UTF-8 coordinates
    (1006, false), // mouse: SGR coordinates
    (1015, false), // mouse: urxvt coordinates
    (1047, false), // alternate screen
    (1049, false), // alternate screen with saved cursor
    (2004, false), // bracketed paste
];

/// Longest escape sequence kept while waiting for its end.
const MAX_PENDING: usize = 64;

#[derive(Debug, Clone, Default)]
pub struct ModeTracker {
    /// Modes that differ from their power-on value.
    changed: BTreeMap<u16, bool>,
    /// An escape sequence cut by the end of the last chunk.
    pending: Vec<u8>,
}

impl ModeTracker {
    /// Follows `bytes` of output, in order.
    pub fn observe(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        if !self.pending.is_empty() {
            let take = rest
                .len()
                .min(MAX_PENDING.saturating_sub(self.pending.len()));
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(&rest[..take]);
            let used = self.scan_one(&joined);
            match used {
                Some(used) => rest = &rest[used.saturating_sub(joined.len() - take)..],
                None if take == rest.len() && joined.len() < MAX_PENDING => {
                    self.pending = joined;
                    return;
                }
                // Too long or malformed: give up on it.
                None => rest = &rest[take..],
            }
        }
        while let Some(at) = rest.iter().position(|&b| b == 0x1b) {
            rest = &rest[at..];
            match self.scan_one(rest) {
                Some(used) => rest = &rest[used..],
                None if rest.len() < MAX_PENDING => {
                    self.pending = rest.to_vec();
                    return;
                }
                None => rest = &rest[1..],
            }
        }
    }

    /// Parses one sequence at the start of `bytes` (which starts with ESC).
    /// Returns how many bytes it used, or `None` if it is cut off.
    fn scan_one(&mut self, bytes: &[u8]) -> Option<usize> {
        match bytes.get(1..3) {
            None => {
                return if bytes.len() < 3 && bytes.get(1).is_none_or(|&b| b == b'[') {
                    None
                } else {
                    Some(1)
                };
            }
            Some([b'[', b'?']) => {}
            Some(_) => return Some(1),
        }
        let body = &bytes[3..];
        let end = body
            .iter()
            .position(|b| !(b.is_ascii_digit() || *b == b';'))?;
        let on = match body[end] {
            b'h' => true,
            b'l' => false,
            _ => return Some(3 + end),
        };
        for param in body[..end].split(|&b| b == b';') {
            let Some(mode) = std::str::from_utf8(param)
                .ok()
                .and_then(|p| p.parse::<u16>().ok())
            else {
                continue;
            };
            if let Some(&(_, default)) = TRACKED.iter().find(|(m, _)| *m == mode) {
                if on == default {
                    self.changed.remove(&mode);
                } else {
                    self.changed.insert(mode, on);
                }
            }
        }
        Some(3 + end + 1)
    }

    /// The escape sequences that put a fresh terminal into these modes.
    pub fn restore(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (mode, on) in &self.changed {
            out.extend_from_slice(
                format!("\x1b[?{mode}{}", if *on { 'h' } else { 'l' }).as_bytes(),
            );
        }
        out
    }
}

/// Where a terminal's parser is in an escape sequence, after some bytes: so
/// a replay cut from the middle of the output knows whether its first bytes
/// still belong to a sequence (`ESC [ 3` cut before `1m` would print `1m`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Escape {
    /// Plain text (or between sequences).
    #[default]
    Ground,
    /// After ESC.
    Esc,
    /// After ESC and intermediate bytes (`ESC ( `, `ESC #`).
    Intermediate,
    /// In a control sequence (`ESC [`), until its final byte.
    Csi,
    /// In a string (OSC, DCS, SOS, PM, APC), until BEL or ST.
    Str,
    /// After ESC inside a string: `\\` ends it, anything else starts anew.
    StrEsc,
}

impl Escape {
    /// The state after one more byte. CAN and SUB cancel any sequence.
    pub fn step(self, byte: u8) -> Self {
        use Escape::{Csi, Esc, Ground, Intermediate, Str, StrEsc};
        match (self, byte) {
            (_, 0x18 | 0x1a) => Ground,
            (StrEsc, b'\\') => Ground,
            (Str, 0x07) => Ground,
            (Str, 0x1b) => StrEsc,
            (Str, _) => Str,
            (_, 0x1b) => Esc,
            (Ground, _) => Ground,
            (Esc | StrEsc, b'[') => Csi,
            (Esc | StrEsc, b']' | b'P' | b'X' | b'^' | b'_') => Str,
            (Esc | StrEsc | Intermediate, 0x20..=0x2f) => Intermediate,
            (Esc | StrEsc | Intermediate, 0x30..=0x7e) => Ground,
            (Csi, 0x40..=0x7e) => Ground,
            // C0 controls run inside a sequence without ending it.
            (state, _) => state,
        }
    }

    /// The state after `bytes`: [`Escape::step`] over each byte, but plain
    /// text and string bodies change nothing until a byte that ends or
    /// starts something, so those are skipped with a scan. Every byte that
    /// leaves the ring comes through here, under the fan-out's lock.
    pub fn after(self, bytes: &[u8]) -> Self {
        let mut state = self;
        let mut rest = bytes;
        while !rest.is_empty() {
            let next = match state {
                Escape::Ground => rest.iter().position(|&b| matches!(b, 0x1b | 0x18 | 0x1a)),
                Escape::Str => rest
                    .iter()
                    .position(|&b| matches!(b, 0x1b | 0x18 | 0x1a | 0x07)),
                _ => Some(0),
            };
            let Some(at) = next else {
                return state;
            };
            state = state.step(rest[at]);
            rest = &rest[at + 1..];
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_follow_the_output() {
        let mut modes = ModeTracker::default();
        modes.observe(b"hello\x1b[?1049h\x1b[?1h\x1b[?25l text");
        assert_eq!(modes.restore(), b"\x1b[?1h\x1b[?25l\x1b[?1049h");
        modes.observe(b"\x1b[?1049l\x1b[?1l\x1b[?25h");
        assert!(modes.restore().is_empty());
    }

    #[test]
    fn combined_and_untracked_parameters() {
        let mut modes = ModeTracker::default();
        modes.observe(b"\x1b[?1000;1006;12h\x1b[31m\x1b[2J");
        assert_eq!(modes.restore(), b"\x1b[?1000h\x1b[?1006h");
    }

    #[test]
    fn sequences_cut_between_chunks() {
        for cut in 1..9 {
            let whole = b"ab\x1b[?2004hcd";
            let mut modes = ModeTracker::default();
            modes.observe(&whole[..cut]);
            modes.observe(&whole[cut..]);
            assert_eq!(modes.restore(), b"\x1b[?2004h", "cut at {cut}");
        }
    }

    #[test]
    fn garbage_never_grows_the_pending_buffer() {
        let mut modes = ModeTracker::default();
        modes.observe(b"\x1b[?");
        modes.observe(&[b'1'; 1000]);
        modes.observe(b"h\x1b[?1h");
        assert_eq!(modes.restore(), b"\x1b[?1h");
        assert!(modes.pending.len() <= MAX_PENDING);
    }

    proptest::proptest! {
        /// The skipping scan ends where stepping byte by byte does.
        #[test]
        fn the_escape_scan_agrees_with_stepping_each_byte(
            start in 0..6usize,
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(b"\x1b[]P\\\x07\x18\x1a(;0m a\n".to_vec()),
                    proptest::prelude::any::<u8>(),
                ],
                0..64,
            ),
        ) {
            use Escape::*;
            let start = [Ground, Esc, Intermediate, Csi, Str, StrEsc][start];
            let stepped = bytes.iter().fold(start, |state, &byte| state.step(byte));
            proptest::prop_assert_eq!(start.after(&bytes), stepped);
        }
    }

    #[test]
    fn escape_states_follow_sequences_and_strings() {
        let ground = Escape::Ground;
        assert_eq!(ground.after(b"a\x1b[3"), Escape::Csi);
        assert_eq!(ground.after(b"a\x1b[31m"), Escape::Ground);
        assert_eq!(ground.after(b"\x1b]0;t\n"), Escape::Str);
        assert_eq!(ground.after(b"\x1b]0;t\x1b"), Escape::StrEsc);
        assert_eq!(ground.after(b"\x1b]0;t\x1b\\"), Escape::Ground);
        assert_eq!(ground.after(b"\x1b]0;t\x07"), Escape::Ground);
        assert_eq!(ground.after(b"\x1b("), Escape::Intermediate);
        assert_eq!(ground.after(b"\x1b(B"), Escape::Ground);
        assert_eq!(ground.after(b"\x1b[3\x18"), Escape::Ground);
    }
}
