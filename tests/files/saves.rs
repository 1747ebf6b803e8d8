//! Saves: versions (If-Match / If-None-Match), races between saves, modes
//! kept, links inside the root, and the audit trail.

use super::{Fx, leftovers, sha256};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;

fn code(reply: &crate::common::Reply) -> (u16, String) {
    (
        reply.status,
        reply.json()["code"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[tokio::test]
async fn a_save_must_name_the_version_it_replaces() {
    let fx = Fx::start().await;
    let file = fx.root().join("notes.txt");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let v1 = fx.content("notes.txt").await.json()["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(v1, sha256(b"v1\n"));

    let none = fx
        .req("PUT", "/api/files/content?path=notes.txt")
        .body(b"lost".to_vec())
        .send()
        .await;
    assert_eq!(code(&none), (428, "precondition_required".into()));
    let stale = fx
        .save(
            "notes.txt",
            ("if-match", &format!("\"{}\"", sha256(b"old"))),
            b"lost",
        )
        .await;
    assert_eq!(code(&stale), (409, "stale_version".into()));
    assert_eq!(stale.json()["current_sha256"], v1.as_str());
    let exists = fx.save("notes.txt", ("if-none-match", "*"), b"lost").await;
    assert_eq!(code(&exists), (409, "already_exists".into()));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "v1\n");

    let saved = fx
        .save("notes.txt", ("if-match", &format!("\"{v1}\"")), b"v2\n")
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text());
    let v2 = sha256(b"v2\n");
    assert_eq!(saved.json(), serde_json::json!({"sha256": v2, "size": 3}));
    assert_eq!(saved.header("etag").unwrap(), format!("\"{v2}\""));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "v2\n");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o7777, 0o640, "the file's mode is kept");
    assert_eq!(fx.content("notes.txt").await.json()["sha256"], v2.as_str());
    // The version just replaced is now stale; a bare hash works like a quoted one.
    let again = fx.save("notes.txt", ("if-match", &v1), b"v3\n").await;
    assert_eq!(again.json()["current_sha256"], v2.as_str());

    let created = fx
        .save("docs/new.txt", ("if-none-match", "*"), b"fresh")
        .await;
    assert_eq!(created.status, 200, "{}", created.text());
    assert_eq!(
        std::fs::read_to_string(fx.root().join("docs/new.txt")).unwrap(),
        "fresh"
    );
    let gone = fx
        .save("docs/missing.txt", ("if-match", &v1), b"resurrected")
        .await;
    assert_eq!(code(&gone), (409, "stale_version".into()));
    assert_eq!(gone.json()["current_sha256"], Value::Null);
    assert!(!fx.root().join("docs/missing.txt").exists());
    let too_big = fx
        .save(
            "notes.txt",
            ("if-match", &v2),
            &vec![b'x'; 5 * 1024 * 1024 + 1],
        )
        .await;
    assert_eq!(code(&too_big), (413, "payload_too_large".into()));
    for special in ["docs", "fifo"] {
        let reply = fx.save(special, ("if-match", &v2), b"x").await;
        assert_eq!(code(&reply), (400, "not_a_file".into()), "{special}");
    }
    assert_eq!(leftovers(fx.root()), Vec::<std::path::PathBuf>::new());

    let audit = fx.server.audit_log();
    let writes: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["event"] == "file_write")
        .collect();
    assert_eq!(writes.len(), 2, "{audit}");
    assert_eq!(writes[0]["path"], "notes.txt");
    assert_eq!(writes[1]["path"], "docs/new.txt");
    assert!(
        !audit.contains(fx.root().to_str().unwrap()),
        "host path in the audit log"
    );
}

#[tokio::test]
async fn saving_through_a_link_inside_changes_its_target_and_keeps_the_link() {
    let fx = Fx::start().await;
    let read = fx.content("in_link").await.json();
    let hash = read["sha256"].as_str().unwrap();
    let saved = fx
        .save(
            "in_link",
            ("if-match", &format!("\"{hash}\"")),
            b"edited via link\n",
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text());
    assert!(
        fx.root().join("in_link").is_symlink(),
        "the link was replaced"
    );
    assert_eq!(
        std::fs::read_to_string(fx.root().join("docs/readme.md")).unwrap(),
        "edited via link\n"
    );
    let out = fx.save("out_abs", ("if-none-match", "*"), b"PWNED").await;
    assert_eq!(code(&out), (403, "outside_root".into()));
    assert!(fx.root().join("out_abs").is_symlink());
    fx.assert_outside_untouched();
}

#[tokio::test]
async fn of_racing_saves_of_one_version_exactly_one_wins() {
    let fx = Fx::start().await;
    let file = fx.root().join("notes.txt");
    for round in 0..5 {
        let before = std::fs::read(&file).unwrap();
        let version = format!("\"{}\"", sha256(&before));
        let saves = (0..12).map(|i| {
            let body = format!("round {round} writer {i}\n").into_bytes();
            let fx = &fx;
            let version = version.clone();
            async move {
                let reply = fx.save("notes.txt", ("if-match", &version), &body).await;
                (reply, body)
            }
        });
        let results = futures_util::future::join_all(saves).await;
        let winners: Vec<_> = results.iter().filter(|(r, _)| r.status == 200).collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one save wins");
        let winner = &winners[0].1;
        assert_eq!(std::fs::read(&file).unwrap(), *winner);
        for (reply, _) in results.iter().filter(|(r, _)| r.status != 200) {
            assert_eq!(code(reply), (409, "stale_version".into()));
            assert_eq!(reply.json()["current_sha256"], sha256(winner).as_str());
        }
    }
    assert_eq!(leftovers(fx.root()), Vec::<std::path::PathBuf>::new());
}

#[tokio::test]
async fn the_editors_version_poll_hashes_the_file_sends_no_text_and_is_no_activity() {
    let fx = Fx::start().await;
    let v1 = version(&fx).await;
    assert_eq!(v1.status, 200, "{}", v1.text());
    let expected = serde_json::json!({"path": "notes.txt", "kind": "text", "sha256": sha256(b"v1\n"), "size": 3});
    assert_eq!(v1.json(), expected);

    // Changed behind termgate's back: the poll sees the new version.
    std::fs::write(fx.root().join("notes.txt"), "changed on disk\n").unwrap();
    let v2 = version(&fx).await.json();
    assert_eq!(v2["sha256"], sha256(b"changed on disk\n").as_str(), "{v2}");
    assert!(v2.get("text").is_none(), "{v2}");

    // A poll while the owner is away keeps no session alive; opening the file does.
    let before = idle(&fx).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await; // let the clock move
    assert_eq!(version(&fx).await.status, 200);
    assert_eq!(
        idle(&fx).await,
        before,
        "the version poll counted as activity"
    );
    assert_eq!(fx.content("notes.txt").await.status, 200);
    assert!(idle(&fx).await > before, "opening a file is activity");

    std::fs::remove_file(fx.root().join("notes.txt")).unwrap();
    let gone = version(&fx).await;
    assert_eq!(
        (gone.status, gone.json()["code"].clone()),
        (404, Value::from("not_found"))
    );
}

async fn version(fx: &Fx) -> crate::common::Reply {
    fx.get("/api/files/version?path=notes.txt").await
}

async fn idle(fx: &Fx) -> u64 {
    fx.get("/auth/session").await.json()["idle_expires_at"]
        .as_u64()
        .unwrap()
}
