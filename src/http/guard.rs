//! The checks that run before routing: which `Host` we answer to, which
//! `Origin` may change state, and who the client is (peer address, or the
//! forwarded address when a proxy we know of relays it).
//!
//! The loopback names on the bound port are fixed; what is public comes
//! from [`Exposure::sides`](crate::exposure::Exposure::sides), read once per
//! request, so the gate never holds a copy that could outlive a tunnel.

use crate::error::Error;
use crate::exposure::{PublicSide, Via};
use hyper::Uri;
use hyper::header::{self, HeaderMap};
use std::net::{IpAddr, SocketAddr};

pub struct Allowlist {
    hosts: Vec<String>,
    origins: Vec<String>,
    /// `--trust-proxy`: the owner's own proxy on loopback, for any `Host`.
    trust_proxy: bool,
}

/// Who is asking, as far as the network can tell.
#[derive(Debug, Clone, Copy)]
pub struct Remote {
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
            hosts,
            origins,
            trust_proxy,
        }
    }

    /// 421 unless the request is for exactly a host we serve (defeats DNS
    /// rebinding): see [`request_host`].
    pub fn check_host(
        &self,
        uri: &Uri,
        headers: &HeaderMap,
        public: &[PublicSide],
    ) -> Result<(), Error> {
        let host = request_host(uri, headers).ok_or(Error::MisdirectedHost)?;
        if self.hosts.contains(&host) || public.iter().any(|side| side.host == host) {
            Ok(())
        } else {
            Err(Error::MisdirectedHost)
        }
    }

    /// 403 unless `Origin` is present, not `null`, and exactly one of ours,
    /// byte for byte: browsers serialise an origin with a lowercase scheme
    /// and host, which is how ours are kept, so anything else did not come
    /// from a browser on our page.
    pub fn check_origin(&self, headers: &HeaderMap, public: &[PublicSide]) -> Result<(), Error> {
        let origin = headers
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok())
            .ok_or(Error::Forbidden("missing Origin header"))?;
        let ours = self.origins.iter().map(String::as_str);
        let mut ours = ours.chain(public.iter().map(|side| side.origin.as_str()));
        if ours.any(|o| o == origin) {
            Ok(())
        } else {
            Err(Error::Forbidden("cross-origin request refused"))
        }
    }

    /// The client's address and transport. Forwarding headers count only
    /// from a loopback peer (the proxy or tunnel client itself), and only
    /// when the request is for a public host we have now, or the owner said
    /// `--trust-proxy`. `CF-Connecting-IP` counts only for a host that is
    /// Cloudflare's right now.
    pub fn client(
        &self,
        peer: SocketAddr,
        uri: &Uri,
        headers: &HeaderMap,
        public: &[PublicSide],
    ) -> Remote {
        let host = request_host(uri, headers).unwrap_or_default();
        let side = public.iter().find(|side| side.host == host);
        let trusted = peer.ip().is_loopback() && (self.trust_proxy || side.is_some());
        if !trusted {
            return Remote {
                source: peer.ip(),
                secure: false,
            };
        }
        let cloudflare = side.is_some_and(|side| side.via == Via::Cloudflare);
        Remote {
            source: forwarded_for(headers, cloudflare).unwrap_or(peer.ip()),
            // A public host is HTTPS-only, even when the tunnel does not
            // say so in X-Forwarded-Proto.
            secure: side.is_some() || forwarded_https(headers),
        }
    }
}

