//! Fuzz target: the snapshot encoder (`Screen::snapshot`), as
//! src/term/screen/prop_tests.rs states it. For any output a snapshot
//! never holds a query; and for output made of the pieces the properties
//! use (with bytes mixed in), the snapshot fed to a fresh screen of the
//! same size rebuilds what a viewer sees (every visible cell with its style,
//! the cursor, the active screen, the modes and title), also when taken at
//! any cut and followed by the rest of the output.
//!
//! The lib's own properties also compare the scrollback history and avt's
//! internal dump, which only its tests can reach; those two are `#[ignore]`d
//! for a known lost history line (see prop_tests.rs), so here the visible
//! state is what must round-trip.
//!
//! Input: `[flags, cols, rows, scrollback, cut (2 bytes), output...]`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use termgate::term::screen::{Screen, contains_query};

/// The pieces of `screen::tests::PIECES`, with the title whole: a title
/// left open and broken by `ESC [` is parsed differently by avt and the
/// pre-scanner, which no snapshot can rebuild.
const PIECES: &[&str] = &[
    "abc ",
    "中",
    "😀",
    "é",
    "\r\n",
    "\n",
    "\r",
    "\x08",
    "\t",
    "\x1b[m",
    "\x1b[1;4;7m",
    "\x1b[38;5;",
    "\x1b[48;2;9;8;7m",
    "\x1b[H",
    "\x1b[2J",
    "\x1b[K",
    "\x1b[3L",
    "\x1b[2M",
    "\x1b[4@",
    "\x1b[2P",
    "\x1b[5X",
    "\x1b[?1049h",
    "\x1b[?1049l",
    "\x1b[?47h",
    "\x1b[?1h",
    "\x1b[?6h",
    "\x1b[?6l",
    "\x1b[?7l",
    "\x1b[?7h",
    "\x1b[?25l",
    "\x1b[?2004h",
    "\x1b[?1003h",
    "\x1b[?1006h",
    "\x1b[?1004h",
    "\x1b[2;4r",
    "\x1b[r",
    "\x1b7",
    "\x1b8",
    "\x1bM",
    "\x1bD",
    "\x1b=",
    "\x1b[4 q",
    "\x1b]2;title\x07",
    "\x1b(0",
    "\x1b(B",
    "\x1b[c",
    "\x1b[6n",
    "\x1b]11;?\x07",
    "\x1b[?2004$p",
    "\x1b[>q",
    "\x1bP+q54\x1b\\",
    "\x1bc",
    "\x1b[3;5H",
    "\x1b[10C",
    "\x1b[20;1H",
    "\x1b[4h",
    "\x1b[4l",
    "\x1b[3g",
];

/// Each byte is a piece (two codes each), a number below 40, or itself.
fn soup(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for &byte in data {
        let code = usize::from(byte);
        if code < 2 * PIECES.len() {
            out.extend_from_slice(PIECES[code % PIECES.len()].as_bytes());
        } else if code < 2 * PIECES.len() + 40 {
            out.extend_from_slice((code - 2 * PIECES.len()).to_string().as_bytes());
        } else {
            out.push(byte);
        }
    }
    out
}

/// What a viewer sees.
fn seen(screen: &Screen) -> impl PartialEq + std::fmt::Debug {
    (
        screen.size(),
        screen.visible_cells(),
        screen.cursor(),
        screen.alternate_screen(),
        screen.modes().clone(),
    )
}

fn rebuilt(screen: &Screen, scrollback: usize) -> Screen {
    let snapshot = screen.snapshot();
    assert!(!contains_query(&snapshot), "query in {snapshot:?}");
    let (cols, rows) = screen.size();
    let mut copy = Screen::new(cols, rows, scrollback);
    copy.feed(&snapshot);
    copy
}

fuzz_target!(|data: &[u8]| {
    let [flags, cols, rows, scrollback, cut_lo, cut_hi, rest @ ..] = data else {
        return;
    };
    let (cols, rows) = (1 + u16::from(*cols % 20), 1 + u16::from(*rows % 8));
    let scrollback = usize::from(*scrollback % 10);
    let raw = flags & 1 != 0;
    let bytes = if raw { rest.to_vec() } else { soup(rest) };
    let cut = usize::from(u16::from_le_bytes([*cut_lo, *cut_hi])) % (bytes.len() + 1);

    let mut whole = Screen::new(cols, rows, scrollback);
    whole.feed(&bytes);
    let mut part = Screen::new(cols, rows, scrollback);
    part.feed(&bytes[..cut]);
    if raw {
        // Any bytes at all: still never a query.
        assert!(!contains_query(&whole.snapshot()));
        assert!(!contains_query(&part.snapshot()));
        return;
    }
    assert_eq!(
        seen(&rebuilt(&whole, scrollback)),
        seen(&whole),
        "{bytes:?}"
    );
    let mut resumed = rebuilt(&part, scrollback);
    resumed.feed(&bytes[cut..]);
    assert_eq!(seen(&resumed), seen(&whole), "{bytes:?} cut at {cut}");
});
