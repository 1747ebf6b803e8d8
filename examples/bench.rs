//! bench: termgate's performance figures, each next to a bare PTY.
//!
//! ```sh
//! cargo build --release && cargo run --release --example bench
//! cargo run --release --example bench -- --quick    # smaller sizes, for a smoke run
//! ```
//! It starts the release binary (or `$TERMGATE_BIN`) on a free loopback port
//! and prints: start-up time, resident memory (idle, 8 idle tabs, during
//! fan-out), throughput (MB/s, WebSocket vs bare PTY), keystroke echo latency
//! (p50/p99 through `cat`, WebSocket vs bare PTY) and fan-out to 1/10/50
//! viewers (aggregate MB/s, every byte checked, resyncs counted).

mod support;

use futures_util::{SinkExt, StreamExt};
use std::time::{Duration, Instant};
use support::daemon::Daemon;
use termgate::term::pty::{self, Master};
use tokio_tungstenite::tungstenite::Message;

const TOKEN: &str = "bench-token-0123456789abcdef";
const PIN: &str = "424242";

#[tokio::main]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let throughput_bytes: u64 = if quick { 32 << 20 } else { 256 << 20 };
    let fanout_bytes: u64 = if quick { 8 << 20 } else { 64 << 20 };
    let echoes = if quick { 300 } else { 2000 };

    let dirs = tempfile::tempdir().unwrap();
    let daemon = Daemon::start(dirs.path(), dirs.path(), TOKEN, PIN).await;
    println!(
        "start to first answered request: {:.1} ms",
        daemon.startup.as_secs_f64() * 1e3
    );
    println!("resident memory, idle: {:.1} MB", daemon.rss_mb());
    let client = support::Client::login(daemon.addr, TOKEN, PIN)
        .await
        .expect("login");

    // Throughput.
    let command = format!("head -c {throughput_bytes} /dev/zero | base64; echo BENCH_''DONE\n");
    let bare = bare_throughput(&command).await;
    let id = client.create_terminal(120, 40).await.unwrap();
    let ws = ws_throughput(&client, &id, &command).await;
    println!(
        "throughput ({} MiB of base64): websocket {ws:.0} MB/s, bare pty {bare:.0} MB/s, ratio {:.2}",
        throughput_bytes >> 20,
        ws / bare
    );

    // Keystroke echo.
    let bare = bare_echo(echoes).await;
    let id = client.create_terminal(80, 24).await.unwrap();
    let ws = ws_echo(&client, &id, echoes).await;
    println!(
        "keystroke echo ({echoes} round trips through cat): websocket p50 {:.3} ms p99 {:.3} ms; bare pty p50 {:.3} ms p99 {:.3} ms",
        ws.0, ws.1, bare.0, bare.1
    );

    // Eight idle tabs (two exist already).
    for _ in 0..6 {
        client.create_terminal(80, 24).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!("resident memory, 8 idle tabs: {:.1} MB", daemon.rss_mb());

    // Fan-out, in a fresh tab each time.
    let (_, list) = client.call("GET", "/api/terminals", None).await.unwrap();
    for tab in list["terminals"].as_array().unwrap().iter().skip(2) {
        client
            .call(
                "DELETE",
                &format!("/api/terminals/{}", tab["id"].as_str().unwrap()),
                None,
            )
            .await
            .unwrap();
    }
    for viewers in [1, 10, 50] {
        let id = client.create_terminal(200, 50).await.unwrap();
        let (rate, resyncs, peak) = fanout(&client, &daemon, &id, viewers, fanout_bytes).await;
        println!(
            "fan-out to {viewers:>2} viewers ({} MiB burst): aggregate {rate:.0} MB/s, resynchronised {resyncs}, server peak RSS {peak:.1} MB",
            fanout_bytes >> 20
        );
        client
            .call("DELETE", &format!("/api/terminals/{id}"), None)
            .await
            .unwrap();
    }

    let (peak, after) = stalled_viewers(&client, &daemon, if quick { 3 } else { 10 }).await;
    println!(
        "8 tabs printing flat out, 20 viewers that never read: server peak RSS {peak:.1} MB, {after:.1} MB after"
    );
}

