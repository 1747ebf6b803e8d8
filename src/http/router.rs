//! The route table: every route, its method, and who may call it.
//!
//! This table is the single place that states access. The request pipeline
//! (`http::handle`) looks the route up, asks `auth::require` for a principal
//! that satisfies the route's [`Access`], and only then calls the handler.
//! Anything not listed is a 404; a listed path with another method is a 405.
//!
//! Under `--base-path` the table is the same: [`resolve_under`] strips the
//! prefix once, answers 404 for every path outside it, and sends the bare
//! prefix (`/term`) to the base (`/term/`) by the one route not in the table.

use super::base::BasePath;
use crate::auth::Access;
use crate::auth::api_tokens::TokenScope;
use crate::error::Error;
use crate::files::FileOp;
use hyper::Method;

/// What a request is for, with its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Asset,
    Login,
    SessionInfo,
    Logout,
    LogoutAll,
    Extend,
    ListTerminals,
    CreateTerminal,
    RenameTerminal(String),
    CloseTerminal(String),
    TerminalSocket(String),
    TerminalCommands(String),
    Status,
    ToggleRecording(String),
    LockTerminal(String),
    ListRecordings,
    DownloadRecording(String),
    DeleteRecording(String),
    ListShares,
    MintShare,
    RevokeShare(String),
    ListTokens,
    ListSessions,
    AuditLog,
    RevokeSession(String),
    RevokeOtherSessions,
    ListGuests,
    DecideGuest(String),
    SecondFactorStatus,
    EnrollSecondFactor,
    ConfirmSecondFactor,
    RegenerateBackupCodes,
    DisableSecondFactor,
    CreateToken,
    RevokeToken(String),
    ShareLanding,
    RedeemShare,
    PeekShare,
    /// `GET /s/<token>`, the link format before tokens moved to the fragment.
    OldShareLink,
    LoginLink,
    Files(FileOp),
    /// `GET /term`: a redirect to `/term/`, where relative URLs resolve.
    ToBase,
}

impl Endpoint {
    /// The terminal the path names, for [`Access::Viewer`].
    pub fn terminal(&self) -> Option<&str> {
        match self {
            Endpoint::TerminalSocket(id)
            | Endpoint::RenameTerminal(id)
            | Endpoint::CloseTerminal(id) => Some(id),
            _ => None,
        }
    }
}

/// One row of the table.
pub struct Route {
    pub method: Method,
    /// `{id}` matches one segment; a trailing `*` matches any rest.
    pub pattern: &'static str,
    pub access: Access,
    /// Counts as owner activity (keeps the login session from idling out).
    /// Background polls and session checks do not.
    pub activity: bool,
    /// The scope an API token needs to call it; `None`: no token may.
    pub token: Option<TokenScope>,
    /// A sensitive action (`auth::reauth`): the owner's factors within the
    /// last 5 minutes, or in the body; the purpose names it in the audit log.
    pub reauth: Option<&'static str>,
    make: fn(Option<String>) -> Endpoint,
}

impl Route {
    /// Marks the route sensitive, for `purpose`.
    const fn reauth(mut self, purpose: &'static str) -> Self {
        self.reauth = Some(purpose);
        self
    }
}

macro_rules! route {
    ($method:ident $pattern:literal, $access:ident, activity: $activity:literal, $make:expr) => {
        Route {
            method: Method::$method,
            pattern: $pattern,
            access: Access::$access,
            activity: $activity,
            token: None,
            reauth: None,
            make: $make,
        }
    };
    ($method:ident $pattern:literal, $access:ident, activity: $activity:literal, token: $scope:ident, $make:expr) => {
        Route {
            method: Method::$method,
            pattern: $pattern,
            access: Access::$access,
            activity: $activity,
            token: Some(TokenScope::$scope),
            reauth: None,
            make: $make,
        }
    };
}

