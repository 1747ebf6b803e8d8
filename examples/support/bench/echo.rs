//! Keystroke echo latency: one byte into `cat` in raw mode and back, timed
//! round trip by round trip, through a WebSocket and through a bare PTY.

use super::{MarkerScan, bare_shell};
use crate::support::Client;
use futures_util::{SinkExt, StreamExt};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

const ECHO_SETUP: &str = "stty raw -echo; echo CAT_''READY; exec cat\n";

/// Prints p50/p99 for both paths on one line.
pub async fn run(client: &Client, rounds: usize) {
    let bare = bare(rounds).await;
    let id = client.create_terminal(80, 24).await.unwrap();
    let ws = websocket(client, &id, rounds).await;
    println!(
        "keystroke echo ({rounds} round trips through cat): websocket p50 {:.3} ms p99 {:.3} ms; bare pty p50 {:.3} ms p99 {:.3} ms",
        ws.0, ws.1, bare.0, bare.1
    );
}

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.99))
}

async fn bare(rounds: usize) -> (f64, f64) {
    let (master, _child) = bare_shell(120, 40);
    let mut buf = vec![0u8; 64 * 1024];
    let mut scan = MarkerScan::new("CAT_READY");
    master.write_all(ECHO_SETUP.as_bytes()).await.unwrap();
    loop {
        let n = master.read(&mut buf).await.unwrap();
        if scan.feed(&buf[..n]) {
            break;
        }
    }
    let mut samples = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        master.write_all(b"x").await.unwrap();
        loop {
            let n = master.read(&mut buf).await.unwrap();
            if buf[..n].contains(&b'x') {
                break;
            }
        }
        samples.push(started.elapsed());
    }
    percentiles(samples)
}

async fn websocket(client: &Client, id: &str, rounds: usize) -> (f64, f64) {
    let mut socket = client.attach(id).await.unwrap();
    let mut scan = MarkerScan::new("CAT_READY");
    socket
        .send(Message::binary(ECHO_SETUP.as_bytes().to_vec()))
        .await
        .unwrap();
    while let Some(Ok(frame)) = socket.next().await {
        if matches!(&frame, Message::Binary(b) if scan.feed(b)) {
            break;
        }
    }
    let mut samples = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        socket.send(Message::binary(b"x".to_vec())).await.unwrap();
        while let Some(Ok(frame)) = socket.next().await {
            if matches!(&frame, Message::Binary(b) if b.contains(&b'x')) {
                break;
            }
        }
        samples.push(started.elapsed());
    }
    percentiles(samples)
}
