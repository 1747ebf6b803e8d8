//! `termgate exec [--timeout 60s] [--keep] -- CMD ARGS…`: runs a command in
//! a fresh tab (`POST /api/terminals` with its argv), streams what it
//! prints to stdout and exits with its exit status: 128 + N when a signal
//! ended it, 124 when `--timeout` passed first (as timeout(1)), 125 when
//! termgate itself failed. The tab is closed afterwards (`DELETE`, which
//! ends and reaps everything left in its session) unless `--keep`; on a
//! timeout or a signal to termgate it is closed regardless, so nothing is
//! left running.
//!
//! The socket asks for the raw replay (`?replay=raw`): output printed before
//! the socket opened comes as the bytes the program wrote, not as a drawn
//! screen. Standard input is not forwarded (use `attach` to type).

use super::error::ClientError;
use super::http::Api;
use super::output::Output;
use super::socket::{self, Replay};
use super::tabs::{self, Exited};
use super::{profile, terminal_size};
use crate::term::protocol::{ServerMessage, close};
use futures_util::StreamExt;
use std::io::IsTerminal;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio_tungstenite::tungstenite::Message;

/// timeout(1)'s status for "the time ran out".
pub const TIMED_OUT: i32 = 124;

pub struct ExecOptions<'a> {
    pub url: Option<&'a str>,
    pub timeout: Option<Duration>,
    pub keep: bool,
    pub command: &'a [String],
}

/// How the run ended, before the tab is closed.
enum Ending {
    Exited(Exited),
    TimedOut,
    /// termgate got this signal: close the tab, exit 128 + N.
    Signalled(i32),
    Failed(ClientError),
}

pub async fn exec(options: ExecOptions<'_>) -> Result<i32, ClientError> {
    let api = profile::resolve(options.url)?;
    let terminal = std::io::stdout().is_terminal();
    let size = terminal.then(terminal_size).flatten().unwrap_or((80, 24));
    // Signals are watched from before the tab exists, so none is missed.
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let tab = tabs::create(&api, size, Some(options.command)).await?;
    let deadline = options.timeout.map(|t| tokio::time::Instant::now() + t);
    let mut output = Output::new(!terminal);
    let ending = tokio::select! {
        ending = stream(&api, &tab.id, size, &mut output) => ending,
        () = sleep_until(deadline) => Ending::TimedOut,
        _ = interrupt.recv() => Ending::Signalled(signal_number::SIGINT),
        _ = terminate.recv() => Ending::Signalled(signal_number::SIGTERM),
        _ = hangup.recv() => Ending::Signalled(signal_number::SIGHUP),
    };
    let _ = output.finish().await;
    let close_anyway = !matches!(ending, Ending::Exited(_));
    if !options.keep || close_anyway {
        if let Err(err) = tabs::close(&api, &tab.id).await {
            eprintln!("termgate: could not close tab {}: {err}", tab.id);
        }
    } else {
        eprintln!("termgate: tab {} is kept", tab.id);
    }
    match ending {
        Ending::Exited(exited) => Ok(exited.status()),
        Ending::TimedOut => {
            eprintln!("termgate: timed out; tab {} closed", tab.id);
            Ok(TIMED_OUT)
        }
        Ending::Signalled(number) => Ok(128 + number),
        Ending::Failed(err) => Err(err),
    }
}

/// Never, without a deadline.
pub(super) async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The tab's output to `output` until its `exit` and Close 4000.
async fn stream(api: &Api, id: &str, size: (u16, u16), output: &mut Output) -> Ending {
    let mut socket = match socket::open(api, id, Some(size), Replay::Raw).await {
        Ok(socket) => socket,
        Err(err) => return Ending::Failed(err),
    };
    let mut exit = None;
    while let Some(frame) = socket.next().await {
        match frame {
            Ok(Message::Binary(bytes)) => {
                if let Err(err) = output.write(&bytes).await {
                    return Ending::Failed(err.into());
                }
            }
            Ok(Message::Text(text)) => {
                if let Some(ServerMessage::Exit { code, signal }) = socket::message(&text) {
                    exit = Some(Exited { code, signal });
                }
            }
            Ok(Message::Close(frame)) => {
                let code = frame.as_ref().map(|f| u16::from(f.code));
                return match (code, exit) {
                    (Some(close::EXITED), Some(exited)) => Ending::Exited(exited),
                    (Some(close::EXITED), None) => Ending::Exited(Exited {
                        code: None,
                        signal: None,
                    }),
                    _ => {
                        Ending::Failed(ClientError::Socket(socket::closed_because(frame.as_ref())))
                    }
                };
            }
            Ok(_) => {}
            Err(err) => return Ending::Failed(ClientError::socket(err)),
        }
    }
    Ending::Failed(ClientError::Socket(
        "the connection ended before the command did".into(),
    ))
}

/// Signal numbers, for the 128 + N statuses.
pub(super) mod signal_number {
    pub const SIGHUP: i32 = nix::sys::signal::Signal::SIGHUP as i32;
    pub const SIGINT: i32 = nix::sys::signal::Signal::SIGINT as i32;
    pub const SIGTERM: i32 = nix::sys::signal::Signal::SIGTERM as i32;
}
