//! `termgate tokens create|list|revoke`: the owner mints, lists and revokes
//! API tokens from a terminal. `/api/tokens` takes no token (a token never
//! mints tokens), so this logs in as the owner for the one command, exactly
//! as the page does (access token, PIN, and the second factor's code when
//! it is on), makes the call with the session's cookie and proof, and logs
//! out again. The factors come from `TERMGATE_TOKEN`, `TERMGATE_PIN` and
//! `TERMGATE_TOTP_CODE`, else are asked without echo.

use super::error::ClientError;
use super::http::Api;
use super::target::{DEFAULT_URL, Target};
use crate::config::secrets::{env_secret, prompt_hidden};
use hyper::Method;
use serde_json::{Value, json};
use std::io::IsTerminal;
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
    let (owner, pin) = log_in(&target).await?;
    let result = act(&owner, &pin, action).await;
    // The session was for this command only.
    let _ = owner.call(Method::POST, "auth/logout", None).await;
    result
}

async fn act(owner: &Api, pin: &str, action: Action<'_>) -> Result<(), ClientError> {
    match action {
        Action::Create {
            name,
            scopes,
            expires,
            json,
        } => {
            let body = json!({"name": name, "scopes": scopes, "pin": pin,
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

/// Logs in as the owner; the session and the PIN (minting asks it again).
async fn log_in(target: &Target) -> Result<(Api, String), ClientError> {
    let anonymous = Api::anonymous(target.clone());
    let session = anonymous.get("auth/session").await?;
    let token = factor("TERMGATE_TOKEN", "Access token: ")?;
    let pin = factor("TERMGATE_PIN", "PIN: ")?;
    let code = match session["second_factor"] == true {
        true => factor("TERMGATE_TOTP_CODE", "Code from your authenticator app: ")?,
        false => String::new(),
    };
    let body = json!({"token": token, "pin": pin, "code": code});
    let answer = anonymous
        .answer(Method::POST, "auth/login", Some(&body))
        .await?;
    if answer.status != 200 {
        return Err(ClientError::Api {
            status: answer.status,
            code: answer.value["code"].as_str().unwrap_or_default().into(),
            message: answer.value["message"].as_str().unwrap_or_default().into(),
        });
    }
    let cookie = answer
        .set_cookies
        .iter()
        .filter_map(|c| c.split(';').next())
        .find(|pair| pair.contains("termgate_session=") && !pair.ends_with('='))
        .ok_or_else(|| ClientError::Http("the login set no session cookie".into()))?;
    let proof = answer.value["proof"]
        .as_str()
        .ok_or_else(|| ClientError::Http("the login gave no proof".into()))?;
    Ok((
        Api::owner(target.clone(), cookie.to_string(), proof.to_string()),
        pin,
    ))
}

/// A login factor from the environment, else asked without echo.
fn factor(variable: &str, prompt: &str) -> Result<String, ClientError> {
    if let Some(value) = env_secret(variable) {
        return Ok(value);
    }
    if !std::io::stdin().is_terminal() {
        return Err(ClientError::Usage(format!(
            "set {variable} (no terminal to ask on)"
        )));
    }
    Ok(prompt_hidden(prompt)?)
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
