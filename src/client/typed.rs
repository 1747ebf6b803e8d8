//! `termgate exec --tab ID [--timeout D] -- CMD ARGS…`: types a command
//! into a tab that is already open, as a person would, and reports what it
//! printed and its exit status. The tab stays open whatever happens.
//!
//! There is no side channel into a running shell, so the shell itself
//! reports: the typed line brackets the command with two `printf`s of a
//! random nonce (see `sentinel`), and only what lies between them goes to
//! stdout; the status is the one the second `printf` printed. That is why
//! the tab's program must be a POSIX-ish shell waiting at its prompt, and
//! why anything else the tab prints meanwhile (a background job) lands in
//! the output too. On `--timeout` (exit 124) or a signal to termgate (exit
//! 128 + N) the tab gets a Ctrl-C, which interrupts the command as a
//! person's would, and is left running.
//!
//! The socket opens without a size (the tab keeps the one its viewers
//! gave it) and with the raw replay; the replay is skipped, the line is
//! typed once it is `live`.

use super::error::ClientError;
use super::exec::{TIMED_OUT, signal_number};
use super::output::Output;
use super::profile;
use super::sentinel::Sentinel;
use super::socket::{self, Replay, Socket};
use super::tabs::Exited;
use crate::term::protocol::{ServerMessage, close};
use futures_util::{SinkExt, StreamExt};
use std::io::IsTerminal;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio_tungstenite::tungstenite::Message;

/// What interrupts the command in the tab (the tty's default VINTR).
const CTRL_C: &[u8] = b"\x03";

pub struct TypedOptions<'a> {
    pub url: Option<&'a str>,
    pub tab: &'a str,
    pub timeout: Option<Duration>,
    pub command: &'a [String],
}

enum Ending {
    /// The end line came, with this status.
    Done(i32),
    /// The tab's program ended before the end line came.
    TabExited(Exited),
    TimedOut,
    Signalled(i32),
    Failed(ClientError),
}

pub async fn exec_in_tab(options: TypedOptions<'_>) -> Result<i32, ClientError> {
    let api = profile::resolve(options.url)?;
    let deadline = options.timeout.map(|t| tokio::time::Instant::now() + t);
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let opening = socket::open(&api, options.tab, None, Replay::Raw);
    let opened = tokio::select! {
        opened = opening => opened,
        () = super::exec::sleep_until(deadline) => {
            eprintln!("termgate: timed out before tab {} answered; nothing was typed", options.tab);
            return Ok(TIMED_OUT);
        }
    };
    let mut socket = opened?;
    let sentinel = Sentinel::new();
    let mut output = Output::new(!std::io::stdout().is_terminal());
    let mut typed = false;
    let ending = tokio::select! {
        ending = run(&mut socket, &sentinel, options.command, &mut output, &mut typed) => ending,
        () = super::exec::sleep_until(deadline) => Ending::TimedOut,
        _ = interrupt.recv() => Ending::Signalled(signal_number::SIGINT),
        _ = terminate.recv() => Ending::Signalled(signal_number::SIGTERM),
        _ = hangup.recv() => Ending::Signalled(signal_number::SIGHUP),
    };
    let _ = output.finish().await;
    // Only once the line is typed: before, the tab runs something of its
    // owner's, which is not ours to interrupt.
    if typed && matches!(ending, Ending::TimedOut | Ending::Signalled(_)) {
        // Binary frames are input; the server applies a Ctrl-C as the tty
        // would (SIGINT to the foreground job), ahead of anything queued.
        if let Err(err) = socket.send(Message::binary(CTRL_C)).await {
            eprintln!("termgate: could not interrupt the command: {err}");
        }
    }
    let _ = socket.close(None).await;
    match ending {
        Ending::Done(status) => Ok(status),
        Ending::TabExited(exited) => {
            eprintln!(
                "termgate: the program of tab {} ended before the command did",
                options.tab
            );
            Ok(exited.status())
        }
        Ending::TimedOut => {
            match typed {
                true => eprintln!(
                    "termgate: timed out; sent Ctrl-C to tab {}, which stays open",
                    options.tab
                ),
                false => eprintln!(
                    "termgate: timed out before the tab's replay ended; nothing was typed"
                ),
            }
            Ok(TIMED_OUT)
        }
        Ending::Signalled(number) => Ok(128 + number),
        Ending::Failed(err) => Err(err),
    }
}

/// Waits for the replay to end, types the line, and reads until the end line.
async fn run(
    socket: &mut Socket,
    sentinel: &Sentinel,
    command: &[String],
    output: &mut Output,
    typed: &mut bool,
) -> Ending {
    let mut reader = sentinel.reader();
    let mut exit = None;
    while let Some(frame) = socket.next().await {
        match frame {
            // Before `live`: the replay of what the tab printed before.
            Ok(Message::Binary(bytes)) if *typed => {
                let out = reader.feed(&bytes);
                if let Err(err) = output.write(&out).await {
                    return Ending::Failed(err.into());
                }
                if let Some(status) = reader.status() {
                    return Ending::Done(status);
                }
            }
            Ok(Message::Text(text)) => match socket::message(&text) {
                Some(ServerMessage::Hello { readonly: true, .. }) => {
                    return Ending::Failed(ClientError::Usage(
                        "this token cannot type into tabs (it needs terminals:write)".into(),
                    ));
                }
                Some(ServerMessage::Locked { .. }) => {
                    return Ending::Failed(ClientError::Usage(
                        "the tab is locked: unlock it in the browser first".into(),
                    ));
                }
                Some(ServerMessage::Live) if !*typed => {
                    let line = format!("{}\r", sentinel.line(command));
                    // Before the send: a timeout in the middle of it must still interrupt.
                    *typed = true;
                    if let Err(err) = socket.send(Message::binary(line.into_bytes())).await {
                        return Ending::Failed(ClientError::socket(err));
                    }
                }
                // The raw replay starts over: the start line is in it again.
                Some(ServerMessage::Resync) if *typed => reader.restart(),
                Some(ServerMessage::Exit { code, signal }) => exit = Some(Exited { code, signal }),
                _ => {}
            },
            Ok(Message::Close(frame)) => {
                let code = frame.as_ref().map(|f| u16::from(f.code));
                return match (code, exit) {
                    (Some(close::EXITED), Some(exited)) => Ending::TabExited(exited),
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
