//! Output throughput: a shell prints N MiB as fast as it can, read through
//! a WebSocket and through a bare PTY, in MB/s of terminal bytes.
//!
//! Two workloads, because they stress different things: `base64` prints
//! 76-character lines (many newlines, the common case), `base64 -w 0` one
//! single long line (no newline for the whole burst, so anything in the
//! server that works per line or looks for a safe cut point has none).
//!
//! A shared machine's speed drifts by tens of percent within a minute, so
//! one bare run next to one WebSocket run can show any ratio. Each workload
//! runs in rounds that alternate the two paths; the medians and every
//! round's own ratio are printed, so drift shows instead of hiding.

use super::{MarkerScan, bare_shell, delete_tab};
use crate::support::Client;
use futures_util::{SinkExt, StreamExt};
use std::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// Prints one line per workload: median websocket and bare MB/s over
/// `rounds`, the ratio of the medians and each round's ratio.
pub async fn run(client: &Client, bytes: u64, rounds: usize) {
    // The first round's short-line tab stays open, as it always has: the
    // memory section's "8 idle tabs" counts it, with its full scrollback.
    // The others are closed so that figure stays comparable.
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
        let (mut bares, mut sockets) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            bares.push(bare(&command).await);
            // A fresh tab each round: a reattached one would show the last
            // round's marker on its screen.
            let id = client.create_terminal(120, 40).await.unwrap();
            sockets.push(websocket(client, &id, &command).await);
            if !(keep && round == 0) {
                delete_tab(client, &id).await;
            }
        }
        let each: Vec<String> = bares
            .iter()
            .zip(&sockets)
            .map(|(bare, ws)| format!("{:.2}", ws / bare))
            .collect();
        let (bare, ws) = (median(bares), median(sockets));
        println!(
            "throughput ({} MiB of {name}, median of {rounds}): websocket {ws:.0} MB/s, bare pty {bare:.0} MB/s, ratio {:.2} (rounds: {})",
            bytes >> 20,
            ws / bare,
            each.join(" ")
        );
    }
}

fn median(mut figures: Vec<f64>) -> f64 {
    figures.sort_by(f64::total_cmp);
    figures[figures.len() / 2]
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

/// With `--record`: how much the recordings hold and how much output the
/// recorder had to drop (its gap markers), so a fast figure cannot hide
/// an incomplete recording.
pub fn recorded(dir: &std::path::Path) {
    let (mut files, mut bytes, mut gaps, mut lost) = (0, 0u64, 0, 0u64);
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        files += 1;
        bytes += text.len() as u64;
        for line in text.lines().filter(|l| l.contains("\"m\", \"gap: ")) {
            gaps += 1;
            let count = line.split("gap: ").nth(1).and_then(|r| r.split(' ').next());
            lost += count.and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    println!(
        "recordings: {files} files, {:.0} MB, {gaps} gaps ({:.1} MB of output not recorded)",
        bytes as f64 / 1e6,
        lost as f64 / 1e6
    );
}
