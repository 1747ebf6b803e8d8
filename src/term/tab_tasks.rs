//! A tab's three tasks (`term::terminal` starts them): the *reader* moves PTY output
//! into the fan-out, paced by its viewers; the *writer* moves input from the queue to
//! the PTY, signal keys first; the *reaper* reaps the shell and publishes its exit once
//! the reader has delivered the last output (or [`LAST_OUTPUT`] has passed).

use super::fanout::Fanout;
use super::input::{InputQueue, Next};
use super::pty::Master;
use super::terminal::{CHUNK, ExitInfo};
use crate::process::ProcessGroup;
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, watch};

/// How long the exit waits for the last output of an exited shell.
const LAST_OUTPUT: Duration = Duration::from_secs(1);

pub(super) async fn read_output(
    master: Arc<Master>,
    output: Arc<Fanout>,
    done: oneshot::Sender<()>,
) {
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match master.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let end = output.publish(Bytes::copy_from_slice(&buf[..n]));
        // Flow control: pause (and so pause the shell) while a viewer that
        // can make progress is far behind; every wait has a deadline.
        output.wait_for_viewers(end).await;
    }
    let _ = done.send(());
}

/// Moves input to the PTY. A pending signal key abandons the chunk being
/// written (the PTY may never take it); a hung-up PTY ends the writer.
pub(super) async fn write_input(master: Arc<Master>, input: Arc<InputQueue>) {
    while let Some(next) = input.next().await {
        match next {
            Next::Signal(signal, byte) => {
                if let Err(err) = master.send_signal_key(signal, byte) {
                    tracing::debug!("pty signal key: {err}");
                }
            }
            Next::Input(bytes, _permit) => {
                let mut rest = &bytes[..];
                while !rest.is_empty() {
                    tokio::select! {
                        biased;
                        _ = input.signalled() => break,
                        written = master.write_some(rest) => match written {
                            Ok(n) => rest = &rest[n..],
                            Err(err) => {
                                tracing::debug!("pty input ends: {err}");
                                input.close();
                                return;
                            }
                        },
                    }
                }
            }
        }
    }
}

pub(super) async fn reap(
    shell: Arc<ProcessGroup>,
    input: Arc<InputQueue>,
    reader_done: oneshot::Receiver<()>,
    exit: watch::Sender<Option<ExitInfo>>,
) {
    let ended = shell.reap().await;
    // Input has nowhere to go now: release the writer and any waiting viewer.
    input.close();
    // Let the reader deliver the last output before announcing the exit; a
    // background process still holding the PTY must not delay it for long.
    let _ = tokio::time::timeout(LAST_OUTPUT, reader_done).await;
    exit.send_replace(Some(ExitInfo {
        code: ended.code,
        signal: ended.signal,
    }));
}
