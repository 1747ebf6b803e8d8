//! The brute-force budget under bursts and floods: a held-back burst is
//! evaluated at most the budget's worth of times, lockouts escalate once per
//! lockout, refusals cannot rotate the audit trail away, and the owner can
//! clear lockouts with `termgate unlock`.

mod common;

use common::daemon::{start, termgate};
use common::{PIN, TOKEN, TestServer, eventually};
use futures_util::future::join_all;
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// Generous: these run on a loaded machine.
const DEADLINE: Duration = Duration::from_secs(60);

/// Another loopback address: a real second TCP source, no forwarded headers.
const ATTACKER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

async fn connect_from(source: Ipv4Addr, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(IpAddr::V4(source), 0)).unwrap();
    socket.connect(to).await.unwrap()
}

fn login_head(server: &TestServer, length: usize, extra: &str) -> String {
    format!(
        "POST /auth/login HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n{extra}\r\n",
        server.host(),
        server.origin()
    )
}

/// Reads one response head (up to the blank line).
async fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(stream.read(&mut byte).await.unwrap(), 1, "closed mid-head");
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}

/// (status, Retry-After) of a whole response read to the close.
async fn read_answer(mut stream: TcpStream) -> (u16, Option<u64>) {
    let mut text = String::new();
    stream.read_to_string(&mut text).await.unwrap();
    let status = text[9..12].parse().unwrap();
    let retry = text
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("retry-after: ")
                .map(str::to_owned)
        })
        .map(|v| v.trim().parse().unwrap());
    (status, retry)
}

/// `count` connections from `source` send a wrong login's head and wait
/// until the server asks for the body (`100 Continue`: it passed every check
/// made before the body); then all bodies go at once.
async fn held_back_burst(
    server: &TestServer,
    source: Ipv4Addr,
    count: usize,
) -> Vec<(u16, Option<u64>)> {
    let body = json!({"token": TOKEN, "pin": "000000"}).to_string();
    let head = login_head(
        server,
        body.len(),
        "Expect: 100-continue\r\nConnection: close\r\n",
    );
    let head = head.as_str();
    let waiting = (0..count).map(|_| async move {
        let mut stream = connect_from(source, server.addr).await;
        stream.write_all(head.as_bytes()).await.unwrap();
        let interim = read_head(&mut stream).await;
        assert!(interim.starts_with("HTTP/1.1 100"), "{interim}");
        stream
    });
    let streams = tokio::time::timeout(DEADLINE, join_all(waiting))
        .await
        .expect("every head is answered with 100 Continue");
    let answers = streams.into_iter().map(|mut stream| {
        let body = body.clone();
        async move {
            stream.write_all(body.as_bytes()).await.unwrap();
            read_answer(stream).await
        }
    });
    tokio::time::timeout(DEADLINE, join_all(answers))
        .await
        .expect("every login is answered")
}

fn count(log: &str, needle: &str) -> usize {
    log.lines().filter(|l| l.contains(needle)).count()
}

