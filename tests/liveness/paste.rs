//! Pastes larger than every queue: they arrive whole and in order, and a
//! signal key from another viewer still gets through at once.

use super::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use termgate::term::protocol::INPUT_WINDOW;

/// How long output may stop before a paste counts as wedged.
const STUCK: Duration = Duration::from_secs(20);

/// Pastes `mib` MiB in `frame`-byte frames into `cat` (tty echo off, so
/// what comes back is cat's copy) through a viewer that reads everything,
/// and checks every byte came back in order.
async fn paste_echoes_back(mib: usize, frame: usize) {
    let server = TestServer::start().await;
    let (cookie, id) = tab(&server).await;
    let (mut tx, mut rx) = split(server.attach(&cookie, &id).await);
    type_in(
        &mut tx,
        b"stty -echo; echo PASTE-''START; cat; stty echo; echo PASTE-''END\n",
    )
    .await;
    read_until(&mut rx, b"PASTE-START\r\n", Duration::from_secs(10)).await;
    let len = (mib << 20) / LINE * LINE;
    let sender = tokio::spawn(async move {
        for frame in paste_frames(len, frame) {
            tx.send(Message::binary(frame)).await.unwrap();
        }
        // End of file at the start of a line ends cat.
        type_in(&mut tx, b"\x04").await;
        tx
    });
    // Compare as it streams: the tty turns each "\n" into "\r\n".
    let started = Instant::now();
    let mut expected = paste_frames(len, 1 << 16).flatten();
    let mut matched = 0usize;
    // Wedged means no progress: a busy machine may take its time, but
    // every frame must come within STUCK of the last.
    let checked: Result<(), &str> = async {
        let mut tail = Vec::new();
        loop {
            let message = match tokio::time::timeout(STUCK, rx.next()).await {
                Err(_) => return Err("no output for a while"),
                Ok(Some(Ok(message))) => message,
                Ok(_) => return Err("the socket ended"),
            };
            let Message::Binary(bytes) = message else {
                continue;
            };
            for &byte in bytes.iter() {
                if matched == len {
                    tail.push(byte);
                    continue;
                }
                if byte == b'\r' {
                    continue;
                }
                let want = expected.next();
                assert_eq!(Some(byte), want, "byte {matched} of the echo differs");
                matched += 1;
            }
            if matched == len && tail.windows(9).any(|w| w == b"PASTE-END") {
                return Ok(());
            }
        }
    }
    .await;
    assert!(
        checked.is_ok(),
        "{matched} of {len} bytes echoed in {:?}, then {checked:?}: the tab wedged",
        started.elapsed()
    );
    drop(sender.await.unwrap());
    eprintln!(
        "{mib} MiB in {frame}-byte frames echoed in {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_64_mib_paste_in_64_kib_frames_echoes_back_whole_and_in_order() {
    paste_echoes_back(64, 64 << 10).await;
}

#[tokio::test]
async fn a_paste_in_1_kib_frames_echoes_back_whole_and_in_order() {
    paste_echoes_back(16, 1 << 10).await;
}

/// Who presses Ctrl-C during the paste.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Presser {
    /// The pasting viewer itself, as the web UI does: it keeps its paste in
    /// flight within the input window, so the key is not stuck behind it.
    SameViewer,
    /// Another viewer, while the paster ignores the window altogether.
    SecondViewer,
}

