//! The share link to mint at start-up (`--share`, `--share-ttl`,
//! `--share-uses`) and the bounds every share link keeps, as plain values
//! the sharing feature converts from.

use super::units;
use crate::cli::ServeArgs;
use std::time::Duration;

/// What a `--share` link allows (`auth::share::Scope` converts from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareScope {
    ReadOnly,
    Interactive,
}

impl ShareScope {
    /// As the flag spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ShareScope::ReadOnly => "read-only",
            ShareScope::Interactive => "interactive",
        }
    }
}

/// The most uses a share link may have (the API checks the same bound).
pub const MAX_SHARE_USES: u32 = 100;

/// A share link to mint at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartupShare {
    pub scope: ShareScope,
    pub ttl: Duration,
    pub uses: u32,
}

/// The lifetimes share links may have.
pub const SHARE_TTLS: [Duration; 3] = [
    Duration::from_secs(5 * 60),
    Duration::from_secs(15 * 60),
    Duration::from_secs(60 * 60),
];

/// `--share`, `--share-ttl`, `--share-uses`, checked like the API checks them.
pub(super) fn startup_share(
    args: &ServeArgs,
) -> Result<Option<StartupShare>, (&'static str, String)> {
    use ShareScope as Scope;
    const MAX_USES: u32 = MAX_SHARE_USES;
    let Some(scope) = args.share.as_deref() else {
        if args.share_ttl.is_some() || args.share_uses.is_some() {
            return Err(("share", "--share-ttl and --share-uses need --share".into()));
        }
        return Ok(None);
    };
    let scope = match scope {
        "read-only" => Scope::ReadOnly,
        "interactive" => Scope::Interactive,
        other => {
            return Err((
                "share",
                format!("`{other}` is not read-only or interactive"),
            ));
        }
    };
    let ttl = match &args.share_ttl {
        Some(text) => units::parse_duration(text).map_err(|e| ("share_ttl", e))?,
        None => SHARE_TTLS[1],
    };
    if !SHARE_TTLS.contains(&ttl) {
        return Err(("share_ttl", "must be 5m, 15m or 60m".into()));
    }
    let uses = args.share_uses.unwrap_or(1);
    if !(1..=MAX_USES).contains(&uses) {
        return Err(("share_uses", format!("must be 1..={MAX_USES}")));
    }
    Ok(Some(StartupShare { scope, ttl, uses }))
}
