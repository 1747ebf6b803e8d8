//! Connection-level limits: slow request heads, connection and WebSocket
//! caps, and slots coming back however a connection ends.

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
    let server = TestServer::start_with(|c| c.header_timeout = Duration::from_millis(300)).await;
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

#[tokio::test]
async fn connections_beyond_the_cap_are_closed_and_slots_come_back() {
    let server = TestServer::start_with(|c| {
        c.max_connections = 4;
        c.max_websockets = 4;
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        // A partial head keeps the connection (and its slot) busy.
        stream.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        idle.push(stream);
    }
    // Wait until all four are accepted, then the fifth is closed at once.
    let mut refused = false;
    for _ in 0..50 {
        let mut fifth = TcpStream::connect(server.addr).await.unwrap();
        fifth
            .write_all(b"GET /auth/session HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .ok();
        if read_to_close(&mut fifth, Duration::from_secs(2))
            .await
            .is_empty()
        {
            refused = true;
            break;
        }
    }
    assert!(refused, "a fifth connection was served beyond the cap");
    // Dropping the idle ones frees their slots.
    drop(idle);
    let mut served = false;
    for _ in 0..50 {
        let reply = tokio::time::timeout(
            Duration::from_secs(2),
            server.request("GET", "/auth/session").send(),
        )
        .await;
        if matches!(reply, Ok(ref r) if r.status == 200) {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(served, "slots did not come back after the clients left");
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
async fn a_websocket_that_stops_answering_pings_is_closed() {
    let server = TestServer::start_with(|c| {
        c.liveness.ping_every = Duration::from_millis(100);
        c.liveness.dead_after = Duration::from_millis(300);
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
