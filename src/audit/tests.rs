//! The audit files: JSON lines, rotation, and refusals summed apart.

use super::*;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn lines_are_json_and_rotation_caps_size() {
    let dir = tempfile::tempdir().unwrap();
    let audit = Audit::open(dir.path());
    audit.record(
        "login_failed",
        json!({"reason": "wrong_pin", "source": "127.0.0.1"}),
    );
    assert!(audit.sync(WAIT));
    let text = std::fs::read_to_string(audit.path()).unwrap();
    let line: Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(line["event"], "login_failed");
    assert_eq!(line["reason"], "wrong_pin");

    let filler = "x".repeat(4096);
    for _ in 0..400 {
        audit.record("file_write", json!({ "pad": filler }));
        // Paced so the bounded queue never drops: this is about rotation.
        assert!(audit.sync(WAIT));
    }
    assert!(std::fs::metadata(audit.path()).unwrap().len() <= MAX_BYTES);
    assert!(dir.path().join("audit.log.1").exists());
}

#[test]
fn refusals_are_summed_per_source_and_kept_out_of_the_event_log() {
    let dir = tempfile::tempdir().unwrap();
    let audit = Audit::open(dir.path());
    audit.record(
        "login_failed",
        json!({"reason": "wrong_pin", "source": "10.0.0.1"}),
    );
    for _ in 0..100_000 {
        audit.refused("login_refused", "10.0.0.1", "locked_out");
    }
    audit.refused("login_refused", "10.0.0.2", "locked_out");
    assert!(audit.sync(WAIT));
    let events = std::fs::read_to_string(audit.path()).unwrap();
    assert_eq!(events.lines().count(), 1, "{events}");
    let refusals = std::fs::read_to_string(audit.refusals_path()).unwrap();
    let lines: Vec<Value> = refusals
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{refusals}");
    assert_eq!(lines[0]["source"], "10.0.0.1");
    assert_eq!(lines[0]["count"], 100_000);
    assert_eq!(lines[1]["count"], 1);
}

#[test]
fn more_sources_than_counters_are_summed_as_others() {
    let dir = tempfile::tempdir().unwrap();
    let audit = Audit::open(dir.path());
    for n in 0..(MAX_TALLIES as u32 + 1000) {
        let source = std::net::Ipv4Addr::from(n).to_string();
        audit.refused("login_refused", &source, "locked_out");
    }
    assert!(audit.sync(WAIT));
    let refusals = std::fs::read_to_string(audit.refusals_path()).unwrap();
    assert_eq!(refusals.lines().count(), MAX_TALLIES + 1);
    assert!(refusals.contains(r#""count":1000"#) && refusals.contains("others"));
}

#[test]
fn a_full_queue_drops_and_counts_rather_than_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let audit = Audit::open(dir.path());
    // Far more than the queue holds, faster than any disk: never blocks.
    for _ in 0..(QUEUE * 8) {
        audit.record("file_write", json!({}));
    }
    assert!(audit.sync(WAIT));
    // Enough lines to rotate once: count both files.
    let rotated = std::fs::read_to_string(dir.path().join("audit.log.1")).unwrap_or_default();
    let events = rotated + &std::fs::read_to_string(audit.path()).unwrap();
    let written = events.lines().filter(|l| l.contains("file_write")).count() as u64;
    let dropped: u64 = events
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["event"] == "audit_dropped")
        .filter_map(|l| l["count"].as_u64())
        .sum();
    assert_eq!(
        written + dropped,
        (QUEUE * 8) as u64,
        "nothing lost uncounted"
    );
}

#[test]
fn a_page_read_right_after_a_record_holds_it() {
    // The owner's view reads the file the writer thread fills: without waiting
    // for the writer, the event just caused is often not there yet.
    let dir = tempfile::tempdir().unwrap();
    let audit = Audit::open(dir.path());
    for n in 0..200 {
        audit.record("file_write", json!({ "n": n }));
        let page = audit.read_page(None, 0, 1);
        assert_eq!(page.entries.first().map(|e| e["n"].clone()), Some(json!(n)));
    }
}