/// The host a request is for, lowercased (host names are case-insensitive):
/// the authority of an absolute-form target (`GET http://host/path`), which
/// RFC 9112 §3.2.2 says a server must use instead of `Host`, else `Host`.
/// An authority with user info never matches a host we serve.
pub fn request_host(uri: &Uri, headers: &HeaderMap) -> Option<String> {
    if let Some(authority) = uri.authority() {
        return Some(authority.as_str().to_ascii_lowercase());
    }
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase)
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
        let host = |h: &str, public: &[PublicSide]| {
            list.check_host(&root(), &headers(&[("host", h)]), public)
        };
        let origin =
            |o: &str, public: &[PublicSide]| list.check_origin(&headers(&[("origin", o)]), public);
        assert!(host("127.0.0.1:8080", &[]).is_ok());
        assert!(host("evil.example:8080", &[]).is_err());
        assert!(host("127.0.0.1:8081", &[]).is_err());
        assert!(origin("http://localhost:8080", &[]).is_ok());
        assert!(origin("http://LOCALHOST:8080", &[]).is_err());
        assert!(origin("HTTP://localhost:8080", &[]).is_err());
        assert!(origin("null", &[]).is_err());
        assert!(list.check_origin(&HeaderMap::new(), &[]).is_err());
        let public = [side("t.example", Via::Zrok)];
        assert!(host("t.example", &public).is_ok());
        assert!(origin("https://t.example", &public).is_ok());
        // Gone from the sides, gone from the gate.
        assert!(host("t.example", &[]).is_err());
        assert!(origin("https://t.example", &[]).is_err());
    }

    fn root() -> Uri {
        Uri::from_static("/")
    }

    #[test]
    fn an_absolute_form_target_names_the_host_not_the_host_header() {
        let list = Allowlist::new(8080, false);
        let ours = headers(&[("host", "127.0.0.1:8080")]);
        let evil = Uri::from_static("http://evil.example/api/terminals");
        assert!(list.check_host(&evil, &ours, &[]).is_err());
        let direct = Uri::from_static("http://127.0.0.1:8080/api/terminals");
        let theirs = headers(&[("host", "evil.example")]);
        assert!(list.check_host(&direct, &theirs, &[]).is_ok());
        let userinfo = Uri::from_static("http://me@127.0.0.1:8080/");
        assert!(list.check_host(&userinfo, &ours, &[]).is_err());
    }

    fn side(host: &str, via: Via) -> PublicSide {
        PublicSide {
            origin: format!("https://{host}"),
            host: host.into(),
            via,
        }
    }

    #[test]
    fn forwarding_headers_only_from_trusted_loopback() {
        let spoof = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-proto", "https"),
        ]);
        let loopback: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let untrusted = Allowlist::new(8080, false).client(loopback, &root(), &spoof, &[]);
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
            trusted.client(loopback, &root(), &passed_along, &[]).source,
            "1.1.1.1".parse::<IpAddr>().unwrap()
        );
        let client = trusted.client(
            loopback,
            &root(),
            &headers(&[("x-forwarded-for", "6.6.6.6, 5.6.7.8")]),
            &[],
        );
        assert_eq!(client.source, "5.6.7.8".parse::<IpAddr>().unwrap());
        let remote: SocketAddr = "10.1.1.1:5000".parse().unwrap();
        assert_eq!(
            trusted.client(remote, &root(), &spoof, &[]).source,
            remote.ip()
        );
    }

    #[test]
    fn a_public_side_is_believed_only_for_its_own_host_and_only_while_it_is_up() {
        let list = Allowlist::new(8080, false);
        let loopback: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let through = |host: &str| {
            headers(&[
                ("host", host),
                ("cf-connecting-ip", "8.8.8.8"),
                ("x-forwarded-for", "1.1.1.1"),
            ])
        };
        let cloudflare = [side("q.trycloudflare.com", Via::Cloudflare)];
        let at_edge = list.client(
            loopback,
            &root(),
            &through("q.trycloudflare.com"),
            &cloudflare,
        );
        assert_eq!(at_edge.source, "8.8.8.8".parse::<IpAddr>().unwrap());
        assert!(at_edge.secure);
        // The same headers on the loopback name are a local process's claim.
        let direct = list.client(loopback, &root(), &through("127.0.0.1:8080"), &cloudflare);
        assert_eq!(direct.source, loopback.ip());
        assert!(!direct.secure);
        // zrok's edge does not set CF-Connecting-IP: a client could.
        let zrok = [side("x.share.zrok.io", Via::Zrok)];
        let via_zrok = list.client(loopback, &root(), &through("x.share.zrok.io"), &zrok);
        assert_eq!(via_zrok.source, "1.1.1.1".parse::<IpAddr>().unwrap());
        // The tunnel is gone: nothing forwarded is believed any more.
        let after = list.client(loopback, &root(), &through("q.trycloudflare.com"), &[]);
        assert_eq!(after.source, loopback.ip());
        assert!(!after.secure);
    }
}

#[cfg(test)]
#[path = "guard_props.rs"]
mod prop_tests;