/// A paste into `program` that never ends by itself; Ctrl-C ends the
/// program within 1 s, and the shell is usable after it.
///
/// The program's trap also creates a file: the clock stops when the
/// program got the signal, not when its "INTERRUPTED" line has come out
/// behind megabytes of earlier output (on a loaded machine reading that
/// backlog alone can take a second; that is output throughput, not the
/// key's latency). The line must still arrive.
async fn ctrl_c_interrupts(program: &str, presser: Presser) {
    let server = TestServer::start().await;
    let (cookie, id) = tab(&server).await;
    let (mut tx, mut rx) = split(server.attach(&cookie, &id).await);
    let signalled = tempfile::tempdir().unwrap();
    let flag = signalled.path().join("interrupted");
    let command = format!(
        "echo GO-''RUN; (trap ': > {}; echo INTERRUPTED-$((6*7)); exit' INT; {program})\n",
        flag.display()
    );
    type_in(&mut tx, command.as_bytes()).await;
    read_until(&mut rx, b"GO-RUN\r\n", Duration::from_secs(10)).await;

    // The paster's reader: counts acknowledged input, watches for the marker.
    let acked = Arc::new(AtomicU64::new(0));
    let progress = Arc::new(tokio::sync::Notify::new());
    let (seen_tx, seen) = tokio::sync::oneshot::channel::<Instant>();
    let reader = tokio::spawn({
        let (acked, progress) = (acked.clone(), progress.clone());
        async move {
            let mut seen_tx = Some(seen_tx);
            let mut tail = Vec::new();
            while let Some(Ok(message)) = rx.next().await {
                match message {
                    Message::Text(text) => {
                        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
                        if value["type"] == "input_ack" {
                            acked.store(value["bytes"].as_u64().unwrap(), Ordering::Release);
                            progress.notify_one();
                        }
                    }
                    Message::Binary(bytes) => {
                        tail.extend_from_slice(&bytes);
                        if tail.windows(14).any(|w| w == b"INTERRUPTED-42")
                            && let Some(seen) = seen_tx.take()
                        {
                            let _ = seen.send(Instant::now());
                        }
                        let keep = tail.len().saturating_sub(16);
                        tail.drain(..keep);
                    }
                    _ => {}
                }
            }
        }
    });
    // The paster: far more than any queue holds; stops and presses Ctrl-C
    // itself when told to (SameViewer).
    let sent = Arc::new(AtomicU64::new(0));
    let (press_tx, mut press) = tokio::sync::oneshot::channel::<()>();
    let windowed = presser == Presser::SameViewer;
    let paster = tokio::spawn({
        let (sent, acked, progress) = (sent.clone(), acked.clone(), progress.clone());
        async move {
            for frame in paste_frames(256 << 20, 64 << 10) {
                let len = frame.len() as u64;
                while windowed
                    && sent.load(Ordering::Acquire) + len - acked.load(Ordering::Acquire)
                        > INPUT_WINDOW
                {
                    tokio::select! {
                        _ = progress.notified() => {}
                        _ = &mut press => return type_in(&mut tx, b"\x03").await,
                    }
                }
                if matches!(press.try_recv(), Ok(())) {
                    return type_in(&mut tx, b"\x03").await;
                }
                if tx.send(Message::binary(frame)).await.is_err() {
                    return;
                }
                sent.fetch_add(len, Ordering::AcqRel);
            }
        }
    });
    // Interrupt once more has been sent than the viewer's share of the input
    // queue holds (or, windowed, once a whole window is in flight: a program
    // that never reads stops the paste right there).
    let backed_up = common::eventually(Duration::from_secs(20), || {
        let sent = sent.load(Ordering::Acquire);
        if windowed {
            sent >= INPUT_WINDOW
        } else {
            sent > 3 << 20
        }
    })
    .await;
    assert!(backed_up, "the paste never got going");
    // The second viewer joins first: the clock measures the key, not the
    // join (which rebuilds the screen, and on a loaded machine takes a while).
    // It reads its output, as a browser tab does: a viewer that reads
    // nothing is a stall, which is another test's subject.
    let mut other = match presser {
        Presser::SecondViewer => {
            let (other_tx, mut other_rx) = split(server.attach(&cookie, &id).await);
            let (live_tx, live) = tokio::sync::oneshot::channel();
            let drain = tokio::spawn(async move {
                let mut live_tx = Some(live_tx);
                while let Some(Ok(message)) = other_rx.next().await {
                    if let Message::Text(text) = &message
                        && text.contains(r#""type":"live""#)
                        && let Some(live) = live_tx.take()
                    {
                        let _ = live.send(());
                    }
                }
            });
            // Joined once its screen is sent and live output follows.
            tokio::time::timeout(Duration::from_secs(30), live)
                .await
                .expect("the second viewer's screen never arrived")
                .unwrap();
            Some((other_tx, drain))
        }
        Presser::SameViewer => None,
    };
    let pressed = Instant::now();
    match &mut other {
        None => press_tx.send(()).unwrap(),
        Some((other_tx, _)) => type_in(other_tx, b"\x03").await,
    }
    assert!(
        common::eventually(Duration::from_secs(10), || flag.exists()).await,
        "the program was never interrupted"
    );
    let took = pressed.elapsed();
    tokio::time::timeout(Duration::from_secs(30), seen)
        .await
        .expect("the interrupted program's last line never arrived")
        .unwrap();
    paster.abort();
    reader.abort();
    eprintln!(
        "{program} ({presser:?}): Ctrl-C took {took:?} after {} bytes sent",
        sent.load(Ordering::Acquire)
    );
    // SECURITY.md promises 1 s. Debug build, in-process server, 2 cores
    // under `under-load`, 48 presses: the pasting viewer 20-90 ms, a second
    // viewer 28-280 ms (the test's own paste and polling share the server's
    // runtime there; the release daemon took 1-59 ms for either).
    assert!(took < Duration::from_secs(1), "Ctrl-C took {took:?}");
    // The shell is usable again (after ending a paste line cut mid-way).
    if let Some((_, drain)) = other {
        drain.abort();
    }
    let (mut tx, mut rx) = split(server.attach(&cookie, &id).await);
    type_in(&mut tx, b"\necho ALIVE-$((5*5))\n").await;
    read_until(&mut rx, b"ALIVE-25", Duration::from_secs(30)).await;
}

// Multi-threaded like the daemon: on one thread the test's own flood
// and the server's work queue up behind each other, which is not what
// the promise is about.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_from_a_second_viewer_interrupts_cat_mid_paste_within_1_s() {
    ctrl_c_interrupts("cat", Presser::SecondViewer).await;
}