/// Eight tabs flood for `secs` while twenty sockets never read a byte;
/// returns the server's peak and final resident memory.
async fn stalled_viewers(client: &support::Client, daemon: &Daemon, secs: u64) -> (f64, f64) {
    let (_, list) = client.call("GET", "/api/terminals", None).await.unwrap();
    for tab in list["terminals"].as_array().unwrap() {
        let path = format!("/api/terminals/{}", tab["id"].as_str().unwrap());
        client.call("DELETE", &path, None).await.unwrap();
    }
    let mut tabs = Vec::new();
    for _ in 0..8 {
        tabs.push(client.create_terminal(200, 50).await.unwrap());
    }
    let mut stalled = Vec::new();
    for n in 0..20 {
        stalled.push(client.attach(&tabs[n % tabs.len()]).await.unwrap());
    }
    let command = format!("timeout {secs} sh -c 'while :; do cat /etc/services; done'\n");
    for tab in &tabs {
        let mut writer = client.attach(tab).await.unwrap();
        writer
            .send(Message::binary(command.clone().into_bytes()))
            .await
            .unwrap();
        // The writer leaves at once: only the stalled viewers remain.
        let _ = writer.close(None).await;
    }
    let mut peak = 0f64;
    let until = Instant::now() + Duration::from_secs(secs + 1);
    while Instant::now() < until {
        peak = peak.max(daemon.rss_mb());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(stalled);
    tokio::time::sleep(Duration::from_millis(500)).await;
    (peak, daemon.rss_mb())
}

fn bare_shell() -> (Master, tokio::process::Child) {
    let root = std::env::temp_dir();
    pty::spawn(pty::SpawnOptions {
        shell: std::path::Path::new("/bin/sh"),
        cwd: &root,
        cols: 120,
        rows: 40,
        env: Vec::new(),
    })
    .unwrap()
}

/// Finds `marker` in the stream, looking across chunk borders.
struct MarkerScan {
    marker: &'static [u8],
    tail: Vec<u8>,
}

impl MarkerScan {
    fn new(marker: &'static str) -> Self {
        Self {
            marker: marker.as_bytes(),
            tail: Vec::new(),
        }
    }

    fn feed(&mut self, chunk: &[u8]) -> bool {
        self.tail.extend_from_slice(chunk);
        let found = self
            .tail
            .windows(self.marker.len())
            .any(|w| w == self.marker);
        let keep = self.tail.len().saturating_sub(self.marker.len());
        self.tail.drain(..keep);
        found
    }
}

async fn bare_throughput(command: &str) -> f64 {
    let (master, _child) = bare_shell();
    let mut buf = vec![0u8; 64 * 1024];
    let mut scan = MarkerScan::new("BENCH_DONE");
    master.write_all(command.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut total = 0usize;
    loop {
        let n = master.read(&mut buf).await.unwrap();
        total += n;
        if scan.feed(&buf[..n]) {
            break;
        }
    }
    total as f64 / started.elapsed().as_secs_f64() / 1e6
}

async fn ws_throughput(client: &support::Client, id: &str, command: &str) -> f64 {
    let mut socket = client.attach(id).await.unwrap();
    let mut scan = MarkerScan::new("BENCH_DONE");
    socket
        .send(Message::binary(command.as_bytes().to_vec()))
        .await
        .unwrap();
    let started = Instant::now();
    let mut total = 0usize;
    while let Some(Ok(frame)) = socket.next().await {
        if let Message::Binary(bytes) = frame {
            total += bytes.len();
            if scan.feed(&bytes) {
                break;
            }
        }
    }
    total as f64 / started.elapsed().as_secs_f64() / 1e6
}

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.99))
}

const ECHO_SETUP: &str = "stty raw -echo; echo CAT_''READY; exec cat\n";

async fn bare_echo(rounds: usize) -> (f64, f64) {
    let (master, _child) = bare_shell();
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

async fn ws_echo(client: &support::Client, id: &str, rounds: usize) -> (f64, f64) {
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

/// `viewers` sockets watch one burst; returns aggregate MB/s, resyncs, peak RSS.
async fn fanout(
    client: &support::Client,
    daemon: &Daemon,
    id: &str,
    viewers: usize,
    bytes: u64,
) -> (f64, usize, f64) {
    let mut sockets = Vec::new();
    for _ in 0..viewers {
        sockets.push(client.attach(id).await.unwrap());
    }
    let command = format!("head -c {bytes} /dev/zero | tr '\\0' a; echo; echo FAN_''DONE\n");
    sockets[0]
        .send(Message::binary(command.into_bytes()))
        .await
        .unwrap();
    let started = Instant::now();
    let readers: Vec<_> = sockets
        .into_iter()
        .map(|mut socket| {
            tokio::spawn(async move {
                let mut scan = MarkerScan::new("FAN_DONE");
                let mut payload = 0u64;
                // A viewer that fell behind is resynchronised in band: its
                // byte count no longer covers the whole burst.
                let mut resynced = false;
                while let Some(Ok(frame)) = socket.next().await {
                    match frame {
                        Message::Binary(chunk) => {
                            payload += chunk.iter().filter(|&&b| b == b'a').count() as u64;
                            if scan.feed(&chunk) {
                                return (payload, resynced);
                            }
                        }
                        Message::Text(text) if text.contains("\"resync\"") => resynced = true,
                        Message::Close(_) => return (payload, true),
                        _ => {}
                    }
                }
                (payload, true)
            })
        })
        .collect();
    let mut peak = 0f64;
    let all = futures_util::future::join_all(readers);
    tokio::pin!(all);
    let results: Vec<(u64, bool)> = loop {
        tokio::select! {
            done = &mut all => break done.into_iter().map(Result::unwrap).collect(),
            _ = tokio::time::sleep(Duration::from_millis(20)) => peak = peak.max(daemon.rss_mb()),
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    let resyncs = results.iter().filter(|(_, cut)| *cut).count();
    for (payload, cut) in &results {
        // The prompt's own 'a's (e.g. in a path) may add a few bytes.
        assert!(
            *cut || *payload >= bytes,
            "a viewer lost bytes: {payload} < {bytes}"
        );
    }
    let delivered: u64 = results.iter().map(|(payload, _)| *payload).sum();
    (delivered as f64 / elapsed / 1e6, resyncs, peak)
}
