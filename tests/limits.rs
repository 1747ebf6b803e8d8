//! Connection-level limits: slow request heads, connection admission
//! (anonymous connections make room, the owner's keep theirs), WebSocket
//! caps, and slots coming back however a connection ends. Attacks that try
//! to hold every slot are in `hostile.rs`.

mod common;

use common::{TestServer, WsClient};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection; returns what it sent.
async fn read_to_close(stream: &mut TcpStream, within: Duration) -> Vec<u8> {
    let mut out = Vec::new();
    tokio::time::timeout(within, stream.read_to_end(&mut out))
        .await
        .expect("the server closes the connection in time")
        .ok();
    out
}

#[tokio::test]
async fn a_slow_request_head_is_dropped() {
    let server =
        TestServer::start_with(|c| c.tuning.header_timeout = Duration::from_millis(300)).await;
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: ").await.unwrap();
    let started = std::time::Instant::now();
    let answer = read_to_close(&mut slow, Duration::from_secs(5)).await;
    assert!(started.elapsed() >= Duration::from_millis(250));
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
    // A prompt client is still served.
    assert_eq!(
        server.request("GET", "/auth/session").send().await.status,
        200
    );
}

/// Sends `GET /auth/session` with `cookie` and reads the whole answer,
/// leaving the connection open (keep-alive).
async fn session_over(stream: &mut TcpStream, host: &str, cookie: &str) -> String {
    let cookie = common::proofs::raw_lines(cookie);
    let request = format!("GET /auth/session HTTP/1.1\r\nHost: {host}\r\n{cookie}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed before the answer was whole");
            got.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&got);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length: ")
                            .map(str::to_string)
                    })
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if body.len() >= length {
                    return text.into_owned();
                }
            }
        }
    })
    .await
    .expect("an answer within 10 s")
}

#[tokio::test]
async fn a_new_connection_evicts_the_oldest_anonymous_one() {
    // 4 slots, of which at most 2 (a quarter, at least 2) anonymous.
    let server = TestServer::start_with(|c| c.max_connections = 4).await;
    let admission = server.state().admission.clone();
    assert_eq!(admission.max_anonymous(), 2);
    let mut held = Vec::new();
    for count in 1..=2 {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        // A partial head: the connection has proved nothing yet.
        stream.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        held.push(stream);
        assert!(
            common::eventually(Duration::from_secs(5), || admission.census().anonymous
                == count)
            .await
        );
    }
    // A third is served, and the oldest of the two goes.
    assert_eq!(
        server.request("GET", "/auth/session").send().await.status,
        200
    );
    assert!(
        read_to_close(&mut held[0], Duration::from_secs(5))
            .await
            .is_empty()
    );
    assert!(admission.census().evictions >= 1);
}

