//! Properties of the units in configuration: every duration termgate prints
//! reads back as itself (`parse(format(d)) == d`, "1h 30m 5s" and "250 ms"
//! included); every size written with any unit reads back as its byte count
//! or is refused as too large; and garbage in a duration or size setting is
//! an error that names that setting.

use super::*;
use crate::cli::ServeArgs;
use crate::config::Config;
use crate::config::file::FileConfig;
use proptest::prelude::*;
use std::path::PathBuf;

const YEAR: u64 = 366 * 86_400;

fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (1..=YEAR).prop_map(Duration::from_secs),
        (1..1000u64).prop_map(Duration::from_millis),
        prop::sample::select(vec![60, 3600, 86_400, 5405, YEAR]).prop_map(Duration::from_secs),
    ]
}

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

/// Text that is mostly not a duration or a size.
fn garbage() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,12}",
        "[0-9]{0,3}[a-zA-Z ]{1,4}",
        "-?[0-9.]{1,6}[smhdw]?",
        "[0-9]{20,30}G?"
    ]
}

fn merged(file: FileConfig) -> Result<Config, (&'static str, String)> {
    let dir = std::env::temp_dir();
    let args = ServeArgs {
        cwd: Some(dir.clone()),
        shell: Some(PathBuf::from("/bin/sh")),
        ..ServeArgs::default()
    };
    Config::merge(&args, &file, dir)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_printed_duration_reads_back_as_itself(duration in duration()) {
        let text = format_duration(duration);
        prop_assert_eq!(parse_duration(&text), Ok(duration), "{}", text);
    }

    #[test]
    fn a_size_reads_back_or_is_too_large(n in any::<u64>(), small in 0..100_000u64, unit in 0..SIZE_UNITS.len(), pick: bool) {
        let n = if pick { small } else { n };
        let (suffix, factor) = SIZE_UNITS[unit];
        let parsed = parse_size(&format!("{n}{suffix}"));
        match n.checked_mul(factor) {
            Some(bytes) => prop_assert_eq!(parsed, Ok(bytes)),
            None => prop_assert!(parsed.unwrap_err().contains("too large")),
        }
    }

    #[test]
    fn unit_parsers_never_panic(text in garbage()) {
        let _ = parse_duration(&text);
        let _ = parse_size(&text);
    }
}

proptest! {
    // Each case builds a whole configuration (a canonicalize or two).
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn garbage_in_a_setting_is_an_error_naming_it(text in garbage(), which in 0..4usize) {
        let mut file = FileConfig::default();
        let (key, bad) = match which {
            0 => { file.idle_timeout = Some(text.clone()); ("idle_timeout", parse_duration(&text).is_err()) }
            1 => { file.session_lifetime = Some(text.clone()); ("session_lifetime", parse_duration(&text).is_err()) }
            2 => { file.scrollback = Some(text.clone()); ("scrollback", parse_size(&text).is_err()) }
            _ => { file.max_upload = Some(text.clone()); ("max_upload", parse_size(&text).is_err()) }
        };
        match merged(file) {
            Ok(_) => prop_assert!(!bad, "{key} = {text:?} was accepted"),
            Err((named, message)) => {
                prop_assert_eq!(named, key, "{}", message);
                prop_assert!(!message.is_empty());
            }
        }
    }
}
