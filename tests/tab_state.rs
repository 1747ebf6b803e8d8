//! What a tab's JSON says beyond its size: the owner's name (which every
//! viewer is told of, and which wins over the shell's title until cleared)
//! and the job in the foreground (`busy`), which the UI names before a close
//! would end it, and that job's folder (`cwd`), where a file dropped on the
//! terminal goes.

mod common;

use common::TestServer;
use serde_json::{Value, json};
use std::time::Duration;

async fn tab(server: &TestServer, cookie: &str, id: &str) -> Value {
    let list = server.get("/api/terminals", cookie).await.json();
    list["terminals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .cloned()
        .unwrap()
}

#[tokio::test]
async fn a_name_is_kept_told_to_viewers_and_cleared_by_null() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut socket = server.attach(&cookie, &id).await;
    assert_eq!(socket.hello["name"], Value::Null);
    let shell_title = socket.hello["title"].clone();

    let path = format!("/api/terminals/{id}");
    let named = server
        .authed("PATCH", &path, &cookie)
        .json(&json!({"title": "  deploy prod "}))
        .send()
        .await;
    assert_eq!(named.status, 200);
    assert_eq!(named.json()["name"], "deploy prod");
    assert_eq!(named.json()["title"], "deploy prod");
    let told = socket.next_control().await;
    assert_eq!(
        told,
        json!({"type": "title", "title": "deploy prod", "name": "deploy prod"})
    );
    // A viewer that joins later learns it in `hello`.
    let late = server.attach(&cookie, &id).await;
    assert_eq!(late.hello["name"], "deploy prod");

    // A missing title is refused, not read as a clear.
    let missing = server
        .authed("PATCH", &path, &cookie)
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(missing.status, 400);
    let cleared = server
        .authed("PATCH", &path, &cookie)
        .json(&json!({"title": null}))
        .send()
        .await;
    assert_eq!(cleared.status, 200);
    assert_eq!(cleared.json()["name"], Value::Null);
    assert_eq!(cleared.json()["title"], shell_title);
    assert_eq!(
        socket.next_control().await,
        json!({"type": "title", "title": shell_title, "name": null})
    );
    assert_eq!(tab(&server, &cookie, &id).await["name"], Value::Null);
}

#[tokio::test]
async fn busy_names_the_foreground_job_and_is_null_for_the_shell() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut socket = server.attach(&cookie, &id).await;
    socket.send_input(b"echo ready-$((1+1))\n").await;
    socket.read_until("ready-2").await;
    assert_eq!(tab(&server, &cookie, &id).await["busy"], Value::Null);

    socket.send_input(b"sleep 600\n").await;
    assert_eq!(busy_within(&server, &cookie, &id, "sleep").await, "sleep");
    // Ctrl-C ends it: the shell is in front again.
    socket.send_input(b"\x03").await;
    assert_eq!(
        busy_within(&server, &cookie, &id, Value::Null).await,
        Value::Null
    );
}

/// Polls the tab's `busy` until it is `want` (at most 10 s); returns the last seen.
async fn busy_within(server: &TestServer, cookie: &str, id: &str, want: impl Into<Value>) -> Value {
    field_within(server, cookie, id, "busy", want.into()).await
}

/// Polls the tab's `field` until it is `want` (at most 10 s); returns the last seen.
async fn field_within(
    server: &TestServer,
    cookie: &str,
    id: &str,
    field: &str,
    want: Value,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let busy = tab(server, cookie, id).await[field].clone();
        if busy == want || tokio::time::Instant::now() > deadline {
            return busy;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn cwd_is_the_foreground_jobs_folder_inside_the_root_and_null_outside_it() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut socket = server.attach(&cookie, &id).await;
    socket.send_input(b"echo ready-$((1+1))\n").await;
    socket.read_until("ready-2").await;
    assert_eq!(
        tab(&server, &cookie, &id).await["cwd"],
        "",
        "the root is \"\""
    );

    socket
        .send_input(b"mkdir -p 'sub/two words' && cd 'sub/two words'\n")
        .await;
    let inside = field_within(&server, &cookie, &id, "cwd", json!("sub/two words")).await;
    assert_eq!(inside, "sub/two words");
    // A job in front: its folder, not the shell's.
    socket.send_input(b"(cd .. && exec sleep 600)\n").await;
    assert_eq!(busy_within(&server, &cookie, &id, "sleep").await, "sleep");
    assert_eq!(tab(&server, &cookie, &id).await["cwd"], "sub");
    socket.send_input(b"\x03").await;
    assert_eq!(
        busy_within(&server, &cookie, &id, Value::Null).await,
        Value::Null
    );

    // Outside the root: null, and no host path in the answer at all.
    let root = server.root.to_str().unwrap().to_string();
    for folder in ["/", "/tmp", &format!("{root}/..")] {
        socket
            .send_input(format!("cd '{folder}'\n").as_bytes())
            .await;
        let outside = field_within(&server, &cookie, &id, "cwd", Value::Null).await;
        assert_eq!(outside, Value::Null, "cd {folder}");
        let listed = server.get("/api/terminals", &cookie).await.text();
        assert!(
            !listed.contains(&root) && !listed.contains("/tmp"),
            "{listed}"
        );
    }

    // A guest of the tab never learns the owner's folders.
    socket
        .send_input(format!("cd '{root}/sub'\n").as_bytes())
        .await;
    assert_eq!(
        field_within(&server, &cookie, &id, "cwd", json!("sub")).await,
        "sub"
    );
    let (_, guest) = server
        .guest(
            &cookie,
            json!({"scope": "read-only", "ttl_secs": 900, "terminal": id}),
        )
        .await;
    assert_eq!(tab(&server, &guest, &id).await["cwd"], Value::Null);
}
