//! Shell integration marks: the order and contents of OSC 133 / OSC 7 marks,
//! whatever the chunk cuts, with BEL or ST, and the command text as the
//! screen shows it after line editing.

use super::shell::osc7;
use super::*;

const PROMPT: &str = "\x1b]133;A\x07user@host:~$ \x1b]133;B\x07";

/// A bash-like session: folder, prompt, an edited command, its output, its
/// end, the next folder and prompt.
fn session() -> Vec<u8> {
    [
        "\x1b]7;file://host/home/user%20one\x07",
        PROMPT,
        // Typed "ecxo hix", then fixed as readline echoes it: 6 left,
        // "h" over the "x", 5 right, rub out the last "x".
        "ecxo hix\x1b[6Dh\x1b[5C\x08\x1b[K",
        "\r\n\x1b]133;C\x1b\\",
        "hi\r\n",
        "\x1b]133;D;0\x1b\\",
        "\x1b]7;file://host/tmp\x1b\\",
        PROMPT,
        "false\r\n\x1b]133;C\x07\x1b]133;D;1\x07",
    ]
    .concat()
    .into_bytes()
}

fn expected() -> Vec<Mark> {
    vec![
        Mark::Cwd("/home/user one".into()),
        Mark::Submitted(Some("echo hi".into())),
        Mark::Finished(Some(0)),
        Mark::Cwd("/tmp".into()),
        Mark::Submitted(Some("false".into())),
        Mark::Finished(Some(1)),
    ]
}

fn marks_of(chunks: &[&[u8]]) -> Vec<Mark> {
    let mut screen = Screen::new(40, 5, 100);
    let mut marks = Vec::new();
    for chunk in chunks {
        screen.feed(chunk);
        marks.extend(screen.take_marks());
    }
    marks
}

#[test]
fn a_session_gives_its_marks_in_order() {
    assert_eq!(marks_of(&[&session()]), expected());
}

#[test]
fn marks_cut_at_every_byte_are_the_same() {
    let bytes = session();
    for cut in 0..=bytes.len() {
        let (a, b) = bytes.split_at(cut);
        assert_eq!(marks_of(&[a, b]), expected(), "cut at {cut}");
    }
}

#[test]
fn marks_fed_byte_by_byte_are_the_same() {
    let bytes = session();
    let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(marks_of(&chunks), expected());
}

#[test]
fn a_finish_without_a_start_is_still_told() {
    // A model that starts over from the ring may see only the end.
    assert_eq!(
        marks_of(&[b"output\r\n\x1b]133;D;3\x07"]),
        vec![Mark::Finished(Some(3))]
    );
    assert_eq!(marks_of(&[b"\x1b]133;D\x07"]), vec![Mark::Finished(None)]);
}

#[test]
fn a_command_wrapped_over_lines_is_whole() {
    let mut bytes = PROMPT.as_bytes().to_vec();
    let long = "x".repeat(70);
    bytes.extend_from_slice(long.as_bytes());
    bytes.extend_from_slice(b"\r\n\x1b]133;C\x07");
    assert_eq!(marks_of(&[&bytes]), vec![Mark::Submitted(Some(long))]);
}

#[test]
fn other_oscs_are_not_marks() {
    assert!(marks_of(&[b"\x1b]2;title\x07\x1b]133;Z\x07\x1b]1337;x\x07"]).is_empty());
}

#[test]
fn osc7_takes_the_path_and_decodes_it() {
    let cases = [
        ("\x1b]7;file://h/a/b\x07", Some("/a/b")),
        ("\x1b]7;file:///a%2Fb%25\x1b\\", Some("/a/b%")),
        ("\x1b]7;file://h/caf%C3%A9\x07", Some("/café")),
        ("\x1b]7;file://h/bad%zz\x07", Some("/bad%zz")),
        ("\x1b]7;file://h/nul%00\x07", None),
        ("\x1b]7;http://h/a\x07", None),
        ("\x1b]7;file://h\x07", None),
        ("\x1b]7;file://h/unterminated", None),
        ("\x1b]77;file://h/a\x07", None),
        ("plain text", None),
    ];
    for (piece, want) in cases {
        assert_eq!(osc7(piece).as_deref(), want, "{piece:?}");
    }
}
