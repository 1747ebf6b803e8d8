//! The encoder's lines, its UTF-8 carry at every split and its cap.

use super::*;

const SECOND: Duration = Duration::from_secs(1);

/// Every `"o"` data of `lines` joined, each line checked to be an event.
fn output_of(lines: &[u8]) -> String {
    let mut text = String::new();
    for line in std::str::from_utf8(lines).unwrap().lines() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        let event = event.as_array().unwrap();
        assert_eq!(event.len(), 3, "{line}");
        assert!(event[0].as_f64().unwrap() >= 0.0, "{line}");
        if event[1] == "o" {
            text.push_str(event[2].as_str().unwrap());
        }
    }
    text
}

fn encode(chunks: &[&[u8]]) -> Vec<u8> {
    let mut encoder = Encoder::new(u64::MAX);
    let mut out = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        encoder.output(SECOND * i as u32, chunk, &mut out);
    }
    encoder.finish(SECOND * chunks.len() as u32, &mut out);
    out
}

#[test]
fn header_and_events_are_asciicast_v3() {
    let mut encoder = Encoder::new(u64::MAX);
    let header = encoder.header(&Header {
        cols: 80,
        rows: 24,
        timestamp: 1_700_000_000,
        title: "bash \"x\"",
        input: false,
    });
    let value: serde_json::Value = serde_json::from_slice(&header).unwrap();
    assert_eq!(
        value,
        json!({"version": 3, "term": {"cols": 80, "rows": 24, "type": "xterm-256color"},
               "timestamp": 1_700_000_000u64, "title": "bash \"x\""})
    );
    assert!(header.ends_with(b"\n"));
    let mut out = Vec::new();
    encoder.output(Duration::from_millis(250), b"hi\x1b[0m\n", &mut out);
    encoder.resize(Duration::from_millis(1250), (100, 30), &mut out);
    encoder.exit(Duration::from_millis(1500), 3, &mut out);
    assert_eq!(
        std::str::from_utf8(&out).unwrap(),
        "[0.250000, \"o\", \"hi\\u001b[0m\\n\"]\n[1.000000, \"r\", \"100x30\"]\n[0.250000, \"x\", \"3\"]\n"
    );
    assert_eq!(encoder.written(), (header.len() + out.len()) as u64);
}

#[test]
fn utf8_split_at_every_byte_boundary_decodes_whole() {
    let text = "aé€😀z\u{10FFFF}b";
    let bytes = text.as_bytes();
    for cut in 0..=bytes.len() {
        let (a, b) = bytes.split_at(cut);
        assert_eq!(output_of(&encode(&[a, b])), text, "cut at {cut}");
    }
    // And cut everywhere at once: one byte a chunk.
    let singles: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(output_of(&encode(&singles)), text);
}

#[test]
fn invalid_bytes_are_replaced_like_from_utf8_lossy_wherever_the_cut() {
    let cases: [&[u8]; 5] = [
        b"a\xffb",
        b"\xe2\x82z\xf0\x9f\x98",
        b"\xc3\xa9\x80\x80\xed\xa0\x80ok",
        b"\xf4\x90\x80\x80end",
        "é€".as_bytes(),
    ];
    for bytes in cases {
        let expected = String::from_utf8_lossy(bytes);
        for cut in 0..=bytes.len() {
            let (a, b) = bytes.split_at(cut);
            assert_eq!(
                output_of(&encode(&[a, b])),
                expected,
                "{bytes:?} cut at {cut}"
            );
        }
    }
}

#[test]
fn a_partial_character_before_a_resize_or_exit_is_not_lost() {
    let mut encoder = Encoder::new(u64::MAX);
    let mut out = Vec::new();
    encoder.output(SECOND, b"x\xe2\x82", &mut out);
    encoder.exit(SECOND * 2, 0, &mut out);
    assert_eq!(output_of(&out), "x\u{FFFD}");
    assert!(
        std::str::from_utf8(&out)
            .unwrap()
            .ends_with("[0.000000, \"x\", \"0\"]\n")
    );
}

#[test]
fn the_cap_ends_with_one_marker_and_is_never_crossed() {
    let cap = 1000;
    let mut encoder = Encoder::new(cap);
    let mut out = encoder.header(&Header {
        cols: 80,
        rows: 24,
        timestamp: 0,
        title: "t",
        input: false,
    });
    for i in 0..100 {
        encoder.output(SECOND * i, b"0123456789", &mut out);
    }
    encoder.exit(SECOND * 200, 0, &mut out);
    assert!(encoder.truncated());
    assert!(out.len() as u64 <= cap, "{} > {cap}", out.len());
    assert_eq!(out.len() as u64, encoder.written());
    let text = String::from_utf8(out).unwrap();
    let last = text.lines().last().unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(last).unwrap()[2],
        TRUNCATED
    );
    assert_eq!(text.matches(TRUNCATED).count(), 1);
    assert!(!text.contains("\"x\""), "nothing after the marker");
}

#[test]
fn a_gap_is_a_marker_with_the_bytes_lost() {
    let mut encoder = Encoder::new(u64::MAX);
    let mut out = Vec::new();
    encoder.gap(SECOND, 4096, &mut out);
    let event: serde_json::Value =
        serde_json::from_str(std::str::from_utf8(&out).unwrap().trim()).unwrap();
    assert_eq!(event[1], "m");
    assert!(event[2].as_str().unwrap().contains("4096 bytes"));
}

#[test]
fn a_chunk_past_the_cap_is_cut_to_what_fits_at_a_character() {
    let cap = 4096;
    let mut encoder = Encoder::new(cap);
    let mut out = Vec::new();
    let text = "é\u{1b}x".repeat(3000);
    encoder.output(SECOND, text.as_bytes(), &mut out);
    assert!(encoder.truncated());
    assert!(
        out.len() as u64 <= cap && out.len() as u64 > cap - 200,
        "{}",
        out.len()
    );
    let kept = output_of(&out);
    assert!(!kept.is_empty() && text.starts_with(&kept));
    let last = std::str::from_utf8(&out)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string();
    assert!(last.starts_with("[0.000000, \"m\""), "{last}");
}

#[test]
fn input_is_tagged_in_the_header_and_keeps_its_own_utf8_carry() {
    let mut encoder = Encoder::new(u64::MAX);
    let header = encoder.header(&Header {
        cols: 80,
        rows: 24,
        timestamp: 0,
        title: "t",
        input: true,
    });
    let value: serde_json::Value = serde_json::from_slice(&header).unwrap();
    assert_eq!(value["tags"], json!([INPUT_TAG]));
    let mut out = Vec::new();
    // A "€" typed across two frames, with output's own split "é" between.
    encoder.input(SECOND, b"a\xe2\x82", &mut out);
    encoder.output(SECOND, b"\xc3", &mut out);
    encoder.input(2 * SECOND, b"\xac\r", &mut out);
    encoder.output(2 * SECOND, b"\xa9", &mut out);
    // A half character left at the end is not lost.
    encoder.input(3 * SECOND, b"\xe2", &mut out);
    encoder.finish(3 * SECOND, &mut out);
    assert_eq!(
        std::str::from_utf8(&out).unwrap(),
        "[1.000000, \"i\", \"a\"]\n[1.000000, \"i\", \"€\\r\"]\n\
         [0.000000, \"o\", \"é\"]\n[1.000000, \"i\", \"\u{FFFD}\"]\n"
    );
}
