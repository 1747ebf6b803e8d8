//! One WebSocket viewer of one terminal, as two halves that never wait on
//! each other (docs/PROTOCOL.md, "Flow control" and "Liveness"):
//!
//! - `output`: `hello`, the replay, then live output, resizes and pings to
//!   the socket. Every send has a deadline (the liveness limit): a peer that
//!   stops taking output is closed with 4008 instead of holding its slot.
//! - `input`: frames from the socket to the tab's input queue. While the
//!   queue is full it stops reading, so TCP pushes back on the sender;
//!   signal keys (Ctrl-C) jump the queue; silence past the liveness limit
//!   closes the socket.
//!
//! Both halves race the stop signals (shutdown, end of the login session or
//! of a guest's link) at every await, and the first half to stop decides the
//! Close frame's code.

mod input;
mod locked;
mod output;
mod seat;

use super::input::{Budget, VIEWER_BUDGET};
use super::protocol::close;
use super::terminal::TerminalHandle;
use crate::auth::activity::OwnerActivity;
use crate::auth::approval::State;
use crate::auth::sessions::{SessionKey, Sessions};
use crate::auth::share::ShareStats;
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// How often we ping, and how long silence (or a send that does not
/// complete) means the peer is gone.
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
    /// The login session, whose idle clock typing resets; `None` for a
    /// script's API token, which has none.
    pub session: Option<SessionKey>,
    pub ended: watch::Receiver<bool>,
    pub sessions: Sessions,
    pub readonly: bool,
    /// Set for an interactive guest: it types only while the owner allows it
    /// (`auth::approval`); a denial or a kick closes the socket.
    pub approval: Option<crate::auth::approval::Ticket>,
    /// The owner's viewers take part in the size rule (`term::sizing`);
    /// guests never size the PTY.
    pub sizes: bool,
    /// The size the viewer displays at, given in the socket's URL (`termgate attach` gives it):
    /// it takes the size before the screen is sent, so the
    /// snapshot is drawn at that size.
    pub size: Option<(u16, u16)>,
    /// `?replay=raw`: the raw scrollback instead of the screen snapshot
    /// (exact bytes from the tab's start while the ring has not wrapped).
    pub raw_replay: bool,
    /// Set for the owner: typing and a visible page count as the owner
    /// being there.
    pub activity: Option<OwnerActivity>,
    /// Set for guests: the link's counters (guests connected, input dropped).
    pub share: Option<Arc<ShareStats>>,
    pub liveness: Liveness,
    pub shutdown: crate::shutdown::Shutdown,
    /// What it holds at the door of a locked tab (`locked`).
    pub key: crate::term::tab_lock::Key,
}

/// Why a half stopped, as a close code and reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stop(u16, &'static str);

/// A send failed: the peer is gone.
const PEER_GONE: Stop = Stop(close::NORMAL, "");

/// The stop signals as one watch: `Some` once the socket must close.
type StopSignal = watch::Receiver<Option<Stop>>;

/// Replies from the input half that the output half sends (refused
/// control messages). Small and lossy: a flood of bad frames cannot grow it.
const REPLIES: usize = 8;

/// How long a closing socket waits for the peer to close too.
const CLOSE_PATIENCE: Duration = Duration::from_secs(1);

pub async fn serve<S>(mut socket: WebSocketStream<S>, terminal: TerminalHandle, viewer: Viewer)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let _guest = viewer.share.clone().map(GuestCount::enter);
    let stop = stop_signal(&viewer);
    let (sink, stream, Stop(code, reason)) =
        match locked::pass(&mut socket, &terminal, &viewer, &stop).await {
            Ok(()) => run(socket, &terminal, &viewer, &stop).await,
            Err(refused) => {
                let (sink, stream) = socket.split();
                (sink, stream, refused)
            }
        };
    let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    };
    close_socket(sink, stream, frame).await;
}

type SplitSink<S> = futures_util::stream::SplitSink<WebSocketStream<S>, Message>;
type SplitStream<S> = futures_util::stream::SplitStream<WebSocketStream<S>>;

