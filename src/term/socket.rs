//! One WebSocket viewer of one terminal.
//!
//! The socket sends `hello`, the replay, then live output; it applies the
//! viewer's input and resizes; and it ends with a Close frame whose code says
//! why (docs/PROTOCOL.md). Every send races the stop signals (shutdown, end of
//! the login session), so a viewer that stops reading can never keep a socket
//! — or the memory behind it — alive past them.

use super::fanout::Subscription;
use super::protocol::{self, ClientMessage, ServerMessage, close};
use super::terminal::{CHUNK, ExitInfo, TerminalHandle};
use crate::auth::sessions::{SessionKey, Sessions};
use crate::auth::share::ShareStats;
use crate::http::websocket::Socket;
use crate::shutdown::Shutdown;
use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// How often we ping, and how long silence means the peer is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Liveness {
    pub ping_every: Duration,
    pub dead_after: Duration,
}

impl Default for Liveness {
    fn default() -> Self {
        Self {
            ping_every: Duration::from_secs(10),
            dead_after: Duration::from_secs(30),
        }
    }
}

/// Who is on the other end and what they may do.
pub struct Viewer {
    pub session: SessionKey,
    pub ended: watch::Receiver<bool>,
    pub sessions: Sessions,
    pub readonly: bool,
    /// Set for guests: the link's counters (guests connected, input dropped).
    pub share: Option<Arc<ShareStats>>,
    pub liveness: Liveness,
    pub shutdown: Shutdown,
}

type Sink = SplitSink<Socket, Message>;

/// Why the loop stopped, as a close code and reason.
#[derive(Clone, Copy)]
struct Stop(u16, &'static str);

pub async fn serve(socket: Socket, terminal: TerminalHandle, viewer: Viewer) {
    let _guest = viewer.share.clone().map(GuestCount::enter);
    let (mut sink, mut stream) = socket.split();
    let stop = stop_signal(&viewer);
    let outcome = run(&mut sink, &mut stream, &terminal, &viewer, stop).await;
    let Stop(code, reason) = outcome;
    let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    };
    // The closing handshake, best effort: send our Close, then read until the
    // peer's Close or EOF, so no unread bytes turn our close into a reset
    // that would swallow the Close frame. A stalled peer gets a deadline.
    let patience = Duration::from_secs(1);
    let _ = tokio::time::timeout(patience, async {
        if sink.send(Message::Close(Some(frame))).await.is_ok() {
            while let Some(Ok(message)) = stream.next().await {
                if message.is_close() {
                    break;
                }
            }
        }
    })
    .await;
}

/// Counts a guest's socket on its share link while it lives.
struct GuestCount(Arc<ShareStats>);

impl GuestCount {
    fn enter(stats: Arc<ShareStats>) -> Self {
        stats.guests.fetch_add(1, Ordering::Relaxed);
        Self(stats)
    }
}

