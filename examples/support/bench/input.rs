//! Input throughput: a large paste into a shell, through a WebSocket and
//! through a bare PTY in the same run, in MB/s of pasted bytes.
//!
//! Each measurement has a deadline. On today's server a big paste can wedge
//! a tab for good (issue 10): the socket task waits to hand input to the PTY
//! writer, so it stops forwarding output, so the shell blocks on output and
//! stops reading input. A wedged run prints `STALLED after X MiB` and the
//! bench goes on with the next one instead of hanging.

use super::paste::{self, FINISH, Variant};
use super::{MarkerScan, PIN, TOKEN, bare_shell, try_delete_tab};
use crate::support::Client;
use crate::support::daemon::Daemon;
use futures_util::{SinkExt, StreamExt};
use std::cell::Cell;
use std::time::Duration;
use tokio::time::{Instant, timeout_at};
use tokio_tungstenite::tungstenite::Message;

/// How one paste went.
enum Outcome {
    Done {
        secs: f64,
        output: u64,
        /// What `wc -c` counted (echo off only).
        counted: Option<u64>,
    },
    /// The deadline passed; `idle` is how long nothing had moved by then.
    Stalled { sent: u64, output: u64, idle: f64 },
    /// The connection ended before the marker.
    Closed { sent: u64 },
}

/// Runs every [`Variant`] over both paths, one line each, each WebSocket run
/// on a server of its own: after a stall the server may be past saving
/// (seen: a worker spinning on EAGAIN, no HTTP answered), and the next
/// variant must not inherit that.
pub async fn run(len: usize, deadline: Duration) {
    let text = paste::text(len);
    for variant in Variant::ALL {
        let bare = bare(&text, variant, deadline).await;
        let dirs = tempfile::tempdir().unwrap();
        let daemon = Daemon::start(dirs.path(), dirs.path(), TOKEN, PIN).await;
        let client = Client::login(daemon.addr, TOKEN, PIN).await.unwrap();
        let id = client.create_terminal(120, 40).await.unwrap();
        let ws = websocket(&client, &id, &text, variant, deadline).await;
        println!("{}", report(variant, &text, &ws, &bare, deadline));
        if !matches!(ws, Outcome::Done { .. }) {
            println!("  {}", aftermath(&client, &id).await);
        }
        // Dropping the daemon kills it (SIGKILL: a wedged one ignores SIGTERM).
        drop(daemon);
    }
}

/// What still works after a stall, for issue 10: HTTP, closing the tab, HTTP
/// again (closing the shell has been seen to turn a stuck tab into a stuck
/// server).
async fn aftermath(client: &Client, id: &str) -> String {
    let answers = async || {
        let probe = client.call("GET", "/auth/session", None);
        match tokio::time::timeout(Duration::from_secs(2), probe).await {
            Ok(Ok((200, _))) => "yes",
            Ok(_) => "with an error",
            Err(_) => "no (2 s)",
        }
    };
    let before = answers().await;
    let closed = match try_delete_tab(client, id).await {
        Ok(()) => "done".to_string(),
        Err(err) => err,
    };
    let after = answers().await;
    format!(
        "after the stall: server answers HTTP: {before}; DELETE of the tab: {closed}; server answers HTTP then: {after}"
    )
}

/// The figures line, led by `STALLED` when the websocket path wedged.
fn report(
    variant: Variant,
    text: &[u8],
    ws: &Outcome,
    bare: &Outcome,
    deadline: Duration,
) -> String {
    let label = variant.label(text.len());
    let len = text.len() as u64;
    let figure = |outcome: &Outcome| match outcome {
        Outcome::Done { secs, counted, .. } => {
            let rate = format!("{:.0} MB/s", len as f64 / secs / 1e6);
            match counted {
                Some(n) if *n != len => format!("{rate} (LOST INPUT: wc counted {n} of {len})"),
                None if !variant.echo => format!("{rate} (wc printed no count)"),
                _ => rate,
            }
        }
        Outcome::Stalled { sent, output, idle } => format!(
            "STALLED after {:.1} MiB ({} s deadline; {:.1} MB of output read; nothing moved for the last {idle:.1} s)",
            *sent as f64 / (1 << 20) as f64,
            deadline.as_secs(),
            *output as f64 / 1e6
        ),
        Outcome::Closed { sent } => {
            format!("CLOSED after {:.1} MiB", *sent as f64 / (1 << 20) as f64)
        }
    };
    match (ws, bare) {
        (
            Outcome::Done {
                secs: ws_secs,
                output: ws_output,
                ..
            },
            Outcome::Done {
                secs: bare_secs,
                output: bare_output,
                ..
            },
        ) => {
            // The ratio of rates is the inverse ratio of times.
            let mut line = format!(
                "{label}: websocket {}, bare pty {}, ratio {:.2}",
                figure(ws),
                figure(bare),
                bare_secs / ws_secs
            );
            if variant.echo {
                line += &format!(
                    "; output read: websocket {:.0} MB, bare pty {:.0} MB",
                    *ws_output as f64 / 1e6,
                    *bare_output as f64 / 1e6
                );
            }
            line
        }
        (Outcome::Done { .. }, _) => {
            format!(
                "{label}: websocket {}; bare pty {}",
                figure(ws),
                figure(bare)
            )
        }
        _ => format!(
            "{label}: {} (websocket); bare pty {}",
            figure(ws),
            figure(bare)
        ),
    }
}

