//! The input half of a viewer: frames from the socket to the terminal.
//!
//! Binary frames are keystrokes and pastes for the tab's input queue; while
//! this viewer's budget there is spent this half waits (racing the stop
//! signals) and reads nothing more, so TCP pushes back on the sender and
//! memory stays bounded. A client that keeps within the input window
//! (`input_ack`) never gets there, so its frames are always read at once.
//! A signal key (Ctrl-C, Ctrl-\, Ctrl-Z while the tty turns them into
//! signals) jumps the queue: what was queued before it is dropped, as the
//! line discipline flushes it, and the signal reaches the foreground job at
//! once however much paste the program has not read. Read-only viewers'
//! input is counted and dropped, never written, and so is an interactive
//! guest's until the owner allows it (`auth::approval`), frame by frame.

use super::seat::Seat;
use super::{Stop, StopSignal, Viewer, stopped};
use crate::term::input::Budget;
use crate::term::protocol::{self, ClientMessage, ServerMessage, close};
use crate::term::terminal::TerminalHandle;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// Typing counts as activity of the login session, at most this often.
const TOUCH_EVERY: Duration = Duration::from_secs(1);

pub(super) async fn run<T>(
    stream: &mut T,
    terminal: &TerminalHandle,
    viewer: &Viewer,
    stop: &StopSignal,
    replies: mpsc::Sender<ServerMessage>,
    budget: &Arc<Budget>,
    seat: Option<Seat>,
) -> Stop
where
    T: Stream<Item = Result<Message, WsError>> + Unpin,
{
    let mut last_touch: Option<Instant> = None;
    // Held while the owner's page says it is visible; dropped with the socket.
    let mut watching = None;
    loop {
        let frame = tokio::select! {
            biased;
            stopped = stopped(stop.clone()) => return stopped,
            frame = tokio::time::timeout(viewer.liveness.dead_after, stream.next()) => frame,
        };
        let frame = match frame {
            Err(_) => return Stop(close::TIMEOUT, "no answer to pings"),
            Ok(Some(Ok(frame))) => frame,
            Ok(Some(Err(WsError::Capacity(_)))) => return Stop(close::POLICY, "frame too large"),
            Ok(Some(Err(_)) | None) => return Stop(close::NORMAL, ""),
        };
        match frame {
            Message::Binary(_) if viewer.readonly => count_dropped(viewer),
            // Asked for every frame, so the owner's word holds from the next keystroke.
            Message::Binary(_) if viewer.approval.as_ref().is_some_and(|t| !t.may_type()) => {
                count_dropped(viewer);
            }
            Message::Binary(bytes) => {
                // Typing into a viewer makes its size the tab's.
                if let Some(seat) = &seat {
                    seat.take();
                }
                if last_touch.is_none_or(|at| at.elapsed() > TOUCH_EVERY) {
                    if let Some(session) = viewer.session {
                        viewer.sessions.touch(session);
                    }
                    if let Some(activity) = &viewer.activity {
                        activity.note();
                    }
                    last_touch = Some(Instant::now());
                }
                let bytes = apply_signal_keys(terminal, bytes);
                let written = tokio::select! {
                    biased;
                    stopped = stopped(stop.clone()) => return stopped,
                    written = terminal.write(bytes, budget) => written,
                };
                if written.is_err() {
                    // The shell is gone: stop reading (a paste still coming
                    // would only be thrown away) and let the output half
                    // report the exit and close.
                    return stopped(stop.clone()).await;
                }
            }
            Message::Text(text) => match protocol::parse_client(&text) {
                Ok(ClientMessage::Resize { .. }) if viewer.readonly => count_dropped(viewer),
                Ok(ClientMessage::Resize { cols, rows }) => {
                    // A guest's wish is ignored: it shows the PTY's size.
                    if let Some(seat) = &seat {
                        seat.wish(cols, rows);
                    }
                }
                Ok(ClientMessage::Focus {}) => {
                    if let Some(seat) = &seat {
                        seat.take();
                    }
                }
                Ok(ClientMessage::Visibility { visible }) => {
                    watching = match (&viewer.activity, visible) {
                        (Some(activity), true) => watching.or_else(|| Some(activity.watching())),
                        _ => None,
                    };
                }
                // This socket is past the door (`locked`): a late answer is moot.
                Ok(ClientMessage::Unlock { .. }) => {}
                // A full reply queue drops the reply: the client is flooding.
                Err(error) => drop(replies.try_send(error)),
            },
            Message::Close(_) => return Stop(close::NORMAL, ""),
            // Pings are answered by tungstenite itself; pongs only prove liveness.
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
        }
    }
}

/// Applies the last signal key in `bytes` out of band and returns what
/// follows it (what came before would be flushed by the key anyway).
fn apply_signal_keys(terminal: &TerminalHandle, bytes: Bytes) -> Bytes {
    // Signal keys are control bytes: look the tty up only for such frames.
    if !bytes.iter().any(|&b| b < 0x20 || b == 0x7f) {
        return bytes;
    }
    let keys = terminal.signal_keys();
    let key = bytes.iter().enumerate().rev().find_map(|(at, &b)| {
        keys.iter()
            .find(|(key, _)| *key == b)
            .map(|&(_, signal)| (at, b, signal))
    });
    match key {
        Some((at, byte, signal)) => {
            terminal.send_signal_key(signal, byte);
            bytes.slice(at + 1..)
        }
        None => bytes,
    }
}

fn count_dropped(viewer: &Viewer) {
    // Read-only input is never written; it is counted on the link.
    if let Some(share) = &viewer.share {
        share.dropped_input.fetch_add(1, Ordering::Relaxed);
    }
}
