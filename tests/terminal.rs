//! Terminal tabs over the real server: PTY round trips, resize, replay,
//! exit, limits, process cleanup, fan-out and misbehaving clients.

mod common;

use common::client::Frame;
use common::{TestServer, eventually, process_exists};
use futures_util::SinkExt;
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn keystrokes_reach_a_real_shell_and_output_comes_back() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut socket = server.attach(&cookie, &id).await;
    assert_eq!(socket.hello["id"], id);
    assert_eq!(socket.hello["readonly"], false);
    socket
        .send_input(b"echo $((6*7))-answer; echo TERM=$TERM; echo end-$((1+1))\n")
        .await;
    let out = socket.read_until("end-2").await;
    assert!(out.contains("42-answer"), "{out}");
    assert!(out.contains("TERM=xterm-256color"), "{out}");
}

#[tokio::test]
async fn the_shell_starts_in_the_root_without_termgate_secrets() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut socket = server.attach(&cookie, &id).await;
    socket
        .send_input(b"pwd; env | grep -c TERMGATE_ ; echo done-$((1+1))\n")
        .await;
    let out = socket.read_until("done-2").await;
    assert!(out.contains(server.root.to_str().unwrap()), "{out}");
}

#[tokio::test]
async fn resize_reaches_the_pty_and_bad_sizes_are_refused() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut socket = server.attach(&cookie, &id).await;
    socket
        .send_text(r#"{"type":"resize","cols":132,"rows":43}"#)
        .await;
    socket.send_input(b"stty size\n").await;
    socket.read_until("43 132").await;

    socket
        .send_text(r#"{"type":"resize","cols":0,"rows":43}"#)
        .await;
    let error = socket.next_control().await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["code"], "bad_size");
    socket.send_text("{nonsense").await;
    assert_eq!(socket.next_control().await["code"], "bad_message");
    // The PTY kept its size and the socket still works.
    socket.send_input(b"stty size\n").await;
    socket.read_until("43 132").await;
    let list = server.get("/api/terminals", &cookie).await.json();
    assert_eq!(list["terminals"][0]["cols"], 132);
}

#[tokio::test]
async fn reattaching_replays_the_scrollback() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut first = server.attach(&cookie, &id).await;
    first.send_input(b"echo remember-$((40+2))\n").await;
    first.read_until("remember-42").await;
    drop(first);
    let mut second = server.attach(&cookie, &id).await;
    second.read_until("remember-42").await;
}

#[tokio::test]
async fn shell_exit_sends_exit_and_a_close_code_and_the_tab_stays_listed() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut socket = server.attach(&cookie, &id).await;
    socket.send_input(b"exit 3\n").await;
    let exit = socket.next_control().await;
    assert_eq!(exit, json!({"type": "exit", "code": 3}));
    assert_eq!(socket.closed(Duration::from_secs(2)).await, Some(4000));
    let list = server.get("/api/terminals", &cookie).await.json();
    assert_eq!(list["terminals"][0]["exited"], json!({"code": 3}));
    // Attaching to an exited tab replays and closes at once with the same code.
    let mut late = server.attach(&cookie, &id).await;
    assert_eq!(late.next_control().await["type"], "exit");
}

#[tokio::test]
async fn the_tab_limit_answers_409() {
    let server = TestServer::start_with(|c| c.max_tabs = 2).await;
    let cookie = server.login().await;
    server.create_terminal(&cookie).await;
    server.create_terminal(&cookie).await;
    let reply = server
        .authed("POST", "/api/terminals", &cookie)
        .send()
        .await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.json()["code"], "too_many_terminals");
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .contains("at most 2")
    );
}

#[tokio::test]
async fn rename_and_list() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let reply = server
        .authed("PATCH", &format!("/api/terminals/{id}"), &cookie)
        .json(&json!({"title": "build"}))
        .send()
        .await;
    assert_eq!(reply.json()["title"], "build");
    let bad = server
        .authed("PATCH", &format!("/api/terminals/{id}"), &cookie)
        .json(&json!({"title": "a\u{1b}[2Jb"}))
        .send()
        .await;
    assert_eq!(bad.status, 400);
    let list = server.get("/api/terminals", &cookie).await.json();
    let tab = &list["terminals"][0];
    assert_eq!(tab["title"], "build");
    assert_eq!(
        (tab["cols"].as_u64(), tab["rows"].as_u64()),
        (Some(80), Some(24))
    );
    assert!(tab["created_at"].as_u64().unwrap() > 1_600_000_000_000);
    assert_eq!(tab["exited"], serde_json::Value::Null);
}

