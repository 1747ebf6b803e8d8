//! Reading the audit trail back, newest first: for the owner's audit view
//! (`GET /api/audit`) and `termgate audit`. Both files of `audit.log`
//! (the current one and its rotated `.1`) are read whole — each is capped
//! at [`super::MAX_BYTES`] — and lines that do not parse are skipped.

use serde_json::Value;
use std::path::Path;

/// Most entries one page may hold.
pub const MAX_PAGE: usize = 200;

/// One page of entries, newest first, and whether older ones remain.
#[derive(Debug, serde::Serialize)]
pub struct Page {
    pub entries: Vec<Value>,
    pub more: bool,
}

/// Entries of `audit_log` (and its `.1`) whose `event` is `event` (any when
/// `None`), newest first, skipping the `offset` newest matches.
pub fn page(audit_log: &Path, event: Option<&str>, offset: usize, limit: usize) -> Page {
    let mut rotated = audit_log.as_os_str().to_owned();
    rotated.push(".1");
    let mut lines = Vec::new();
    for path in [Path::new(&rotated), audit_log] {
        if let Ok(text) = std::fs::read_to_string(path) {
            lines.extend(text.lines().map(str::to_owned));
        }
    }
    let mut matching = lines
        .iter()
        .rev()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|entry| event.is_none_or(|wanted| entry["event"] == wanted))
        .skip(offset);
    let limit = limit.clamp(1, MAX_PAGE);
    let entries: Vec<Value> = matching.by_ref().take(limit).collect();
    let more = matching.next().is_some();
    Page { entries, more }
}

/// `2026-12-03 06:28:21` (UTC) for unix milliseconds: how `termgate audit`
/// prints times, without a date crate (days to civil date, as in
/// H. Hinnant's `civil_from_days`).
pub fn utc(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// One entry as a line a person reads: time, event, then the other fields.
pub fn human(entry: &Value) -> String {
    let ts = entry["ts"].as_u64().map(utc).unwrap_or_default();
    let event = entry["event"].as_str().unwrap_or("?");
    let mut line = format!("{ts}  {event}");
    if let Value::Object(fields) = entry {
        for (key, value) in fields.iter().filter(|(k, _)| *k != "ts" && *k != "event") {
            match value {
                Value::String(text) => line.push_str(&format!("  {key}={text}")),
                other => line.push_str(&format!("  {key}={other}")),
            }
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_newest_first_across_the_rotated_file_and_filter_by_event() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.log");
        let line = |ts: u64, event: &str| format!("{{\"ts\":{ts},\"event\":\"{event}\"}}\n");
        std::fs::write(
            dir.path().join("audit.log.1"),
            line(1, "login_ok") + &line(2, "login_failed"),
        )
        .unwrap();
        std::fs::write(
            &log,
            line(3, "login_ok") + "not json\n" + &line(4, "login_failed"),
        )
        .unwrap();
        let all = page(&log, None, 0, 3);
        let ts: Vec<u64> = all
            .entries
            .iter()
            .map(|e| e["ts"].as_u64().unwrap())
            .collect();
        assert_eq!(ts, [4, 3, 2]);
        assert!(all.more);
        let rest = page(&log, None, 3, 3);
        assert_eq!(rest.entries.len(), 1);
        assert!(!rest.more);
        let failed = page(&log, Some("login_failed"), 0, 50);
        let ts: Vec<u64> = failed
            .entries
            .iter()
            .map(|e| e["ts"].as_u64().unwrap())
            .collect();
        assert_eq!(ts, [4, 2]);
    }

    #[test]
    fn times_read_as_utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        // Checked against `date -u -d @SECONDS`.
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00");
        assert_eq!(utc(1_796_236_859_327), "2026-12-02 18:40:59");
        let entry = serde_json::json!({"ts": 0, "event": "login_ok", "source": "127.0.0.1"});
        assert_eq!(
            human(&entry),
            "1970-01-01 00:00:00  login_ok  source=127.0.0.1"
        );
    }
}
