//! What termgate's log says on its console (stderr): short human lines on a
//! terminal (`12:03:04 login ok from 127.0.0.1`), one JSON object a line for
//! machines (`--log-format json`, and whenever stderr is not a terminal).
//! The audit file stays JSON either way (`crate::audit` writes it); this
//! only chooses how the same events read here.
//!
//! Human lines escape control characters: an audit field can carry text a
//! stranger chose (a reason, a path), and raw escapes would reach the
//! owner's terminal.
//!
//! `qr` draws the login and public URLs as QR codes for the same console.

pub mod qr;

use crate::cli::LogFormat;
use serde_json::{Map, Value};
use std::fmt::{self, Write as _};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Installs the process's log: TERMGATE_LOG's filter (`info` when unset or
/// unreadable), lines as `format` says. Returns whether they are human.
pub fn init(format: LogFormat) -> bool {
    use std::io::IsTerminal;
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let human = match format {
        LogFormat::Auto => std::io::stderr().is_terminal(),
        LogFormat::Human => true,
        LogFormat::Json => false,
    };
    // `Targets` reads the same `debug` / `termgate=trace,hyper=warn` lists as
    // `EnvFilter` without its regex engine (0.55 MB of the binary).
    let filter = std::env::var("TERMGATE_LOG")
        .ok()
        .and_then(|spec| spec.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .event_format(Lines { human })
        .finish()
        .with(filter)
        .init();
    human
}

/// The target `crate::audit` logs its JSON lines under.
pub const AUDIT_TARGET: &str = "audit";

/// How each log line is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lines {
    /// Human lines; else JSON.
    pub human: bool,
}

impl<S, N> FormatEvent<S, N> for Lines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let meta = event.metadata();
        let now = crate::clock::unix_ms();
        let line = match self.human {
            true => human(now, *meta.level(), meta.target(), &fields),
            false => json(now, *meta.level(), meta.target(), fields),
        };
        writeln!(writer, "{line}")
    }
}

/// An event's message and other fields, as text.
#[derive(Debug, Default)]
struct Fields {
    message: String,
    rest: Vec<(&'static str, String)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, format!("{value:?}"));
    }
}

impl Fields {
    fn put(&mut self, field: &Field, value: String) {
        match field.name() {
            "message" => self.message = value,
            name => self.rest.push((name, value)),
        }
    }
}

/// `12:03:04 login ok from 127.0.0.1`; warnings and errors say so.
fn human(now_ms: u64, level: Level, target: &str, fields: &Fields) -> String {
    let mut line = clock(now_ms);
    line.push(' ');
    match level {
        Level::ERROR => line.push_str("error: "),
        Level::WARN => line.push_str("warning: "),
        _ => {}
    }
    let audit = (target == AUDIT_TARGET)
        .then(|| serde_json::from_str::<Map<String, Value>>(&fields.message).ok())
        .flatten();
    match audit {
        Some(record) => line.push_str(&describe(&record)),
        None => {
            line.push_str(&fields.message);
            for (name, value) in &fields.rest {
                let _ = write!(line, " {name}={value}");
            }
        }
    }
    escape_controls(&line)
}

/// An audit record in words: the event, where from, then its other fields.
fn describe(record: &Map<String, Value>) -> String {
    let event = record.get("event").and_then(Value::as_str).unwrap_or("?");
    let mut text = event.replace('_', " ");
    if let Some(source) = record.get("source") {
        let _ = write!(text, " from {}", plain(source));
    }
    let details: Vec<String> = record
        .iter()
        .filter(|(key, _)| !matches!(key.as_str(), "ts" | "event" | "source"))
        .map(|(key, value)| format!("{key} {}", plain(value)))
        .collect();
    if !details.is_empty() {
        let _ = write!(text, " ({})", details.join(", "));
    }
    text
}

/// A JSON value as a person reads it: strings without their quotes, and
/// otherwise verbatim (a path's `_` stays a `_`).
fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// One JSON object: an audit line as the audit file has it, any other line
/// as `{"ts":…,"level":"warn","msg":…,<fields>}`.
fn json(now_ms: u64, level: Level, target: &str, fields: Fields) -> String {
    if target == AUDIT_TARGET && fields.message.starts_with('{') {
        return fields.message;
    }
    let mut line = Map::new();
    line.insert("ts".into(), now_ms.into());
    line.insert("level".into(), level.as_str().to_ascii_lowercase().into());
    line.insert("msg".into(), fields.message.into());
    for (name, value) in fields.rest {
        line.insert(name.into(), value.into());
    }
    Value::Object(line).to_string()
}

/// `HH:MM:SS` of the day, UTC (the audit file's `ts` is UTC too).
fn clock(unix_ms: u64) -> String {
    let secs = (unix_ms / 1000) % 86_400;
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// Control characters (ESC, CR, BEL…) as visible escapes.
fn escape_controls(text: &str) -> String {
    text.chars()
        .map(|c| match c.is_control() {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str) -> Fields {
        Fields {
            message: text.into(),
            rest: Vec::new(),
        }
    }

    #[test]
    fn an_audit_line_reads_as_words() {
        let at = (12 * 3600 + 3 * 60 + 4) * 1000 + 86_400_000 * 20_000;
        let line = r#"{"ts":1,"event":"login_ok","source":"127.0.0.1"}"#;
        assert_eq!(
            human(at, Level::INFO, AUDIT_TARGET, &message(line)),
            "12:03:04 login ok from 127.0.0.1"
        );
        let line = r#"{"ts":1,"event":"login_failed","reason":"wrong_pin","source":"10.0.0.1"}"#;
        assert_eq!(
            human(at, Level::INFO, AUDIT_TARGET, &message(line)),
            "12:03:04 login failed from 10.0.0.1 (reason wrong_pin)"
        );
        assert_eq!(
            human(at, Level::WARN, "termgate", &message("disk full")),
            "12:03:04 warning: disk full"
        );
    }

    #[test]
    fn escapes_cannot_reach_the_terminal() {
        let line = r#"{"event":"file_write","path":"a\u001b]0;pwned\u0007b"}"#;
        let said = human(0, Level::INFO, AUDIT_TARGET, &message(line));
        assert!(!said.chars().any(char::is_control), "{said:?}");
        assert!(said.contains("\\u{1b}]0;pwned"), "{said:?}");
    }

    #[test]
    fn json_lines_are_objects_and_audit_lines_pass_through() {
        let line = r#"{"ts":1,"event":"login_ok","source":"127.0.0.1"}"#;
        assert_eq!(json(5, Level::INFO, AUDIT_TARGET, message(line)), line);
        let mut fields = message("stopping \"now\"");
        fields.rest.push(("error", "x".into()));
        let said: Value = serde_json::from_str(&json(5, Level::WARN, "termgate", fields)).unwrap();
        assert_eq!(said["level"], "warn");
        assert_eq!(said["msg"], "stopping \"now\"");
        assert_eq!(said["error"], "x");
    }
}
