//! The stored login: the server's URL and the API token, in
//! `client-login.json` in the config folder (0700), the file 0600, written
//! and read with the same private-file helpers as the daemon's secrets
//! (read refuses a file others can read). `TERMGATE_API_TOKEN` (with
//! `--url` / `TERMGATE_URL`) stands in for it, for CI jobs that keep no files.

use super::error::ClientError;
use super::http::Api;
use super::target::{DEFAULT_URL, Target};
use crate::config::{default_config_dir, secrets};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub const FILE: &str = "client-login.json";
/// The environment variable a script passes its token in.
pub const TOKEN_ENV: &str = "TERMGATE_API_TOKEN";

#[derive(Serialize, Deserialize)]
struct Stored {
    url: String,
    token: String,
}

pub fn path() -> Result<PathBuf, ClientError> {
    Ok(default_config_dir()?.join(FILE))
}

/// Stores `api`'s URL and token 0600 (the folder made 0700 if need be).
pub fn save(target: &Target, token: &str) -> Result<PathBuf, ClientError> {
    let dir = default_config_dir()?;
    secrets::ensure_private_dir(&dir)?;
    let path = dir.join(FILE);
    let stored = Stored {
        url: target.url(),
        token: token.to_string(),
    };
    let text = serde_json::to_string(&stored).map_err(|e| ClientError::Usage(e.to_string()))?;
    secrets::write_private(&path, &text)?;
    Ok(path)
}

/// Removes the stored login; whether there was one.
pub fn remove() -> Result<bool, ClientError> {
    let path = path()?;
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(ClientError::Usage(format!(
            "cannot remove {}: {e}",
            path.display()
        ))),
    }
}

/// The server and token to use: `TERMGATE_API_TOKEN` with `url` (or the
/// stored URL, or the default), else the stored login. A `url` other than
/// the stored one is refused rather than sending the token elsewhere.
pub fn resolve(url: Option<&str>) -> Result<Api, ClientError> {
    let env_token = secrets::env_secret(TOKEN_ENV);
    let stored = load()?;
    if let Some(token) = env_token {
        let url = url
            .map(str::to_string)
            .or_else(|| stored.map(|s| s.url))
            .unwrap_or_else(|| DEFAULT_URL.to_string());
        return Ok(Api::new(Target::parse(&url)?, token));
    }
    let stored = stored.ok_or(ClientError::NotLoggedIn)?;
    let target = Target::parse(&stored.url)?;
    if let Some(url) = url {
        let asked = Target::parse(url)?;
        if asked != target {
            return Err(ClientError::Usage(format!(
                "logged in to {}, not {}: run `termgate login {}` first (or set {TOKEN_ENV})",
                target.url(),
                asked.url(),
                asked.url()
            )));
        }
    }
    Ok(Api::new(target, stored.token))
}

/// The stored token when the stored login is for `target` (never one for
/// another server).
pub fn stored_token(target: &Target) -> Result<Option<String>, ClientError> {
    let Some(stored) = load()? else {
        return Ok(None);
    };
    let same = Target::parse(&stored.url).is_ok_and(|url| &url == target);
    Ok(same.then_some(stored.token))
}

/// The stored login's server, if any (`termgate tokens` goes there by default).
pub fn stored_target() -> Result<Option<Target>, ClientError> {
    load()?.map(|s| Target::parse(&s.url)).transpose()
}

fn load() -> Result<Option<Stored>, ClientError> {
    let path = path()?;
    let Some(text) = secrets::read_private(&path)? else {
        return Ok(None);
    };
    serde_json::from_str(&text).map(Some).map_err(|_| {
        ClientError::Usage(format!(
            "{} is damaged: run `termgate login` again",
            path.display()
        ))
    })
}
