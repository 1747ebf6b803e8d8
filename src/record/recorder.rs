//! One recording's task: drains the tab's tap, encodes asciicast lines and
//! writes them with `spawn_blocking`, so neither the encoding's wait for
//! the disk nor a slow disk ever reaches the PTY reader (which only offers
//! to the tap, see `term::tap`).
//!
//! It lets events gather for a moment once it has caught up, batches what
//! is waiting into one write, marks the output the tap had to drop as a gap, and ends on the shell's exit (after the last
//! output, with an `"x"` event), when the tap closes (recording turned off,
//! tab closed), at the size cap, or on a write error.

use super::cast::Encoder;
use crate::term::tap::{TapReceiver, Tapped};
use crate::term::terminal::ExitInfo;
use std::fs::File;
use std::io::{self, Write};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// Encoded bytes gathered into one write at most (then the next follows
/// at once: the tap is not drained in one go into memory).
const WRITE_BYTES: usize = 1 << 20;

/// How long a recorder that has caught up lets events gather before it
/// drains the tap again. Without it a flood woke the recorder and wrote
/// the file once per chunk the shell printed (thousands a second), which
/// held up the shell's own output; a recording is not read live, so a
/// few milliseconds of delay cost nothing, and the tap (32 MiB) holds far
/// more than a flood prints meanwhile.
const GATHER: Duration = Duration::from_millis(10);

/// Why a recording ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Exited,
    /// The tap closed: the owner turned recording off or closed the tab.
    Stopped,
    Truncated,
    Failed,
}

/// What one recording's task is given.
pub struct Job {
    pub file: File,
    pub encoder: Encoder,
    /// The header line, written first (off the runtime like the rest).
    pub header: Vec<u8>,
    pub start: Instant,
    pub tap: TapReceiver,
    pub exit: watch::Receiver<Option<ExitInfo>>,
}

/// Runs until the recording ends; the file is complete when this returns.
pub async fn run(job: Job) -> Ending {
    let Job {
        file,
        mut encoder,
        header,
        start,
        mut tap,
        mut exit,
    } = job;
    let mut sink = Sink(Some(file));
    if sink.write(header).await.is_err() {
        return Ending::Failed;
    }
    // Whether the last drain emptied the tap (then the next one waits).
    let mut caught_up = true;
    loop {
        let mut out = Vec::new();
        let ending = tokio::select! {
            biased;
            event = tap.recv() => match event {
                Some(event) => {
                    if caught_up {
                        // Bounded: the shell's exit and a stop are seen
                        // on the next turn, GATHER later at most.
                        tokio::time::sleep(GATHER).await;
                    }
                    encode(&mut encoder, &tap, start, event, &mut out);
                    caught_up = drain(&mut encoder, &mut tap, start, &mut out);
                    None
                }
                None => {
                    encoder.finish(start.elapsed(), &mut out);
                    Some(Ending::Stopped)
                }
            },
            info = exited(&mut exit) => {
                // The reaper announces the exit after the reader's last
                // publish, so everything the shell wrote is queued by now.
                while let Some(event) = tap.try_recv() {
                    encode(&mut encoder, &tap, start, event, &mut out);
                }
                encoder.exit(start.elapsed(), status(info), &mut out);
                Some(Ending::Exited)
            }
        };
        if !out.is_empty()
            && let Err(err) = sink.write(out).await
        {
            tracing::warn!("recording stopped: cannot write: {err}");
            return Ending::Failed;
        }
        if encoder.truncated() {
            return Ending::Truncated;
        }
        if let Some(ending) = ending {
            return ending;
        }
    }
}

/// Encodes what is waiting, up to [`WRITE_BYTES`]; true if the tap is
/// empty now.
fn drain(encoder: &mut Encoder, tap: &mut TapReceiver, start: Instant, out: &mut Vec<u8>) -> bool {
    while out.len() < WRITE_BYTES {
        let Some(event) = tap.try_recv() else {
            return true;
        };
        encode(encoder, tap, start, event, out);
    }
    false
}

/// One tapped event as lines, after a gap marker if output was dropped.
fn encode(
    encoder: &mut Encoder,
    tap: &TapReceiver,
    start: Instant,
    event: Tapped,
    out: &mut Vec<u8>,
) {
    let at = event.at().saturating_duration_since(start);
    let lost = tap.take_lost();
    if lost > 0 {
        encoder.gap(at, lost, out);
    }
    match event {
        Tapped::Output(bytes, _) => encoder.output(at, &bytes, out),
        Tapped::Resize(cols, rows, _) => encoder.resize(at, (cols, rows), out),
        Tapped::Input(bytes, _) => encoder.input(at, &bytes, out),
    }
}

/// The exit status as a shell reports it: the code, or 128 + the signal.
fn status(info: ExitInfo) -> i32 {
    match (info.code, info.signal) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => 0,
    }
}

/// Resolves with the exit once the shell is reaped (never for a terminal
/// whose exit is never told).
async fn exited(exit: &mut watch::Receiver<Option<ExitInfo>>) -> ExitInfo {
    // Copied out, so the watch's lock is not held across an await.
    let info = exit.wait_for(Option::is_some).await.map(|info| *info);
    match info {
        Ok(info) => info.unwrap_or(ExitInfo {
            code: None,
            signal: None,
        }),
        Err(_) => std::future::pending().await,
    }
}

/// The file, moved into a blocking task for each write and back.
struct Sink(Option<File>);

impl Sink {
    async fn write(&mut self, bytes: Vec<u8>) -> io::Result<()> {
        let mut file = self.0.take().ok_or_else(|| io::Error::other("no file"))?;
        let (file, written) = tokio::task::spawn_blocking(move || {
            let written = file.write_all(&bytes);
            (file, written)
        })
        .await
        .map_err(io::Error::other)?;
        self.0 = Some(file);
        written
    }
}
