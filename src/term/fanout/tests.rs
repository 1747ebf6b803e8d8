//! The fan-out's pacing rules under paused time.

use super::*;

fn publish(fanout: &Fanout, chunks: u64) -> u64 {
    (0..chunks)
        .map(|_| fanout.publish(Bytes::from_static(b"chunk")))
        .last()
        .unwrap_or(0)
}

fn deliver(viewer: &mut Subscription, chunks: u64) {
    for _ in 0..chunks {
        viewer.delivered();
    }
}

async fn waited(fanout: &Fanout, end: u64) -> Duration {
    let started = Instant::now();
    fanout.wait_for_viewers(end).await;
    started.elapsed()
}

#[tokio::test]
async fn replay_and_live_meet_exactly() {
    let fanout = Fanout::new(1024);
    fanout.publish(Bytes::from_static(b"before "));
    let mut viewer = fanout.join(true);
    fanout.publish(Bytes::from_static(b"after"));
    let replay = viewer.replay.take().unwrap().frames().concat();
    assert_eq!(replay, b"before ");
    assert_eq!(viewer.live.recv().await.unwrap(), "after");
}

#[tokio::test(start_paused = true)]
async fn a_progressing_viewer_paces_the_reader_and_a_stalled_one_only_once() {
    let fanout = Arc::new(Fanout::new(1024));
    let mut only = fanout.join(true);
    let end = publish(&fanout, HIGH_WATER + 2);
    // It keeps delivering, one chunk a second: the reader keeps waiting.
    let reader = tokio::spawn({
        let fanout = fanout.clone();
        async move { waited(&fanout, end).await }
    });
    for _ in 0..2 {
        tokio::time::sleep(STALL / 2).await;
        assert!(
            !reader.is_finished(),
            "stopped waiting for a viewer making progress"
        );
        only.delivered();
    }
    assert_eq!(reader.await.unwrap(), STALL, "went on once it caught up");
    // Now it stalls: the reader waits STALL once, then never again.
    let end = publish(&fanout, HIGH_WATER + 2);
    assert_eq!(waited(&fanout, end).await, STALL);
    let end = publish(&fanout, HIGH_WATER + 2);
    assert_eq!(waited(&fanout, end).await, Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_stalled_viewer_costs_one_grace_period_next_to_a_fast_one() {
    let fanout = Fanout::new(1024);
    let _stalled = fanout.join(true);
    let mut fast = fanout.join(true);
    let end = publish(&fanout, HIGH_WATER + 2);
    deliver(&mut fast, HIGH_WATER + 2);
    assert_eq!(
        waited(&fanout, end).await,
        GRACE,
        "waited exactly one grace period"
    );
    // Demoted: later chunks do not wait for it again.
    let end = publish(&fanout, 3);
    deliver(&mut fast, 3);
    assert_eq!(waited(&fanout, end).await, Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn read_only_viewers_never_slow_the_shell() {
    let fanout = Fanout::new(1024);
    let _guest = fanout.join(false);
    let end = publish(&fanout, LIVE_BACKLOG as u64);
    assert_eq!(waited(&fanout, end).await, Duration::ZERO);
    let mut owner = fanout.join(true);
    let end = publish(&fanout, HIGH_WATER + 2);
    deliver(&mut owner, HIGH_WATER + 2);
    assert_eq!(
        waited(&fanout, end).await,
        Duration::ZERO,
        "the guest is far behind"
    );
}

#[tokio::test(start_paused = true)]
async fn a_viewer_that_caught_up_after_a_resync_paces_again() {
    let fanout = Fanout::new(1024);
    let slow = fanout.join(true);
    let end = publish(&fanout, HIGH_WATER + 2);
    assert_eq!(waited(&fanout, end).await, STALL);
    let mut again = fanout.rejoin(slow);
    assert_eq!(fanout.viewers(), 1);
    let end = publish(&fanout, HIGH_WATER + 2);
    let reader = waited(&fanout, end);
    tokio::pin!(reader);
    assert!(
        tokio::time::timeout(STALL / 2, reader.as_mut())
            .await
            .is_err(),
        "not waited for after catching up"
    );
    deliver(&mut again, 2);
    reader.await;
}

#[tokio::test(start_paused = true)]
async fn a_join_wakes_a_waiting_reader() {
    let fanout = Arc::new(Fanout::new(1024));
    let _slow = fanout.join(true);
    let end = publish(&fanout, HIGH_WATER + 2);
    let reader = tokio::spawn({
        let fanout = fanout.clone();
        async move { waited(&fanout, end).await }
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    // The newcomer is the fastest now; the old one gets only its grace,
    // counted from the moment the reader re-decided.
    let _fast = fanout.join(true);
    let took = reader.await.unwrap();
    assert!(took < STALL, "the join did not wake the reader: {took:?}");
}

#[tokio::test]
async fn without_viewers_nothing_waits() {
    let fanout = Fanout::new(16);
    let end = publish(&fanout, LIVE_BACKLOG as u64 * 2);
    tokio::time::timeout(Duration::from_millis(100), fanout.wait_for_viewers(end))
        .await
        .unwrap();
    assert_eq!(fanout.viewers(), 0);
}