#[tokio::test]
async fn delete_ends_the_whole_process_group() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut socket = server.attach(&cookie, &id).await;
    // A background job that ignores SIGHUP, plus a foreground sleeper.
    socket
        .send_input(b"trap '' HUP; (trap '' HUP; sleep 300) & echo pids:$!:$$:end; sleep 301\n")
        .await;
    let out = socket.read_until(":end\r\n").await;
    let numbers: Vec<u32> = out
        .rsplit("pids:")
        .next()
        .unwrap()
        .split(':')
        .take(2)
        .map(|n| n.parse().unwrap())
        .collect();
    let (background, shell) = (numbers[0], numbers[1]);
    assert!(process_exists(shell) && process_exists(background));

    let reply = server
        .authed("DELETE", &format!("/api/terminals/{id}"), &cookie)
        .send()
        .await;
    assert_eq!(reply.status, 204);
    // The shell is reaped before DELETE answers; the background job (child of
    // the shell, reparented on its death) is killed with the group.
    assert!(
        !process_exists(shell),
        "shell {shell} left behind (zombie or alive)"
    );
    assert!(
        eventually(Duration::from_secs(2), || !common::process_alive(
            background
        ))
        .await,
        "background job {background} survived"
    );
    let list = server.get("/api/terminals", &cookie).await.json();
    assert_eq!(list["terminals"], json!([]));
}

#[tokio::test]
async fn several_viewers_see_the_same_bytes_and_any_can_type() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut viewers = Vec::new();
    for _ in 0..3 {
        viewers.push(server.attach(&cookie, &id).await);
    }
    viewers[1]
        .send_input(b"for i in $(seq 1 2000); do echo line-$i; done; echo END-$((7*6))\n")
        .await;
    let mut outputs = Vec::new();
    for viewer in &mut viewers {
        outputs.push(viewer.read_until("END-42").await);
    }
    // What each viewer saw of the screen before the command depends on when it
    // joined (replay or snapshot); the command's output came after all three
    // joined, so each saw the same bytes of it.
    let trimmed: Vec<&str> = outputs
        .iter()
        .map(|o| &o[o.find("line-1\r\n").unwrap()..o.find("END-42").unwrap()])
        .collect();
    assert!(trimmed[0].contains("line-2000\r\n"));
    assert!(trimmed.iter().all(|o| *o == trimmed[0]));
    let list = server.get("/api/terminals", &cookie).await.json();
    assert_eq!(list["terminals"][0]["clients"], 3);
}

#[tokio::test]
async fn a_stalled_viewer_neither_blocks_a_fast_one_nor_holds_memory() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    // The stalled viewer never reads after the hello.
    let stalled = server.attach(&cookie, &id).await;
    let mut fast = server.attach(&cookie, &id).await;
    fast.send_input(b"head -c 30000000 /dev/zero | base64 -w 4096; echo FLOOD-$((3*3))-DONE\n")
        .await;
    let started = std::time::Instant::now();
    let mut received = 0usize;
    tokio::time::timeout(Duration::from_secs(60), async {
        let mut tail = String::new();
        loop {
            match fast.next().await {
                Frame::Output(bytes) => {
                    received += bytes.len();
                    tail.push_str(&String::from_utf8_lossy(&bytes));
                    if tail.contains("FLOOD-9-DONE") {
                        return;
                    }
                    let keep = tail.len().saturating_sub(64);
                    tail.drain(..keep);
                }
                Frame::Control(message) if message["type"] == "live" => {}
                other => panic!("fast viewer interrupted: {other:?}"),
            }
        }
    })
    .await
    .expect("the fast viewer got all output although another viewer stalled");
    assert!(received > 40_000_000, "received only {received} bytes");
    eprintln!("fast viewer: {received} bytes in {:?}", started.elapsed());
    // The stalled viewer was cut loose (4002) rather than buffered without bound.
    drop(stalled);
    let rss_kib = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .map(|n| n.parse::<u64>().unwrap())
        })
        .unwrap();
    // 40 MB went through; peak memory of the whole test process stays far below.
    assert!(rss_kib < 200 * 1024, "peak RSS {rss_kib} KiB");
}

