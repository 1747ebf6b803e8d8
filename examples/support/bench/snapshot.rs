//! What a joining viewer costs: the time from opening the socket to the
//! `live` marker, and the bytes of screen it is sent first, for a tab that
//! just printed a lot (the screen model has to start over from the ring)
//! and for a quiet one, next to the raw replay of the ring it replaces.

use super::MarkerScan;
use crate::support::Client;
use futures_util::{SinkExt, StreamExt};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Prints one line per case.
pub async fn run(client: &Client, flood_bytes: u64) {
    let Ok(id) = client.create_terminal(120, 40).await else {
        println!("join cost: skipped, no tab free (run it with --only snapshot)");
        return;
    };
    let command = format!("head -c {flood_bytes} /dev/zero | base64; echo SNAP_''DONE\n");
    // Print the flood with a viewer reading along, then leave.
    let mut socket = client.attach(&id).await.unwrap();
    socket
        .send(Message::binary(command.into_bytes()))
        .await
        .unwrap();
    let mut scan = MarkerScan::new("SNAP_DONE");
    while let Some(Ok(message)) = socket.next().await {
        if let Message::Binary(bytes) = message
            && scan.feed(&bytes)
        {
            break;
        }
    }
    drop(socket);
    let (took, bytes) = join(client, &id).await;
    println!(
        "join after {} MiB of output: live after {:.1} ms, {:.0} KiB of screen (the raw replay was up to the 1024 KiB ring)",
        flood_bytes >> 20,
        took.as_secs_f64() * 1e3,
        bytes as f64 / 1024.0
    );
    let (took, bytes) = join(client, &id).await;
    println!(
        "join to the same tab, quiet: live after {:.1} ms, {:.0} KiB of screen",
        took.as_secs_f64() * 1e3,
        bytes as f64 / 1024.0
    );
}

/// Opens a socket and reads to `live`: how long, and how many screen bytes.
async fn join(client: &Client, id: &str) -> (Duration, usize) {
    let started = Instant::now();
    let mut socket = client.attach(id).await.unwrap();
    let mut bytes = 0;
    while let Some(Ok(message)) = socket.next().await {
        match message {
            Message::Binary(data) => bytes += data.len(),
            Message::Text(text) if text.contains(r#""type":"live""#) => break,
            _ => {}
        }
    }
    (started.elapsed(), bytes)
}
