//! Regressions the round-trip properties (`prop_tests`) and the `snapshot`
//! fuzz target found, each as the smallest input that showed it.

use super::tests::{assert_same, fed, round_trip};
use super::*;

/// Found by the `snapshot` fuzz target: an ENQ inside a sequence cut by the
/// end of the output (`ESC ENQ`, or in an OSC opened as `ESC NUL ]`) stayed
/// in the held sequence that a snapshot ends with, so every joining viewer
/// could be asked for its answerback.
#[test]
fn an_enq_inside_a_cut_sequence_is_not_in_the_snapshot() {
    for cut in [
        &b"\x1b\x05"[..],
        b"\x1b\x05\0\0\0",
        b"\x1b[1\x05;2",
        b"\x1b(\x05",
        b"\x1b\0]\x05Y",
        b"\x1b]2;a\x05b",
    ] {
        let a = fed(11, 2, 0, cut);
        assert!(!contains_query(&a.snapshot()), "{cut:?}");
        // The cut sequence is still completed by the live stream.
        let mut whole = fed(11, 2, 0, cut);
        whole.feed(b"Hm31mX");
        let mut resumed = round_trip(&a);
        resumed.feed(b"Hm31mX");
        assert_eq!(resumed.visible_cells(), whole.visible_cells(), "{cut:?}");
        assert_eq!(resumed.cursor(), whole.cursor(), "{cut:?}");
        assert_eq!(resumed.modes(), whole.modes(), "{cut:?}");
    }
}

/// Found by the `snapshot` fuzz target: a CSI cut by a non-ASCII character
/// leaves avt's parser inside it (the character is its final byte), and
/// avt's dump ends with that open sequence; the modes written after the dump
/// closed it, so the rebuilt screen printed the character the original
/// swallowed.
#[test]
fn a_sequence_avt_holds_open_stays_open_after_the_modes() {
    let bytes = "\x1b[?1004h\x1b[38;5;中36".as_bytes();
    let cut = bytes.len() - 4; // inside 中
    let whole = fed(11, 2, 0, bytes);
    let mut resumed = round_trip(&fed(11, 2, 0, &bytes[..cut]));
    resumed.feed(&bytes[cut..]);
    assert_same(&whole, &resumed);
}

/// Found by `prop_tests::any_output_round_trips_without_queries`: the blank
/// tail of a line that wrapped ("abc" then " " on 3 columns) is written as
/// `ESC[K`, and the rebuilt screen lost the soft wrap.
#[test]
fn a_blank_run_across_a_soft_wrap_keeps_the_wrap() {
    let a = fed(3, 3, 4, b"abc ");
    assert_same(&a, &round_trip(&a));
}

#[test]
fn a_blank_line_a_wrap_continues_into_keeps_its_place_in_the_history() {
    // Found by the round-trip property: on a 1x1 screen "c" wraps onto a
    // line holding one blank, which a clear then pushes into the history.
    for scrollback in 0..4 {
        let screen = fed(1, 1, scrollback, b"abc \x1b[2J");
        assert_same(&screen, &round_trip(&screen));
    }
    let screen = fed(3, 2, 8, b"abcdef   \x1b[2Jgh");
    assert_same(&screen, &round_trip(&screen));
}

#[test]
fn a_wrap_into_a_styled_cell_leaves_the_rest_of_the_row_plain() {
    // Found by the round-trip property: a row that a wrap continues into,
    // whose first cell was later restyled. Rebuilt, the wrap happens once
    // that cell's pen is set, so the row's blanks took the bold pen.
    let screen = fed(2, 1, 4, b" 1 \r\x1b[1m \x1b[0m\r\n");
    assert_same(&screen, &round_trip(&screen));
}