// Multi-threaded like the daemon: on one thread the test's own flood
// and the server's work queue up behind each other, which is not what
// the promise is about.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_from_the_pasting_viewer_interrupts_cat_within_1_s() {
    ctrl_c_interrupts("cat", Presser::SameViewer).await;
}

// Multi-threaded like the daemon: on one thread the test's own flood
// and the server's work queue up behind each other, which is not what
// the promise is about.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_interrupts_a_program_that_never_reads_its_paste() {
    // `sleep` reads nothing: the PTY's input buffer fills and refuses
    // every further byte, so only an out-of-band interrupt can work.
    ctrl_c_interrupts("sleep 600", Presser::SameViewer).await;
    ctrl_c_interrupts("sleep 600", Presser::SecondViewer).await;
}

#[tokio::test]
async fn ctrl_c_in_raw_mode_is_a_key_not_a_signal() {
    let server = TestServer::start().await;
    let (cookie, id) = tab(&server).await;
    let (mut tx, mut rx) = split(server.attach(&cookie, &id).await);
    // Raw mode, as vim sets it: 0x03 must arrive as data.
    type_in(
        &mut tx,
        b"stty raw -echo; echo RAW-''READY; head -c 1 | od -An -tx1; stty sane; echo RAW-''DONE\n",
    )
    .await;
    read_until(&mut rx, b"RAW-READY", Duration::from_secs(10)).await;
    type_in(&mut tx, b"\x03").await;
    let seen = read_until(&mut rx, b"RAW-DONE", Duration::from_secs(10)).await;
    assert!(
        String::from_utf8_lossy(&seen).contains(" 03"),
        "{:?}",
        String::from_utf8_lossy(&seen)
    );
}
