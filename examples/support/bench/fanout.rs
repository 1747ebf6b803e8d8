//! Fan-out: one tab prints a burst that 1, 10 and 50 viewers all watch;
//! aggregate MB/s delivered, every byte checked, resynchronisations counted.

use super::{MarkerScan, delete_tab, keep_tabs};
use crate::support::Client;
use crate::support::daemon::Daemon;
use futures_util::{SinkExt, StreamExt};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// One line per viewer count, each in a fresh tab.
pub async fn run(client: &Client, daemon: &Daemon, bytes: u64) {
    // As before: the first two tabs (throughput, echo) stay, the idle ones go.
    keep_tabs(client, 2).await;
    for viewers in [1, 10, 50] {
        let id = client.create_terminal(200, 50).await.unwrap();
        let (rate, resyncs, peak) = fanout(client, daemon, &id, viewers, bytes).await;
        println!(
            "fan-out to {viewers:>2} viewers ({} MiB burst): aggregate {rate:.0} MB/s, resynchronised {resyncs}, server peak RSS {peak:.1} MB",
            bytes >> 20
        );
        delete_tab(client, &id).await;
    }
}

/// `viewers` sockets watch one burst; returns aggregate MB/s, resyncs, peak RSS.
async fn fanout(
    client: &Client,
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
