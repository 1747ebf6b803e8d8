//! The output half of a viewer: everything the server sends on one socket.
//!
//! Order: `hello`, the replay, then live output, resizes, recording on/off, input progress
//! (`input_ack`), refused-message replies and pings. Pings run on their own timer. Every send races the
//! stop signals and has a deadline (the liveness limit); a send that cannot
//! complete in time means the peer is not taking output (a full TCP window,
//! a vanished phone) and the socket is closed with 4008.

use super::{Stop, StopSignal, Viewer, stopped};
use crate::term::fanout::Subscription;
use crate::term::input::Budget;
use crate::term::protocol::{PROTOCOL_VERSION, ServerMessage, close};
use crate::term::terminal::{CHUNK, ExitInfo, TerminalHandle};
use bytes::Bytes;
use futures_util::{Sink, SinkExt};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// How long a joining viewer waits for the screen model's snapshot before
/// it gets the raw replay instead.
const SNAPSHOT_WAIT: Duration = Duration::from_secs(5);

pub(super) async fn run<K>(
    sink: &mut K,
    terminal: &TerminalHandle,
    viewer: &Viewer,
    stop: &StopSignal,
    mut replies: mpsc::Receiver<ServerMessage>,
    budget: &Budget,
) -> Stop
where
    K: Sink<Message, Error = WsError> + Unpin,
{
    let out = Out {
        limit: viewer.liveness.dead_after,
        stop,
        raw: viewer.raw_replay,
    };
    let mut attachment = terminal.attach(!viewer.readonly);
    // Watch sizes from before `hello` reads one, so a resize while the
    // screen is sent is told afterwards, never lost.
    let mut sizes = terminal.size_changes();
    sizes.mark_unchanged();
    // Likewise for the owner's name for the tab.
    let mut names = terminal.names();
    names.mark_unchanged();
    // And for the owner's size lock.
    let mut locks = terminal.sizing().lock_changes();
    locks.mark_unchanged();
    // And for the tab's lock, so every open page shows it without a reload.
    let mut tab_lock = terminal.tab_lock().watch();
    tab_lock.mark_unchanged();
    // And for recording (REC), so no viewer misses a start or a stop.
    let mut recording = terminal.recording().changes();
    let recorded = recording.borrow_and_update().clone();
    let (cols, rows) = terminal.size();
    let info = terminal.info();
    let hello = ServerMessage::Hello {
        protocol: PROTOCOL_VERSION,
        id: info.id,
        title: info.title,
        name: info.name,
        cols,
        rows,
        readonly: viewer.readonly,
        size_locked: terminal.sizing().is_locked(),
        recording: recorded.is_some(),
        recording_input: recorded.is_some_and(|active| active.input),
    };
    if let Err(stop) = out.control(sink, &hello).await {
        return stop;
    }
    // An interactive guest hears where it stands at once, then at every decision.
    let mut approval = viewer.approval.as_ref().map(|ticket| ticket.watch());
    if let Some(state) = approval.as_mut().and_then(told) {
        let sent = out.control(sink, &state).await;
        if let Err(stop) = sent {
            return stop;
        }
    }
    if let Err(stop) = out.screen(sink, &mut attachment).await {
        return stop;
    }

    let exit = terminal.exit();
    let mut ping = tokio::time::interval(viewer.liveness.ping_every);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let sent = tokio::select! {
            biased;
            stopped = stopped(stop.clone()) => return stopped,
            info = exited(exit.clone()) => {
                // At shutdown the shells end too; that is not the shell
                // exiting, and the client should come back, not give up.
                if let Some(reason) = viewer.shutdown.reason() {
                    return Stop(close::GOING_AWAY, reason.as_str());
                }
                return out.finish_exit(sink, &mut attachment, info).await;
            }
            Some(reply) = replies.recv() => out.control(sink, &reply).await,
            bytes = budget.ack_due(), if !viewer.readonly => {
                out.control(sink, &ServerMessage::InputAck { bytes }).await
            }
            _ = ping.tick() => out.send(sink, Message::Ping(Bytes::new())).await,
            () = changed(names.clone()) => {
                // The latest name, marked seen in the same step: none is lost.
                let name = names.borrow_and_update().clone();
                let title = name.clone().unwrap_or_else(|| terminal.default_title().to_string());
                out.control(sink, &ServerMessage::Title { title, name }).await
            }
            () = changed(recording.clone()) => {
                let active = recording.borrow_and_update().clone();
                let (on, input) = (active.is_some(), active.is_some_and(|a| a.input));
                out.control(sink, &ServerMessage::Recording { on, input }).await
            }
            () = changed_opt(approval.clone()) => match approval.as_mut().and_then(told) {
                Some(message) => out.control(sink, &message).await,
                None => Ok(()),
            },
            () = changed(locks.clone()) => {
                let locked = *locks.borrow_and_update();
                out.control(sink, &ServerMessage::SizeLock { locked }).await
            }
            () = changed(tab_lock.clone()) => {
                let locked = *tab_lock.borrow_and_update();
                out.control(sink, &ServerMessage::TabLock { locked }).await
            }
            size = next_size(sizes.clone()) => {
                sizes.mark_unchanged();
                let (cols, rows) = size;
                out.control(sink, &ServerMessage::Resize { cols, rows }).await
            }
            received = attachment.live.recv() => match received {
                Ok(chunk) => {
                    let sent = match attachment.unseen(chunk) {
                        Some(chunk) => out.send(sink, Message::binary(chunk)).await,
                        None => Ok(()),
                    };
                    attachment.delivered();
                    sent
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Fell out of the live window: start over from a fresh
                    // replay on the same socket, no reconnect needed.
                    attachment = terminal.reattach(attachment);
                    match out.control(sink, &ServerMessage::Resync).await {
                        Ok(()) => out.screen(sink, &mut attachment).await,
                        Err(stop) => Err(stop),
                    }
                }
                Err(broadcast::error::RecvError::Closed) => {
                    return Stop(close::NOT_FOUND, "terminal closed");
                }
            },
        };
        if let Err(stop) = sent {
            return stop;
        }
    }
}

