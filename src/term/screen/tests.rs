//! Snapshots round-trip: a screen rebuilt from its snapshot equals the original (attributes, wide characters, the alternate screen, scroll region, modes, title, history, any chunk cuts), and queries never reach a snapshot.

use super::*;

const QUERIES: &[&[u8]] = &[
    b"\x1b[c",
    b"\x1b[0c",
    b"\x1b[>c",
    b"\x1b[5n",
    b"\x1b[6n",
    b"\x1b[?2004$p",
    b"\x1b[4$p",
    b"\x1b[>q",
    b"\x1b[>0q",
    b"\x1b]4;1;?\x07",
    b"\x1b]10;?\x07",
    b"\x1b]11;?\x1b\\",
    b"\x1b]12;?\x07",
    b"\x1bP$qm\x1b\\",
    b"\x1bP+q544e\x1b\\",
];

/// Feeds `screen`'s snapshot to a fresh screen of the same size.
pub(super) fn round_trip(screen: &Screen) -> Screen {
    let snapshot = screen.snapshot();
    assert!(!contains_query(&snapshot), "query in {snapshot:?}");
    let (cols, rows) = screen.size();
    let mut copy = Screen::new(cols, rows, screen.scrollback_lines);
    copy.feed(&snapshot);
    copy
}

type CellKey = (char, u8, avt::Pen);

fn cells(lines: &[&Line]) -> Vec<Vec<CellKey>> {
    lines
        .iter()
        .map(|l| {
            l.cells()
                .iter()
                .map(|c| (c.char(), c.width(), *c.pen()))
                .collect()
        })
        .collect()
}

fn history(screen: &Screen) -> Vec<Vec<CellKey>> {
    let lines: Vec<&Line> = screen.vt.primary_screen().all_lines().collect();
    let (_, rows) = screen.vt.size();
    cells(&lines[..lines.len() - rows])
}

fn visible(screen: &Screen) -> Vec<Vec<CellKey>> {
    cells(&screen.vt.screen().visible_lines().collect::<Vec<_>>())
}

/// Cell by cell: history, both screens, cursor, every mode.
pub(super) fn assert_same(a: &Screen, b: &Screen) {
    assert_eq!(history(a), history(b), "scrollback differs");
    assert_eq!(visible(a), visible(b), "active screen differs");
    let main = |s: &Screen| cells(&s.vt.primary_screen().visible_lines().collect::<Vec<_>>());
    assert_eq!(main(a), main(b), "main screen differs");
    assert_eq!(a.vt.cursor(), b.vt.cursor(), "cursor differs");
    assert_eq!(a.alternate_screen(), b.alternate_screen());
    assert_eq!(a.vt.cursor_key_app_mode(), b.vt.cursor_key_app_mode());
    assert_eq!(a.modes(), b.modes());
    assert_eq!(a.scan.pending(), b.scan.pending());
    // avt's dump states everything else it models (margins, origin mode,
    // auto-wrap, pending wrap, saved cursors, tab stops, charsets).
    assert_eq!(a.vt.dump(), b.vt.dump(), "emulator state differs");
}

pub(super) fn fed(cols: u16, rows: u16, scrollback: usize, bytes: &[u8]) -> Screen {
    let mut screen = Screen::new(cols, rows, scrollback);
    screen.feed(bytes);
    screen
}

fn cell(screen: &Screen, row: usize, col: usize) -> avt::Cell {
    screen.vt.screen().line(row).unwrap().cells()[col]
}

#[test]
fn contains_query_finds_each_query() {
    for query in QUERIES {
        assert!(contains_query(query), "{query:?}");
        let mut framed = b"text \x1b[1mbold".to_vec();
        framed.extend_from_slice(query);
        framed.extend_from_slice("中文 😀".as_bytes());
        assert!(contains_query(&framed), "{framed:?}");
    }
    assert!(contains_query(b"\x1bZ"));
    assert!(contains_query("\u{9b}6n".as_bytes()));
}

#[test]
fn contains_query_passes_ordinary_output() {
    let ordinary: &[&[u8]] = &[
        b"\x1b[1;31mred\x1b[0m \x1b[38;2;1;2;3mrgb\x1b[38;5;200m",
        b"\x1b[?1049h\x1b[?2004h\x1b[?1000h\x1b[?1006h\x1b[2 q",
        b"\x1b]2;title ? yes\x1b\\\x1b]0;x\x07\x1b[5;20r\x1b[H\x1b[2J",
        "wide 中文 Λ 😀 text".as_bytes(),
        b"\x1b[6", // cut: not yet a query
    ];
    for bytes in ordinary {
        assert!(!contains_query(bytes), "{bytes:?}");
    }
}

