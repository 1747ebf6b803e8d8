//! Output throughput: a shell prints N MiB as fast as it can, read through
//! a WebSocket and through a bare PTY, in MB/s of terminal bytes.
//!
//! Two workloads, because they stress different things: `base64` prints
//! 76-character lines (many newlines, the common case), `base64 -w 0` one
//! single long line (no newline for the whole burst, so anything in the
//! server that works per line or looks for a safe cut point has none).

use super::{MarkerScan, bare_shell, delete_tab};
use crate::support::Client;
use futures_util::{SinkExt, StreamExt};
use std::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// Prints one line per workload: websocket MB/s, bare MB/s, ratio.
pub async fn run(client: &Client, bytes: u64) {
    // The first tab stays open, as it always has: the memory section's
    // "8 idle tabs" counts it, with its full scrollback. The second is closed
    // so that figure stays comparable with runs before it existed.
    let workloads = [
        (
            "base64",
            format!("head -c {bytes} /dev/zero | base64"),
            true,
        ),
        (
            "base64 -w 0, one long line",
            format!("head -c {bytes} /dev/zero | base64 -w 0; echo"),
            false,
        ),
    ];
    for (name, pipeline, keep) in workloads {
        let command = format!("{pipeline}; echo BENCH_''DONE\n");
        let bare = bare(&command).await;
        let id = client.create_terminal(120, 40).await.unwrap();
        let ws = websocket(client, &id, &command).await;
        println!(
            "throughput ({} MiB of {name}): websocket {ws:.0} MB/s, bare pty {bare:.0} MB/s, ratio {:.2}",
            bytes >> 20,
            ws / bare
        );
        if !keep {
            delete_tab(client, &id).await;
        }
    }
}

async fn bare(command: &str) -> f64 {
    let (master, _child) = bare_shell(120, 40);
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

async fn websocket(client: &Client, id: &str, command: &str) -> f64 {
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