/// The two halves, until the first stops; its reason closes the socket.
async fn run<S>(
    socket: WebSocketStream<S>,
    terminal: &TerminalHandle,
    viewer: &Viewer,
    stop: &StopSignal,
) -> (SplitSink<S>, SplitStream<S>, Stop)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (mut sink, mut stream) = socket.split();
    let (replies, replies_rx) = mpsc::channel(REPLIES);
    // A writing viewer's share of the tab's input queue (see term::input).
    let budget = Budget::new(VIEWER_BUDGET);
    let seat = viewer.sizes.then(|| seat::Seat::new(terminal));
    if let (Some(seat), Some((cols, rows))) = (&seat, viewer.size) {
        seat.wish(cols, rows);
        seat.take();
    }
    let stopped_by = {
        let output = output::run(&mut sink, terminal, viewer, stop, replies_rx, &budget);
        let input = input::run(
            &mut stream,
            terminal,
            viewer,
            stop,
            replies,
            &budget,
            // Owned by the input half, so the seat is given up the moment
            // the halves stop (before the subscription goes), not after the
            // closing handshake.
            seat,
        );
        tokio::pin!(output, input);
        tokio::select! {
            stop = &mut output => {
                if stop == PEER_GONE {
                    // The peer closed: what it sent before still counts (a
                    // command typed just before closing). The input half
                    // reads on to the end, briefly.
                    let _ = tokio::time::timeout(CLOSE_PATIENCE, &mut input).await;
                }
                stop
            }
            stop = &mut input => stop,
        }
    };
    (sink, stream, stopped_by)
}

/// The closing handshake, best effort and bounded: our Close frame, then a
/// FIN, then whatever the peer still sends is read raw and dropped until it
/// closes too (at most [`CLOSE_PATIENCE`]). Reading on matters: closing
/// with unread bytes makes the kernel reset the connection, and a reset can
/// destroy the Close frame before the peer reads it, which happens to a
/// client that is still pasting. Raw reads cost next to nothing, unlike
/// parsing frames nobody will use.
async fn close_socket<S>(mut sink: SplitSink<S>, stream: SplitStream<S>, frame: CloseFrame)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let _ = tokio::time::timeout(CLOSE_PATIENCE, async {
        if sink.send(Message::Close(Some(frame))).await.is_err() {
            return;
        }
        let Ok(mut socket) = sink.reunite(stream) else {
            return;
        };
        let raw = socket.get_mut();
        let _ = raw.shutdown().await;
        let mut discard = vec![0u8; 16 * 1024];
        while let Ok(1..) = raw.read(&mut discard).await {}
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
fn stop_signal(viewer: &Viewer) -> StopSignal {
    let (tx, rx) = watch::channel(None);
    let shutdown = viewer.shutdown.clone();
    let mut ended = viewer.ended.clone();
    let approval = viewer.approval.as_ref().map(|ticket| ticket.watch());
    tokio::spawn(async move {
        let stop = tokio::select! {
            // The reason tells the page whether termgate was stopped or
            // stopped itself (idle while public), so it can say so.
            reason = shutdown.wait() => Stop(close::GOING_AWAY, reason.as_str()),
            _ = ended.wait_for(|ended| *ended) => Stop(close::SESSION_ENDED, "login session ended"),
            stop = refused(approval) => stop,
            _ = tx.closed() => return,
        };
        tx.send_replace(Some(stop));
    });
    rx
}

/// Resolves when the owner denies or kicks this guest (at once if it already
/// was: a new socket of a refused session closes straight away); never for
/// a viewer that needs no approval.
async fn refused(approval: Option<watch::Receiver<State>>) -> Stop {
    let Some(mut approval) = approval else {
        return std::future::pending().await;
    };
    let decided = approval
        .wait_for(|state| state.is_final())
        .await
        .map(|s| *s);
    match decided {
        Ok(State::Kicked) => Stop(close::KICKED, "the owner removed you"),
        Ok(_) => Stop(close::DENIED, "the owner did not let you in"),
        // The guest's record went with its session, whose end closes too.
        Err(_) => std::future::pending().await,
    }
}

/// Resolves with the stop reason once one is set.
async fn stopped(mut stop: StopSignal) -> Stop {
    match stop.wait_for(Option::is_some).await {
        Ok(value) => value.unwrap_or(Stop(close::GOING_AWAY, "stopping")),
        // The signal task ended without a reason: only at shutdown.
        Err(_) => Stop(close::GOING_AWAY, "stopping"),
    }
}

#[cfg(test)]
mod tests;
