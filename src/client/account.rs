//! `termgate login`, `logout` and `whoami`: store an API token after the
//! server has accepted it (or one minted for this login as the owner),
//! forget it, and say who it is.

use super::error::ClientError;
use super::http::Api;
use super::owner;
use super::profile;
use super::target::{DEFAULT_URL, Target};
use serde_json::Value;
use std::io::IsTerminal;

/// `termgate login [URL]` with an API token from `--api-token` or
/// `TERMGATE_API_TOKEN`: checked, then stored. Without one it logs in as
/// the owner and mints a token for this machine (`owner`); an answer to
/// the first question that is itself an API token (`tg_…`) is taken as one,
/// so `echo tg_… | termgate login` still works.
pub async fn login(
    url: Option<&str>,
    given: Option<String>,
    mint: owner::Mint,
) -> Result<(), ClientError> {
    let target = Target::parse(url.unwrap_or(DEFAULT_URL))?;
    // clap fills `given` from the flag or the variable: only the flag is in argv.
    let from_env = crate::config::secrets::env_secret(profile::TOKEN_ENV);
    if given.is_some() && given != from_env {
        eprintln!(
            "warning: a token given with --api-token is visible to other local users in the \
             process list; prefer TERMGATE_API_TOKEN or the prompt"
        );
    }
    if let Some(token) = given.or(from_env) {
        if !mint.scopes.is_empty() || mint.expires.is_some() {
            return Err(ClientError::Usage(
                "--scope and --expires are for the token login mints; a given API token keeps \
                 its own"
                    .into(),
            ));
        }
        return store_checked(&target, token.trim()).await;
    }
    let second_factor = owner::second_factor(&target).await?;
    let mut factors = owner::Factors::new();
    if std::io::stdin().is_terminal() {
        eprintln!(
            "Log in as the owner: termgate mints an API token for this machine and stores \
             only that (never the access token or the PIN)."
        );
    }
    let (first, source) = factors.next(owner::TOKEN_ENV, "Access token (or an API token): ")?;
    if matches!(source, owner::Source::Asked) && first.starts_with("tg_") {
        return store_checked(&target, &first).await;
    }
    let replacing = owner::previous_login(&target).await;
    let minted =
        owner::mint_for_login(&target, first, second_factor, &mut factors, mint, replacing).await?;
    let path = profile::save(&target, &minted.token)?;
    let replaced = match &minted.replaced {
        Some(old) => format!(" It replaces this machine's earlier login token {old}, revoked."),
        None => String::new(),
    };
    eprintln!(
        "Logged in to {} with a new token {:?} ({}, id {}); stored in {}. \
         `termgate tokens revoke {}` ends it.{replaced}",
        target.url(),
        minted.name,
        minted.scopes.join(", "),
        minted.id,
        path.display(),
        minted.id
    );
    Ok(())
}

/// Stores `token` once the server has taken it as an API token.
async fn store_checked(target: &Target, token: &str) -> Result<(), ClientError> {
    if !token.starts_with("tg_") || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ClientError::Usage(
            "an API token starts with tg_ (the owner's access token is not one)".into(),
        ));
    }
    let api = Api::new(target.clone(), token.to_string());
    let session = match api.get("auth/session").await {
        Err(err) if err.is_unauthorized() => {
            return Err(ClientError::Usage(format!(
                "{} refused this token (wrong, revoked or expired)",
                target.url()
            )));
        }
        other => other?,
    };
    if session["principal"] != "token" {
        return Err(ClientError::Usage(format!(
            "{} did not take this as an API token",
            target.url()
        )));
    }
    let path = profile::save(target, token)?;
    eprintln!(
        "Logged in to {} as token {:?} ({}); stored in {}.",
        target.url(),
        session["name"].as_str().unwrap_or("?"),
        scopes(&session),
        path.display()
    );
    Ok(())
}

/// `termgate logout`: forgets the stored token (it stays valid on the
/// server until the owner revokes it).
pub fn logout() -> Result<(), ClientError> {
    match profile::remove()? {
        true => eprintln!(
            "Logged out: the stored token is deleted. Revoke it in termgate's settings \
             if it should stop working everywhere."
        ),
        false => eprintln!("Not logged in."),
    }
    Ok(())
}

/// `termgate whoami [--json]`: the server's word on the token in use.
pub async fn whoami(url: Option<&str>, json: bool) -> Result<(), ClientError> {
    let api = profile::resolve(url)?;
    let mut session = api.get("auth/session").await?;
    if session["logged_in"] != true {
        return Err(ClientError::NotLoggedIn);
    }
    if json {
        session["url"] = Value::from(api.target.url());
        println!("{session}");
        return Ok(());
    }
    let expires = match session["expires_at"].as_u64() {
        Some(ms) => format!(
            "expires in {}",
            super::tabs::age(ms.saturating_sub(now_ms()))
        ),
        None => "never expires".into(),
    };
    println!(
        "token {:?} ({}) on {}; {expires}",
        session["name"].as_str().unwrap_or("?"),
        scopes(&session),
        api.target.url()
    );
    Ok(())
}

fn scopes(session: &Value) -> String {
    let names: Vec<&str> = session["scopes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    names.join(", ")
}

pub(super) fn now_ms() -> u64 {
    crate::clock::unix_ms()
}
