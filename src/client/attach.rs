//! `termgate attach [ID | --new]`: the local terminal, in raw mode, on a
//! tab: keys go to the tab, its output to the screen, the local size follows
//! SIGWINCH. Ctrl-] twice detaches (the tab runs on); when the tab's shell
//! ends, attach exits with its status. Without an ID or `--new` it attaches
//! to the newest tab still running, or opens one when there is none.

use super::detach::Detacher;
use super::error::ClientError;
use super::gate::Gate;
use super::http::Api;
use super::rawmode::RawMode;
use super::socket::{self, Replay, Socket};
use super::tabs::{self, Exited};
use super::{profile, terminal_size};
use crate::term::protocol::{INPUT_WINDOW, ServerMessage, close};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::io::{IsTerminal, Read, Write};
use tokio::signal::unix::{SignalKind, signal};
use tokio_tungstenite::tungstenite::Message;

/// How an attach ended.
enum Ending {
    Detached,
    Exited(Exited),
    /// termgate got this signal (SIGTERM, SIGHUP): detach, exit 128 + N.
    Signalled(i32),
}

pub async fn attach(url: Option<&str>, id: Option<&str>, new: bool) -> Result<i32, ClientError> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(ClientError::Usage(
            "attach needs a terminal on stdin and stdout; scripts use `termgate exec`".into(),
        ));
    }
    let api = profile::resolve(url)?;
    let size = terminal_size().unwrap_or((80, 24));
    let id = match (id, new) {
        (Some(id), _) => id.to_string(),
        (None, true) => tabs::create(&api, size, None).await?.id,
        (None, false) => pick(&api, size).await?,
    };
    let socket = socket::open(&api, &id, Some(size), Replay::Screen).await?;
    let ending = {
        let _raw = RawMode::enter()?;
        bridge(socket).await
    };
    match ending? {
        Ending::Detached => {
            eprintln!("[detached from {id}: `termgate attach {id}` comes back]");
            Ok(0)
        }
        Ending::Exited(exited) => {
            eprintln!("[the shell in {id} ended: status {}]", exited.status());
            Ok(exited.status())
        }
        Ending::Signalled(number) => Ok(128 + number),
    }
}

/// The newest running tab, or a new one.
async fn pick(api: &Api, size: (u16, u16)) -> Result<String, ClientError> {
    let (_, list) = tabs::list(api).await?;
    let newest = list
        .into_iter()
        .filter(|tab| tab.exited.is_none())
        .max_by_key(|tab| tab.created_at);
    match newest {
        Some(tab) => Ok(tab.id),
        None => Ok(tabs::create(api, size, None).await?.id),
    }
}

/// Bridges the raw local terminal and the socket until detach, exit or a signal.
async fn bridge(socket: Socket) -> Result<Ending, ClientError> {
    let (mut sink, mut stream) = socket.split();
    let mut winch = signal(SignalKind::window_change())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut keys = read_keys();
    let mut stdout = std::io::stdout();
    // The input window (docs/PROTOCOL.md): at most INPUT_WINDOW bytes sent
    // and not yet acknowledged, so a Ctrl-C after a paste is not stuck behind it.
    let (mut sent, mut acked) = (0u64, 0u64);
    let mut gate = Gate::Rebuilding;
    let mut detacher = Detacher::default();
    let mut exit = None;
    let ending = loop {
        let barrier = gate.deadline();
        let lone = detacher.deadline();
        let now = tokio::time::Instant::now;
        let mut outgoing = Vec::new();
        tokio::select! {
            key = keys.recv(), if sent - acked < INPUT_WINDOW => {
                let Some(key) = key else { break Ending::Detached };
                let keys = detacher.feed(&key);
                outgoing = gate.pass(keys.send);
                if keys.detach {
                    send_input(&mut sink, outgoing).await?;
                    break Ending::Detached;
                }
            }
            () = tokio::time::sleep_until(lone.unwrap_or_else(now)), if lone.is_some() => {
                outgoing = gate.pass(detacher.expire());
            }
            () = tokio::time::sleep_until(barrier.unwrap_or_else(now)), if barrier.is_some() => {
                // A terminal that never answers: its replies, if any, came by now.
                gate = Gate::Open;
            }
            _ = winch.recv() => {
                if let Some((cols, rows)) = terminal_size() {
                    // A resize is the person at this terminal acting: take the size.
                    for message in [json!({"type": "resize", "cols": cols, "rows": rows}), json!({"type": "focus"})] {
                        sink.send(Message::text(message.to_string())).await.map_err(ClientError::socket)?;
                    }
                }
            }
            _ = terminate.recv() => break Ending::Signalled(nix::sys::signal::Signal::SIGTERM as i32),
            _ = hangup.recv() => break Ending::Signalled(nix::sys::signal::Signal::SIGHUP as i32),
            _ = interrupt.recv() => break Ending::Signalled(nix::sys::signal::Signal::SIGINT as i32),
            frame = stream.next() => match frame {
                Some(Ok(Message::Binary(bytes))) => {
                    stdout.write_all(&bytes).and_then(|()| stdout.flush())?;
                }
                Some(Ok(Message::Text(text))) => match socket::message(&text) {
                    Some(ServerMessage::Hello { readonly: true, .. }) => {
                        // The server drops what a watcher types: say so rather than seem stuck.
                        eprint!("[watching only: this token has no terminals:write]\r\n");
                    }
                    Some(ServerMessage::Live) => gate = Gate::after_rebuild(&mut stdout)?,
                    Some(ServerMessage::Resync) => gate = Gate::Rebuilding,
                    Some(ServerMessage::InputAck { bytes }) => acked = acked.max(bytes),
                    Some(ServerMessage::Exit { code, signal }) => exit = Some(Exited { code, signal }),
                    _ => {}
                },
                Some(Ok(Message::Close(frame))) => {
                    if frame.as_ref().is_some_and(|f| u16::from(f.code) == close::EXITED) {
                        break Ending::Exited(exit.unwrap_or(Exited { code: None, signal: None }));
                    }
                    return Err(ClientError::Socket(socket::closed_because(frame.as_ref())));
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => return Err(ClientError::socket(err)),
                None => return Err(ClientError::Socket("the connection ended".into())),
            },
        }
        sent += outgoing.len() as u64;
        send_input(&mut sink, outgoing).await?;
    };
    // Say goodbye; a server that does not answer at once is not waited for.
    let bye = sink.send(Message::Close(None));
    let _ = tokio::time::timeout(std::time::Duration::from_millis(500), bye).await;
    Ok(ending)
}

async fn send_input<S>(sink: &mut S, bytes: Vec<u8>) -> Result<(), ClientError>
where
    S: futures_util::Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
{
    if bytes.is_empty() {
        return Ok(());
    }
    sink.send(Message::binary(bytes))
        .await
        .map_err(ClientError::socket)
}

/// Keystrokes from a blocking thread (stdin has no async reader here). The
/// thread ends with the process: a read in progress cannot be cancelled.
fn read_keys() -> tokio::sync::mpsc::Receiver<Vec<u8>> {
    let (keys_tx, keys) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = std::io::stdin().read(&mut buf) {
            if n == 0 || keys_tx.blocking_send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    keys
}
