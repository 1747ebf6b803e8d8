//! The scrollback ring: the last N bytes a terminal printed, with absolute
//! offsets so a viewer can join the live stream exactly where its replay ended.
//! Bytes leaving the ring pass through a [`ModeTracker`], so a replay can
//! first restore the modes (alternate screen, cursor keys, mouse) they set.

use super::modes::{Escape, ModeTracker};
use bytes::{Bytes, BytesMut};
use std::collections::VecDeque;

/// Output smaller than this is copied into a shared tail block, so a ring
/// of keystroke echoes holds a few blocks rather than a million tiny ones.
const COALESCE: usize = 4 * 1024;

/// How far into the retained bytes we look for a clean starting point.
const SAFE_POINT_SEARCH: usize = 64 * 1024;

pub struct Scrollback {
    /// Whole blocks, shared (not copied) with the live stream and replays.
    blocks: VecDeque<Bytes>,
    /// Recent small output, frozen into a block once it reaches [`COALESCE`].
    tail: BytesMut,
    /// Bytes held in `blocks` and `tail`.
    len: usize,
    capacity: usize,
    /// The modes in force at the ring's first byte.
    modes_at_start: ModeTracker,
    /// Whether the ring's first byte is inside an escape sequence.
    escape_at_start: Escape,
    /// Absolute offset one past the newest byte (total bytes ever printed).
    end: u64,
}

/// What a replay needs, taken under the fan-out lock without copying the
/// ring (block handles are reference counts); [`Replay::frames`] does the
/// work later, outside the lock.
pub struct Replay {
    modes: ModeTracker,
    /// Whether the first block starts inside an escape sequence.
    escape: Escape,
    blocks: Vec<Bytes>,
    wrapped: bool,
    /// Absolute offset of the ring's first byte.
    start: u64,
}

impl Scrollback {
    pub fn new(capacity: usize) -> Self {
        Self {
            blocks: VecDeque::new(),
            tail: BytesMut::new(),
            len: 0,
            capacity,
            modes_at_start: ModeTracker::default(),
            escape_at_start: Escape::Ground,
            end: 0,
        }
    }

    /// Appends output, dropping the oldest bytes beyond capacity.
    pub fn push(&mut self, chunk: &Bytes) {
        self.end += chunk.len() as u64;
        let keep = chunk.len().min(self.capacity);
        if keep < chunk.len() {
            // The chunk alone fills the ring: everything in it falls out
            // first, then the chunk's head, in the order they were printed.
            self.drop_all();
            self.dropped(&chunk[..chunk.len() - keep]);
        }
        let chunk = chunk.slice(chunk.len() - keep..);
        if chunk.len() >= COALESCE {
            self.freeze_tail();
            self.blocks.push_back(chunk.clone());
        } else {
            self.tail.extend_from_slice(&chunk);
            if self.tail.len() >= COALESCE {
                self.freeze_tail();
            }
        }
        self.len += chunk.len();
        self.trim();
    }

    fn freeze_tail(&mut self) {
        if !self.tail.is_empty() {
            let block = self.tail.split().freeze();
            self.blocks.push_back(block);
        }
    }

    fn drop_all(&mut self) {
        self.freeze_tail();
        for block in std::mem::take(&mut self.blocks) {
            self.dropped(&block);
        }
        self.len = 0;
    }

    /// Follows bytes leaving the ring, oldest first.
    fn dropped(&mut self, bytes: &[u8]) {
        self.modes_at_start.observe(bytes);
        self.escape_at_start = self.escape_at_start.after(bytes);
    }

    fn trim(&mut self) {
        while self.len > self.capacity {
            let over = self.len - self.capacity;
            let dropped = match self.blocks.front_mut() {
                Some(front) if front.len() <= over => self.blocks.pop_front().unwrap_or_default(),
                Some(front) => front.split_to(over),
                None => self.tail.split_to(over.min(self.tail.len())).freeze(),
            };
            self.dropped(&dropped);
            self.len -= dropped.len();
        }
    }

