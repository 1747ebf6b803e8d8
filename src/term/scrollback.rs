//! The scrollback ring: the last N bytes a terminal printed, with absolute
//! offsets so a viewer can join the live stream exactly where its replay ended.
//! Bytes leaving the ring pass through a [`ModeTracker`], so a replay can
//! first restore the modes (alternate screen, cursor keys, mouse) they set.

use super::modes::ModeTracker;
use std::collections::VecDeque;

pub struct Scrollback {
    bytes: VecDeque<u8>,
    capacity: usize,
    /// The modes in force at the ring's first byte.
    modes_at_start: ModeTracker,
    /// Absolute offset one past the newest byte (total bytes ever printed).
    end: u64,
}

/// How far into the retained bytes we look for a clean starting point.
const SAFE_POINT_SEARCH: usize = 64 * 1024;

impl Scrollback {
    pub fn new(capacity: usize) -> Self {
        Self {
            bytes: VecDeque::with_capacity(capacity.min(64 * 1024)),
            capacity,
            modes_at_start: ModeTracker::default(),
            end: 0,
        }
    }

    /// Appends output, dropping the oldest bytes beyond capacity.
    pub fn push(&mut self, chunk: &[u8]) {
        self.end += chunk.len() as u64;
        let (never_kept, chunk) = chunk.split_at(chunk.len().saturating_sub(self.capacity));
        let overflow = (self.bytes.len() + chunk.len()).saturating_sub(self.capacity);
        let (front, back) = self.bytes.as_slices();
        let from_front = overflow.min(front.len());
        self.modes_at_start.observe(&front[..from_front]);
        self.modes_at_start.observe(&back[..overflow - from_front]);
        self.modes_at_start.observe(never_kept);
        self.bytes.drain(..overflow);
        self.bytes.extend(chunk);
    }

    pub fn end(&self) -> u64 {
        self.end
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The bytes to replay to a new viewer: the modes in force where it
    /// starts, then the ring. When the ring has wrapped, the replay starts at
    /// a safe point: just after a newline or at an ESC, never inside a UTF-8
    /// sequence or an escape sequence.
    pub fn replay(&self) -> Vec<u8> {
        let wrapped = self.end > self.bytes.len() as u64;
        let skip = if wrapped { self.safe_start() } else { 0 };
        let mut modes = self.modes_at_start.clone();
        let (front, back) = self.bytes.as_slices();
        let from_front = skip.min(front.len());
        modes.observe(&front[..from_front]);
        modes.observe(&back[..skip - from_front]);
        let mut replay = modes.restore();
        replay.reserve(self.bytes.len() - skip);
        replay.extend(self.bytes.range(skip..));
        replay
    }

    fn safe_start(&self) -> usize {
        let window = self.bytes.range(..self.bytes.len().min(SAFE_POINT_SEARCH));
        for (index, &byte) in window.enumerate() {
            match byte {
                b'\n' => return index + 1,
                0x1b => return index,
                _ => {}
            }
        }
        // No line or sequence boundary near the start: at least skip any
        // UTF-8 continuation bytes.
        self.bytes
            .iter()
            .take_while(|&&b| (0x80..0xc0).contains(&b))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_bytes_and_counts_all() {
        let mut ring = Scrollback::new(8);
        ring.push(b"hello ");
        ring.push(b"world\n");
        assert_eq!(ring.end(), 12);
        assert_eq!(ring.len(), 8);
        ring.push(b"0123456789abc");
        assert_eq!(ring.len(), 8);
        assert_eq!(ring.end(), 25);
    }

    #[test]
    fn unwrapped_replay_is_everything() {
        let mut ring = Scrollback::new(64);
        ring.push(b"\x1b[31mred\x1b[0m\n");
        assert_eq!(ring.replay(), b"\x1b[31mred\x1b[0m\n");
    }

    #[test]
    fn wrapped_replay_starts_at_a_safe_point() {
        let mut ring = Scrollback::new(16);
        // The ring now starts inside "\x1b[31m" (at "1m") and mid-UTF-8.
        ring.push("xxxxxx\x1b[31mé line\nnext\x1b[0m".as_bytes());
        let replay = ring.replay();
        assert!(
            replay.starts_with(b"next") || replay.starts_with(b"\x1b"),
            "{replay:?}"
        );
        assert!(std::str::from_utf8(&replay).is_ok());
    }

    #[test]
    fn a_wrapped_replay_restores_the_modes_that_scrolled_away() {
        let mut ring = Scrollback::new(64);
        ring.push(b"$ vim\r\n\x1b[?1049h\x1b[?1h\x1b[?2004h");
        ring.push(&[b'x'; 100]);
        ring.push(b"\r\n~ screen ~");
        let replay = ring.replay();
        assert!(
            replay.starts_with(b"\x1b[?1h\x1b[?1049h\x1b[?2004h"),
            "{:?}",
            String::from_utf8_lossy(&replay)
        );
        assert!(replay.ends_with(b"~ screen ~"));
        // Leaving vim scrolls away too: nothing to restore then.
        ring.push(b"\x1b[?1049l\x1b[?1l\x1b[?2004l$ ");
        ring.push(&[b'y'; 100]);
        assert!(ring.replay().iter().all(|&b| b == b'y'));
    }

    #[test]
    fn continuation_bytes_are_skipped_without_boundaries() {
        let mut ring = Scrollback::new(5);
        ring.push("aéééé".as_bytes()); // 9 bytes, keeps the last 5: 0xa9 é é
        let replay = ring.replay();
        assert!(std::str::from_utf8(&replay).is_ok(), "{replay:?}");
    }
}
