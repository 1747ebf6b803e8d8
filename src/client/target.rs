//! The server a client talks to: `http://` or `https://`, a host name or
//! address and port, and the base path termgate serves under
//! (`https://example.com/term/`). Parsed here, by hand, because that is all
//! of a URL the client needs and a URL crate would weigh more than this.

use super::error::ClientError;

/// `termgate login` without a URL.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8080";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub tls: bool,
    /// A host name, an IPv4 address, or an IPv6 address without brackets.
    pub host: String,
    pub port: u16,
    /// Starts and ends with `/`.
    pub base: String,
}

impl Target {
    pub fn parse(url: &str) -> Result<Self, ClientError> {
        let bad = |why: &str| ClientError::Usage(format!("`{url}` is not a termgate URL: {why}"));
        let (tls, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(bad("it must start with http:// or https://"));
        };
        if rest.contains(['?', '#']) {
            return Err(bad("no query or fragment"));
        }
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if authority.contains('@') {
            return Err(bad("no user name or password in the URL"));
        }
        let default_port = if tls { 443 } else { 80 };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed `[`"))?;
            let port = match after {
                "" => None,
                _ => Some(
                    after
                        .strip_prefix(':')
                        .ok_or_else(|| bad("junk after `]`"))?,
                ),
            };
            (host, port)
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty() || host.contains([' ', '[', ']']) {
            return Err(bad("no host"));
        }
        let port = match port {
            None => default_port,
            Some(port) => port
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| bad("the port must be 1..=65535"))?,
        };
        let mut base = if path.is_empty() {
            "/".to_string()
        } else {
            path.to_string()
        };
        if !base.ends_with('/') {
            base.push('/');
        }
        Ok(Self {
            tls,
            host: host.to_string(),
            port,
            base,
        })
    }

    /// The `Host` header (and the authority of every URL): the port only
    /// when it is not the scheme's default, as a browser sends it.
    pub fn authority(&self) -> String {
        let host = match self.host.contains(':') {
            true => format!("[{}]", self.host),
            false => self.host.clone(),
        };
        match self.port == if self.tls { 443 } else { 80 } {
            true => host,
            false => format!("{host}:{}", self.port),
        }
    }

    /// `scheme://authority`, as a browser's `Origin` says it.
    pub fn origin(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.authority())
    }

    /// `rest` (no leading `/`) under the base path.
    pub fn path(&self, rest: &str) -> String {
        format!("{}{}", self.base, rest.trim_start_matches('/'))
    }

    /// The URL as it is shown and stored.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{}", self.authority(), self.base)
    }

    /// A WebSocket URL for `rest` under the base path.
    pub fn ws_url(&self, rest: &str) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        format!("{scheme}://{}{}", self.authority(), self.path(rest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_ports_and_bases() {
        let t = Target::parse("https://term.example.com").unwrap();
        assert_eq!(
            (t.tls, t.host.as_str(), t.port),
            (true, "term.example.com", 443)
        );
        assert_eq!(t.url(), "https://term.example.com/");
        let t = Target::parse("http://127.0.0.1:8080/term").unwrap();
        assert_eq!((t.port, t.base.as_str()), (8080, "/term/"));
        assert_eq!(t.authority(), "127.0.0.1:8080");
        assert_eq!(t.path("api/terminals"), "/term/api/terminals");
        assert_eq!(t.ws_url("x"), "ws://127.0.0.1:8080/term/x");
        let t = Target::parse("http://[::1]:9/").unwrap();
        assert_eq!(
            (t.host.as_str(), t.authority()),
            ("::1", "[::1]:9".to_string())
        );
        for bad in [
            "ftp://x",
            "127.0.0.1:8080",
            "http://",
            "http://x:0",
            "http://x:99999",
            "http://u:p@x",
            "http://x/?a",
            "http://[::1",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }
}
