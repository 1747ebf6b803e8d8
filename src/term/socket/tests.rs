//! The socket halves over in-memory streams, against a terminal without a
//! PTY (the test plays the shell: it publishes output and takes input),
//! under paused time: each liveness rule without a wall-clock sleep.

use super::*;
use crate::auth::sessions::SessionKind;
use crate::term::input::{Next, VIEWER_BUDGET};
use crate::term::protocol::ServerMessage;
use crate::term::terminal::ExitInfo;
use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use tokio::io::DuplexStream;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::Role;

type Client = WebSocketStream<Forgiving>;

/// The client's end of the pipe. Once the server has gone, tungstenite
/// would fail every read on its pending pong; writes into a closed pipe
/// are dropped instead, so the test still reads what the server sent last
/// (the Close frame).
struct Forgiving(DuplexStream);

impl AsyncRead for Forgiving {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Forgiving {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        match std::pin::Pin::new(&mut self.0).poll_write(cx, buf) {
            std::task::Poll::Ready(Err(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                std::task::Poll::Ready(Ok(buf.len()))
            }
            other => other,
        }
    }
    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0)
            .poll_flush(cx)
            .map(|_| Ok(()))
    }
    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0)
            .poll_shutdown(cx)
            .map(|_| Ok(()))
    }
}

const LIVENESS: Liveness = Liveness {
    ping_every: Duration::from_secs(10),
    dead_after: Duration::from_secs(30),
};

struct Harness {
    terminal: TerminalHandle,
    _exit: watch::Sender<Option<ExitInfo>>,
    sessions: Sessions,
    key: SessionKey,
    tx: SplitSink<Client, Message>,
    rx: SplitStream<Client>,
    served: JoinHandle<()>,
}

/// A viewer served over an in-memory stream of `buffer` bytes each way.
async fn harness(readonly: bool, buffer: usize) -> Harness {
    let (terminal, exit) = TerminalHandle::detached("t1", (80, 24));
    let sessions = Sessions::new(Duration::from_secs(3600), Duration::from_secs(7200));
    let view = sessions.create(SessionKind::Owner).view;
    let viewer = Viewer {
        session: Some(view.key),
        ended: view.ended.clone(),
        sessions: sessions.clone(),
        readonly,
        approval: None,
        sizes: !readonly,
        size: None,
        raw_replay: false,
        activity: None,
        share: None,
        liveness: LIVENESS,
        shutdown: crate::shutdown::Shutdown::new(),
        key: crate::term::tab_lock::Key::Passes,
    };
    let (server_io, client_io) = tokio::io::duplex(buffer);
    let server = WebSocketStream::from_raw_socket(server_io, Role::Server, None).await;
    let client = WebSocketStream::from_raw_socket(Forgiving(client_io), Role::Client, None).await;
    let served = tokio::spawn(serve(server, terminal.clone(), viewer));
    let (tx, rx) = client.split();
    Harness {
        terminal,
        _exit: exit,
        sessions,
        key: view.key,
        tx,
        rx,
        served,
    }
}

/// The next text message as a typed server message.
async fn next_control(rx: &mut SplitStream<Client>) -> ServerMessage {
    loop {
        match rx.next().await.expect("socket open").expect("readable") {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Close(frame) => panic!("closed: {frame:?}"),
            _ => {}
        }
    }
}

/// Reads until the Close frame; returns its code.
async fn close_code(rx: &mut SplitStream<Client>) -> Option<u16> {
    while let Some(Ok(message)) = rx.next().await {
        if let Message::Close(frame) = message {
            return frame.map(|f| u16::from(f.code));
        }
    }
    None
}

/// Sends `len` bytes of paste in 64 KiB frames from a task of its own.
fn paste(mut tx: SplitSink<Client, Message>, len: usize) -> JoinHandle<SplitSink<Client, Message>> {
    tokio::spawn(async move {
        for _ in 0..len / (64 << 10) {
            tx.send(Message::binary(vec![b'p'; 64 << 10]))
                .await
                .unwrap();
        }
        tx
    })
}

/// Lets every task run until all are idle (time is paused, so this is exact).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(1)).await;
}

#[tokio::test(start_paused = true)]
async fn output_flows_while_the_viewers_input_is_stuck() {
    let mut h = harness(false, 1 << 20).await;
    assert!(matches!(
        next_control(&mut h.rx).await,
        ServerMessage::Hello { .. }
    ));
    // Nobody takes input: the paste fills this viewer's budget and stops.
    let paster = paste(h.tx, 4 * VIEWER_BUDGET);
    settle().await;
    assert!(!paster.is_finished(), "the reader never pushed back");
    assert_eq!(h.terminal.input().queued(), VIEWER_BUDGET);
    // Output is still delivered at once.
    h.terminal
        .fanout()
        .publish(Bytes::from_static(b"still live"));
    loop {
        if let Message::Binary(bytes) = h.rx.next().await.unwrap().unwrap() {
            assert_eq!(bytes, "still live");
            break;
        }
    }
    paster.abort();
}

