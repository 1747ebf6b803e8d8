//! Keystroke echo latency: one byte into `cat` in raw mode and back, timed
//! round trip by round trip, through a WebSocket and through a bare PTY.
//!
//! The paths take turns, one round trip each, so all see the same machine:
//! run one after the other, a change in load or in the CPUs' idle states
//! between the halves moved the bare figure by 50% on a VM.
//!
//! A third path is the floor for any server: a relay as small as one can be
//! (plain TCP to the PTY and back, one task on its own thread and reactor).
//! It pays what termgate cannot avoid either, the two extra wake-ups of a
//! process in the middle; what termgate adds beyond it is its own cost.

use super::{MarkerScan, bare_shell};
use crate::support::{Client, Socket};
use futures_util::{SinkExt, StreamExt};
use std::time::{Duration, Instant};
use termgate::term::pty::Master;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

const ECHO_SETUP: &str = "stty raw -echo; echo CAT_''READY; exec cat\n";

/// Prints p50/p99 for each path, and the p50 of the per-turn gaps.
pub async fn run(client: &Client, rounds: usize) {
    let (master, _child) = bare_shell(120, 40);
    let mut buf = vec![0u8; 64 * 1024];
    bare_ready(&master, &mut buf).await;
    let mut relay = relay_ready(&mut buf).await;
    let id = client.create_terminal(80, 24).await.unwrap();
    let mut socket = client.attach(&id).await.unwrap();
    websocket_ready(&mut socket).await;
    let (mut bare, mut relayed, mut ws) = (Vec::new(), Vec::new(), Vec::new());
    let (mut over_bare, mut over_relay) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let b = bare_round_trip(&master, &mut buf).await;
        let r = relay_round_trip(&mut relay, &mut buf).await;
        let w = websocket_round_trip(&mut socket).await;
        over_bare.push(w.as_secs_f64() - b.as_secs_f64());
        over_relay.push(w.as_secs_f64() - r.as_secs_f64());
        bare.push(b);
        relayed.push(r);
        ws.push(w);
    }
    let (ws, bare, relayed) = (percentiles(ws), percentiles(bare), percentiles(relayed));
    println!(
        "keystroke echo ({rounds} round trips through cat, taking turns): websocket p50 {:.3} ms p99 {:.3} ms; bare pty p50 {:.3} ms p99 {:.3} ms; minimal relay p50 {:.3} ms p99 {:.3} ms",
        ws.0, ws.1, bare.0, bare.1, relayed.0, relayed.1
    );
    println!(
        "  websocket minus bare pty, p50 of the turns: {:.0} us; websocket minus minimal relay: {:.0} us",
        median(over_bare) * 1e6,
        median(over_relay) * 1e6
    );
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Starts the minimal relay on its own thread and connects to it.
async fn relay_ready(buf: &mut [u8]) -> TcpStream {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(relay(listener));
    });
    let mut socket = TcpStream::connect(address).await.unwrap();
    socket.set_nodelay(true).unwrap();
    socket.write_all(ECHO_SETUP.as_bytes()).await.unwrap();
    let mut scan = MarkerScan::new("CAT_READY");
    loop {
        let n = socket.read(buf).await.unwrap();
        assert!(n > 0, "the relay closed");
        if scan.feed(&buf[..n]) {
            return socket;
        }
    }
}

/// One connection's bytes to a PTY and the PTY's back, nothing else.
async fn relay(listener: std::net::TcpListener) {
    listener.set_nonblocking(true).unwrap();
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    let (master, _child) = bare_shell(120, 40);
    let (mut socket, _) = listener.accept().await.unwrap();
    socket.set_nodelay(true).unwrap();
    let (mut from_pty, mut from_socket) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    loop {
        tokio::select! {
            n = master.read(&mut from_pty) => {
                let n = n.unwrap();
                if n == 0 || socket.write_all(&from_pty[..n]).await.is_err() {
                    return;
                }
            }
            n = socket.read(&mut from_socket) => match n {
                Ok(0) | Err(_) => return,
                Ok(n) => master.write_all(&from_socket[..n]).await.unwrap(),
            },
        }
    }
}

async fn relay_round_trip(socket: &mut TcpStream, buf: &mut [u8]) -> Duration {
    let started = Instant::now();
    socket.write_all(b"x").await.unwrap();
    loop {
        let n = socket.read(buf).await.unwrap();
        if buf[..n].contains(&b'x') {
            return started.elapsed();
        }
    }
}

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.99))
}

async fn bare_ready(master: &Master, buf: &mut [u8]) {
    let mut scan = MarkerScan::new("CAT_READY");
    master.write_all(ECHO_SETUP.as_bytes()).await.unwrap();
    loop {
        let n = master.read(buf).await.unwrap();
        if scan.feed(&buf[..n]) {
            break;
        }
    }
}

async fn bare_round_trip(master: &Master, buf: &mut [u8]) -> Duration {
    let started = Instant::now();
    master.write_all(b"x").await.unwrap();
    loop {
        let n = master.read(buf).await.unwrap();
        if buf[..n].contains(&b'x') {
            return started.elapsed();
        }
    }
}

async fn websocket_ready(socket: &mut Socket) {
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
}

async fn websocket_round_trip(socket: &mut Socket) -> Duration {
    let started = Instant::now();
    socket.send(Message::binary(b"x".to_vec())).await.unwrap();
    while let Some(Ok(frame)) = socket.next().await {
        if matches!(&frame, Message::Binary(b) if b.contains(&b'x')) {
            break;
        }
    }
    started.elapsed()
}