    pub fn end(&self) -> u64 {
        self.end
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The ring as it is now, cheaply: block handles plus a copy of the
    /// small tail (under `COALESCE` bytes).
    pub fn replay(&self) -> Replay {
        let mut blocks: Vec<Bytes> = self.blocks.iter().cloned().collect();
        if !self.tail.is_empty() {
            blocks.push(Bytes::copy_from_slice(&self.tail));
        }
        Replay {
            modes: self.modes_at_start.clone(),
            escape: self.escape_at_start,
            blocks,
            wrapped: self.end > self.len as u64,
            start: self.end - self.len as u64,
        }
    }
}

impl Replay {
    /// The frames to send a new viewer: the modes in force where it starts,
    /// then the ring. When the ring has wrapped, the replay starts at a safe
    /// point: just after a newline or at an ESC, never inside a UTF-8
    /// sequence or an escape sequence.
    pub fn frames(self) -> Vec<Bytes> {
        let (restore, mut frames, _) = self.parts();
        if !restore.is_empty() {
            frames.insert(0, Bytes::from(restore));
        }
        frames
    }

    /// The replay as the escape sequences restoring the modes, the ring's
    /// bytes from the safe point on, and that point's absolute offset.
    pub fn parts(mut self) -> (Vec<u8>, Vec<Bytes>, u64) {
        let skip = if self.wrapped { self.safe_start() } else { 0 };
        let mut left = skip;
        let mut frames = Vec::with_capacity(self.blocks.len() + 1);
        for block in self.blocks.drain(..) {
            if left >= block.len() {
                left -= block.len();
                self.modes.observe(&block);
                continue;
            }
            self.modes.observe(&block[..left]);
            frames.push(block.slice(left..));
            left = 0;
        }
        (self.modes.restore(), frames, self.start + skip as u64)
    }

