//! Human units in configuration: durations ("90s", "30m", "12h", "1d") and
//! byte sizes ("1MiB", "512KiB", "100MB", "4096").

use std::time::Duration;

/// Parses `<number><unit>` with unit ms, s, m, h or d, or several such parts
/// that add up ("1h 30m 5s", as [`format_duration`] prints them). A bare
/// number is refused: "30" could be seconds or minutes.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let unreadable = || format!("`{text}` is not a duration like 90s, 30m, 12h or 1h 30m");
    let mut rest = text;
    let mut seconds = 0.0;
    let mut parts = 0;
    loop {
        let split = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(split);
        let value: f64 = number.parse().map_err(|_| unreadable())?;
        let after = after.trim_start();
        let split = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(split);
        let scale = match unit {
            "ms" => 0.001,
            "s" | "sec" => 1.0,
            // A bare number could mean seconds or minutes: ask for the unit.
            "" if parts == 0 && after.is_empty() => {
                return Err(format!("{number}: add a unit, e.g. {number}s or 5m"));
            }
            "m" | "min" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            "" => return Err(unreadable()),
            other => {
                return Err(format!(
                    "unknown duration unit `{other}` (use ms, s, m, h or d)"
                ));
            }
        };
        seconds += value * scale;
        parts += 1;
        rest = after.trim_start();
        if rest.is_empty() {
            break;
        }
    }
    // Checked after the conversion too: a positive float below a
    // nanosecond becomes a zero `Duration`.
    let in_range = seconds.is_finite() && seconds > 0.0 && seconds <= 366.0 * 86_400.0;
    match in_range.then(|| Duration::from_secs_f64(seconds)) {
        Some(duration) if !duration.is_zero() => Ok(duration),
        _ => Err(format!(
            "`{text}` is out of range (more than 0, at most a year)"
        )),
    }
}

/// A duration as people say it: "3h", "25s", "1h 30m" (whole seconds).
pub fn format_duration(duration: Duration) -> String {
    let mut secs = duration.as_secs();
    if secs == 0 {
        return format!("{} ms", duration.as_millis());
    }
    let mut parts = Vec::new();
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= size {
            parts.push(format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    parts.join(" ")
}

/// Parses a byte size: a bare number, or with B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size like 1MiB or 65536"))?;
    let factor: u64 = match unit.trim() {
        "" | "B" => 1,
        "KB" | "kB" => 1000,
        "MB" => 1000 * 1000,
        "GB" => 1000 * 1000 * 1000,
        "KiB" | "K" | "k" => 1 << 10,
        "MiB" | "M" => 1 << 20,
        "GiB" | "G" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit `{other}` (use B, KiB, MiB, GiB)"
            ));
        }
    };
    value
        .checked_mul(factor)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("45s").is_ok());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5w").is_err());
        assert!(parse_duration("1h 30").is_err());
        assert!(parse_duration("1h x").is_err());
        assert_eq!(format_duration(Duration::from_secs(3 * 3600)), "3h");
        assert_eq!(format_duration(Duration::from_secs(5400 + 5)), "1h 30m 5s");
        assert_eq!(format_duration(Duration::from_millis(250)), "250 ms");
    }

    /// Found by `a_printed_duration_reads_back_as_itself`: "1m 1s", as the
    /// idle shutdown prints it, was an unknown unit `m 1s`.
    #[test]
    fn a_duration_as_termgate_prints_it_reads_back() {
        assert_eq!(parse_duration("1m 1s"), Ok(Duration::from_secs(61)));
        assert_eq!(parse_duration("1h 30m 5s"), Ok(Duration::from_secs(5405)));
        assert_eq!(parse_duration("250 ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1d 1h"), Ok(Duration::from_secs(90_000)));
    }

    /// Found by the `config_units` fuzz target: a positive duration below a
    /// nanosecond (".000…08", "0.0000000001s") passed the "more than 0"
    /// check as a float and became a zero `Duration`.
    #[test]
    fn a_duration_below_a_nanosecond_is_refused_not_zero() {
        let tiny = format!(".{}8s", "0".repeat(28));
        for text in [tiny.as_str(), "0.0000000001s", "0.0000000001ms"] {
            let parsed = parse_duration(text);
            assert!(parsed.unwrap_err().contains("out of range"), "{text}");
        }
        assert_eq!(parse_duration("0.000000001s"), Ok(Duration::from_nanos(1)));
    }

    /// "30" could be seconds or minutes (a session's idle timeout is
    /// usually thought of in minutes): it is refused, with the fix.
    #[test]
    fn a_bare_number_is_refused_with_the_units_to_add() {
        for bare in ["30", " 30 ", "1.5", "0"] {
            let err = parse_duration(bare).unwrap_err();
            let number = bare.trim();
            assert_eq!(err, format!("{number}: add a unit, e.g. {number}s or 5m"));
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("100MB"), Ok(100_000_000));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999GiB").is_err());
    }
}

#[cfg(test)]
#[path = "units_props.rs"]
mod prop_tests;
