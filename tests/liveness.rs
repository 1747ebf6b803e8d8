//! Terminal I/O that never wedges, over the real server: pastes larger than
//! every queue, Ctrl-C behind a paste, viewers that never read, peers whose
//! TCP window is full, tabs closed with input queued, and stop signals that
//! arrive mid-paste. Each area is a module under tests/liveness/; the paste
//! generator and the split socket they share are here.

mod common;

#[path = "liveness/close.rs"]
mod close;
#[path = "liveness/paste.rs"]
mod paste;
#[path = "liveness/stalls.rs"]
mod stalls;

use common::{TestServer, WsClient};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Bytes per paste line: `#` (a comment, should the shell ever read one),
/// the line number, filler, `\n`. Canonical mode takes lines below 4 KiB.
const LINE: usize = 100;

/// Line `n` of a paste: deterministic, printable, different on every line.
fn paste_line(n: usize) -> [u8; LINE] {
    let mut line = [b'.'; LINE];
    let head = format!("#{n:08}:");
    line[..head.len()].copy_from_slice(head.as_bytes());
    for (i, byte) in line.iter_mut().enumerate().skip(head.len()) {
        *byte = b'a' + ((n + i) % 26) as u8;
    }
    line[LINE - 1] = b'\n';
    line
}

/// `len` bytes of paste (whole lines), in frames of `frame` bytes.
fn paste_frames(len: usize, frame: usize) -> impl Iterator<Item = Vec<u8>> {
    let lines = len / LINE;
    let mut buf = Vec::with_capacity(frame + LINE);
    let mut n = 0;
    std::iter::from_fn(move || {
        while buf.len() < frame && n < lines {
            buf.extend_from_slice(&paste_line(n));
            n += 1;
        }
        if buf.is_empty() {
            return None;
        }
        let take = buf.len().min(frame);
        Some(buf.drain(..take).collect())
    })
}

/// A viewer's socket split so one task can send while another reads.
fn split(socket: WsClient) -> (SplitSink<Ws, Message>, SplitStream<Ws>) {
    socket.stream.split()
}

/// Reads output frames until `needle` appears (bounded by `within`).
async fn read_until(rx: &mut SplitStream<Ws>, needle: &[u8], within: Duration) -> Vec<u8> {
    let mut seen = Vec::new();
    let found = tokio::time::timeout(within, async {
        while let Some(Ok(message)) = rx.next().await {
            if let Message::Binary(bytes) = message {
                let from = seen.len().saturating_sub(needle.len());
                seen.extend_from_slice(&bytes);
                if seen[from..].windows(needle.len()).any(|w| w == needle) {
                    return true;
                }
            }
        }
        false
    })
    .await;
    assert_eq!(
        found,
        Ok(true),
        "never saw {:?}; last output {:?}",
        String::from_utf8_lossy(needle),
        String::from_utf8_lossy(&seen[seen.len().saturating_sub(300)..])
    );
    seen
}

/// Sends input as one binary frame.
async fn type_in(tx: &mut SplitSink<Ws, Message>, bytes: &[u8]) {
    tx.send(Message::binary(bytes.to_vec())).await.unwrap();
}

/// A tab with a viewer already logged in.
async fn tab(server: &TestServer) -> (String, String) {
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    (cookie, id)
}

/// A terminal WebSocket to a spawned daemon, split.
async fn daemon_socket(
    running: &common::daemon::Started,
    cookie: &str,
    id: &str,
) -> (SplitSink<Ws, Message>, SplitStream<Ws>) {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = format!("ws://{}/api/terminals/{id}/ws", running.address);
    let mut request = url.into_client_request().unwrap();
    let origin = format!("http://{}", running.address);
    common::proofs::insert(request.headers_mut(), cookie);
    request
        .headers_mut()
        .insert("origin", origin.parse().unwrap());
    let tcp = tokio::net::TcpStream::connect(&running.address)
        .await
        .unwrap();
    let (ws, _) = tokio_tungstenite::client_async(request, tcp).await.unwrap();
    ws.split()
}