#[test]
fn sgr_attributes_round_trip() {
    let a = fed(
        20,
        4,
        0,
        b"\x1b[1mB\x1b[0;4mU\x1b[0;7mI\x1b[0;3mT\x1b[0;38;5;200mX\x1b[0;38;2;10;20;30;48;5;17mY\x1b[0m.",
    );
    let b = round_trip(&a);
    assert_same(&a, &b);
    assert!(cell(&b, 0, 0).pen().is_bold());
    assert!(cell(&b, 0, 1).pen().is_underline() && !cell(&b, 0, 1).pen().is_bold());
    assert!(cell(&b, 0, 2).pen().is_inverse());
    assert!(cell(&b, 0, 3).pen().is_italic());
    assert_eq!(cell(&b, 0, 4).pen().foreground(), Some(Color::Indexed(200)));
    assert_eq!(
        cell(&b, 0, 5).pen().foreground(),
        Some(Color::rgb(10, 20, 30))
    );
    assert_eq!(cell(&b, 0, 5).pen().background(), Some(Color::Indexed(17)));
    assert!(cell(&b, 0, 6).pen().is_default());
}

#[test]
fn wide_characters_round_trip() {
    // The last one does not fit on the first row and wraps.
    let a = fed(9, 3, 0, "a中文😀b漢".as_bytes());
    let b = round_trip(&a);
    assert_same(&a, &b);
    assert_eq!(cell(&b, 0, 1).char(), '中');
    assert_eq!(cell(&b, 0, 1).width(), 2);
    assert_eq!(cell(&b, 0, 5).char(), '😀');
    assert_eq!(cell(&b, 1, 0).char(), '漢');
}

#[test]
fn alternate_screen_keeps_main_beneath() {
    let mut a = fed(
        30,
        6,
        100,
        b"$ ls\r\nfile1 file2\r\n$ vim\x1b[?1049h\x1b[?1h\x1b=",
    );
    a.feed(b"\x1b[H\x1b[2J\x1b[1;1H\x1b[38;5;4mfn\x1b[m main() {}\x1b[6;1H\x1b[7m-- INSERT --\x1b[m\x1b[1;4H");
    let b = round_trip(&a);
    assert_same(&a, &b);
    assert!(b.alternate_screen() && b.modes().app_keypad);
    let mut b = b;
    for screen in [&mut a, &mut b] {
        screen.feed(b"\x1b[?1049l\x1b[?1l\x1b>");
    }
    assert_same(&a, &b);
    assert!(!b.alternate_screen());
    assert_eq!(
        b.vt.screen().line(1).unwrap().text().trim_end(),
        "file1 file2"
    );
    assert_eq!(b.vt.cursor().col, 5);
}

#[test]
fn scroll_region_round_trips() {
    let mut a = fed(
        10,
        6,
        0,
        b"top\r\n\x1b[2;5r\x1b[2;1Hone\r\ntwo\r\nthree\r\nfour\r\nfive\x1b[6;1Hbottom",
    );
    a.feed(b"\x1b[5;1H");
    let mut b = round_trip(&a);
    assert_same(&a, &b);
    // The region still applies: new lines scroll rows 2-5 only.
    for screen in [&mut a, &mut b] {
        screen.feed(b"\r\nsix\r\nseven");
    }
    assert_same(&a, &b);
    assert_eq!(b.vt.screen().line(0).unwrap().text().trim_end(), "top");
    assert_eq!(b.vt.screen().line(5).unwrap().text().trim_end(), "bottom");
}

#[test]
fn origin_mode_and_pending_wrap_round_trip() {
    let a = fed(8, 4, 0, b"\x1b[2;3r\x1b[?6h\x1b[2;1H12345678");
    let mut b = round_trip(&a);
    assert_same(&a, &b);
    let mut a = a;
    for screen in [&mut a, &mut b] {
        screen.feed(b"x\x1b[1;1Hy");
    }
    assert_same(&a, &b);
}

