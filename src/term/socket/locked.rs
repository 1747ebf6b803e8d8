//! A locked tab's door (`term::tab_lock`): before `hello`, a socket of a locked tab
//! says `locked` and reads only `unlock` messages until one carries the owner's
//! factors, the owner unlocks the tab, or the wait ends (the stop signals, silence
//! past the liveness limit, or [`PATIENCE`]). Nothing of the tab (its title, size or
//! screen) goes out before, and no input comes in.

use super::{PEER_GONE, Stop, StopSignal, Viewer, stopped};
use crate::error::Error;
use crate::term::protocol::{ClientMessage, ServerMessage, close, parse_client};
use crate::term::tab_lock::{Key, Unlock};
use crate::term::terminal::TerminalHandle;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// How long a socket may wait at the door, however alive: someone who walked away
/// from the PIN prompt does not hold a WebSocket slot for ever.
pub const PATIENCE: Duration = Duration::from_secs(5 * 60);

/// Returns once the viewer may go in; `Err` with the close code otherwise.
pub(super) async fn pass<S>(
    socket: &mut WebSocketStream<S>,
    terminal: &TerminalHandle,
    viewer: &Viewer,
    stop: &StopSignal,
) -> Result<(), Stop>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut lock = terminal.tab_lock().watch();
    let unlock = match &viewer.key {
        _ if !*lock.borrow_and_update() => return Ok(()),
        Key::Passes => return Ok(()),
        Key::Asks(unlock) => unlock,
    };
    let limit = viewer.liveness.dead_after;
    let asked = ServerMessage::Locked {
        second_factor: unlock.asks_code(),
    };
    send(socket, &asked, limit).await?;
    let gave_up = Instant::now() + PATIENCE;
    let mut ping = tokio::time::interval(viewer.liveness.ping_every);
    let mut heard = Instant::now();
    loop {
        tokio::select! {
            stop = stopped(stop.clone()) => return Err(stop),
            opened = unlocked(&mut lock) => return opened,
            () = tokio::time::sleep_until(gave_up) => {
                return Err(Stop(close::TIMEOUT, "the tab stayed locked"));
            }
            _ = ping.tick() => {
                if heard.elapsed() > limit {
                    return Err(Stop(close::TIMEOUT, "the connection stopped answering"));
                }
                timed(socket.send(Message::Ping(Bytes::new())), limit).await?;
            }
            frame = socket.next() => {
                heard = Instant::now();
                match frame {
                    Some(Ok(Message::Text(text))) => match answer(unlock.as_ref(), &text) {
                        Answer::In => return Ok(()),
                        Answer::Reply(reply) => send(socket, &reply, limit).await?,
                        Answer::Ignore => {}
                    },
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Err(PEER_GONE),
                    // Pongs prove liveness; keystrokes before the door opens are dropped.
                    Some(Ok(_)) => {}
                }
            }
        }
    }
}

/// Resolves when the owner unlocks the tab; `Err` if the tab goes first.
async fn unlocked(lock: &mut watch::Receiver<bool>) -> Result<(), Stop> {
    match lock.wait_for(|locked| !*locked).await {
        Ok(_) => Ok(()),
        Err(_) => Err(Stop(close::NOT_FOUND, "the tab was closed")),
    }
}

/// What the door does with a text frame.
enum Answer {
    /// The factors were right.
    In,
    Reply(ServerMessage),
    /// Not an `unlock` (a resize, a focus from a page that does not know yet): no reply.
    Ignore,
}

fn answer(unlock: &dyn Unlock, text: &str) -> Answer {
    let Ok(ClientMessage::Unlock { pin, code }) = parse_client(text) else {
        return Answer::Ignore;
    };
    match unlock.check(&pin, code.as_deref()) {
        Ok(()) => Answer::In,
        Err(Error::RateLimited { retry_after }) => Answer::Reply(ServerMessage::error(
            "rate_limited",
            format!(
                "too many wrong attempts: try again in {} s",
                retry_after.as_secs().max(1)
            ),
        )),
        Err(_) => Answer::Reply(ServerMessage::error("unlock_failed", "wrong PIN or code")),
    }
}

async fn send<S>(
    socket: &mut WebSocketStream<S>,
    message: &ServerMessage,
    limit: Duration,
) -> Result<(), Stop>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    timed(socket.send(Message::text(message.to_json())), limit).await
}

/// A send with the liveness deadline: a peer that takes nothing is closed.
async fn timed<F, E>(send: F, limit: Duration) -> Result<(), Stop>
where
    F: std::future::Future<Output = Result<(), E>>,
{
    match tokio::time::timeout(limit, send).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(PEER_GONE),
        Err(_) => Err(Stop(close::TIMEOUT, "the connection stopped taking output")),
    }
}
