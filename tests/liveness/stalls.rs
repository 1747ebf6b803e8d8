//! Viewers that stop reading: they never hold the shell up for more than a
//! moment, a read-only guest never at all, and one whose TCP window stays
//! full is dropped at the liveness limit with its slot freed.

use super::*;
use serde_json::json;
use std::time::Instant;

/// Runs a 30 MB job in the tab by typing through `socket` and returns how
/// long it took to finish (a marker file appears when it has).
async fn job(server: &TestServer, tx: &mut SplitSink<Ws, Message>, name: &str) -> Duration {
    let marker = server.root.join(name);
    let command = format!("head -c 30000000 /dev/zero | base64; touch {name}\n");
    let started = Instant::now();
    type_in(tx, command.as_bytes()).await;
    let done = common::eventually(Duration::from_secs(120), || marker.exists()).await;
    assert!(done, "the job {name} never finished");
    started.elapsed()
}

/// The time the same job takes with nobody watching.
async fn unwatched(server: &TestServer, cookie: &str, id: &str) -> Duration {
    let (mut tx, rx) = split(server.attach(cookie, id).await);
    // Nobody reads: the viewer leaves at once, the job runs unwatched.
    let marker = server.root.join("unwatched");
    type_in(
        &mut tx,
        b"head -c 30000000 /dev/zero | base64; touch unwatched\n",
    )
    .await;
    let started = Instant::now();
    drop((tx, rx));
    assert!(common::eventually(Duration::from_secs(120), || marker.exists()).await);
    started.elapsed()
}

/// "Within a few seconds of the no-viewer time", with room for a busy machine.
fn close_to(baseline: Duration) -> Duration {
    baseline + baseline / 2 + fanout_stall() + Duration::from_secs(3)
}

fn fanout_stall() -> Duration {
    termgate::term::fanout::STALL
}

#[tokio::test]
async fn a_sole_viewer_that_never_reads_holds_the_shell_up_only_briefly() {
    let server = TestServer::start().await;
    let (cookie, id) = tab(&server).await;
    let baseline = unwatched(&server, &cookie, &id).await;
    let (mut tx, _never_read) = split(server.attach(&cookie, &id).await);
    let took = job(&server, &mut tx, "stalled").await;
    eprintln!("unwatched {baseline:?}, beside a stalled viewer {took:?}");
    assert!(
        took < close_to(baseline),
        "{took:?} vs {baseline:?} unwatched"
    );
}

#[tokio::test]
async fn a_stalled_read_only_guest_never_slows_the_owner() {
    let server = TestServer::start().await;
    let (cookie, id) = tab(&server).await;
    let baseline = unwatched(&server, &cookie, &id).await;
    let (_link, guest) = server
        .guest(
            &cookie,
            json!({"scope": "read-only", "ttl_secs": 300, "terminal": id}),
        )
        .await;
    let _guest_never_reads = server.attach(&guest, &id).await;

    // The owner starts the job and leaves: only the stalled guest watches.
    let (mut tx, rx) = split(server.attach(&cookie, &id).await);
    let marker = server.root.join("beside-guest");
    type_in(
        &mut tx,
        b"head -c 30000000 /dev/zero | base64; touch beside-guest\n",
    )
    .await;
    let started = Instant::now();
    drop((tx, rx));
    let done = common::eventually(close_to(baseline) + Duration::from_secs(30), || {
        marker.exists()
    });
    assert!(done.await, "the job never finished beside a stalled guest");
    let took = started.elapsed();
    eprintln!("unwatched {baseline:?}, beside a stalled guest {took:?}");
    assert!(
        took < close_to(baseline),
        "{took:?} vs {baseline:?} unwatched"
    );

    // The owner comes back and sees live output, not just a replay.
    let (mut tx, mut rx) = split(server.attach(&cookie, &id).await);
    type_in(&mut tx, b"echo LIVE-$((6*7))\n").await;
    read_until(&mut rx, b"LIVE-42", Duration::from_secs(10)).await;
}

#[tokio::test]
async fn a_viewer_whose_window_stays_full_is_dropped_at_the_liveness_limit() {
    let liveness = termgate::term::socket::Liveness {
        ping_every: Duration::from_millis(500),
        dead_after: Duration::from_secs(2),
    };
    let server = TestServer::start_with(|c| {
        c.tuning.liveness = liveness;
        c.max_websockets = 2;
    })
    .await;
    let (cookie, id) = tab(&server).await;
    let (mut tx, rx) = split(server.attach(&cookie, &id).await);
    // A flood the viewer never reads fills every buffer on the way, while
    // it keeps typing: it is not silent, it just takes no output.
    type_in(&mut tx, b"head -c 500000000 /dev/zero | base64 >&2\n").await;
    let typing = tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_millis(300));
        for _ in 0..100 {
            interval.tick().await;
            if tx.send(Message::binary(&b" "[..])).await.is_err() {
                return;
            }
        }
    });
    let started = Instant::now();
    // The limit, plus 2 s, plus the time the flood takes to fill the window.
    let bound = liveness.dead_after + Duration::from_secs(2) + Duration::from_secs(3);
    let mut freed = None;
    while started.elapsed() < bound {
        // Its slot is free once two more sockets fit under the cap of 2.
        let one = WsClient::connect(&server, &cookie, &id).await;
        let two = WsClient::connect(&server, &cookie, &id).await;
        if one.is_ok() && two.is_ok() {
            freed = Some(started.elapsed());
            break;
        }
        drop((one, two));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let list = server.get("/api/terminals", &cookie).await.json();
    assert!(
        freed.is_some(),
        "its slot is still taken after {bound:?}: {list}"
    );
    eprintln!("slot freed after {freed:?}");
    typing.abort();
    drop(rx);
}
