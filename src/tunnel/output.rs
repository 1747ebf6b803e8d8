//! Reading a tunnel client's output: finding the public URL in each tool's
//! format, and keeping the last lines for error messages.
//!
//! Formats seen in the field:
//! - zrok 0.4 text: `… INFO …: access your zrok share at the following endpoints:`
//!   then ` https://abc.share.zrok.io` on the next line;
//! - zrok 1.x JSON: `{"level":"info","msg":"access your zrok share at the following endpoints:\n https://abc.share.zrok.io"}`;
//! - zrok 2.x JSON: the same message with a bare host (`abc.shares.zrok.io`);
//! - cloudflared: a box on stderr whose line holds `https://words.trycloudflare.com`.

use std::collections::VecDeque;

/// The phrase zrok prints right before its endpoints.
const ZROK_MARKER: &str = "access your zrok share at the following endpoints";

/// Which client's format to expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Zrok,
    Cloudflared,
}

/// Feeds output lines in; yields the public `https://` origin once seen.
#[derive(Debug)]
pub struct UrlScanner {
    format: Format,
    /// zrok printed its marker; the endpoint may be on the next line.
    zrok_armed: bool,
    last_lines: VecDeque<String>,
}

/// How many lines of output an error message quotes.
pub const KEPT_LINES: usize = 12;

impl UrlScanner {
    pub fn new(format: Format) -> Self {
        Self {
            format,
            zrok_armed: false,
            last_lines: VecDeque::with_capacity(KEPT_LINES),
        }
    }

    /// Takes one line of output; returns the public origin if it holds it.
    pub fn feed(&mut self, line: &str) -> Option<String> {
        if self.last_lines.len() == KEPT_LINES {
            self.last_lines.pop_front();
        }
        self.last_lines.push_back(line.chars().take(300).collect());
        match self.format {
            Format::Cloudflared => line
                .split(|c: char| c.is_whitespace() || c == '|')
                .find_map(|word| origin_of(word).filter(|o| o.ends_with(".trycloudflare.com"))),
            Format::Zrok => {
                // JSON lines carry the endpoint in the message after an escaped newline.
                let text = line.replace("\\n", "\n");
                if let Some(at) = text.find(ZROK_MARKER) {
                    self.zrok_armed = true;
                    let after = &text[at + ZROK_MARKER.len()..];
                    if let Some(origin) = after
                        .split(|c: char| c.is_whitespace() || c == '"')
                        .find_map(origin_of)
                    {
                        return Some(origin);
                    }
                    return None;
                }
                if self.zrok_armed {
                    return text
                        .split(|c: char| c.is_whitespace() || c == '"')
                        .find_map(origin_of);
                }
                None
            }
        }
    }

    /// The last lines seen, for "no URL within 30 s" and crash messages.
    pub fn last_lines(&self) -> String {
        self.last_lines
            .iter()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// `https://host` for a word that is an https URL or a bare host name.
fn origin_of(word: &str) -> Option<String> {
    let word = word.trim_matches(|c: char| c == ',' || c == '.' || c == ')' || c == '(');
    let host = word
        .strip_prefix("https://")
        .unwrap_or(word)
        .trim_end_matches('/');
    let plausible = host.contains('.')
        && !host.contains("://")
        && !host.starts_with('.')
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && host
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    if !plausible || word.starts_with("http://") {
        return None;
    }
    Some(format!("https://{}", host.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(format: Format, lines: &[&str]) -> Option<String> {
        let mut scanner = UrlScanner::new(format);
        lines.iter().find_map(|line| scanner.feed(line))
    }

    #[test]
    fn zrok_text_format_on_two_lines() {
        let lines = [
            "[   0.069]    INFO main.(*sharePublicCommand).run: access your zrok share at the following endpoints:",
            " https://3s9fddkilbi6.share.zrok.io",
        ];
        assert_eq!(
            scan(Format::Zrok, &lines).as_deref(),
            Some("https://3s9fddkilbi6.share.zrok.io")
        );
    }

    #[test]
    fn zrok_json_formats() {
        let v1 = r#"{"level":"info","msg":"access your zrok share at the following endpoints:\n https://abc123.share.zrok.io","time":"x"}"#;
        assert_eq!(
            scan(Format::Zrok, &[v1]).as_deref(),
            Some("https://abc123.share.zrok.io")
        );
        let v2 = r#"{"time":"2026-10-03T22:44:05Z","level":"INFO","msg":"access your zrok share at the following endpoints:\n 1yiutxunuio0.shares.zrok.io"}"#;
        assert_eq!(
            scan(Format::Zrok, &[v2]).as_deref(),
            Some("https://1yiutxunuio0.shares.zrok.io")
        );
    }

    #[test]
    fn zrok_ignores_other_urls_before_the_marker() {
        let lines = [
            "connecting to https://api-v2.zrok.io",
            "sharing target http://127.0.0.1:8080",
        ];
        assert_eq!(scan(Format::Zrok, &lines), None);
    }

    #[test]
    fn cloudflared_box() {
        let lines = [
            "2026-11-26T10:00:00Z INF Requesting new quick Tunnel on trycloudflare.com...",
            "2026-11-26T10:00:01Z INF +--------------------------------------------------------------------------------------------+",
            "2026-11-26T10:00:01Z INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |",
            "2026-11-26T10:00:01Z INF |  https://alpha-beta-gamma-delta.trycloudflare.com                                          |",
        ];
        assert_eq!(
            scan(Format::Cloudflared, &lines).as_deref(),
            Some("https://alpha-beta-gamma-delta.trycloudflare.com")
        );
    }

    #[test]
    fn last_lines_are_kept_and_bounded() {
        let mut scanner = UrlScanner::new(Format::Cloudflared);
        for n in 0..100 {
            scanner.feed(&format!("line {n}"));
        }
        let text = scanner.last_lines();
        assert!(text.contains("line 99") && !text.contains("line 87"));
    }
}
