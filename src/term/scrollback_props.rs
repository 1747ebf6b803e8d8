//! Properties of the scrollback ring and its replay: the ring holds exactly
//! the newest `capacity` bytes, however the output was chunked; a replay is
//! the ring from its cut point on, and that cut never falls inside an
//! escape sequence or a UTF-8 character of well-formed output; the modes a
//! replay restores, followed by the replay, leave a terminal in the modes the
//! whole output did; and the mode tracker's answer does not depend on where
//! chunks were cut.

use super::*;
use proptest::prelude::*;

/// A piece of terminal output; `true` when it is one escape sequence.
fn token() -> impl Strategy<Value = (Vec<u8>, bool)> {
    let sequence = prop::sample::select(vec![
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
    ]);
    prop_oneof![
        3 => "[a-z ]{1,20}|\\PC{1,8}".prop_map(|t| (t.into_bytes(), false)),
        1 => Just((b"\r\n".to_vec(), false)),
        2 => sequence.prop_map(|s| (s.as_bytes().to_vec(), true)),
    ]
}

/// Output as tokens, the spans of its escape sequences, and chunk sizes
/// to push it in (cuts fall anywhere, inside sequences and characters too).
fn output() -> impl Strategy<Value = (Vec<u8>, Vec<(usize, usize)>, Vec<usize>)> {
    (
        proptest::collection::vec(token(), 0..60),
        proptest::collection::vec(prop_oneof![4 => 1..40usize, 1 => 4000..5000usize], 1..10),
    )
        .prop_map(|(tokens, chunks)| {
            let mut all = Vec::new();
            let mut spans = Vec::new();
            for (bytes, sequence) in tokens {
                if sequence {
                    // A string's terminator (ESC \\) is a sequence of its
                    // own: a replay starting there starts with a no-op.
                    let st = if bytes.ends_with(b"\x1b\\") { 2 } else { 0 };
                    spans.push((all.len(), all.len() + bytes.len() - st));
                }
                all.extend_from_slice(&bytes);
            }
            (all, spans, chunks)
        })
}

fn push_in_chunks(ring: &mut Scrollback, all: &[u8], chunks: &[usize]) {
    let mut rest = all;
    for &size in chunks.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (now, later) = rest.split_at(size.min(rest.len()));
        ring.push(&Bytes::copy_from_slice(now));
        rest = later;
    }
}

fn modes_after(parts: &[&[u8]]) -> Vec<u8> {
    let mut tracker = ModeTracker::default();
    for part in parts {
        tracker.observe(part);
    }
    tracker.restore()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_ring_holds_the_newest_bytes((all, _, chunks) in output(), capacity in 8..6000usize) {
        let mut ring = Scrollback::new(capacity);
        push_in_chunks(&mut ring, &all, &chunks);
        let kept = all.len().min(capacity);
        prop_assert_eq!(ring.end(), all.len() as u64);
        prop_assert_eq!(ring.len(), kept);
        prop_assert_eq!(ring.replay().blocks.concat(), &all[all.len() - kept..]);
    }

    #[test]
    fn a_replay_starts_on_a_boundary_and_restores_the_modes(
        (all, spans, chunks) in output(),
        capacity in 8..600usize,
    ) {
        let mut ring = Scrollback::new(capacity);
        push_in_chunks(&mut ring, &all, &chunks);
        let (restore, frames, offset) = ring.replay().parts();
        let offset = usize::try_from(offset).unwrap();
        let replayed = frames.concat();
        prop_assert!(offset >= all.len() - all.len().min(capacity));
        prop_assert_eq!(&replayed[..], &all[offset..]);
        if all.len() <= capacity {
            prop_assert_eq!(offset, 0);
        }
        prop_assert!(std::str::from_utf8(&replayed).is_ok(), "cut mid-character at {}", offset);
        for &(start, end) in &spans {
            prop_assert!(!(start < offset && offset < end), "cut at {offset} inside {start}..{end}");
        }
        prop_assert_eq!(modes_after(&[&restore, &replayed]), modes_after(&[&all]));
    }

    #[test]
    fn modes_do_not_depend_on_chunk_cuts(
        (all, _, _) in output(),
        garbage in proptest::collection::vec(any::<u8>(), 0..80),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let all = [all, garbage].concat();
        let mut at: Vec<usize> = cuts.iter().map(|c| c.index(all.len() + 1)).collect();
        at.sort_unstable();
        let mut pieces = Vec::new();
        let mut from = 0;
        for to in at {
            pieces.push(&all[from..to]);
            from = to;
        }
        pieces.push(&all[from..]);
        prop_assert_eq!(modes_after(&pieces), modes_after(&[&all]));
    }
}