impl Drop for GuestCount {
    fn drop(&mut self) {
        self.0.guests.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A watch that flips to a close code on shutdown or when the session ends.
fn stop_signal(viewer: &Viewer) -> watch::Receiver<Option<Stop>> {
    let (tx, rx) = watch::channel(None);
    let shutdown = viewer.shutdown.clone();
    let mut ended = viewer.ended.clone();
    tokio::spawn(async move {
        let stop = tokio::select! {
            _ = shutdown.wait() => Stop(close::GOING_AWAY, "server shutting down"),
            _ = ended.wait_for(|ended| *ended) => Stop(close::SESSION_ENDED, "login session ended"),
            _ = tx.closed() => return,
        };
        tx.send_replace(Some(stop));
    });
    rx
}

async fn run(
    sink: &mut Sink,
    stream: &mut SplitStream<Socket>,
    terminal: &TerminalHandle,
    viewer: &Viewer,
    stop: watch::Receiver<Option<Stop>>,
) -> Stop {
    let mut attachment = terminal.attach();
    let (cols, rows) = terminal.size();
    let hello = ServerMessage::Hello {
        id: terminal.id().to_string(),
        title: terminal.info().title,
        cols,
        rows,
        readonly: viewer.readonly,
    };
    if let Err(stop) = send(sink, Message::text(hello.to_json()), &stop).await {
        return stop;
    }
    if let Err(stop) = send_replay(sink, &mut attachment, &stop).await {
        return stop;
    }

    let exit = terminal.exit();
    let mut sizes = terminal.size_changes();
    sizes.mark_unchanged();
    let mut ping = tokio::time::interval(viewer.liveness.ping_every);
    let mut last_heard = Instant::now();
    let mut last_touch = Instant::now();
    let mut dropped_input = 0u64;
    loop {
        tokio::select! {
            // Stop signals first, then the viewer's input (rare and small,
            // so Ctrl-C is never stuck behind a flood), then output.
            biased;
            stopped = stopped(stop.clone()) => return stopped,
            info = exited(exit.clone()) => {
                // At shutdown the shells end too; that is not the shell
                // exiting, and the client should come back, not give up.
                if viewer.shutdown.is_triggered() {
                    return Stop(close::GOING_AWAY, "server shutting down");
                }
                return finish_exit(sink, &mut attachment, info, &stop).await;
            }
            frame = stream.next() => {
                last_heard = Instant::now();
                let frame = match frame {
                    Some(Ok(frame)) => frame,
                    Some(Err(tokio_tungstenite::tungstenite::Error::Capacity(_))) => {
                        return Stop(close::POLICY, "frame too large");
                    }
                    Some(Err(_)) | None => return Stop(close::NORMAL, ""),
                };
                match frame {
                    Message::Binary(_) if viewer.readonly => dropped_input += 1,
                    Message::Binary(bytes) => {
                        if last_touch.elapsed() > Duration::from_secs(1) {
                            viewer.sessions.touch(viewer.session);
                            last_touch = Instant::now();
                        }
                        terminal.write(bytes).await;
                    }
                    Message::Text(text) => match protocol::parse_client(&text) {
                        Ok(ClientMessage::Resize { .. }) if viewer.readonly => dropped_input += 1,
                        Ok(ClientMessage::Resize { cols, rows }) => terminal.resize(cols, rows).await,
                        Err(error) => {
                            if let Err(stop) = send(sink, Message::text(error.to_json()), &stop).await {
                                return stop;
                            }
                        }
                    },
                    Message::Close(_) => return Stop(close::NORMAL, ""),
                    // Pings are answered by tungstenite itself; pongs only prove liveness.
                    Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > viewer.liveness.dead_after {
                    return Stop(close::TIMEOUT, "no answer to pings");
                }
                if let Err(stop) = send(sink, Message::Ping(Bytes::new()), &stop).await {
                    return stop;
                }
            }
            size = next_size(sizes.clone()) => {
                sizes.mark_unchanged();
                let (cols, rows) = size;
                let message = ServerMessage::Resize { cols, rows }.to_json();
                if let Err(stop) = send(sink, Message::text(message), &stop).await {
                    return stop;
                }
            }
            received = attachment.live.recv() => match received {
                Ok(chunk) => {
                    if let Err(stop) = send(sink, Message::binary(chunk), &stop).await {
                        return stop;
                    }
                    attachment.delivered();
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Fell out of the live window: start over from a fresh
                    // replay on the same socket, no reconnect needed.
                    attachment = terminal.reattach(attachment);
                    if let Err(stop) = send(sink, Message::text(ServerMessage::Resync.to_json()), &stop).await {
                        return stop;
                    }
                    if let Err(stop) = send_replay(sink, &mut attachment, &stop).await {
                        return stop;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return Stop(close::NOT_FOUND, "terminal closed"),
            },
        }
        if dropped_input > 0 {
            // Read-only input is never written; it is counted on the link.
            if let Some(share) = &viewer.share {
                share
                    .dropped_input
                    .fetch_add(dropped_input, Ordering::Relaxed);
            }
            dropped_input = 0;
        }
    }
}

/// After the shell exits: deliver what is still queued, the `exit` message,
/// and close with [`close::EXITED`].
async fn finish_exit(
    sink: &mut Sink,
    attachment: &mut Subscription,
    info: ExitInfo,
    stop: &watch::Receiver<Option<Stop>>,
) -> Stop {
    while let Ok(chunk) = attachment.live.try_recv() {
        if let Err(stop) = send(sink, Message::binary(chunk), stop).await {
            return stop;
        }
        attachment.delivered();
    }
    let message = ServerMessage::Exit {
        code: info.code,
        signal: info.signal,
    };
    if let Err(stop) = send(sink, Message::text(message.to_json()), stop).await {
        return stop;
    }
    Stop(close::EXITED, "the shell exited")
}

/// Sends a subscription's replay (then frees it) in frames of at most [`CHUNK`].
async fn send_replay(
    sink: &mut Sink,
    attachment: &mut Subscription,
    stop: &watch::Receiver<Option<Stop>>,
) -> Result<(), Stop> {
    for chunk in std::mem::take(&mut attachment.replay).chunks(CHUNK) {
        send(sink, Message::binary(Bytes::copy_from_slice(chunk)), stop).await?;
    }
    Ok(())
}

/// Sends one message unless a stop signal comes first.
async fn send(
    sink: &mut Sink,
    message: Message,
    stop: &watch::Receiver<Option<Stop>>,
) -> Result<(), Stop> {
    tokio::select! {
        sent = sink.send(message) => sent.map_err(|_| Stop(close::NORMAL, "")),
        stopped = stopped(stop.clone()) => Err(stopped),
    }
}

/// Resolves with the stop reason once one is set.
async fn stopped(mut stop: watch::Receiver<Option<Stop>>) -> Stop {
    match stop.wait_for(Option::is_some).await {
        Ok(value) => value.unwrap_or(Stop(close::GOING_AWAY, "stopping")),
        // The signal task ended without a reason: only at shutdown.
        Err(_) => Stop(close::GOING_AWAY, "stopping"),
    }
}

/// Resolves with the PTY's new size once it changes (never, once the terminal is gone).
async fn next_size(mut sizes: watch::Receiver<(u16, u16)>) -> (u16, u16) {
    match sizes.changed().await {
        Ok(()) => *sizes.borrow_and_update(),
        Err(_) => std::future::pending().await,
    }
}

/// Resolves with the shell's exit once it has been reaped.
async fn exited(mut exit: watch::Receiver<Option<ExitInfo>>) -> ExitInfo {
    let exit = exit.wait_for(Option::is_some).await.map(|info| *info);
    match exit {
        Ok(info) => info.unwrap_or(ExitInfo {
            code: None,
            signal: None,
        }),
        // The terminal was dropped without an exit: wait for the stop signal instead.
        Err(_) => std::future::pending().await,
    }
}