#[test]
fn input_modes_round_trip() {
    let a = fed(
        20,
        4,
        0,
        b"\x1b[?1h\x1b[?2004h\x1b[?1002h\x1b[?1006h\x1b[?1004h\x1b[?25l\x1b[5 q\x1b=",
    );
    let b = round_trip(&a);
    assert_same(&a, &b);
    let modes = b.modes();
    assert!(b.vt.cursor_key_app_mode() && modes.bracketed_paste && modes.focus_events);
    assert_eq!(
        (modes.mouse, modes.mouse_encoding),
        (Some(1002), Some(1006))
    );
    assert_eq!(modes.cursor_shape, 5);
    assert!(modes.app_keypad && !b.vt.cursor().visible);
    // And off again.
    let a = fed(
        20,
        4,
        0,
        b"\x1b[?1002h\x1b[?1006h\x1b[?1002l\x1b[?1006l\x1b[?2004h\x1bc",
    );
    assert_eq!(a.modes(), &Modes::default());
}

#[test]
fn title_round_trips() {
    let a = fed(
        20,
        4,
        0,
        "\x1b]0;first\x07\x1b]2;vim — 文件.rs\x1b\\".as_bytes(),
    );
    assert_eq!(a.title(), "vim — 文件.rs");
    let b = round_trip(&a);
    assert_same(&a, &b);
    assert_eq!(b.title(), "vim — 文件.rs");
}

#[test]
fn scrollback_keeps_the_last_lines() {
    let mut input = Vec::new();
    for n in 0..100 {
        input.extend_from_slice(format!("\x1b[3{}mline {n}\x1b[m\r\n", n % 8).as_bytes());
    }
    let a = fed(20, 5, 30, &input);
    let b = round_trip(&a);
    assert_same(&a, &b);
    let lines = b.vt.primary_screen().text();
    assert_eq!(lines.len(), 35);
    assert_eq!(lines[0], "line 66");
    assert_eq!(lines[29], "line 95");
    assert_eq!(lines[33], "line 99");
}

const RICH: &str = "\x1b]2;t\x07\x1b[1;38;2;1;2;3mA\x1b[m中😀\r\n\x1b[?1049h\x1b[2;3r\x1b[?2004h\x1b[?1000;1006h\x1b[3 q\x1bP$qm\x1b\\\x1b[4mé\x1b[?1049l\x1b[6n\x1b]11;?\x07x\x1b[K";

#[test]
fn chunk_cuts_give_the_same_screen() {
    let whole = fed(12, 4, 10, RICH.as_bytes());
    for cut in 0..=RICH.len() {
        let mut screen = Screen::new(12, 4, 10);
        screen.feed(&RICH.as_bytes()[..cut]);
        // A snapshot taken at the cut resumes correctly with the rest.
        let mut resumed = round_trip(&screen);
        screen.feed(&RICH.as_bytes()[cut..]);
        resumed.feed(&RICH.as_bytes()[cut..]);
        assert_same(&whole, &screen);
        assert_same(&whole, &resumed);
    }
}

#[test]
fn queries_never_reach_the_snapshot() {
    let mut input = b"$ printf ...\r\n\x1b[c\x1b[6n\x1b]11;?\x07\x1b[?2004$p".to_vec();
    for query in QUERIES {
        input.extend_from_slice(query);
    }
    let a = fed(40, 5, 10, &input);
    assert!(!contains_query(&a.snapshot()));
    assert_same(&a, &round_trip(&a));
}

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Output pieces likely to interact (`soup`, and the snapshot properties).
pub(super) const PIECES: &[&str] = &[
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
    "\x1b]2;ti",
    "tle\x07",
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
/// The two halves of [`PIECES`]' title, which `soup` may put apart.
pub(super) const SPLIT_TITLE: [&str; 2] = ["\x1b]2;ti", "tle\x07"];

/// Output made of pieces likely to interact, with random bytes mixed in.
fn soup(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::new();
    while out.len() < len {
        let r = xorshift(&mut state);
        if r.is_multiple_of(7) {
            out.push((r >> 8) as u8);
        } else if r.is_multiple_of(5) {
            out.extend_from_slice(format!("{}", (r >> 16) % 40).as_bytes());
        } else {
            out.extend_from_slice(PIECES[(r >> 24) as usize % PIECES.len()].as_bytes());
        }
    }
    out
}

#[test]
fn byte_soup_round_trips_without_queries() {
    for seed in 1..=300u64 {
        let bytes = soup(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15), 600);
        let a = fed(16, 6, 8, &bytes);
        let b = round_trip(&a);
        assert_same(&a, &b);
    }
}
