//! Clients that try to lock the owner out (issue 13): connections that never
//! send a byte, bodies that never arrive, and enough of them to hold every
//! slot, re-opened the moment the server lets one go. Each attack runs for
//! the whole test; the owner must still log in and get a terminal (create +
//! WebSocket hello) within 2 s, and a late body must cost its sender a 408
//! and its connection.

mod common;

use common::TestServer;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

/// `--max-connections` in these tests; the attacks open as many.
const CAP: usize = 64;
/// How long the owner may take to get a terminal while under attack.
const OWNER_WITHIN: Duration = Duration::from_secs(2);

/// `n` attackers, each holding a connection open after sending `opening`
/// and opening a new one as soon as the server closes it, until the set is
/// dropped (which aborts them). Returns once every attacker's first
/// connection is established and has sent `opening`: the server accepts in
/// arrival order, so everything the test connects afterwards comes after
/// all of them.
async fn attack(server: &TestServer, n: usize, opening: Vec<u8>) -> JoinSet<()> {
    let opening = Arc::new(opening);
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel(n);
    let mut attackers = JoinSet::new();
    for _ in 0..n {
        let (addr, opening, ready) = (server.addr, opening.clone(), ready_tx.clone());
        attackers.spawn(async move {
            let mut ready = Some(ready);
            loop {
                let Ok(mut stream) = TcpStream::connect(addr).await else {
                    tokio::task::yield_now().await;
                    continue;
                };
                let _ = stream.write_all(&opening).await;
                if let Some(ready) = ready.take() {
                    let _ = ready.send(()).await;
                }
                // Held until the server lets go (an answer, an eviction, a timeout).
                let mut sink = [0u8; 1024];
                while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
            }
        });
    }
    for _ in 0..n {
        tokio::time::timeout(Duration::from_secs(10), ready_rx.recv())
            .await
            .expect("the attackers connect within 10 s");
    }
    attackers
}

/// A login whose body stops after its first byte.
fn slow_login(server: &TestServer) -> Vec<u8> {
    format!(
        "POST /auth/login HTTP/1.1\r\nhost: {}\r\norigin: {}\r\n\
         content-type: application/json\r\ncontent-length: 60000\r\n\r\n{{",
        server.host(),
        server.origin()
    )
    .into_bytes()
}

/// Logs in, creates a terminal and opens its WebSocket, within
/// [`OWNER_WITHIN`], once the attack holds every anonymous slot.
async fn owner_gets_a_terminal(server: &TestServer, attack: &str) {
    let admission = server.state().admission.clone();
    let full = || admission.census().anonymous == admission.max_anonymous();
    assert!(
        common::eventually(Duration::from_secs(10), full).await,
        "{attack} never held every anonymous slot"
    );
    let before = admission.census();
    let started = Instant::now();
    tokio::time::timeout(OWNER_WITHIN, async {
        let cookie = server.login().await;
        let id = server.create_terminal(&cookie).await;
        let socket = server.attach(&cookie, &id).await;
        assert_eq!(socket.hello["type"], "hello");
    })
    .await
    .expect("the owner got a terminal within 2 s");
    let after = admission.census();
    eprintln!(
        "past {CAP} {attack}: the owner got a terminal in {:?}; {} evictions meanwhile; \
         anonymous slots held before/after: {}/{} of {}",
        started.elapsed(),
        after.evictions - before.evictions,
        before.anonymous,
        after.anonymous,
        admission.max_anonymous()
    );
}

/// Reads until the server closes the connection; returns what it sent.
async fn read_to_close(stream: &mut TcpStream, within: Duration) -> String {
    let mut out = Vec::new();
    tokio::time::timeout(within, stream.read_to_end(&mut out))
        .await
        .expect("the server closes the connection in time")
        .ok();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_gets_in_while_slow_bodies_hold_every_slot() {
    let server = TestServer::start_with(|c| c.max_connections = CAP).await;
    let attackers = attack(&server, CAP, slow_login(&server)).await;
    owner_gets_a_terminal(&server, "slow bodies").await;
    drop(attackers);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_gets_in_while_idle_connections_hold_every_slot() {
    let server = TestServer::start_with(|c| c.max_connections = CAP).await;
    let attackers = attack(&server, CAP, Vec::new()).await;
    owner_gets_a_terminal(&server, "idle connections").await;
    drop(attackers);
}

#[tokio::test]
async fn a_slow_body_gets_408_and_its_connection_is_closed() {
    let server =
        TestServer::start_with(|c| c.tuning.header_timeout = Duration::from_millis(300)).await;
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(&slow_login(&server)).await.unwrap();
    let started = Instant::now();
    let answer = read_to_close(&mut slow, Duration::from_secs(10)).await;
    let took = started.elapsed();
    eprintln!("slow body answered and closed after {took:?}");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""code":"request_timeout""#), "{answer}");
    // The grace, plus 60,000 bytes' worth at the minimum rate.
    assert!(took >= Duration::from_millis(250), "{took:?}");
    // The owner is still served.
    assert_eq!(
        server.request("GET", "/auth/session").send().await.status,
        200
    );
}

#[tokio::test]
async fn an_upload_that_stalls_gets_408_but_a_slow_steady_one_lands() {
    // Uploads may go three graces (600 ms here) without a byte.
    let server =
        TestServer::start_with(|c| c.tuning.header_timeout = Duration::from_millis(200)).await;
    let cookie = common::proofs::raw_lines(&server.login().await);
    let head = |path: &str| {
        format!(
            "POST /api/files/upload?path={path} HTTP/1.1\r\nhost: {host}\r\norigin: http://{host}\r\n\
             {cookie}\r\ncontent-length: 1000\r\n\r\n",
            host = server.host()
        )
    };

    let mut stalled = TcpStream::connect(server.addr).await.unwrap();
    stalled
        .write_all(head("stalled.up").as_bytes())
        .await
        .unwrap();
    stalled.write_all(&[b'x'; 100]).await.unwrap();
    let answer = read_to_close(&mut stalled, Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(!server.root.join("stalled.up").exists());

    // 1,000 bytes over about 1 s, never more than 50 ms apart: longer than
    // the idle limit in total, never idle that long.
    let mut steady = TcpStream::connect(server.addr).await.unwrap();
    steady
        .write_all(head("steady.up").as_bytes())
        .await
        .unwrap();
    let started = Instant::now();
    for _ in 0..20 {
        steady.write_all(&[b'y'; 50]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut answer = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(10), steady.read(&mut answer))
        .await
        .expect("an answer within 10 s")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(started.elapsed() > Duration::from_millis(600));
    assert_eq!(
        std::fs::read(server.root.join("steady.up")).unwrap().len(),
        1000
    );
}