/// Every route termgate serves.
pub static ROUTES: &[Route] = &[
    route!(GET "/", Public, activity: false, |_| Endpoint::Asset),
    route!(GET "/assets/*", Public, activity: false, |_| Endpoint::Asset),
    route!(POST "/auth/login", Public, activity: false, |_| Endpoint::Login),
    route!(GET "/auth/session", Public, activity: false, |_| Endpoint::SessionInfo),
    route!(POST "/auth/logout", AnySession, activity: false, |_| Endpoint::Logout),
    // Ending every session and renewing this one are sensitive (`reauth`).
    route!(POST "/auth/logout-all", Owner, activity: true, |_| Endpoint::LogoutAll).reauth("logout_all"),
    route!(POST "/auth/extend", Owner, activity: true, |_| Endpoint::Extend).reauth("extend"),
    route!(GET "/api/terminals", AnySession, activity: false, token: TerminalsRead, |_| Endpoint::ListTerminals),
    route!(POST "/api/terminals", Owner, activity: true, token: TerminalsWrite, |_| Endpoint::CreateTerminal),
    route!(PATCH "/api/terminals/{id}", Owner, activity: true, token: TerminalsWrite, |id| Endpoint::RenameTerminal(id.unwrap_or_default())),
    route!(DELETE "/api/terminals/{id}", Owner, activity: true, token: TerminalsWrite, |id| Endpoint::CloseTerminal(id.unwrap_or_default())),
    // A guest's link must cover the tab; its scope says whether it types.
    route!(GET "/api/terminals/{id}/ws", Viewer, activity: true, token: TerminalsRead, |id| Endpoint::TerminalSocket(id.unwrap_or_default())),
    // The tab's command history (shell integration): the owner's alone.
    route!(GET "/api/terminals/{id}/commands", Owner, activity: false, token: TerminalsRead, |id| Endpoint::TerminalCommands(id.unwrap_or_default())),
    // Recordings hold everything a tab printed: the owner's alone.
    route!(POST "/api/terminals/{id}/recording", Owner, activity: true, token: Recordings, |id| Endpoint::ToggleRecording(id.unwrap_or_default())),
    // A locked tab asks every new viewer for the owner's factors; locking and
    // unlocking are sensitive, and neither a script's token nor a guest may.
    route!(POST "/api/terminals/{id}/lock", Owner, activity: true, |id| Endpoint::LockTerminal(id.unwrap_or_default())).reauth("tab_lock"),
    route!(GET "/api/recordings", Owner, activity: false, token: Recordings, |_| Endpoint::ListRecordings),
    route!(GET "/api/recordings/{id}", Owner, activity: true, token: Recordings, |id| Endpoint::DownloadRecording(id.unwrap_or_default())),
    route!(DELETE "/api/recordings/{id}", Owner, activity: true, token: Recordings, |id| Endpoint::DeleteRecording(id.unwrap_or_default())),
    route!(GET "/api/status", Owner, activity: false, |_| Endpoint::Status),
    // The access token itself, for a phone: the owner only, a click away.
    route!(POST "/api/login-link", Owner, activity: true, |_| Endpoint::LoginLink),
    // The security audit log, newest first (a read: no activity).
    route!(GET "/api/audit", Owner, activity: false, |_| Endpoint::AuditLog),
    // Every login: who, from where; end one, or all but this one (both sensitive).
    route!(GET "/api/sessions", Owner, activity: false, |_| Endpoint::ListSessions),
    route!(DELETE "/api/sessions/{id}", Owner, activity: true, |id| Endpoint::RevokeSession(id.unwrap_or_default())).reauth("revoke_session"),
    route!(POST "/api/sessions/revoke-others", Owner, activity: true, |_| Endpoint::RevokeOtherSessions).reauth("revoke_others"),
    // Interactive guests wait for the owner's Allow: the owner's page long-polls
    // the list (a background poll: no activity) and decides. No API token may,
    // so a script cannot wave a guest in.
    route!(GET "/api/guests", Owner, activity: false, |_| Endpoint::ListGuests),
    route!(POST "/api/guests/{id}", Owner, activity: true, |id| Endpoint::DecideGuest(id.unwrap_or_default())),
    // The second factor: on with a re-authentication then a code; new backup
    // codes and off are sensitive (the code is part of it while on).
    route!(GET "/api/totp", Owner, activity: false, |_| Endpoint::SecondFactorStatus),
    route!(POST "/api/totp/enroll", Owner, activity: true, |_| Endpoint::EnrollSecondFactor).reauth("totp_enroll"),
    route!(POST "/api/totp/confirm", Owner, activity: true, |_| Endpoint::ConfirmSecondFactor),
    route!(POST "/api/totp/backup-codes", Owner, activity: true, |_| Endpoint::RegenerateBackupCodes).reauth("backup_codes"),
    route!(POST "/api/totp/disable", Owner, activity: true, |_| Endpoint::DisableSecondFactor).reauth("totp_disable"),
    // API tokens: the owner's browser only (no scope lets a token mint or list
    // tokens); minting one is sensitive.
    route!(GET "/api/tokens", Owner, activity: false, |_| Endpoint::ListTokens),
    route!(POST "/api/tokens", Owner, activity: true, |_| Endpoint::CreateToken).reauth("api_token"),
    route!(DELETE "/api/tokens/{id}", Owner, activity: true, |id| Endpoint::RevokeToken(id.unwrap_or_default())),
    // Minting an *interactive* link is sensitive (a read-only one is not); a
    // script's token has no window and must send the PIN (and code).
    route!(GET "/api/shares", Owner, activity: false, token: Shares, |_| Endpoint::ListShares),
    route!(POST "/api/shares", Owner, activity: true, token: Shares, |_| Endpoint::MintShare).reauth("share_interactive"),
    route!(DELETE "/api/shares/{id}", Owner, activity: true, token: Shares, |id| Endpoint::RevokeShare(id.unwrap_or_default())),
    // Share links are `/s/#<token>`: the token never stands in a request
    // line (proxies and tunnels log those), only in the redeem (and peek) body.
    route!(GET "/s/", Public, activity: false, |_| Endpoint::ShareLanding),
    route!(POST "/s/redeem", Public, activity: false, |_| Endpoint::RedeemShare),
    // What the landing says before "Open": the link's scope and expiry; spends nothing.
    route!(POST "/s/peek", Public, activity: false, |_| Endpoint::PeekShare),
    // Old `/s/<token>` links: refused with a page that says why (no POST).
    route!(GET "/s/{id}", Public, activity: false, |_| Endpoint::OldShareLink),
    // The file browser; `--terminal-only` removes every route under FILES_PREFIX.
    route!(GET "/api/files/list", Owner, activity: true, token: FilesRead, |_| Endpoint::Files(FileOp::List)),
    route!(GET "/api/files/content", Owner, activity: true, token: FilesRead, |_| Endpoint::Files(FileOp::ReadContent)),
    // The editor polls it while a file is open, owner there or not: no activity.
    route!(GET "/api/files/version", Owner, activity: false, token: FilesRead, |_| Endpoint::Files(FileOp::Version)),
    route!(PUT "/api/files/content", Owner, activity: true, token: FilesWrite, |_| Endpoint::Files(FileOp::WriteContent)),
    route!(POST "/api/files/upload", Owner, activity: true, token: FilesWrite, |_| Endpoint::Files(FileOp::Upload)),
    route!(GET "/api/files/download", Owner, activity: true, token: FilesRead, |_| Endpoint::Files(FileOp::Download)),
    route!(GET "/api/files/archive", Owner, activity: true, token: FilesRead, |_| Endpoint::Files(FileOp::Archive)),
    route!(POST "/api/files/mkdir", Owner, activity: true, token: FilesWrite, |_| Endpoint::Files(FileOp::Mkdir)),
    route!(POST "/api/files/move", Owner, activity: true, token: FilesWrite, |_| Endpoint::Files(FileOp::Move)),
    route!(DELETE "/api/files", Owner, activity: true, token: FilesWrite, |_| Endpoint::Files(FileOp::Delete)),
];

