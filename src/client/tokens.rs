//! `termgate tokens create|list|revoke`: the owner mints, lists and revokes
//! API tokens from a terminal. `/api/tokens` takes no token (a token never
//! mints tokens), so this logs in as the owner for the one command (see
//! `owner`: the factors from the environment, a prompt or stdin), makes the
//! call with the session's cookie and proof, and logs out again.

use super::error::ClientError;
use super::http::Api;
use super::owner::{self, Factors};
use super::target::{DEFAULT_URL, Target};
use serde_json::{Value, json};
use std::time::Duration;

pub enum Action<'a> {
    Create {
        name: &'a str,
        scopes: &'a [String],
        expires: Option<Duration>,
        json: bool,
    },
    List {
        json: bool,
    },
    Revoke {
        id: &'a str,
    },
}

pub async fn run(url: Option<&str>, action: Action<'_>) -> Result<(), ClientError> {
    let target = match url {
        Some(url) => Target::parse(url)?,
        None => super::profile::stored_target()?.unwrap_or(Target::parse(DEFAULT_URL)?),
    };
    let second_factor = owner::second_factor(&target).await?;
    let mut factors = Factors::new();
    let (token, _) = factors.next(owner::TOKEN_ENV, "Access token: ")?;
    let owner = owner::log_in(&target, token, second_factor, &mut factors).await?;
    let result = act(&owner.api, action).await;
    // The session was for this command only.
    owner.log_out().await;
    result
}

async fn act(owner: &Api, action: Action<'_>) -> Result<(), ClientError> {
    match action {
        Action::Create {
            name,
            scopes,
            expires,
            json,
        } => {
            let body = json!({"name": name, "scopes": scopes,
                              "expires_in_secs": expires.map(|t| t.as_secs())});
            let minted = owner.post("api/tokens", &body).await?;
            match json {
                true => println!("{minted}"),
                // The value alone on stdout (shown this once), the rest for people.
                false => {
                    eprintln!(
                        "Token {:?} ({}) minted; it is shown this once:",
                        minted["name"].as_str().unwrap_or_default(),
                        minted["id"].as_str().unwrap_or_default()
                    );
                    println!("{}", minted["token"].as_str().unwrap_or_default());
                }
            }
        }
        Action::List { json } => {
            let list = owner.get("api/tokens").await?;
            match json {
                true => println!("{list}"),
                false => print!("{}", table(&list)),
            }
        }
        Action::Revoke { id } => {
            owner.delete(&format!("api/tokens/{id}")).await?;
            eprintln!("Token {id} revoked; its sockets close within a second.");
        }
    }
    Ok(())
}

/// ID, NAME, SCOPES, EXPIRES, LAST USED: one token a line.
fn table(list: &Value) -> String {
    let now = crate::clock::unix_secs();
    let when = |v: &Value| match v.as_u64() {
        Some(secs) if secs > now => format!("in {}", super::tabs::age((secs - now) * 1000)),
        Some(secs) => format!("{} ago", super::tabs::age((now - secs) * 1000)),
        None => "-".into(),
    };
    let rows: Vec<[String; 5]> = list["tokens"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|token| {
            let scopes: Vec<&str> = token["scopes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            [
                token["id"].as_str().unwrap_or_default().to_string(),
                token["name"].as_str().unwrap_or_default().to_string(),
                scopes.join(","),
                when(&token["expires_at"]),
                when(&token["last_used_at"]),
            ]
        })
        .collect();
    let header = ["ID", "NAME", "SCOPES", "EXPIRES", "LAST USED"].map(String::from);
    super::tabs::table(&header, &rows)
}
