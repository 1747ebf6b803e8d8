//! `termgate` as a client of a termgate, for scripts, CI jobs, agents and
//! other terminals: `login`, `logout`, `whoami`, `ls`, `attach`, `exec`.
//! It speaks to the server as any script may (docs/PROTOCOL.md, "API
//! tokens"): `Authorization: Bearer tg_…` on REST and on the WebSocket
//! handshake, over `http://` or `https://` (rustls, the platform's roots).
//!
//! - `target`: the server's URL (scheme, host, port, base path).
//! - `transport`: TCP, and TLS for `https://`.
//! - `http`: one REST call with the token.
//! - `profile`: the stored login (0600) or `TERMGATE_API_TOKEN`.
//! - `account`: login, logout, whoami. `tabs`: ls and the tab calls.
//! - `socket`: the terminal WebSocket. `output`: stdout for exec.
//! - `owner`: logs in as the owner for one command (factors from the
//!   environment, a prompt or stdin), for `tokens` and for `login` without
//!   an API token, which mints one for this machine and stores only it.
//! - `tokens`: the owner mints, lists and revokes API tokens.
//! - `exec`: run a command in a fresh tab; `typed` types one into an open
//!   tab, bracketed by `sentinel`'s markers. `attach`: the terminal on a tab,
//!   with `rawmode` (raw mode, always restored), `detach` (the detach key)
//!   and `gate` (the local terminal's replies to the rebuild are not input).
//! - `error`: [`ClientError`], this layer's one error type.

mod account;
mod attach;
mod detach;
mod error;
mod exec;
mod gate;
mod http;
mod output;
mod owner;
mod profile;
mod rawmode;
mod sentinel;
mod socket;
mod tabs;
mod target;
mod tokens;
mod transport;
mod typed;

pub use detach::KEY as DETACH_KEY;
pub use error::ClientError;
pub use exec::TIMED_OUT;
pub use gate::STATUS_QUERY;

use crate::cli::ClientCommand;

/// Runs a client command; its exit status (the command's or the shell's
/// for `exec` and `attach`, else 0).
pub fn run(command: ClientCommand) -> Result<i32, ClientError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(async move {
        match command {
            ClientCommand::Login {
                url,
                api_token,
                scope,
                expires,
            } => {
                let mint = owner::Mint {
                    scopes: scope,
                    expires: expires.as_deref().map(parse_expires).transpose()?,
                };
                account::login(url.as_deref(), api_token, mint)
                    .await
                    .map(|()| 0)
            }
            ClientCommand::Logout => account::logout().map(|()| 0),
            ClientCommand::Whoami { server, json } => account::whoami(server.url.as_deref(), json)
                .await
                .map(|()| 0),
            ClientCommand::Ls { server, json } => {
                tabs::ls(server.url.as_deref(), json).await.map(|()| 0)
            }
            ClientCommand::Tokens { action } => tokens_command(action).await.map(|()| 0),
            ClientCommand::Attach { server, id, new } => {
                attach::attach(server.url.as_deref(), id.as_deref(), new).await
            }
            ClientCommand::Exec {
                server,
                timeout,
                keep,
                new: _,
                tab,
                command,
            } => {
                let timeout = timeout
                    .map(|text| {
                        crate::config::units::parse_duration(&text)
                            .map_err(|why| ClientError::Usage(format!("--timeout {text}: {why}")))
                    })
                    .transpose()?;
                if let Some(tab) = tab.as_deref() {
                    return typed::exec_in_tab(typed::TypedOptions {
                        url: server.url.as_deref(),
                        tab,
                        timeout,
                        command: &command,
                    })
                    .await;
                }
                exec::exec(exec::ExecOptions {
                    url: server.url.as_deref(),
                    timeout,
                    keep,
                    command: &command,
                })
                .await
            }
        }
    });
    // The stdin reader of `attach` may still be in a read: do not wait for it.
    runtime.shutdown_background();
    result
}

async fn tokens_command(action: crate::cli::TokensAction) -> Result<(), ClientError> {
    use crate::cli::TokensAction;
    match action {
        TokensAction::Create {
            server,
            name,
            scope,
            expires,
            json,
        } => {
            let expires = expires.as_deref().map(parse_expires).transpose()?.flatten();
            let action = tokens::Action::Create {
                name: &name,
                scopes: &scope,
                expires,
                json,
            };
            tokens::run(server.url.as_deref(), action).await
        }
        TokensAction::List { server, json } => {
            tokens::run(server.url.as_deref(), tokens::Action::List { json }).await
        }
        TokensAction::Revoke { server, id } => {
            tokens::run(server.url.as_deref(), tokens::Action::Revoke { id: &id }).await
        }
    }
}

/// `--expires`: a duration, or `never` (`None`).
fn parse_expires(text: &str) -> Result<Option<std::time::Duration>, ClientError> {
    match text {
        "never" => Ok(None),
        text => crate::config::units::parse_duration(text)
            .map(Some)
            .map_err(|why| ClientError::Usage(format!("--expires {text}: {why}"))),
    }
}

/// The local terminal's size (cols, rows), when stdin or stdout is one.
fn terminal_size() -> Option<(u16, u16)> {
    let size = crate::term::pty::window_size(std::io::stdout())
        .or_else(|_| crate::term::pty::window_size(std::io::stdin()))
        .ok()?;
    (size.0 > 0 && size.1 > 0).then_some(size)
}
