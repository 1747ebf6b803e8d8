//! `--record-input`: typed input in a recording. Off by default, so a
//! secret typed at a prompt that does not echo it is in no file; on, the
//! keys are `"i"` events, the header's tags say `input`, the audit line
//! says so, and every viewer (a guest included) is told, to show
//! "REC + keys".

// Shared with tests/recording.rs, which reads the parts this file does not.
#[allow(dead_code)]
#[path = "recording/cast.rs"]
mod cast;
mod common;

use common::TestServer;
use common::client::Frame;
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);
const SECRET: &str = "s3cret-typed";

/// A shell that turns echo off, says so, reads a line and prints its length:
/// the typed secret is never output.
fn no_echo_prompt() -> termgate::config::Program {
    common::sh_c("stty -echo; echo ready; read x; echo got-${#x}; exit 0")
}

/// Records a tab of [`no_echo_prompt`], types the secret once it is ready,
/// and returns the finished `.cast` file and the viewer's `hello`.
async fn record_a_typed_secret(input: bool) -> (TestServer, String, Value) {
    let server = TestServer::start_with(|c| {
        c.config.recordings.all = true;
        c.config.recordings.input = input;
        c.config.program = no_echo_prompt();
    })
    .await;
    let owner = server.login().await;
    let tab = server.create_terminal(&owner).await;
    let mut viewer = server.attach(&owner, &tab).await;
    let hello = viewer.hello.clone();
    viewer.read_until("ready").await;
    viewer.send_input(format!("{SECRET}\r").as_bytes()).await;
    viewer.read_until(&format!("got-{}", SECRET.len())).await;
    // The exit ends the recording: then the file is complete.
    let exited = tokio::time::timeout(WAIT, async {
        loop {
            match viewer.next().await {
                Frame::Control(message) if message["type"] == "exit" => return,
                Frame::Closed(code) => panic!("closed ({code:?}) before the exit"),
                _ => {}
            }
        }
    });
    exited.await.expect("the shell exits");
    let id = {
        let list = server.get("/api/recordings", &owner).await.json();
        list["recordings"][0]["id"].as_str().unwrap().to_string()
    };
    let mut text = String::new();
    for _ in 0..1500 {
        let list = server.get("/api/recordings", &owner).await.json();
        if list["recordings"][0]["active"] == false {
            text = server
                .get(&format!("/api/recordings/{id}"), &owner)
                .await
                .text();
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await; // a poll interval
    }
    assert!(!text.is_empty(), "recording {id} never finished");
    (server, text, hello)
}

/// The `recording_started` audit line.
fn started(server: &TestServer) -> Value {
    let audit = server.audit_log();
    let line = audit
        .lines()
        .find(|line| line.contains("\"recording_started\""))
        .unwrap_or_else(|| panic!("no recording_started in {audit}"));
    serde_json::from_str(line).unwrap()
}

#[tokio::test]
async fn without_the_flag_nothing_typed_is_recorded() {
    let (server, text, hello) = record_a_typed_secret(false).await;
    let parsed = cast::parse_strict(&text);
    assert_eq!(parsed.input, "", "no \"i\" events: {text}");
    assert!(parsed.tags.is_empty(), "no input tag: {text}");
    assert!(
        !text.contains(SECRET),
        "the secret is not in the file: {text}"
    );
    assert!(parsed.output.contains("got-12"), "{text}");
    assert_eq!(hello["recording"], true);
    assert_eq!(hello["recording_input"], false, "{hello}");
    assert_eq!(started(&server)["input"], false);
}

#[tokio::test]
async fn with_record_input_typed_keys_are_i_events_under_the_input_tag() {
    let (server, text, hello) = record_a_typed_secret(true).await;
    let parsed = cast::parse_strict(&text);
    assert_eq!(parsed.tags, ["input"], "{text}");
    assert_eq!(parsed.input, format!("{SECRET}\r"), "{text}");
    // Typed, never echoed: it is in the file only as input.
    assert!(!parsed.output.contains(SECRET), "{text}");
    // In time order: the keys before the shell's answer to them.
    let keys = text.find(&format!("\"i\", \"{SECRET}")).expect("the keys");
    let answer = text.find("got-12").expect("the answer");
    assert!(keys < answer, "{text}");
    assert_eq!(hello["recording_input"], true, "{hello}");
    assert_eq!(
        started(&server)["input"],
        true,
        "the audit says input is recorded"
    );
}

#[tokio::test]
async fn every_viewer_a_guest_included_is_told_that_keys_are_recorded() {
    let server = TestServer::start_with(|c| {
        c.config.recordings.input = true;
        c.config.program = common::plain_bash();
    })
    .await;
    let owner = server.login().await;
    let tab = server.create_terminal(&owner).await;
    let share = json!({"scope": "read-only", "ttl_secs": 900, "uses": 2, "terminal": tab});
    let (_link, guest) = server.guest(&owner, share).await;
    let mut watching = server.attach(&guest, &tab).await;
    assert_eq!(watching.hello["recording_input"], false);

    let path = format!("/api/terminals/{tab}/recording");
    let on = server.set_recording(&owner, &tab, true).await;
    assert_eq!(on.status, 200, "{}", on.text());
    assert_eq!(on.json()["recording_input"], true, "{}", on.text());
    assert_eq!(
        watching.next_control().await,
        json!({"type": "recording", "on": true, "input": true})
    );
    let joining = server.attach(&guest, &tab).await;
    assert_eq!(joining.hello["recording_input"], true, "{}", joining.hello);
    let listed = server.get("/api/terminals", &guest).await.json();
    assert_eq!(listed["terminals"][0]["recording_input"], true, "{listed}");

    let off = server
        .authed("POST", &path, &owner)
        .json(&json!({"on": false}))
        .send()
        .await;
    assert_eq!(off.json()["recording_input"], false);
    assert_eq!(
        watching.next_control().await,
        json!({"type": "recording", "on": false, "input": false})
    );
}
