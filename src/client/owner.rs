//! Logging in as the owner from a terminal, for the commands that need the
//! owner rather than a token: `termgate tokens` (a token never mints
//! tokens) and `termgate login` without an API token, which mints one.
//!
//! The login is the page's, exactly: `POST /auth/login` with the access
//! token, the PIN and, when `GET /auth/session` says the second factor is
//! on, the authenticator's code; then calls with the session's cookie and
//! proof; then `POST /auth/logout`, so no owner session outlives the
//! command. Each factor comes from its environment variable
//! (`TERMGATE_TOKEN`, `TERMGATE_PIN`, `TERMGATE_TOTP_CODE`), else is asked
//! without echo on a terminal, else is the next line of standard input (a
//! script pipes them in, one a line, in that order). The factors live only
//! in this process's memory for the one command; nothing here writes them.

use super::error::ClientError;
use super::http::Api;
use super::target::Target;
use crate::config::secrets::{env_secret, prompt_hidden};
use hyper::Method;
use serde_json::json;
use std::io::{BufRead, IsTerminal};
use std::time::Duration;

pub const TOKEN_ENV: &str = "TERMGATE_TOKEN";
pub const PIN_ENV: &str = "TERMGATE_PIN";
pub const CODE_ENV: &str = "TERMGATE_TOTP_CODE";

/// A logged-in owner: calls go with the session. The login opened the
/// session's re-authentication window, so a sensitive call (minting) sends no
/// factors again: resending a TOTP code the login just spent would be a replay.
pub struct Owner {
    pub api: Api,
}

/// Where one factor came from.
pub enum Source {
    Environment,
    /// Typed at a prompt or read from standard input.
    Asked,
}

/// One factor after another, from the environment, a prompt or stdin.
pub struct Factors {
    terminal: bool,
}

impl Factors {
    pub fn new() -> Self {
        Self {
            terminal: std::io::stdin().is_terminal(),
        }
    }

    /// The factor in `variable`, else asked with `prompt`, else a line of stdin.
    pub fn next(&mut self, variable: &str, prompt: &str) -> Result<(String, Source), ClientError> {
        if let Some(value) = env_secret(variable) {
            return Ok((value, Source::Environment));
        }
        if self.terminal {
            return Ok((prompt_hidden(prompt)?, Source::Asked));
        }
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line)?;
        let value = line.trim().to_string();
        if read == 0 || value.is_empty() {
            return Err(ClientError::Usage(format!(
                "set {variable} or give it as a line of standard input (no terminal to ask on)"
            )));
        }
        Ok((value, Source::Asked))
    }
}

/// Whether the server asks for the second factor's code; called before any
/// factor is asked, so an unreachable server fails before a prompt.
pub async fn second_factor(target: &Target) -> Result<bool, ClientError> {
    let session = Api::anonymous(target.clone()).get("auth/session").await?;
    Ok(session["second_factor"] == true)
}