async fn bare(text: &[u8], variant: Variant, deadline: Duration) -> Outcome {
    let (master, _child) = bare_shell(120, 40);
    let mut buf = vec![0u8; 64 * 1024];
    let send = async |bytes: &[u8]| master.write_all(bytes).await.is_ok();
    let recv = async || match master.read(&mut buf).await {
        Ok(n) if n > 0 => Some(buf[..n].to_vec()),
        _ => None,
    };
    measure(text, variant, deadline, send, recv).await
}

async fn websocket(
    client: &Client,
    id: &str,
    text: &[u8],
    variant: Variant,
    deadline: Duration,
) -> Outcome {
    let (mut sink, mut stream) = client.attach(id).await.unwrap().split();
    let send = async |bytes: &[u8]| sink.send(Message::binary(bytes.to_vec())).await.is_ok();
    // Only binary frames are terminal output; hello, pings and any resync
    // message are not counted.
    let recv = async || loop {
        match stream.next().await {
            Some(Ok(Message::Binary(bytes))) => return Some(bytes.to_vec()),
            Some(Ok(Message::Close(_)) | Err(_)) | None => return None,
            Some(Ok(_)) => {}
        }
    };
    measure(text, variant, deadline, send, recv).await
}

/// Types the setup line, waits for the shell to be ready, then pastes `text`
/// in `variant.frame` pieces while reading the output concurrently, until the
/// `IN_DONE` marker. The clock runs from the first pasted byte to the marker;
/// the deadline covers setup and paste together.
async fn measure(
    text: &[u8],
    variant: Variant,
    deadline: Duration,
    mut send: impl AsyncFnMut(&[u8]) -> bool,
    mut recv: impl AsyncFnMut() -> Option<Vec<u8>>,
) -> Outcome {
    let until = Instant::now() + deadline;
    let ready = async {
        let mut scan = MarkerScan::new("IN_READY");
        if !send(variant.setup().as_bytes()).await {
            return false;
        }
        while let Some(chunk) = recv().await {
            if scan.feed(&chunk) {
                return true;
            }
        }
        false
    };
    match timeout_at(until, ready).await {
        Ok(true) => {}
        Ok(false) => return Outcome::Closed { sent: 0 },
        Err(_) => {
            return Outcome::Stalled {
                sent: 0,
                output: 0,
                idle: deadline.as_secs_f64(),
            };
        }
    }

    // Both halves run in this one task (join!), so plain Cells can share
    // the progress with the report below, even after a timeout drops them.
    let sent = Cell::new(0u64);
    let output = Cell::new(0u64);
    let moved = Cell::new(Instant::now());
    let started = Instant::now();
    let writer = async {
        for piece in text.chunks(variant.frame).chain(FINISH) {
            if !send(piece).await {
                return false;
            }
            sent.set(sent.get() + piece.len() as u64);
            moved.set(Instant::now());
        }
        true
    };
    let reader = async {
        let mut scan = MarkerScan::new("IN_DONE");
        // With echo off the output is a few bytes (the count, a prompt):
        // keep it to read the count. With echo on it is the paste twice.
        let mut kept = Vec::new();
        while let Some(chunk) = recv().await {
            output.set(output.get() + chunk.len() as u64);
            moved.set(Instant::now());
            if !variant.echo {
                kept.extend_from_slice(&chunk);
            }
            if scan.feed(&chunk) {
                return Some(kept);
            }
        }
        None
    };
    let finished = timeout_at(until, async { tokio::join!(writer, reader) }).await;
    let sent = sent.get().min(text.len() as u64);
    match finished {
        Ok((_, Some(kept))) => Outcome::Done {
            secs: started.elapsed().as_secs_f64(),
            output: output.get(),
            counted: (!variant.echo).then(|| paste::counted(&kept)).flatten(),
        },
        Ok((_, None)) => Outcome::Closed { sent },
        Err(_) => Outcome::Stalled {
            sent,
            output: output.get(),
            idle: moved.get().elapsed().as_secs_f64(),
        },
    }
}
