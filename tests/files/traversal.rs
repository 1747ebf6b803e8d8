//! The sandbox under attack: every route, every way out (raw and
//! percent-encoded `..`, absolute paths, NUL, links out, loops), and not one
//! byte read from or written outside the root.

use super::{Fx, q};
use crate::common::Reply;
use serde_json::json;

/// Sends `value` as the path of every file route (`query` is its URL form);
/// `move_to` also tries to move `notes.txt` there, replacing what is there.
async fn every_route(
    fx: &Fx,
    query: &str,
    value: &str,
    move_to: bool,
) -> Vec<(&'static str, Reply)> {
    let mut replies = Vec::new();
    for (name, method, route) in [
        ("list", "GET", "/api/files/list"),
        ("read", "GET", "/api/files/content"),
        ("download", "GET", "/api/files/download"),
        ("archive", "GET", "/api/files/archive"),
    ] {
        let reply = fx
            .req(method, &format!("{route}?path={query}"))
            .send()
            .await;
        replies.push((name, reply));
    }
    let save = fx
        .req("PUT", &format!("/api/files/content?path={query}"))
        .header("if-none-match", "*")
        .body(b"PWNED".to_vec())
        .send()
        .await;
    replies.push(("save", save));
    let upload = fx
        .req(
            "POST",
            &format!("/api/files/upload?path={query}&overwrite=1"),
        )
        .body(b"PWNED".to_vec())
        .send()
        .await;
    replies.push(("upload", upload));
    let mkdir = fx
        .req("POST", "/api/files/mkdir")
        .json(&json!({"path": format!("{value}/new")}))
        .send()
        .await;
    replies.push(("mkdir", mkdir));
    if !move_to {
        return replies;
    }
    let move_in = fx
        .req("POST", "/api/files/move")
        .json(&json!({"from": "notes.txt", "to": value, "overwrite": true}))
        .send()
        .await;
    replies.push(("move_to", move_in));
    replies
}

#[tokio::test]
async fn no_route_reads_or_writes_outside_the_root() {
    let fx = Fx::start().await;
    let out = fx.outside.path().canonicalize().unwrap();
    let name = out.file_name().unwrap().to_str().unwrap().to_string();
    let up = format!("../{name}/canary.txt");
    let abs = format!("{}/canary.txt", out.display());
    // (URL form, decoded form, expected status, expected code)
    let cases = [
        (up.clone(), up.clone(), 400, "bad_path"),
        (q(&up), up.clone(), 400, "bad_path"),
        (
            up.replace("..", "%2e%2e").replace('/', "%2F"),
            up.clone(),
            400,
            "bad_path",
        ),
        (q("docs/../../x"), "docs/../../x".into(), 400, "bad_path"),
        (
            q("dir_link/../.."),
            "dir_link/../..".into(),
            400,
            "bad_path",
        ),
        (abs.clone(), abs.clone(), 400, "bad_path"),
        (q("/etc/passwd"), "/etc/passwd".into(), 400, "bad_path"),
        (q("docs\0/x"), "docs\0/x".into(), 400, "bad_path"),
        ("docs%00".into(), "docs\0".into(), 400, "bad_path"),
        (
            q("out_dir/canary.txt"),
            "out_dir/canary.txt".into(),
            403,
            "outside_root",
        ),
        (q("out_rel/x"), "out_rel/x".into(), 403, "outside_root"),
        (q("loop_a/x"), "loop_a/x".into(), 400, "symlink_loop"),
    ];
    for (query, value, status, code) in &cases {
        for (route, reply) in every_route(&fx, query, value, true).await {
            let body = reply.json();
            assert_eq!(
                (reply.status, body["code"].as_str().unwrap()),
                (*status, *code),
                "{route} {value:?}: {body}"
            );
            fx.assert_leaks_nothing(&reply);
        }
    }
    assert_eq!(
        std::fs::read_to_string(fx.root().join("notes.txt")).unwrap(),
        "v1\n"
    );
    fx.assert_outside_untouched();
}

#[tokio::test]
async fn links_that_lead_out_are_refused_but_can_be_removed_as_links() {
    let fx = Fx::start().await;
    for link in ["out_abs", "out_rel", "out_dir", "loop_a"] {
        for (route, reply) in every_route(&fx, link, link, false).await {
            assert!(
                [400, 403].contains(&reply.status),
                "{route} {link}: {}",
                reply.text()
            );
            fx.assert_leaks_nothing(&reply);
        }
    }
    let read = fx.content("out_abs").await;
    assert_eq!(
        (read.status, read.json()["code"].clone()),
        (403, "outside_root".into())
    );
    let list = fx.get("/api/files/list?path=out_dir").await;
    assert_eq!(list.json()["code"], "outside_root");
    // Moving or deleting a link acts on the link, never on its target.
    let moved = fx
        .req("POST", "/api/files/move")
        .json(&json!({"from": "out_abs", "to": "docs/moved_link"}))
        .send()
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    assert!(fx.root().join("docs/moved_link").is_symlink());
    let deleted = fx
        .req("DELETE", "/api/files?path=out_dir&recursive=1")
        .send()
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    assert!(!fx.root().join("out_dir").exists() && !fx.root().join("out_dir").is_symlink());
    fx.assert_outside_untouched();
}

#[tokio::test]
async fn double_encoding_is_decoded_once_and_names_a_harmless_file() {
    let fx = Fx::start().await;
    // `%252e%252e%252f` decodes (once) to the literal name `%2e%2e%2f...`.
    let query = "%252e%252e%252fcanary.txt";
    let reply = fx.get(&format!("/api/files/content?path={query}")).await;
    assert_eq!(
        (reply.status, reply.json()["code"].clone()),
        (404, "not_found".into())
    );
    let save = fx
        .req("PUT", &format!("/api/files/content?path={query}"))
        .header("if-none-match", "*")
        .body(b"harmless".to_vec())
        .send()
        .await;
    assert_eq!(save.status, 200, "{}", save.text());
    let written = fx.root().join("%2e%2e%2fcanary.txt");
    assert_eq!(std::fs::read_to_string(written).unwrap(), "harmless");
    fx.assert_outside_untouched();
}

#[tokio::test]
async fn file_routes_are_for_the_owner_only() {
    let fx = Fx::start().await;
    for (method, path) in [
        ("GET", "/api/files/list"),
        ("GET", "/api/files/content?path=notes.txt"),
        ("PUT", "/api/files/content?path=notes.txt"),
        ("POST", "/api/files/upload?path=x"),
        ("GET", "/api/files/download?path=notes.txt"),
        ("GET", "/api/files/archive"),
        ("POST", "/api/files/mkdir"),
        ("POST", "/api/files/move"),
        ("DELETE", "/api/files?path=notes.txt"),
    ] {
        let reply = fx.server.request(method, path).send().await;
        assert_eq!(reply.status, 401, "{method} {path}");
    }
    // A state-changing request from another origin is refused before the gate.
    let reply = fx
        .req("DELETE", "/api/files?path=notes.txt")
        .header("origin", "http://evil.example")
        .send()
        .await;
    assert_eq!(reply.status, 403);
    assert!(fx.root().join("notes.txt").exists());
}