/// Logs in with `token` (already read) and the factors that follow it.
pub async fn log_in(
    target: &Target,
    token: String,
    second_factor: bool,
    factors: &mut Factors,
) -> Result<Owner, ClientError> {
    let anonymous = Api::anonymous(target.clone());
    let (pin, _) = factors.next(PIN_ENV, "PIN: ")?;
    let code = match second_factor {
        true => {
            factors
                .next(CODE_ENV, "Code from your authenticator app: ")?
                .0
        }
        false => String::new(),
    };
    let body = json!({"token": token, "pin": pin, "code": code});
    let answer = anonymous
        .answer(Method::POST, "auth/login", Some(&body))
        .await?;
    match answer.status {
        200 => {}
        401 => {
            return Err(ClientError::Usage(format!(
                "{} refused the login: wrong access token, PIN or code (401)",
                target.url()
            )));
        }
        status => {
            return Err(ClientError::Api {
                status,
                code: answer.value["code"].as_str().unwrap_or_default().into(),
                message: answer.value["message"].as_str().unwrap_or_default().into(),
            });
        }
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
    Ok(Owner {
        api: Api::owner(target.clone(), cookie.to_string(), proof.to_string()),
    })
}

impl Owner {
    /// Ends the session (best effort: it also expires on its own).
    pub async fn log_out(&self) {
        let _ = self.api.call(Method::POST, "auth/logout", None).await;
    }
}

/// What `termgate login` mints when it logs in as the owner.
pub struct Mint {
    /// Empty: `terminals:write`.
    pub scopes: Vec<String>,
    /// `None`: [`LOGIN_LIFETIME`]; `Some(None)`: never expires.
    pub expires: Option<Option<Duration>>,
}

/// A minted login token's lifetime unless `--expires` says otherwise.
pub const LOGIN_LIFETIME: Duration = Duration::from_secs(90 * 86_400);
/// What a minted login token may do unless `--scope` says otherwise.
pub const LOGIN_SCOPE: &str = "terminals:write";

/// A minted token: its value (for the login file alone) and what to say of it.
pub struct Minted {
    pub token: String,
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    /// The id of this machine's earlier login token, revoked now.
    pub replaced: Option<String>,
}

/// The id of the token the stored login holds for `target`, when `login`
/// minted it on this machine (its name is [`login_name`]) and it still
/// works: the next owner login replaces it instead of piling up tokens.
/// A token the user gave (`login --api-token`) is never touched.
pub async fn previous_login(target: &Target) -> Option<String> {
    let token = super::profile::stored_token(target).ok().flatten()?;
    let session = Api::new(target.clone(), token)
        .get("auth/session")
        .await
        .ok()?;
    let ours = session["principal"] == "token" && session["name"] == login_name().as_str();
    session["token"]
        .as_str()
        .filter(|_| ours)
        .map(str::to_string)
}

/// Logs in as `owner`, mints an API token named `cli@<hostname>`, revokes
/// `replacing` (see [`previous_login`]) once the new one exists, and logs
/// out again, whether the mint worked or not: the owner's session never
/// outlives the command, and only the minted token is handed back.
pub async fn mint_for_login(
    target: &Target,
    token: String,
    second_factor: bool,
    factors: &mut Factors,
    mint: Mint,
    replacing: Option<String>,
) -> Result<Minted, ClientError> {
    let owner = log_in(target, token, second_factor, factors).await?;
    let scopes = match mint.scopes.is_empty() {
        true => vec![LOGIN_SCOPE.to_string()],
        false => mint.scopes,
    };
    let expires = mint.expires.unwrap_or(Some(LOGIN_LIFETIME));
    let body = json!({"name": login_name(), "scopes": scopes,
                      "expires_in_secs": expires.map(|t| t.as_secs())});
    let minted = owner.api.post("api/tokens", &body).await;
    let replaced = match (&minted, replacing) {
        (Ok(_), Some(old)) => match owner.api.delete(&format!("api/tokens/{old}")).await {
            Ok(_) => Some(old),
            Err(err) => {
                eprintln!("warning: the earlier login token {old} stays: {err}");
                None
            }
        },
        _ => None,
    };
    owner.log_out().await;
    let minted = minted?;
    let text = |key: &str| minted[key].as_str().unwrap_or_default().to_string();
    let token = text("token");
    if !token.starts_with("tg_") {
        return Err(ClientError::Http("the server minted no API token".into()));
    }
    Ok(Minted {
        token,
        id: text("id"),
        name: text("name"),
        scopes,
        replaced,
    })
}

/// `cli@<hostname>`, within the server's 64 characters: the owner's token
/// list then says which machine holds each login.
fn login_name() -> String {
    let host = nix::unistd::gethostname()
        .ok()
        .and_then(|name| name.into_string().ok())
        .filter(|name| !name.is_empty() && !name.chars().any(char::is_control))
        .unwrap_or_else(|| "unknown".into());
    format!("cli@{host}")
        .chars()
        .take(crate::auth::api_tokens::MAX_NAME)
        .collect()
}