#[tokio::test]
async fn a_held_back_burst_is_evaluated_at_most_the_budget_and_locks_out_once() {
    // The budget is under test, not admission: room for 100 anonymous
    // connections at once (a quarter of the slots may be anonymous).
    let server = TestServer::start_with(|c| c.max_connections = 512).await;
    let answers = held_back_burst(&server, ATTACKER, 100).await;
    let evaluated = answers.iter().filter(|(s, _)| *s == 401).count();
    let refused = answers.iter().filter(|(s, _)| *s == 429).count();
    assert_eq!((evaluated, refused), (5, 95), "{answers:?}");
    for (_, retry) in answers.iter().filter(|(s, _)| *s == 429) {
        assert!(
            retry.unwrap() <= 300,
            "Retry-After {retry:?} beyond the first level"
        );
    }
    // The source is locked out at the first level, not escalated per failure.
    let mut late = connect_from(ATTACKER, server.addr).await;
    let body = json!({"token": TOKEN, "pin": PIN}).to_string();
    let head = login_head(&server, body.len(), "Connection: close\r\n");
    late.write_all(format!("{head}{body}").as_bytes())
        .await
        .unwrap();
    let (status, retry) = read_answer(late).await;
    assert_eq!(
        status, 429,
        "a locked-out source got in with the right secrets"
    );
    assert!(
        (250..=300).contains(&retry.unwrap()),
        "Retry-After {retry:?}"
    );
    let audit = server.audit_log();
    assert_eq!(count(&audit, r#""event":"login_failed""#), 5, "{audit}");
    assert_eq!(count(&audit, r#""event":"lockout""#), 1, "{audit}");
}

#[tokio::test]
async fn the_owner_logs_in_from_another_source_after_a_burst_locks_one_out() {
    // The budget is under test, not admission: room for 100 anonymous
    // connections at once (a quarter of the slots may be anonymous).
    let server = TestServer::start_with(|c| c.max_connections = 512).await;
    held_back_burst(&server, ATTACKER, 100).await;
    // Per-source budgets lock out only the guessing source (SECURITY.md):
    // the burst spent 5 of the global 20, so the owner still gets in.
    let cookie = server.login().await;
    assert_eq!(server.get("/api/terminals", &cookie).await.status, 200);
}

#[tokio::test]
async fn twenty_thousand_refusals_leave_every_wrong_pin_line_in_place() {
    let server = TestServer::start().await;
    for attempt in 0..5 {
        let reply = server
            .request("POST", "/auth/login")
            .json(&json!({"token": TOKEN, "pin": "000000"}))
            .send()
            .await;
        assert_eq!(reply.status, 401, "attempt {attempt}");
    }
    // 20 connections of 1,010 pipelined logins each, all refused. (hyper
    // leaves about one pipelined request per connection unanswered, so a
    // few more than 20,000 are sent.)
    let addr = server.addr;
    let pipeline = login_head(&server, 0, "").repeat(1010);
    let floods = (0..20).map(|_| {
        let pipeline = pipeline.clone();
        async move {
            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut read, mut write) = stream.into_split();
            let writer = tokio::spawn(async move {
                write.write_all(pipeline.as_bytes()).await?;
                write.shutdown().await
            });
            let mut answers = Vec::new();
            read.read_to_end(&mut answers).await.unwrap();
            writer.await.unwrap().unwrap();
            let answers = String::from_utf8_lossy(&answers).into_owned();
            let statuses: Vec<&str> = answers
                .match_indices("HTTP/1.1 ")
                .map(|(at, _)| &answers[at + 9..at + 12])
                .collect();
            assert!(statuses.iter().all(|s| *s == "429"), "{statuses:?}");
            statuses.len() as u64
        }
    });
    let refused: u64 = tokio::time::timeout(DEADLINE * 2, join_all(floods))
        .await
        .expect("the flood is answered")
        .into_iter()
        .sum();
    assert!(refused >= 20_000, "{refused}");
    let audit = server.audit_log();
    assert_eq!(count(&audit, r#""reason":"wrong_pin""#), 5, "{audit}");
    let size = |name: &str| std::fs::metadata(server.config_dir.join(name)).map_or(0, |m| m.len());
    assert!(size("audit.log") <= termgate::audit::MAX_BYTES);
    assert!(
        size("refusals.log") < 4096,
        "refusals are summed, not listed"
    );
    let refusals = std::fs::read_to_string(server.config_dir.join("refusals.log")).unwrap();
    let counted: u64 = refusals
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["event"] == "login_refused" && l["source"] == "127.0.0.1")
        .map(|l| l["count"].as_u64().unwrap())
        .sum();
    assert!(counted >= refused, "{refused} refused, {refusals}");
}

#[tokio::test]
async fn termgate_unlock_lets_the_owner_back_in_during_a_lockout() {
    let home = tempfile::tempdir().unwrap();
    let mut command = termgate(home.path());
    command
        .env("TERMGATE_TOKEN", TOKEN)
        .env("TERMGATE_PIN", PIN);
    let daemon = start(command).await;
    let login = |pin: &str| {
        daemon
            .request("POST", "/auth/login")
            .json(&json!({"token": TOKEN, "pin": pin}))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(login("000000").await.status, 401);
    }
    assert_eq!(login(PIN).await.status, 429, "the owner is locked out too");
    let mut unlock = termgate(home.path());
    unlock.arg("unlock");
    let output = tokio::time::timeout(DEADLINE, unlock.output())
        .await
        .expect("termgate unlock answers")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("Lockouts cleared"), "{stderr}");
    assert_eq!(login(PIN).await.status, 200);
    let audit = home.path().join("config/termgate/audit.log");
    let unlocked = || std::fs::read_to_string(&audit).is_ok_and(|a| a.contains("\"unlocked\""));
    assert!(
        eventually(DEADLINE, unlocked).await,
        "the unlock is audited"
    );
}
