//! Folders, moves and deletes, and a terminal started in a folder.

use super::{Fx, leftovers};
use serde_json::json;

async fn post(fx: &Fx, path: &str, body: serde_json::Value) -> crate::common::Reply {
    fx.req("POST", path).json(&body).send().await
}

#[tokio::test]
async fn mkdir_move_and_delete_within_the_root() {
    let fx = Fx::start().await;
    let root = fx.root().to_path_buf();
    let made = post(&fx, "/api/files/mkdir", json!({"path": "docs/new"})).await;
    assert_eq!(made.status, 201, "{}", made.text());
    assert_eq!(made.json(), json!({"path": "docs/new"}));
    assert!(root.join("docs/new").is_dir());
    let again = post(&fx, "/api/files/mkdir", json!({"path": "docs/new"})).await;
    assert_eq!(
        (again.status, again.json()["code"].clone()),
        (409, "already_exists".into())
    );
    let orphan = post(&fx, "/api/files/mkdir", json!({"path": "no/such/parent"})).await;
    assert_eq!(orphan.status, 404);
    let extra = post(&fx, "/api/files/mkdir", json!({"path": "x", "mode": 511})).await;
    assert_eq!(extra.status, 400, "unknown fields are refused");

    // Moves never replace unless asked.
    let blocked = post(
        &fx,
        "/api/files/move",
        json!({"from": "notes.txt", "to": "docs/readme.md"}),
    )
    .await;
    assert_eq!(
        (blocked.status, blocked.json()["code"].clone()),
        (409, "already_exists".into())
    );
    assert_eq!(
        std::fs::read_to_string(root.join("docs/readme.md")).unwrap(),
        super::README
    );
    let moved = post(
        &fx,
        "/api/files/move",
        json!({"from": "notes.txt", "to": "docs/readme.md", "overwrite": true}),
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    assert_eq!(
        moved.json(),
        json!({"from": "notes.txt", "to": "docs/readme.md"})
    );
    assert_eq!(
        std::fs::read_to_string(root.join("docs/readme.md")).unwrap(),
        "v1\n"
    );
    assert!(!root.join("notes.txt").exists());
    let folder = post(
        &fx,
        "/api/files/move",
        json!({"from": "docs/sub", "to": "sub2"}),
    )
    .await;
    assert_eq!(folder.status, 200);
    assert!(root.join("sub2/deep.txt").is_file());
    let into_itself = post(
        &fx,
        "/api/files/move",
        json!({"from": "docs", "to": "docs/new/docs"}),
    )
    .await;
    assert_eq!(into_itself.status, 400, "{}", into_itself.text());
    let root_move = post(
        &fx,
        "/api/files/move",
        json!({"from": "", "to": "elsewhere"}),
    )
    .await;
    assert_eq!(root_move.json()["code"], "bad_path");
    let missing = post(&fx, "/api/files/move", json!({"from": "ghost", "to": "g2"})).await;
    assert_eq!(missing.status, 404);

    // Deletes: files, empty folders, full folders only with recursive=1.
    let del = |path: &str| fx.req("DELETE", &format!("/api/files?path={path}")).send();
    assert_eq!(del("binary.dat").await.status, 204);
    assert!(!root.join("binary.dat").exists());
    assert_eq!(del("docs/new").await.status, 204);
    let full = del("docs").await;
    assert_eq!(
        (full.status, full.json()["code"].clone()),
        (409, "not_empty".into())
    );
    assert!(root.join("docs/readme.md").exists());
    assert_eq!(del("docs&recursive=1").await.status, 204);
    assert!(!root.join("docs").exists());
    assert_eq!(del("").await.json()["code"], "bad_path");
    assert_eq!(del(".").await.json()["code"], "bad_path");
    assert_eq!(del("ghost").await.status, 404);
    assert_eq!(
        del("fifo").await.status,
        204,
        "special files can be removed"
    );
    assert!(root.join("sub2").exists());
    assert_eq!(leftovers(&root), Vec::<std::path::PathBuf>::new());

    let audit = fx.server.audit_log();
    for event in ["file_mkdir", "file_move", "file_delete"] {
        assert!(
            audit.contains(&format!("\"event\":\"{event}\"")),
            "{event} not audited"
        );
    }
    fx.assert_outside_untouched();
}

#[tokio::test]
async fn a_recursive_delete_never_follows_a_link_out() {
    let fx = Fx::start().await;
    let root = fx.root();
    std::fs::create_dir_all(root.join("tree/a/b")).unwrap();
    std::fs::write(root.join("tree/a/b/f"), "x").unwrap();
    std::os::unix::fs::symlink(fx.outside.path(), root.join("tree/a/out")).unwrap();
    std::os::unix::fs::symlink("../../docs", root.join("tree/a/in")).unwrap();
    let reply = fx
        .req("DELETE", "/api/files?path=tree&recursive=1")
        .send()
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    assert!(!root.join("tree").exists());
    assert!(
        root.join("docs/readme.md").exists(),
        "a link inside was followed"
    );
    fx.assert_outside_untouched();
}

#[tokio::test]
async fn a_terminal_can_start_in_a_folder_inside_the_root_only() {
    let fx = Fx::start().await;
    let create = |body: serde_json::Value| fx.req("POST", "/api/terminals").json(&body).send();
    let reply = create(json!({"cols": 80, "rows": 24, "cwd": "dir_link/sub"})).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let id = reply.json()["id"].as_str().unwrap().to_string();
    let mut socket = fx.server.attach(&fx.cookie, &id).await;
    socket.send_input(b"pwd; echo done-$((2+2))\n").await;
    let out = socket.read_until("done-4").await;
    let expected = fx.root().join("docs/sub");
    assert!(out.contains(expected.to_str().unwrap()), "{out}");

    // The same status and code as the file routes give for that path.
    for (cwd, status, code) in [
        ("../", 400, "bad_path"),
        ("/etc", 400, "bad_path"),
        ("out_dir", 403, "outside_root"),
        ("notes.txt", 400, "not_a_folder"),
        ("ghost", 404, "not_found"),
    ] {
        let reply = create(json!({"cwd": cwd})).await;
        assert_eq!(reply.status, status, "{cwd}: {}", reply.text());
        assert_eq!(reply.json()["code"], code, "{cwd}: {}", reply.text());
        let listed = fx
            .req("GET", &format!("/api/files/list?path={cwd}"))
            .send()
            .await;
        if cwd != "notes.txt" {
            assert_eq!(listed.json()["code"], code, "list {cwd}: {}", listed.text());
        }
        fx.assert_leaks_nothing(&reply);
    }
}
