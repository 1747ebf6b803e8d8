//! The checks that run before routing: which `Host` we answer to, which
//! `Origin` may change state, and who the client is (peer address, or the
//! forwarded address when a trusted proxy on loopback relays it).
//!
//! The allowlists are built from the bound port and grow when a tunnel or
//! proxy announces a public host, so they sit behind an `RwLock`.

use crate::error::Error;
use hyper::header::{self, HeaderMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::RwLock;

pub struct Allowlist {
    hosts: RwLock<Vec<String>>,
    origins: RwLock<Vec<String>>,
    /// Hosts only reachable over HTTPS (the tunnel's or proxy's).
    public_hosts: RwLock<Vec<String>>,
    trust_proxy: RwLock<bool>,
    /// Behind a Cloudflare tunnel: `CF-Connecting-IP` is the edge's word.
    cloudflare: std::sync::atomic::AtomicBool,
}

/// Who is asking, as far as the network can tell.
#[derive(Debug, Clone, Copy)]
pub struct Client {
    /// The address budgets are charged to.
    pub source: IpAddr,
    /// The browser reached us over HTTPS (through a trusted proxy or tunnel).
    pub secure: bool,
}

impl Allowlist {
    /// Loopback names on the bound port.
    pub fn new(port: u16, trust_proxy: bool) -> Self {
        let hosts: Vec<String> = [
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
        ]
        .into();
        let origins = hosts.iter().map(|h| format!("http://{h}")).collect();
        Self {
            hosts: RwLock::new(hosts),
            origins: RwLock::new(origins),
            public_hosts: RwLock::new(Vec::new()),
            trust_proxy: RwLock::new(trust_proxy),
            cloudflare: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Admits a public `host` reached as `origin` (tunnel or reverse proxy),
    /// and from then on believes forwarding headers from loopback peers.
    pub fn add_public(&self, host: &str, origin: &str) {
        let mut hosts = self.hosts.write().unwrap_or_else(|p| p.into_inner());
        if !hosts.iter().any(|h| h == host) {
            hosts.push(host.to_string());
        }
        let mut origins = self.origins.write().unwrap_or_else(|p| p.into_inner());
        if !origins.iter().any(|o| o == origin) {
            origins.push(origin.to_string());
        }
        if origin.starts_with("https://") {
            let mut public = self.public_hosts.write().unwrap_or_else(|p| p.into_inner());
            if !public.iter().any(|h| h == host) {
                public.push(host.to_string());
            }
        }
        *self.trust_proxy.write().unwrap_or_else(|p| p.into_inner()) = true;
    }

    /// Requests come through Cloudflare's edge: believe `CF-Connecting-IP`.
    pub fn believe_cloudflare(&self) {
        self.cloudflare
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Stops admitting a public host (its tunnel ended).
    pub fn remove_public(&self, host: &str) {
        let origin = format!("https://{host}");
        self.hosts
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|h| h != host);
        self.origins
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|o| *o != origin);
        self.public_hosts
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|h| h != host);
    }

    /// 421 unless `Host` is exactly one we serve (defeats DNS rebinding).
    pub fn check_host(&self, headers: &HeaderMap) -> Result<(), Error> {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_ascii_lowercase)
            .ok_or(Error::MisdirectedHost)?;
        let hosts = self.hosts.read().unwrap_or_else(|p| p.into_inner());
        if hosts.contains(&host) {
            Ok(())
        } else {
            Err(Error::MisdirectedHost)
        }
    }

    /// 403 unless `Origin` is present, not `null`, and exactly one of ours.
    pub fn check_origin(&self, headers: &HeaderMap) -> Result<(), Error> {
        let origin = headers
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok())
            .ok_or(Error::Forbidden("missing Origin header"))?;
        let origins = self.origins.read().unwrap_or_else(|p| p.into_inner());
        if origins.iter().any(|o| o.eq_ignore_ascii_case(origin)) {
            Ok(())
        } else {
            Err(Error::Forbidden("cross-origin request refused"))
        }
    }

    /// The client's address and transport. Forwarding headers count only when
    /// proxies are trusted *and* the TCP peer is loopback (the proxy itself).
    pub fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> Client {
        let trusted =
            *self.trust_proxy.read().unwrap_or_else(|p| p.into_inner()) && peer.ip().is_loopback();
        if !trusted {
            return Client {
                source: peer.ip(),
                secure: false,
            };
        }
        // A request for an HTTPS-only public host came over HTTPS even when
        // the tunnel does not say so in X-Forwarded-Proto.
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        let public = self.public_hosts.read().unwrap_or_else(|p| p.into_inner());
        Client {
            source: forwarded_for(
                headers,
                self.cloudflare.load(std::sync::atomic::Ordering::Relaxed),
            )
            .unwrap_or(peer.ip()),
            secure: forwarded_https(headers) || public.iter().any(|h| h.eq_ignore_ascii_case(host)),
        }
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The address the nearest proxy saw. Proxies *append* to
/// `X-Forwarded-For`, so only its last entry is theirs; anything before it,
/// and any `X-Real-IP` or `CF-Connecting-IP` a proxy merely passes along, is
/// whatever the client chose to send. So: `CF-Connecting-IP` only behind a
/// Cloudflare tunnel (its edge always overwrites it), then the last
/// `X-Forwarded-For` entry, then the last `Forwarded` element, then
/// `X-Real-IP` for proxies that set nothing else.
fn forwarded_for(headers: &HeaderMap, cloudflare: bool) -> Option<IpAddr> {
    let parse = |text: &str| {
        let text = text.trim().trim_matches('"');
        text.parse::<IpAddr>()
            .ok()
            .or_else(|| text.parse::<SocketAddr>().ok().map(|a| a.ip()))
    };
    if cloudflare && let Some(ip) = header_str(headers, "cf-connecting-ip").and_then(parse) {
        return Some(ip);
    }
    if let Some(ip) = header_str(headers, "x-forwarded-for")
        .and_then(|v| v.rsplit(',').next())
        .and_then(parse)
    {
        return Some(ip);
    }
    let forwarded = header_str(headers, "forwarded")
        .and_then(|v| v.rsplit(',').next())
        .and_then(|last| {
            last.split(';')
                .filter_map(|kv| kv.trim().split_once('='))
                .find(|(k, _)| k.eq_ignore_ascii_case("for"))
                .and_then(|(_, v)| parse(v.trim_matches('"').trim_matches(['[', ']'])))
        });
    forwarded.or_else(|| header_str(headers, "x-real-ip").and_then(parse))
}

fn forwarded_https(headers: &HeaderMap) -> bool {
    if let Some(proto) = header_str(headers, "x-forwarded-proto") {
        return proto
            .rsplit(',')
            .next()
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
    }
    header_str(headers, "forwarded").is_some_and(|v| v.to_ascii_lowercase().contains("proto=https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn host_and_origin_must_match_exactly() {
        let list = Allowlist::new(8080, false);
        assert!(
            list.check_host(&headers(&[("host", "127.0.0.1:8080")]))
                .is_ok()
        );
        assert!(
            list.check_host(&headers(&[("host", "evil.example:8080")]))
                .is_err()
        );
        assert!(
            list.check_host(&headers(&[("host", "127.0.0.1:8081")]))
                .is_err()
        );
        assert!(
            list.check_origin(&headers(&[("origin", "http://localhost:8080")]))
                .is_ok()
        );
        assert!(list.check_origin(&headers(&[("origin", "null")])).is_err());
        assert!(list.check_origin(&HeaderMap::new()).is_err());
        list.add_public("t.example", "https://t.example");
        assert!(list.check_host(&headers(&[("host", "t.example")])).is_ok());
        assert!(
            list.check_origin(&headers(&[("origin", "https://t.example")]))
                .is_ok()
        );
    }

    #[test]
    fn forwarding_headers_only_from_trusted_loopback() {
        let spoof = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-proto", "https"),
        ]);
        let loopback: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let untrusted = Allowlist::new(8080, false).client(loopback, &spoof);
        assert_eq!(untrusted.source, loopback.ip());
        assert!(!untrusted.secure);

        let trusted = Allowlist::new(8080, true);
        // Headers a proxy only passes along do not count.
        let passed_along = headers(&[
            ("x-real-ip", "9.9.9.9"),
            ("cf-connecting-ip", "8.8.8.8"),
            ("x-forwarded-for", "1.1.1.1"),
        ]);
        assert_eq!(
            trusted.client(loopback, &passed_along).source,
            "1.1.1.1".parse::<IpAddr>().unwrap()
        );
        trusted.believe_cloudflare();
        assert_eq!(
            trusted.client(loopback, &passed_along).source,
            "8.8.8.8".parse::<IpAddr>().unwrap()
        );
        let client = trusted.client(
            loopback,
            &headers(&[("x-forwarded-for", "6.6.6.6, 5.6.7.8")]),
        );
        assert_eq!(client.source, "5.6.7.8".parse::<IpAddr>().unwrap());
        let remote: SocketAddr = "10.1.1.1:5000".parse().unwrap();
        assert_eq!(trusted.client(remote, &spoof).source, remote.ip());
    }
}
