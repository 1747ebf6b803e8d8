//! Reading a tunnel client's output: what it says about the tunnel (created,
//! connected, refused), and its last lines for error messages.
//!
//! Only the places the real tools print their URL count; any other URL in
//! the output (an API host in an error message, a link in a disclaimer) is
//! never taken for the public one. The formats, from the tools' sources and
//! captured runs (tests/fixtures/tunnel-bin):
//! - zrok 0.4/1.x, stderr: JSON (`"msg":"access your zrok share at the
//!   following endpoints:\n https://abc.share.zrok.io"`) when stdout is not a
//!   terminal, else the same as text over two lines;
//! - zrok 2.x, stdout: JSON with a bare host (`\n abc.share.zrok.io`);
//! - zrok 1.x/2.x handing the share to a running agent: `token:"abc"
//!   frontendEndpoints:"https://…"` (protobuf text) and exit 0;
//! - cloudflared, stderr, text or JSON: a box whose line after
//!   `Your quick Tunnel has been created!` holds the URL, printed before the
//!   tunnel is connected; `Registered tunnel connection` once it is; an
//!   HTTP 429 from the quick-tunnel API as `Error unmarshaling QuickTunnel
//!   response: error code: 1015 … status_code="429 Too Many Requests"`.

use std::collections::VecDeque;

/// The phrase zrok prints right before its endpoints.
const ZROK_MARKER: &str = "access your zrok share at the following endpoints:";
/// The first line of cloudflared's box; the URL is on the next.
const CLOUDFLARED_CREATED: &str =
    "Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):";
const CLOUDFLARED_REGISTERED: &str = "Registered tunnel connection";
const CLOUDFLARED_API_ERROR: &str = "Error unmarshaling QuickTunnel response";

/// Which client's format to expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Zrok,
    Cloudflared,
}

/// What a line said about the tunnel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// cloudflared has a URL but no connection yet: not reachable.
    Created(String),
    /// The public origin (`https://host`) is reachable.
    Ready(String),
    /// The quick-tunnel API refused with HTTP 429: retrying makes it worse.
    RateLimited,
    /// zrok gave the share to its agent and exits: termgate cannot end it.
    AgentHandoff { token: String },
}

/// Feeds output lines in; says what each means for the tunnel.
#[derive(Debug)]
pub struct UrlScanner {
    format: Format,
    /// The line that announces the URL was seen; the URL comes next.
    armed: bool,
    /// cloudflared's URL from the box, until the tunnel is registered.
    created: Option<String>,
    last_lines: VecDeque<String>,
}

/// How many lines of output an error message quotes.
pub const KEPT_LINES: usize = 12;

impl UrlScanner {
    pub fn new(format: Format) -> Self {
        Self {
            format,
            armed: false,
            created: None,
            last_lines: VecDeque::with_capacity(KEPT_LINES),
        }
    }

    /// Takes one line of output; returns what it said, if anything.
    pub fn feed(&mut self, line: &str) -> Option<Event> {
        if self.last_lines.len() == KEPT_LINES {
            self.last_lines.pop_front();
        }
        self.last_lines.push_back(line.chars().take(300).collect());
        match self.format {
            Format::Cloudflared => self.cloudflared(line),
            Format::Zrok => self.zrok(line),
        }
    }

    /// cloudflared's URL once its box was printed (connected or not).
    pub fn created(&self) -> Option<&str> {
        self.created.as_deref()
    }

    fn cloudflared(&mut self, line: &str) -> Option<Event> {
        let (message, fields) = cloudflared_message(line);
        let boxed = message
            .strip_prefix('|')
            .and_then(|m| m.strip_suffix('|'))
            .map(str::trim);
        if boxed == Some(CLOUDFLARED_CREATED) {
            self.armed = true;
            return None;
        }
        if std::mem::take(&mut self.armed) {
            let url = boxed
                .filter(|text| text.starts_with("https://"))
                .and_then(origin_of)
                .filter(|origin| origin.ends_with(".trycloudflare.com"))?;
            self.created = Some(url.clone());
            return Some(Event::Created(url));
        }
        if message.starts_with(CLOUDFLARED_REGISTERED) {
            return self.created.clone().map(Event::Ready);
        }
        let rate_limited = message.starts_with(CLOUDFLARED_API_ERROR)
            && (fields.contains("429 Too Many Requests") || message.contains("error code: 1015"));
        rate_limited.then_some(Event::RateLimited)
    }

    fn zrok(&mut self, line: &str) -> Option<Event> {
        if let Some(token) = agent_token(line) {
            return Some(Event::AgentHandoff { token });
        }
        let message = json_field(line, "msg").unwrap_or_else(|| line.to_string());
        if let Some(at) = message.find(ZROK_MARKER) {
            self.armed = true;
            let after = &message[at + ZROK_MARKER.len()..];
            // JSON: the endpoints follow in the same message; text: on the next line.
            let first = after.split_whitespace().next()?;
            self.armed = false;
            return origin_of(first).map(Event::Ready);
        }
        if std::mem::take(&mut self.armed) {
            let mut words = message.split_whitespace();
            if let (Some(word), None) = (words.next(), words.next()) {
                return origin_of(word).map(Event::Ready);
            }
        }
        None
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

/// cloudflared's message and the rest of its line: a JSON line's `message`
/// and its other fields, or a text line after `TIME LVL `.
fn cloudflared_message(line: &str) -> (String, String) {
    if let Some(message) = json_field(line, "message") {
        return (message, line.to_string());
    }
    let mut parts = line.splitn(3, ' ');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(_time), Some("DBG" | "INF" | "WRN" | "ERR" | "FTL"), Some(rest)) => {
            (rest.trim_end().to_string(), rest.to_string())
        }
        _ => (line.trim_end().to_string(), String::new()),
    }
}

/// A string field of a line that is one JSON object.
fn json_field(line: &str, key: &str) -> Option<String> {
    if !line.trim_start().starts_with('{') {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    Some(value.get(key)?.as_str()?.to_string())
}

/// The share token of zrok's agent reply (`token:"abc"  frontendEndpoints:"…"`).
fn agent_token(line: &str) -> Option<String> {
    let rest = line.trim_start().strip_prefix("token:\"")?;
    let (token, after) = rest.split_once('"')?;
    after
        .contains("frontendEndpoints:")
        .then(|| token.to_string())
}

/// `https://host` for a word that is an https URL or a bare host name.
fn origin_of(word: &str) -> Option<String> {
    let host = word
        .strip_prefix("https://")
        .unwrap_or(word)
        .trim_end_matches('/');
    // A DNS name (RFC 1123): at least two labels of 1..=63 letters, digits
    // and inner hyphens, an alphabetic top-level label, 253 bytes at most.
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let plausible = host.contains('.')
        && host.len() <= 253
        && host.split('.').all(label_ok)
        && host
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    plausible.then(|| format!("https://{}", host.to_ascii_lowercase()))
}

#[cfg(test)]
#[path = "output_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "output_props.rs"]
mod prop_tests;