#[tokio::test(start_paused = true)]
async fn a_signal_key_jumps_a_queued_paste() {
    let mut h = harness(false, 1 << 20).await;
    next_control(&mut h.rx).await;
    let mut tx = paste(h.tx, 512 << 10).await.unwrap();
    tx.send(Message::binary(&b"\x03"[..])).await.unwrap();
    settle().await;
    assert_eq!(h.terminal.input().queued(), 0, "the paste was not dropped");
    assert!(matches!(
        h.terminal.input().next().await,
        Some(Next::Signal(nix::sys::signal::Signal::SIGINT, 0x03))
    ));
}

#[tokio::test(start_paused = true)]
async fn input_progress_is_acknowledged() {
    let mut h = harness(false, 1 << 20).await;
    next_control(&mut h.rx).await;
    // The test plays the PTY writer: it takes everything.
    let input = h.terminal.input().clone();
    let writer = tokio::spawn(async move { while input.next().await.is_some() {} });
    let _tx = paste(h.tx, 128 << 10).await.unwrap();
    // Progress may be reported in one message or several, never backwards
    // and never in steps below ACK_EVERY.
    let mut last = 0;
    while last < 128 << 10 {
        if let ServerMessage::InputAck { bytes } = next_control(&mut h.rx).await {
            assert!(
                bytes >= last + crate::term::input::ACK_EVERY,
                "{bytes} after {last}"
            );
            last = bytes;
        }
    }
    assert_eq!(last, 128 << 10);
    writer.abort();
}

#[tokio::test(start_paused = true)]
async fn a_peer_that_takes_no_output_is_closed_at_the_liveness_limit() {
    // A small pipe the client never reads, while it keeps typing: only the
    // send deadline can tell it is gone.
    let h = harness(false, 16 << 10).await;
    let mut tx = h.tx;
    let started = Instant::now();
    let flood = {
        let fanout = h.terminal.fanout().clone();
        tokio::spawn(async move {
            loop {
                fanout.publish(Bytes::from(vec![b'o'; 32 << 10]));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let mut served = h.served;
    let ended = loop {
        tokio::select! {
            _ = &mut served => break started.elapsed(),
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                let _ = tx.send(Message::binary(&b" "[..])).await;
            }
        }
    };
    flood.abort();
    assert!(ended >= LIVENESS.dead_after, "closed early: {ended:?}");
    assert!(
        ended <= LIVENESS.dead_after + Duration::from_secs(2),
        "{ended:?}"
    );
    assert_eq!(h.terminal.fanout().viewers(), 0, "its place was not freed");
}

#[tokio::test(start_paused = true)]
async fn a_silent_peer_is_closed_with_4008() {
    let mut h = harness(false, 1 << 20).await;
    let started = Instant::now();
    (&mut h.served).await.unwrap();
    assert!(started.elapsed() >= LIVENESS.dead_after);
    assert!(started.elapsed() <= LIVENESS.dead_after + Duration::from_secs(2));
    assert_eq!(close_code(&mut h.rx).await, Some(close::TIMEOUT));
}

#[tokio::test(start_paused = true)]
async fn the_session_ending_closes_a_socket_waiting_for_room() {
    let mut h = harness(false, 1 << 20).await;
    next_control(&mut h.rx).await;
    let paster = paste(h.tx, 4 * VIEWER_BUDGET);
    settle().await;
    assert_eq!(h.terminal.input().queued(), VIEWER_BUDGET);
    let started = Instant::now();
    h.sessions.end(h.key);
    assert_eq!(close_code(&mut h.rx).await, Some(close::SESSION_ENDED));
    assert!(started.elapsed() < Duration::from_secs(1));
    paster.abort();
}

#[tokio::test(start_paused = true)]
async fn a_read_only_viewer_types_nothing_and_never_resizes() {
    let mut h = harness(true, 1 << 20).await;
    next_control(&mut h.rx).await;
    h.tx.send(Message::binary(&b"rm -rf ~\n"[..]))
        .await
        .unwrap();
    h.tx.send(Message::text(r#"{"type":"resize","cols":10,"rows":5}"#))
        .await
        .unwrap();
    settle().await;
    assert_eq!(h.terminal.input().queued(), 0);
    assert_eq!(h.terminal.size(), (80, 24));
}