/// Sending, with the stop signals and the deadline applied to every message.
struct Out<'a> {
    limit: Duration,
    stop: &'a StopSignal,
    /// The viewer asked for the raw replay, never a snapshot.
    raw: bool,
}

impl Out<'_> {
    async fn send<K>(&self, sink: &mut K, message: Message) -> Result<(), Stop>
    where
        K: Sink<Message, Error = WsError> + Unpin,
    {
        tokio::select! {
            sent = tokio::time::timeout(self.limit, sink.send(message)) => match sent {
                Ok(Ok(())) => Ok(()),
                Ok(Err(_)) => Err(Stop(close::NORMAL, "")),
                Err(_) => Err(Stop(close::TIMEOUT, "the connection stopped taking output")),
            },
            stopped = stopped(self.stop.clone()) => Err(stopped),
        }
    }

    async fn control<K>(&self, sink: &mut K, message: &ServerMessage) -> Result<(), Stop>
    where
        K: Sink<Message, Error = WsError> + Unpin,
    {
        self.send(sink, Message::text(message.to_json())).await
    }

    /// Sends the screen where the live stream starts: the model's snapshot
    /// (no query is ever re-sent: it is generated from state), or the raw
    /// replay when no model answers in time; then `live`.
    async fn screen<K>(&self, sink: &mut K, attachment: &mut Subscription) -> Result<(), Stop>
    where
        K: Sink<Message, Error = WsError> + Unpin,
    {
        if let Some(request) = attachment.snapshot.take().filter(|_| !self.raw) {
            // Waiting is not stalling: the pacing clock starts now.
            attachment.progressed();
            let answer = tokio::select! {
                answer = tokio::time::timeout(SNAPSHOT_WAIT, request) => answer,
                stopped = stopped(self.stop.clone()) => return Err(stopped),
            };
            if let Ok(Ok(snapshot)) = answer {
                attachment.replay = None;
                attachment.skip = snapshot.at.saturating_sub(attachment.start);
                for frame in snapshot.bytes.chunks(CHUNK) {
                    let frame = Bytes::copy_from_slice(frame);
                    self.send(sink, Message::binary(frame)).await?;
                    attachment.progressed();
                }
                return self.control(sink, &ServerMessage::Live).await;
            }
            tracing::debug!("no screen snapshot in time: sending the raw replay");
        }
        self.replay(sink, attachment).await?;
        self.control(sink, &ServerMessage::Live).await
    }

    /// Sends the subscription's replay frames; each counts as progress.
    async fn replay<K>(&self, sink: &mut K, attachment: &mut Subscription) -> Result<(), Stop>
    where
        K: Sink<Message, Error = WsError> + Unpin,
    {
        let Some(replay) = attachment.replay.take() else {
            return Ok(());
        };
        for frame in replay.frames() {
            self.send(sink, Message::binary(frame)).await?;
            attachment.progressed();
        }
        Ok(())
    }

    /// After the shell exits: deliver what is still queued, the `exit`
    /// message, and close with [`close::EXITED`].
    async fn finish_exit<K>(
        &self,
        sink: &mut K,
        attachment: &mut Subscription,
        info: ExitInfo,
    ) -> Stop
    where
        K: Sink<Message, Error = WsError> + Unpin,
    {
        while let Ok(chunk) = attachment.live.try_recv() {
            if let Err(stop) = self.send(sink, Message::binary(chunk)).await {
                return stop;
            }
            attachment.delivered();
        }
        let message = ServerMessage::Exit {
            code: info.code,
            signal: info.signal,
        };
        if let Err(stop) = self.control(sink, &message).await {
            return stop;
        }
        Stop(close::EXITED, "the shell exited")
    }
}

/// Resolves with the PTY's new size once it changes (never, once the terminal is gone).
async fn next_size(mut sizes: watch::Receiver<(u16, u16)>) -> (u16, u16) {
    match sizes.changed().await {
        Ok(()) => *sizes.borrow_and_update(),
        Err(_) => std::future::pending().await,
    }
}

/// Resolves once the watched value changes (never if its sender is gone).
async fn changed<T>(mut watched: watch::Receiver<T>) {
    if watched.changed().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Like [`changed`], never resolving without a watch (a viewer with no approval).
async fn changed_opt<T>(watched: Option<watch::Receiver<T>>) {
    match watched {
        Some(watched) => changed(watched).await,
        None => std::future::pending().await,
    }
}

/// The `approval` message for the guest's state now, marked seen; none for a
/// denial or a kick, which close the socket instead.
fn told(approval: &mut watch::Receiver<crate::auth::approval::State>) -> Option<ServerMessage> {
    let state = *approval.borrow_and_update();
    crate::term::protocol::GuestState::of(state).map(|state| ServerMessage::Approval { state })
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