/// The bare base path without its slash (`/term`); only GET and HEAD,
/// anything else there is outside the base.
static TO_BASE: Route = route!(GET "", Public, activity: false, |_| Endpoint::ToBase);

/// Every file route starts with this; `--terminal-only` answers them all 404.
pub const FILES_PREFIX: &str = "/api/files";

/// A request path resolved under the base path.
pub struct Resolved<'a> {
    pub route: &'static Route,
    pub endpoint: Endpoint,
    /// The path inside the base (`/term/assets/x` -> `/assets/x`).
    pub path: &'a str,
}

/// Strips `base` from `path` and resolves the rest; anything outside the
/// base is a 404 whatever the method, like an unknown path.
pub fn resolve_under<'a>(
    base: &BasePath,
    method: &Method,
    path: &'a str,
    files: bool,
) -> Result<Resolved<'a>, Error> {
    if base.is_bare(path) && matches!(*method, Method::GET | Method::HEAD) {
        return Ok(Resolved {
            route: &TO_BASE,
            endpoint: Endpoint::ToBase,
            path,
        });
    }
    let inner = base.strip(path).ok_or(Error::NotFound)?;
    let (route, endpoint) = resolve_with(method, inner, files)?;
    Ok(Resolved {
        route,
        endpoint,
        path: inner,
    })
}

/// Finds the route for `method` and `path` (a path inside the base).
#[cfg(test)]
fn resolve(method: &Method, path: &str) -> Result<(&'static Route, Endpoint), Error> {
    resolve_with(method, path, true)
}