    fn safe_start(&self) -> usize {
        let bytes = || self.blocks.iter().flat_map(|b| b.iter().copied());
        // First the rest of a sequence the ring starts inside of (its head
        // fell out), then the first line or sequence boundary.
        let mut state = self.escape;
        let clean = bytes()
            .take(SAFE_POINT_SEARCH)
            .take_while(|&byte| {
                let inside = state != Escape::Ground;
                state = state.step(byte);
                inside
            })
            .count();
        let window = bytes().skip(clean).take(SAFE_POINT_SEARCH);
        for (index, byte) in window.enumerate() {
            match byte {
                b'\n' => return clean + index + 1,
                0x1b => return clean + index,
                _ => {}
            }
        }
        // No line or sequence boundary near the start: at least skip any
        // UTF-8 continuation bytes.
        clean
            + bytes()
                .skip(clean)
                .take_while(|b| (0x80..0xc0).contains(b))
                .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    trait PushSlice {
        fn push_bytes(&mut self, bytes: &[u8]);
        fn replayed(&self) -> Vec<u8>;
    }

    impl PushSlice for Scrollback {
        fn push_bytes(&mut self, bytes: &[u8]) {
            self.push(&Bytes::copy_from_slice(bytes));
        }
        fn replayed(&self) -> Vec<u8> {
            self.replay().frames().concat()
        }
    }

    #[test]
    fn keeps_the_newest_bytes_and_counts_all() {
        let mut ring = Scrollback::new(8);
        ring.push_bytes(b"hello ");
        ring.push_bytes(b"world\n");
        assert_eq!(ring.end(), 12);
        assert_eq!(ring.len(), 8);
        ring.push_bytes(b"0123456789abc");
        assert_eq!(ring.len(), 8);
        assert_eq!(ring.end(), 25);
    }

    #[test]
    fn unwrapped_replay_is_everything() {
        let mut ring = Scrollback::new(64);
        ring.push_bytes(b"\x1b[31mred\x1b[0m\n");
        assert_eq!(ring.replayed(), b"\x1b[31mred\x1b[0m\n");
    }

    #[test]
    fn wrapped_replay_starts_at_a_safe_point() {
        let mut ring = Scrollback::new(16);
        // The ring now starts inside "\x1b[31m" (at "1m") and mid-UTF-8.
        ring.push_bytes("xxxxxx\x1b[31mé line\nnext\x1b[0m".as_bytes());
        let replay = ring.replayed();
        assert!(
            replay.starts_with(b"next") || replay.starts_with(b"\x1b"),
            "{replay:?}"
        );
        assert!(std::str::from_utf8(&replay).is_ok());
    }

    #[test]
    fn a_wrapped_replay_restores_the_modes_that_scrolled_away() {
        let mut ring = Scrollback::new(64);
        ring.push_bytes(b"$ vim\r\n\x1b[?1049h\x1b[?1h\x1b[?2004h");
        ring.push_bytes(&[b'x'; 100]);
        ring.push_bytes(b"\r\n~ screen ~");
        let replay = ring.replayed();
        assert!(
            replay.starts_with(b"\x1b[?1h\x1b[?1049h\x1b[?2004h"),
            "{:?}",
            String::from_utf8_lossy(&replay)
        );
        assert!(replay.ends_with(b"~ screen ~"));
        // Leaving vim scrolls away too: nothing to restore then.
        ring.push_bytes(b"\x1b[?1049l\x1b[?1l\x1b[?2004l$ ");
        ring.push_bytes(&[b'y'; 100]);
        assert!(ring.replayed().iter().all(|&b| b == b'y'));
    }

    #[test]
    fn many_small_chunks_coalesce_and_the_bytes_stay_exact() {
        let mut ring = Scrollback::new(10_000);
        let mut all = Vec::new();
        for i in 0..5000u32 {
            let piece = format!("{i},");
            all.extend_from_slice(piece.as_bytes());
            ring.push_bytes(piece.as_bytes());
            ring.push(&Bytes::from(vec![b'#'; (i % 7 * 1500) as usize]));
            all.extend(std::iter::repeat_n(b'#', (i % 7 * 1500) as usize));
        }
        assert_eq!(ring.len(), 10_000);
        assert!(
            ring.blocks.len() < 10_000 / 64,
            "{} blocks",
            ring.blocks.len()
        );
        let kept = ring.replay().blocks.concat();
        assert_eq!(kept, all[all.len() - 10_000..]);
    }

    /// Found by `a_replay_starts_on_a_boundary_and_restores_the_modes`: a
    /// chunk larger than the ring had its head observed before the older
    /// bytes it pushed out, so leaving vim in a big chunk left the replay
    /// restoring the alternate screen.
    #[test]
    fn a_chunk_larger_than_the_ring_is_observed_after_what_it_pushes_out() {
        let mut ring = Scrollback::new(16);
        ring.push_bytes(b"\x1b[?1049h vim");
        let mut big = b"\x1b[?1049l$ ".to_vec();
        big.extend_from_slice(&[b'y'; 40]);
        ring.push_bytes(&big);
        assert!(ring.replayed().iter().all(|&b| b == b'y'));
        // A sequence cut between the ring and the big chunk still counts.
        let mut ring = Scrollback::new(16);
        ring.push_bytes(b"\x1b[?20");
        ring.push_bytes(&[b"04h".as_slice(), &[b'z'; 40]].concat());
        assert!(ring.replayed().starts_with(b"\x1b[?2004h"));
    }

    /// Found by `a_replay_starts_on_a_boundary_and_restores_the_modes`: with
    /// no newline or ESC after the cut, the replay began inside the sequence
    /// the cut went through and printed its tail (`1maaa`).
    #[test]
    fn a_replay_never_begins_with_the_tail_of_a_cut_sequence() {
        let mut ring = Scrollback::new(12);
        ring.push_bytes(b"\x1b[31maaa  aaaaaa");
        assert_eq!(ring.replayed(), b"aaa  aaaaaa");
        // A title string with a newline in it: the newline is not a boundary.
        let mut ring = Scrollback::new(12);
        ring.push_bytes(b"\x1b]0;a\nbcdefgh\x07xyz");
        assert_eq!(ring.replayed(), b"xyz");
    }

    #[test]
    fn continuation_bytes_are_skipped_without_boundaries() {
        let mut ring = Scrollback::new(5);
        ring.push_bytes("aéééé".as_bytes()); // 9 bytes, keeps the last 5: 0xa9 é é
        let replay = ring.replayed();
        assert!(std::str::from_utf8(&replay).is_ok(), "{replay:?}");
    }
}

#[cfg(test)]
#[path = "scrollback_props.rs"]
mod prop_tests;
