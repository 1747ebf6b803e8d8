//! Tab recordings end to end: the real server on port 0, a recorded tab,
//! its `.cast` file read back through the API and parsed strictly as
//! asciicast v3, the caps, REC for guests, and bad ids.

#[path = "recording/cast.rs"]
mod cast;
mod common;

use common::client::Frame;
use common::{TestServer, eventually};
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// Waits until recording `id` is no longer being written; returns its entry.
async fn finished(server: &TestServer, owner: &str, id: &str) -> Value {
    let mut entry = Value::Null;
    for _ in 0..1500 {
        let list = server.get("/api/recordings", owner).await.json();
        let found = list["recordings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned();
        if let Some(found) = found
            && found["active"] == false
        {
            return found;
        }
        entry = list;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("recording {id} never finished: {entry}");
}

/// Adds the viewer's output after `live` to `bytes` until `done` holds
/// for the bytes so far or the `exit` message came (returned).
async fn collect(
    viewer: &mut common::WsClient,
    bytes: &mut Vec<u8>,
    done: impl Fn(&[u8]) -> bool,
) -> Option<Value> {
    tokio::time::timeout(WAIT, async {
        loop {
            match viewer.next().await {
                Frame::Control(message) if message["type"] == "exit" => return Some(message),
                Frame::Control(_) => {}
                Frame::Output(chunk) => {
                    bytes.extend_from_slice(&chunk);
                    if done(bytes) {
                        return None;
                    }
                }
                Frame::Closed(code) => panic!("closed ({code:?}) before the exit"),
            }
        }
    })
    .await
    .expect("the output comes")
}

#[tokio::test]
async fn a_recorded_tab_is_strict_asciicast_v3_holding_what_a_viewer_received() {
    // Nothing is printed before the viewer is in (it reads a line first);
    // then multi-byte characters over many chunks, an invalid byte, exit 3.
    // Half a character, and its other half only once the test saw the
    // first (no echo of that input): a character split across chunks for
    // sure. Then characters of 1 to 4 bytes in long writes the PTY's reads
    // cut wherever, an invalid byte, and exit 3.
    let script = "stty -echo; read x; printf 'A\\342\\202'; read y; printf '\\254 tail\\n'; \
                  s='é😀€x'; s=$s$s$s$s; s=$s$s$s$s; s=$s$s$s$s; s=$s$s$s$s; s=$s$s$s$s; \
                  printf '%s%s\\n' \"$s\" \"$s\"; i=0; while [ $i -lt 1000 ]; do \
                  printf 'é€😀 line %d\\n' $i; i=$((i+1)); done; printf 'bad \\377 byte\\n'; exit 3";
    let server = TestServer::start_with(|c| {
        c.config.recordings.all = true;
        c.config.program = common::sh_c(script);
    })
    .await;
    let owner = server.login().await;
    let tab = server.create_terminal(&owner).await;
    let list = server.get("/api/terminals", &owner).await.json();
    assert_eq!(list["terminals"][0]["recording"], true, "{list}");
    let mut viewer = server.attach(&owner, &tab).await;
    assert_eq!(viewer.hello["recording"], true, "{}", viewer.hello);
    // The screen comes first (a snapshot, not output): live starts after it.
    loop {
        match viewer.next().await {
            Frame::Control(message) if message["type"] == "live" => break,
            Frame::Closed(code) => panic!("closed ({code:?}) before live"),
            _ => {}
        }
    }
    viewer.send_input(b"go\r").await;
    let mut received = Vec::new();
    let half = collect(&mut viewer, &mut received, |b| b.ends_with(b"A\xe2\x82")).await;
    assert!(half.is_none(), "the exit came before the half character");
    viewer.send_input(b"\r").await;
    let exit = collect(&mut viewer, &mut received, |_| false)
        .await
        .unwrap();
    assert_eq!(exit["code"], 3);
    // A PTY read is at most a few KiB: this is many chunks.
    assert!(received.len() > 32 * 1024, "{} bytes", received.len());

    let recordings = server.get("/api/recordings", &owner).await.json();
    let id = recordings["recordings"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let entry = finished(&server, &owner, &id).await;
    assert_eq!(entry["truncated"], false);
    assert_eq!(entry["title"], "sh");

    let download = server.get(&format!("/api/recordings/{id}"), &owner).await;
    assert_eq!(download.status, 200);
    assert_eq!(
        download.header("content-disposition"),
        Some(format!("attachment; filename=\"{id}.cast\"").as_str())
    );
    assert_eq!(
        download.header("content-type"),
        Some("application/x-asciicast")
    );
    assert_eq!(entry["size"].as_u64(), Some(download.body.len() as u64));
    let parsed = cast::parse_strict(&download.text());
    assert_eq!(parsed.cols, 80);
    assert_eq!(parsed.rows, 24);
    assert_eq!(parsed.exit.as_deref(), Some("3"));
    assert!(parsed.markers.is_empty(), "no gap: {:?}", parsed.markers);
    // Two lines were typed; without --record-input neither is in the file.
    assert!(
        parsed.input.is_empty() && parsed.tags.is_empty(),
        "no input"
    );
    let expected = String::from_utf8_lossy(&received);
    assert!(
        expected.contains("bad \u{FFFD} byte"),
        "the invalid byte, replaced"
    );
    assert!(
        parsed.output == expected,
        "recorded output differs from the viewer's"
    );

    // Private on disk: the folder 0700, the file 0600.
    let dir = &server.state().config.recordings.dir;
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode();
    assert_eq!(mode(dir) & 0o777, 0o700);
    assert_eq!(mode(&dir.join(format!("{id}.cast"))) & 0o777, 0o600);

    let audit = server.audit_log();
    assert!(audit.contains("\"recording_started\"") && audit.contains("\"record_all\""));
    assert!(audit.contains("\"recording_stopped\"") && audit.contains("\"exited\""));
}

#[tokio::test]
async fn guests_are_told_when_a_tab_is_recorded_and_cannot_touch_recordings() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let tab = server.create_terminal(&owner).await;
    let share = json!({"scope": "read-only", "ttl_secs": 900, "uses": 2, "terminal": tab});
    let (_link, guest) = server.guest(&owner, share).await;
    let mut watching = server.attach(&guest, &tab).await;
    assert_eq!(watching.hello["recording"], false);

    let path = format!("/api/terminals/{tab}/recording");
    let on = server.set_recording(&owner, &tab, true).await;
    assert_eq!(on.status, 200, "{}", on.text());
    assert_eq!(on.json()["recording"], true);
    assert_eq!(
        watching.next_control().await,
        json!({"type": "recording", "on": true, "input": false})
    );
    let seen = server.get("/api/terminals", &guest).await.json();
    assert_eq!(seen["terminals"][0]["recording"], true, "{seen}");
    let mut joining = server.attach(&guest, &tab).await;
    assert_eq!(joining.hello["recording"], true);

    // Owner only: a guest can neither stop it nor see the recordings.
    let refused = server
        .authed("POST", &path, &guest)
        .json(&json!({"on": false}))
        .send()
        .await;
    assert!(matches!(refused.status, 401 | 403), "{}", refused.status);
    let listed = server.get("/api/recordings", &guest).await;
    assert!(matches!(listed.status, 401 | 403), "{}", listed.status);

    let off = server
        .authed("POST", &path, &owner)
        .json(&json!({"on": false}))
        .send()
        .await;
    assert_eq!(off.json()["recording"], false);
    assert_eq!(
        watching.next_control().await,
        json!({"type": "recording", "on": false, "input": false})
    );
    assert_eq!(
        joining.next_control().await,
        json!({"type": "recording", "on": false, "input": false})
    );
    let bad = server
        .authed("POST", &path, &owner)
        .json(&json!({"on": "yes"}))
        .send()
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        eventually(WAIT, || server.audit_log().contains("\"reason\":\"owner\"")).await,
        "the stop is audited with its reason"
    );
    assert!(server.audit_log().contains("\"recording_started\""));
}

/// Turns recording on in `tab`, prints well past the cap and waits until
/// the recording stopped by itself (the viewer is told: REC off).
async fn record_past_the_cap(
    server: &TestServer,
    owner: &str,
    viewer: &mut common::WsClient,
    tab: &str,
) {
    let on = server.set_recording(owner, tab, true).await;
    assert_eq!(on.status, 200, "{}", on.text());
    assert_eq!(
        viewer.next_control().await,
        json!({"type": "recording", "on": true, "input": false})
    );
    let flood = b"i=0; while [ $i -lt 300 ]; do echo 0123456789012345678901234567890123456789; i=$((i+1)); done\n";
    viewer.send_input(flood).await;
    assert_eq!(
        viewer.next_control().await,
        json!({"type": "recording", "on": false, "input": false})
    );
}

#[tokio::test]
async fn the_size_cap_truncates_and_the_total_cap_deletes_the_oldest_first() {
    let server = TestServer::start_with(|c| {
        c.config.recordings.max_size = 4096;
        c.config.recordings.max_total = 10_000;
    })
    .await;
    let owner = server.login().await;
    let tab = server.create_terminal(&owner).await;
    let mut viewer = server.attach(&owner, &tab).await;
    let mut ids = Vec::new();
    for round in 0..3 {
        record_past_the_cap(&server, &owner, &mut viewer, &tab).await;
        let list = server.get("/api/recordings", &owner).await.json();
        let newest = list["recordings"][0].clone();
        let id = newest["id"].as_str().unwrap().to_string();
        let entry = finished(&server, &owner, &id).await;
        assert_eq!(entry["truncated"], true, "round {round}: {entry}");
        assert!(entry["size"].as_u64().unwrap() <= 4096, "{entry}");
        ids.push(id);
    }
    let body = server
        .get(&format!("/api/recordings/{}", ids[2]), &owner)
        .await
        .text();
    let parsed = cast::parse_strict(&body);
    assert_eq!(
        parsed.markers.last().map(String::as_str),
        Some(cast::TRUNCATED)
    );
    assert!(parsed.exit.is_none());
    // Three of ~4 KiB do not fit in 10 000 bytes: the oldest went.
    let left: Vec<String> = server.get("/api/recordings", &owner).await.json()["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        left,
        [ids[2].clone(), ids[1].clone()],
        "newest first, the oldest deleted"
    );
    let audit = server.audit_log();
    let deleted: Vec<Value> = audit
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|line| line["event"] == "recording_deleted")
        .collect();
    assert_eq!(deleted.len(), 1, "{audit}");
    assert_eq!(deleted[0]["recording"], json!(ids[0]));
    assert_eq!(deleted[0]["reason"], "limits");
    assert!(audit.contains("\"truncated\""));
}

