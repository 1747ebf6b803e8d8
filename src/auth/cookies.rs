//! The session cookies: their names (owner or guest, HTTPS or not, at the
//! root or under a `--base-path`), reading ours from a request, and the
//! `Set-Cookie` values that set and clear them.

use crate::http::base::BasePath;
use hyper::header::HeaderMap;

/// Cookie name over plain HTTP (loopback).
pub const COOKIE: &str = "termgate_session";
/// Cookie name over HTTPS at the root: the `__Host-` prefix pins it to this
/// exact host (and to `Path=/`).
pub const SECURE_COOKIE: &str = "__Host-termgate_session";
/// Cookie name over HTTPS under a `--base-path`: `__Host-` demands `Path=/`,
/// so a cookie scoped to `/term/` can only be `__Secure-` (HTTPS-only, no
/// host pinning; the Host allowlist and `SameSite=Strict` still hold).
pub const SUB_PATH_COOKIE: &str = "__Secure-termgate_session";
/// A guest's cookie has its own name, so opening a share link in the owner's
/// browser never overwrites the owner's session.
pub const GUEST_COOKIE: &str = "termgate_guest";
pub const SECURE_GUEST_COOKIE: &str = "__Host-termgate_guest";
pub const SUB_PATH_GUEST_COOKIE: &str = "__Secure-termgate_guest";

/// The names termgate may set under `base`, looked up in this order: the
/// owner's cookie wins when both are present. A name it never sets (say
/// `__Host-` under a sub-path, planted by some other page) is not read.
pub(crate) fn cookie_names(base: &BasePath) -> [&'static str; 4] {
    if base.is_root() {
        [SECURE_COOKIE, COOKIE, SECURE_GUEST_COOKIE, GUEST_COOKIE]
    } else {
        [SUB_PATH_COOKIE, COOKIE, SUB_PATH_GUEST_COOKIE, GUEST_COOKIE]
    }
}

/// The cookie's name: owner or guest, over HTTPS or not, at the root or not.
pub(crate) fn cookie_name(secure: bool, guest: bool, base: &BasePath) -> &'static str {
    let [secure_owner, owner, secure_guest, plain_guest] = cookie_names(base);
    match (secure, guest) {
        (true, false) => secure_owner,
        (false, false) => owner,
        (true, true) => secure_guest,
        (false, true) => plain_guest,
    }
}

/// The value of each of `names` the request carries, or `None` when one of
/// them comes twice. Two values for one name (a cookie planted beside the
/// real one, say by another service on this host, whose cookies ignore the
/// port) leave no way to tell which one the browser meant, so neither counts:
/// such a request is anonymous, whichever value is valid.
pub(crate) fn our_cookies<'a>(
    headers: &'a HeaderMap,
    names: &[&str; 4],
) -> Option<[Option<&'a str>; 4]> {
    let mut values = [None; 4];
    let pairs = headers
        .get_all(hyper::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='));
    for (key, value) in pairs {
        if let Some(index) = names.iter().position(|name| *name == key) {
            if values[index].is_some() {
                return None;
            }
            values[index] = Some(value);
        }
    }
    Some(values)
}

/// Attributes of every session cookie: scoped to the base path, so requests
/// to the rest of the site do not carry it. That is tidiness, not isolation:
/// a page anywhere on the same origin can still call termgate's API with the
/// cookie (same origin, so SameSite and the Origin check pass); see
/// SECURITY.md, "Under a base path".
fn attributes(base: &BasePath) -> String {
    format!("HttpOnly; SameSite=Strict; Path={base}")
}

/// `Set-Cookie` for a new owner session. `secure` when the browser came over HTTPS.
pub fn session_cookie(value: &str, secure: bool, base: &BasePath) -> String {
    session_cookie_named(value, secure, false, base)
}

/// `Set-Cookie` for a new owner or guest session.
pub fn session_cookie_named(value: &str, secure: bool, guest: bool, base: &BasePath) -> String {
    let name = cookie_name(secure, guest, base);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; {}{secure}", attributes(base))
}

/// `Set-Cookie` values that delete the owner's or the guest's session cookies.
pub fn clearing_cookies(secure: bool, guest: bool, base: &BasePath) -> Vec<String> {
    let attributes = attributes(base);
    let plain = cookie_name(false, guest, base);
    let mut cookies = vec![format!("{plain}=; {attributes}; Max-Age=0")];
    if secure {
        let prefixed = cookie_name(true, guest, base);
        cookies.push(format!("{prefixed}=; {attributes}; Secure; Max-Age=0"));
    }
    cookies
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name_and_a_second_value_is_ambiguous() {
        let names = cookie_names(&BasePath::default());
        let mut headers = HeaderMap::new();
        let sent = "a=1; termgate_session=xyz; session=no; b=2";
        headers.insert(hyper::header::COOKIE, sent.parse().unwrap());
        let values = our_cookies(&headers, &names).unwrap();
        let at = names.iter().position(|n| *n == "termgate_session").unwrap();
        assert_eq!(values[at], Some("xyz"));
        assert_eq!(values.iter().flatten().count(), 1);
        let twice = "termgate_session=xyz; termgate_session=abc";
        headers.insert(hyper::header::COOKIE, twice.parse().unwrap());
        assert!(our_cookies(&headers, &names).is_none());
    }

    #[test]
    fn cookie_prefix_and_path_follow_the_base() {
        let root = BasePath::default();
        let term = BasePath::parse("/term").unwrap();
        assert_eq!(
            session_cookie("v", true, &root),
            "__Host-termgate_session=v; HttpOnly; SameSite=Strict; Path=/; Secure"
        );
        assert_eq!(
            session_cookie("v", false, &root),
            "termgate_session=v; HttpOnly; SameSite=Strict; Path=/"
        );
        assert_eq!(
            session_cookie("v", true, &term),
            "__Secure-termgate_session=v; HttpOnly; SameSite=Strict; Path=/term/; Secure"
        );
        assert_eq!(
            session_cookie_named("v", true, true, &term),
            "__Secure-termgate_guest=v; HttpOnly; SameSite=Strict; Path=/term/; Secure"
        );
        assert_eq!(
            session_cookie_named("v", false, true, &term),
            "termgate_guest=v; HttpOnly; SameSite=Strict; Path=/term/"
        );
        assert_eq!(
            clearing_cookies(true, false, &term),
            [
                "termgate_session=; HttpOnly; SameSite=Strict; Path=/term/; Max-Age=0",
                "__Secure-termgate_session=; HttpOnly; SameSite=Strict; Path=/term/; Secure; Max-Age=0"
            ]
        );
    }

    #[test]
    fn exactly_the_names_that_can_be_set_are_looked_up() {
        for base in [BasePath::default(), BasePath::parse("/a/b").unwrap()] {
            let mut set: Vec<&str> = [(true, false), (false, false), (true, true), (false, true)]
                .iter()
                .map(|&(secure, guest)| cookie_name(secure, guest, &base))
                .collect();
            let mut read = cookie_names(&base).to_vec();
            set.sort_unstable();
            read.sort_unstable();
            assert_eq!(set, read, "{base}");
            let prefix = if base.is_root() {
                "__Host-"
            } else {
                "__Secure-"
            };
            assert_eq!(read.iter().filter(|n| n.starts_with(prefix)).count(), 2);
        }
    }
}