/// A login head whose body never comes. It asks `Expect: 100-continue`, so
/// the server's `100 Continue` says the head was read and the body awaited.
async fn trickling_login(server: &TestServer) -> TcpStream {
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /auth/login HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\n\
         Content-Type: application/json\r\nContent-Length: 60000\r\n\
         Expect: 100-continue\r\n\r\n",
        server.host(),
        server.origin()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    tokio::time::timeout(Duration::from_secs(10), async {
        while !String::from_utf8_lossy(&got).contains("\r\n\r\n") {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed before 100 Continue");
            got.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("100 Continue within 10 s");
    assert!(got.starts_with(b"HTTP/1.1 100"), "{got:?}");
    stream
}

#[tokio::test]
async fn a_trickling_body_does_not_keep_its_slot_over_a_newer_connection() {
    // 8 slots, of which 2 anonymous.
    let server = TestServer::start_with(|c| c.max_connections = 8).await;
    let admission = server.state().admission.clone();
    let mut trickle = trickling_login(&server).await;
    // The owner's browser has connected; its login is still on the way.
    let mut owner = TcpStream::connect(server.addr).await.unwrap();
    assert!(common::eventually(Duration::from_secs(5), || admission.census().anonymous == 2).await);
    // One more connection: one of the two older ones must make room.
    let _newcomer = TcpStream::connect(server.addr).await.unwrap();
    assert!(common::eventually(Duration::from_secs(5), || admission.census().evictions == 1).await);
    // The slot held by a body that never comes is the one that goes.
    let login = serde_json::json!({"token": common::TOKEN, "pin": common::PIN}).to_string();
    let request = format!(
        "POST /auth/login HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{login}",
        server.host(),
        server.origin(),
        login.len()
    );
    let _ = owner.write_all(request.as_bytes()).await;
    let mut answer = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(10), owner.read(&mut answer))
        .await
        .expect("an answer or a close within 10 s");
    let answer = String::from_utf8_lossy(&answer[..read.unwrap_or(0)]).into_owned();
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "the owner's connection was evicted for a trickle: {answer:?}"
    );
    let rest = read_to_close(&mut trickle, Duration::from_secs(5)).await;
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
}

#[tokio::test]
async fn when_every_slot_is_the_owners_more_are_closed_and_slots_come_back() {
    let server = TestServer::start_with(|c| {
        c.max_connections = 4;
        c.max_websockets = 4;
    })
    .await;
    let cookie = server.login().await;
    let mut owners = Vec::new();
    for _ in 0..4 {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        // The owner's cookie makes a connection the owner's: never evicted.
        let answer = session_over(&mut stream, &server.host(), &cookie).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        owners.push(stream);
    }
    assert_eq!(server.state().admission.census().trusted, 4);
    // Every slot is the owner's: a fifth connection is closed at once.
    let mut fifth = TcpStream::connect(server.addr).await.unwrap();
    fifth
        .write_all(b"GET /auth/session HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .ok();
    assert!(
        read_to_close(&mut fifth, Duration::from_secs(5))
            .await
            .is_empty(),
        "a fifth connection was served beyond the cap"
    );
    // Dropping them frees their slots.
    drop(owners);
    let admission = server.state().admission.clone();
    assert!(common::eventually(Duration::from_secs(5), || admission.census().trusted == 0).await);
    assert_eq!(
        server.request("GET", "/auth/session").send().await.status,
        200
    );
}

#[tokio::test]
async fn websockets_beyond_the_cap_get_503_and_slots_come_back() {
    let server = TestServer::start_with(|c| c.max_websockets = 2).await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let first = server.attach(&cookie, &id).await;
    let _second = server.attach(&cookie, &id).await;
    let third = WsClient::connect(&server, &cookie, &id).await;
    match third {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503)
        }
        other => panic!("expected 503, got {:?}", other.map(|_| ())),
    }
    // The slot is released when the server notices the close: poll for it.
    drop(first);
    let mut again = None;
    for _ in 0..100 {
        if let Ok(socket) = WsClient::connect(&server, &cookie, &id).await {
            again = Some(socket);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(again.is_some(), "the closed socket's slot was not released");
}

#[tokio::test]
async fn guests_cannot_take_the_owners_last_websocket_slots() {
    let server = TestServer::start_with(|c| c.max_websockets = 4).await;
    let owner = server.login().await;
    let id = server.create_terminal(&owner).await;
    let (_, guest) = server
        .guest(
            &owner,
            serde_json::json!({"scope": "read-only", "ttl_secs": 300}),
        )
        .await;
    // A link can be forwarded: its guest opens as many sockets as it is let.
    let mut guests = Vec::new();
    while let Ok(socket) = WsClient::connect(&server, &guest, &id).await {
        guests.push(socket);
        assert!(guests.len() <= 4, "more sockets than slots");
    }
    assert!(!guests.is_empty(), "the guest got no socket at all");
    // The owner still opens a terminal.
    let socket = WsClient::connect(&server, &owner, &id).await;
    assert!(
        socket.is_ok(),
        "{} guest sockets kept the owner out: {:?}",
        guests.len(),
        socket.map(|_| ()).map_err(|err| err.to_string())
    );
}

#[tokio::test]
async fn a_websocket_that_stops_answering_pings_is_closed() {
    let server = TestServer::start_with(|c| {
        c.tuning.liveness.ping_every = Duration::from_millis(100);
        c.tuning.liveness.dead_after = Duration::from_millis(300);
    })
    .await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    // Connected, then silent: a client that is never polled never answers pings.
    let _silent = server.attach(&cookie, &id).await;
    let clients = || async {
        server.get("/api/terminals", &cookie).await.json()["terminals"][0]["clients"].as_u64()
    };
    assert_eq!(clients().await, Some(1));
    let mut dropped = false;
    for _ in 0..100 {
        if clients().await == Some(0) {
            dropped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(dropped, "a silent peer was never noticed");
}