#[tokio::test]
async fn bad_or_unknown_recording_ids_are_404_json() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let tab = server.create_terminal(&owner).await;
    let path = format!("/api/terminals/{tab}/recording");
    let on = server.set_recording(&owner, &tab, true).await;
    let id = on.json()["recording_id"].as_str().unwrap().to_string();
    // A file beside the folder that a joined path could reach.
    let dir = server.state().config.recordings.dir.clone();
    std::fs::write(dir.parent().unwrap().join("secret.cast"), "secret").unwrap();
    let missing = format!("{}0", &id[..id.len() - 1]);
    let missing = if missing == id {
        format!("{}1", &id[..id.len() - 1])
    } else {
        missing
    };
    for bad in [
        "nope",
        "..",
        "..%2Fsecret",
        "%2e%2e%2fsecret",
        "secret",
        "0000000000000-zzzzzzzzzzzzzzzz",
        &id.to_uppercase(),
        &format!("{id}.cast"),
        &missing,
    ] {
        for method in ["GET", "DELETE"] {
            let reply = server
                .authed(method, &format!("/api/recordings/{bad}"), &owner)
                .send()
                .await;
            assert_eq!(reply.status, 404, "{method} {bad}: {}", reply.text());
            let body = reply.json();
            assert_eq!(body["code"], "not_found", "{method} {bad}");
            assert!(body["message"].is_string());
        }
    }
    let tabs = server.authed("POST", "/api/terminals/t999/recording", &owner);
    let reply = tabs.json(&json!({"on": true})).send().await;
    assert_eq!(
        (reply.status, reply.json()["code"].clone()),
        (404, json!("not_found"))
    );
    // The real one is there, and is refused deletion while it is written.
    let busy = server
        .authed("DELETE", &format!("/api/recordings/{id}"), &owner)
        .send()
        .await;
    assert_eq!(
        (busy.status, busy.json()["code"].clone()),
        (409, json!("recording_active"))
    );
    let off = server
        .authed("POST", &path, &owner)
        .json(&json!({"on": false}))
        .send()
        .await;
    assert_eq!(off.status, 200);
    finished(&server, &owner, &id).await;
    let gone = server
        .authed("DELETE", &format!("/api/recordings/{id}"), &owner)
        .send()
        .await;
    assert_eq!(gone.status, 204);
    let again = server.get(&format!("/api/recordings/{id}"), &owner).await;
    assert_eq!(again.status, 404);
}
