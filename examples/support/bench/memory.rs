//! The server's resident memory under two loads: eight idle tabs, and eight
//! tabs flooding output while twenty viewers never read a byte (the flow
//! control must keep memory bounded rather than queue for them).

use super::{keep_tabs, tab_count};
use crate::support::Client;
use crate::support::daemon::Daemon;
use futures_util::SinkExt;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Tops the open tabs up to eight and prints the server's RSS. In a full
/// run two tabs exist already (throughput, echo) and stay part of the figure.
pub async fn idle_tabs(client: &Client, daemon: &Daemon) {
    for _ in tab_count(client).await..8 {
        client.create_terminal(80, 24).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!("resident memory, 8 idle tabs: {:.1} MB", daemon.rss_mb());
}

/// Eight tabs flood for `secs` while twenty sockets never read a byte;
/// prints the server's peak and final resident memory.
pub async fn stalled_viewers(client: &Client, daemon: &Daemon, secs: u64) {
    keep_tabs(client, 0).await;
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
    let after = daemon.rss_mb();
    println!(
        "8 tabs printing flat out, 20 viewers that never read: server peak RSS {peak:.1} MB, {after:.1} MB after"
    );
}