/// Like [`resolve`]; without `files` the file routes do not exist (404, like
/// any unknown path, whatever the method or the caller).
pub fn resolve_with(
    method: &Method,
    path: &str,
    files: bool,
) -> Result<(&'static Route, Endpoint), Error> {
    let mut path_matched = false;
    for route in ROUTES {
        if !files && route.pattern.starts_with(FILES_PREFIX) {
            continue;
        }
        let Some(param) = match_pattern(route.pattern, path) else {
            continue;
        };
        path_matched = true;
        // HEAD is answered like GET for static files.
        let method_ok =
            route.method == method || (method == Method::HEAD && route.method == Method::GET);
        if method_ok {
            return Ok((route, (route.make)(param)));
        }
    }
    Err(if path_matched {
        Error::MethodNotAllowed
    } else {
        Error::NotFound
    })
}

/// `Some(param)` when `path` fits `pattern`; the param is the `{id}` segment.
fn match_pattern(pattern: &str, path: &str) -> Option<Option<String>> {
    if let Some(prefix) = pattern.strip_suffix('*') {
        return path.starts_with(prefix).then_some(None);
    }
    let mut param = None;
    let mut pattern_parts = pattern.split('/');
    let mut path_parts = path.split('/');
    loop {
        match (pattern_parts.next(), path_parts.next()) {
            (None, None) => return Some(param),
            (Some("{id}"), Some(segment)) if is_id(segment) => param = Some(segment.to_string()),
            (Some(expected), Some(segment)) if expected == segment => {}
            _ => return None,
        }
    }
}

/// Ids (and share tokens) are short and plain; anything else cannot name a resource.
fn is_id(segment: &str) -> bool {
    (1..=128).contains(&segment.len())
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_resolve_with_params() {
        let (route, endpoint) = resolve(&Method::GET, "/api/terminals/t3/ws").unwrap();
        assert_eq!(endpoint, Endpoint::TerminalSocket("t3".into()));
        assert_eq!(route.access, Access::Viewer);
        assert!(matches!(
            resolve(&Method::GET, "/nope"),
            Err(Error::NotFound)
        ));
        assert!(matches!(
            resolve(&Method::PUT, "/auth/login"),
            Err(Error::MethodNotAllowed)
        ));
        assert!(matches!(
            resolve(&Method::GET, "/api/terminals/../ws"),
            Err(Error::NotFound)
        ));
    }

    #[test]
    fn under_a_base_the_same_table_answers_and_nothing_outside() {
        let base = BasePath::parse("/term").unwrap();
        let ok = resolve_under(&base, &Method::GET, "/term/api/terminals/t3/ws", true).unwrap();
        assert_eq!(ok.endpoint, Endpoint::TerminalSocket("t3".into()));
        assert_eq!(ok.route.access, Access::Viewer);
        assert_eq!(ok.path, "/api/terminals/t3/ws");
        let index = resolve_under(&base, &Method::GET, "/term/", true).unwrap();
        assert_eq!((index.endpoint, index.path), (Endpoint::Asset, "/"));
        for path in ["/api/terminals", "/", "/termapi/terminals", "/s/x"] {
            assert!(
                matches!(
                    resolve_under(&base, &Method::GET, path, true),
                    Err(Error::NotFound)
                ),
                "{path}"
            );
        }
        let bare = resolve_under(&base, &Method::HEAD, "/term", true).unwrap();
        assert_eq!(bare.endpoint, Endpoint::ToBase);
        assert_eq!(bare.route.access, Access::Public);
        assert!(matches!(
            resolve_under(&base, &Method::POST, "/term", true),
            Err(Error::NotFound)
        ));
        // The root base changes nothing.
        let root = resolve_under(&BasePath::default(), &Method::GET, "/", true).unwrap();
        assert_eq!(root.endpoint, Endpoint::Asset);
    }

    #[test]
    fn every_non_public_route_is_listed_with_access() {
        let public: Vec<_> = ROUTES
            .iter()
            .filter(|r| r.access == Access::Public)
            .map(|r| r.pattern)
            .collect();
        assert_eq!(
            public,
            [
                "/",
                "/assets/*",
                "/auth/login",
                "/auth/session",
                "/s/",
                "/s/redeem",
                "/s/peek",
                "/s/{id}"
            ]
        );
    }
}

#[cfg(test)]
#[path = "router_props.rs"]
mod prop_tests;