#[tokio::test]
async fn a_lagging_viewer_is_resynchronised_in_band() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut slow = server.attach(&cookie, &id).await;
    let mut fast = server.attach(&cookie, &id).await;
    fast.send_input(b"head -c 20000000 /dev/zero | base64 -w 4096; echo FLOOD-DONE-$((2*2))\n")
        .await;
    fast.read_until("FLOOD-DONE-4").await;
    // Now read the slow one: some output, then `resync`, then a fresh replay
    // that ends with the end of the flood, on the same socket.
    let resynced = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match slow.next().await {
                Frame::Control(message) if message["type"] == "resync" => return true,
                Frame::Closed(_) => return false,
                _ => {}
            }
        }
    })
    .await
    .unwrap();
    assert!(
        resynced,
        "the slow viewer was closed instead of resynchronised"
    );
    slow.read_until("FLOOD-DONE-4").await;
    slow.send_input(b"echo still-attached-$((9*9))\n").await;
    slow.read_until("still-attached-81").await;
}

#[tokio::test]
async fn oversized_frames_close_the_socket_without_harm() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut socket = server.attach(&cookie, &id).await;
    let _ = socket
        .stream
        .send(Message::binary(vec![b'a'; 2 << 20]))
        .await;
    assert_eq!(socket.closed(Duration::from_secs(5)).await, Some(1008));
    // The server and the terminal are fine.
    let mut again = server.attach(&cookie, &id).await;
    again.send_input(b"echo still-$((5+5))\n").await;
    again.read_until("still-10").await;
}

#[tokio::test]
async fn unknown_terminals_are_404() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let reply = server
        .authed("DELETE", "/api/terminals/t77", &cookie)
        .send()
        .await;
    assert_eq!(reply.status, 404);
    assert!(
        common::WsClient::connect(&server, &cookie, "t77")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn shutdown_closes_sockets_with_going_away_not_exited() {
    // Shells end at shutdown too; viewers must be told to come back (1001),
    // not that their shell exited (4000).
    for _ in 0..3 {
        let server = TestServer::start().await;
        let cookie = server.login().await;
        let id = server.create_terminal(&cookie).await;
        let mut socket = server.attach(&cookie, &id).await;
        let stopping = tokio::spawn(server.stop());
        assert_eq!(socket.closed(Duration::from_secs(3)).await, Some(1001));
        stopping.await.unwrap();
    }
}

#[tokio::test]
async fn other_viewers_hear_of_a_resize() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut resizer = server.attach(&cookie, &id).await;
    let mut watcher = server.attach(&cookie, &id).await;
    assert_eq!(
        (
            watcher.hello["cols"].as_u64(),
            watcher.hello["rows"].as_u64()
        ),
        (Some(80), Some(24))
    );
    resizer
        .send_text(r#"{"type":"resize","cols":100,"rows":30}"#)
        .await;
    assert_eq!(
        watcher.next_control().await,
        json!({"type": "resize", "cols": 100, "rows": 30})
    );
    // The same size again changes nothing and says nothing.
    resizer
        .send_text(r#"{"type":"resize","cols":100,"rows":30}"#)
        .await;
    resizer
        .send_text(r#"{"type":"resize","cols":90,"rows":30}"#)
        .await;
    assert_eq!(
        watcher.next_control().await,
        json!({"type": "resize", "cols": 90, "rows": 30})
    );
}

#[tokio::test]
async fn ctrl_c_gets_through_while_output_floods() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut socket = server.attach(&cookie, &id).await;
    socket.send_input(b"yes flooding-the-terminal\n").await;
    socket
        .read_until("flooding-the-terminal\r\nflooding-the-terminal")
        .await;
    // Keep reading (a live viewer) while Ctrl-C goes in, then a marker command.
    socket.send_input(b"\x03").await;
    socket.send_input(b"echo stopped-$((3*5))\n").await;
    socket.read_until("stopped-15").await;
}
