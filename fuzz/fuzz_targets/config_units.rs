//! Fuzz target: the units in configuration (`parse_duration`,
//! `parse_size`, `format_duration`), as src/config/units_props.rs states
//! it. Any text is a duration within (0, one year] or an error, and a size or
//! an error, never a panic; every duration termgate prints reads back as
//! itself; and every size written with any unit reads back as its byte
//! count or is refused as too large.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::time::Duration;
use termgate::config::units::{format_duration, parse_duration, parse_size};

const YEAR: u64 = 366 * 86_400;

const SIZE_UNITS: &[(&str, u64)] = &[
    ("", 1),
    ("B", 1),
    ("KB", 1000),
    ("kB", 1000),
    ("MB", 1_000_000),
    ("GB", 1_000_000_000),
    ("KiB", 1 << 10),
    ("K", 1 << 10),
    ("k", 1 << 10),
    ("MiB", 1 << 20),
    ("M", 1 << 20),
    ("GiB", 1 << 30),
    ("G", 1 << 30),
];

fuzz_target!(|data: &[u8]| {
    // Any text.
    let text = String::from_utf8_lossy(data);
    if let Ok(duration) = parse_duration(&text) {
        assert!(
            duration > Duration::ZERO && duration <= Duration::from_secs(YEAR),
            "{text:?}"
        );
    }
    if let Ok(size) = parse_size(&text) {
        // Whatever reads as a size is that many bytes, bare, too.
        assert_eq!(parse_size(&size.to_string()), Ok(size), "{text:?}");
    }

    // A number from the input: as a duration termgate prints, and as a size
    // in every unit.
    let mut word = [0u8; 8];
    let n = data.len().min(8);
    word[..n].copy_from_slice(&data[..n]);
    let n = u64::from_le_bytes(word);
    let duration = if n & 1 == 0 {
        Duration::from_secs(1 + (n >> 1) % YEAR)
    } else {
        Duration::from_millis(1 + (n >> 1) % 999)
    };
    let printed = format_duration(duration);
    assert_eq!(parse_duration(&printed), Ok(duration), "{printed}");
    for (suffix, factor) in SIZE_UNITS {
        let parsed = parse_size(&format!("{n}{suffix}"));
        match n.checked_mul(*factor) {
            Some(bytes) => assert_eq!(parsed, Ok(bytes)),
            None => assert!(parsed.unwrap_err().contains("too large")),
        }
    }
});
