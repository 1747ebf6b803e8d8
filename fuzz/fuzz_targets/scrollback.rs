//! Fuzz target: the scrollback ring and its replay (`Scrollback`,
//! `ModeTracker`), as src/term/scrollback_props.rs states it. The ring holds
//! exactly the newest `capacity` bytes however the output was chunked; a
//! replay is the ring from its cut point on; for well-formed output that
//! cut never falls inside an escape sequence or a UTF-8 character, and the
//! modes the replay restores, followed by the replay, leave a terminal in
//! the modes the whole output did; and for any bytes the mode tracker's
//! answer does not depend on where chunks were cut.
//!
//! Input: `[flags, capacity (2 bytes), chunk sizes (4 bytes), output...]`.
//! In well-formed mode each output byte below `SEQUENCES.len()` stands for
//! one escape sequence and any other for a character; else the output is
//! the raw bytes.

#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use termgate::term::modes::ModeTracker;
use termgate::term::scrollback::Scrollback;

const SEQUENCES: &[&str] = &[
    "\x1b[31m",
    "\x1b[1;38;2;10;20;30m",
    "\x1b[m",
    "\x1b[2J",
    "\x1b[H",
    "\x1b]0;title é\x07",
    "\x1b]2;x\x1b\\",
    "\x1bP$qm\x1b\\",
    "\x1b[?1049h",
    "\x1b[?1049l",
    "\x1b[?1;2004h",
    "\x1b[?2004l",
    "\x1b[?25l",
    "\x1b[?25h",
    "\x1b[?1000;1006h",
    "\x1b[?1000l",
    "\x1b[?7l",
    "\x1b[?7h",
    "\x1b[?47h",
    "\x1b7",
    "\x1b(B",
    "\r\n",
];

/// Output of whole sequences and characters, and the spans of the
/// sequences (a string's `ESC \` terminator counts as a sequence of its
/// own: a replay starting there starts with a no-op).
fn well_formed(data: &[u8]) -> (Vec<u8>, Vec<(usize, usize)>) {
    let mut all = Vec::new();
    let mut spans = Vec::new();
    for &byte in data {
        if let Some(sequence) = SEQUENCES.get(usize::from(byte)) {
            let st = if sequence.ends_with("\x1b\\") { 2 } else { 0 };
            spans.push((all.len(), all.len() + sequence.len() - st));
            all.extend_from_slice(sequence.as_bytes());
        } else {
            let ch = match byte {
                b' '..=b'~' => byte as char,
                0x80..=0xbf => 'é',
                0xc0..=0xdf => '→',
                _ => '😀',
            };
            all.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
        }
    }
    (all, spans)
}

fn modes_after(parts: &[&[u8]]) -> Vec<u8> {
    let mut tracker = ModeTracker::default();
    for part in parts {
        tracker.observe(part);
    }
    tracker.restore()
}

fuzz_target!(|data: &[u8]| {
    let [flags, cap_lo, cap_hi, c0, c1, c2, c3, rest @ ..] = data else {
        return;
    };
    let capacity = 8 + usize::from(u16::from_le_bytes([*cap_lo, *cap_hi])) % 6000;
    // Chunk sizes 1..=64, or now and then 4000 and more (one push larger
    // than a small ring).
    let chunks: Vec<usize> = [c0, c1, c2, c3]
        .iter()
        .map(|&&c| {
            if c == 0xff {
                4000
            } else {
                1 + usize::from(c % 64)
            }
        })
        .collect();
    let raw = flags & 1 != 0;
    let (all, spans) = if raw {
        (rest.to_vec(), Vec::new())
    } else {
        well_formed(rest)
    };

    let mut ring = Scrollback::new(capacity);
    let mut pieces: Vec<&[u8]> = Vec::new();
    let mut left = &all[..];
    for &size in chunks.iter().cycle() {
        if left.is_empty() {
            break;
        }
        let (now, later) = left.split_at(size.min(left.len()));
        ring.push(&Bytes::copy_from_slice(now));
        pieces.push(now);
        left = later;
    }
    let kept = all.len().min(capacity);
    assert_eq!(ring.end(), all.len() as u64);
    assert_eq!(ring.len(), kept);

    // The replay is the ring from its cut on (the ring itself is private).
    let (restore, frames, offset) = ring.replay().parts();
    let offset = usize::try_from(offset).unwrap();
    let replayed = frames.concat();
    assert!(offset >= all.len() - kept);
    assert_eq!(&replayed[..], &all[offset..]);
    if all.len() <= capacity {
        assert_eq!(offset, 0);
    }
    assert_eq!(modes_after(&pieces), modes_after(&[&all]));
    if raw {
        return;
    }
    assert!(
        std::str::from_utf8(&replayed).is_ok(),
        "cut mid-character at {offset}"
    );
    for &(start, end) in &spans {
        assert!(
            !(start < offset && offset < end),
            "cut at {offset} inside {start}..{end}"
        );
    }
    assert_eq!(modes_after(&[&restore, &replayed]), modes_after(&[&all]));
});
