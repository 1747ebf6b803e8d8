//! Reading: listings (order, dotfiles, kinds, links, pages), text content,
//! downloads and archives.

use super::{BIG, Fx, README, q, sha256};
use serde_json::Value;
use std::io::Read;

fn entry<'a>(list: &'a Value, name: &str) -> &'a Value {
    list["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("{name} not listed: {list}"))
}

#[tokio::test]
async fn a_listing_shows_folders_first_kinds_links_and_hides_dotfiles() {
    let fx = Fx::start().await;
    let reply = fx.get("/api/files/list").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let list = reply.json();
    assert_eq!(list["path"], "");
    assert_eq!(list["next_cursor"], Value::Null);
    let names: Vec<&str> = list["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "docs",
            "big.bin",
            "binary.dat",
            "dir_link",
            "fifo",
            "in_link",
            "loop_a",
            "loop_b",
            "notes.txt",
            "out_abs",
            "out_dir",
            "out_rel"
        ]
    );
    let docs = entry(&list, "docs");
    assert_eq!(docs["kind"], "folder");
    assert_eq!(docs["size"], Value::Null);
    let big = entry(&list, "big.bin");
    assert_eq!(big["kind"], "file");
    assert_eq!(big["size"], BIG);
    assert_eq!(big["mode"], 0o666 & !umask());
    let modified = big["modified"].as_i64().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!(
        (now - 60_000..=now + 1000).contains(&modified),
        "{modified}"
    );
    assert_eq!(entry(&list, "fifo")["kind"], "other");
    assert!(entry(&list, "notes.txt").get("target_inside").is_none());
    for (name, inside, target) in [
        ("in_link", true, Value::from("file")),
        ("dir_link", true, Value::from("folder")),
        ("out_abs", false, Value::Null),
        ("out_rel", false, Value::Null),
        ("out_dir", false, Value::Null),
        ("loop_a", false, Value::Null),
    ] {
        let link = entry(&list, name);
        assert_eq!(link["kind"], "symlink", "{name}");
        assert_eq!(link["target_inside"], inside, "{name}");
        assert_eq!(link["target_kind"], target, "{name}");
    }
    fx.assert_leaks_nothing(&reply);

    let hidden = fx.get("/api/files/list?hidden=1").await.json();
    assert_eq!(entry(&hidden, ".hidden")["kind"], "file");
    // Through a link inside the root, and below.
    let docs = fx.get("/api/files/list?path=dir_link").await.json();
    assert_eq!(docs["entries"][0]["name"], "sub");
    assert_eq!(entry(&docs, "up_link")["target_inside"], true);
    let reply = fx.get("/api/files/list?path=notes.txt").await;
    assert_eq!(
        (reply.status, reply.json()["code"].clone()),
        (400, "not_a_folder".into())
    );
    let reply = fx.get("/api/files/list?path=nope").await;
    assert_eq!(
        (reply.status, reply.json()["code"].clone()),
        (404, "not_found".into())
    );
}

#[tokio::test]
async fn large_folders_are_paged_without_gaps_or_repeats() {
    let fx = Fx::start().await;
    let dir = fx.root().join("many");
    std::fs::create_dir(&dir).unwrap();
    for i in 0..12_000 {
        std::fs::File::create(dir.join(format!("f{i:05}"))).unwrap();
    }
    std::fs::create_dir(dir.join("zz_folder")).unwrap();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = "/api/files/list?path=many".to_string();
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={}", q(cursor)));
        }
        let page = fx.get(&path).await.json();
        pages += 1;
        assert_eq!(page["total"], 12_001);
        let entries = page["entries"].as_array().unwrap();
        assert!(entries.len() <= 5000);
        seen.extend(
            entries
                .iter()
                .map(|e| e["name"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 12_001);
    assert_eq!(seen[0], "zz_folder", "folders first");
    let mut files = seen[1..].to_vec();
    files.sort();
    assert_eq!(files, seen[1..], "sorted by name, across pages");
    files.dedup();
    assert_eq!(files.len(), 12_000, "no repeats");
    let reply = fx.get("/api/files/list?path=many&cursor=%%%").await;
    assert_eq!(reply.status, 400);
    let reply = fx.get("/api/files/list?path=many&cursor=bm9wZQ").await;
    assert_eq!(reply.status, 400, "a cursor that decodes to nonsense");
}

#[tokio::test]
async fn content_is_text_with_its_hash_and_never_binary_huge_or_special() {
    let fx = Fx::start().await;
    let reply = fx.content("docs/readme.md").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["kind"], "text");
    assert_eq!(body["text"], README);
    assert_eq!(body["size"], README.len());
    assert_eq!(body["sha256"], sha256(README.as_bytes()));
    assert_eq!(
        reply.header("etag").unwrap(),
        format!("\"{}\"", sha256(README.as_bytes()))
    );
    // The same file through links inside the root.
    assert_eq!(fx.content("in_link").await.json()["text"], README);
    assert_eq!(fx.content("docs/up_link").await.json()["text"], README);

    let binary = fx.content("binary.dat").await.json();
    assert_eq!(binary["kind"], "binary");
    assert_eq!(binary["sha256"], Value::Null);
    assert!(binary.get("text").is_none());
    let big = fx.content("big.bin").await.json();
    assert_eq!(
        (big["kind"].clone(), big["size"].clone()),
        ("too_large".into(), BIG.into())
    );
    assert!(big.get("text").is_none());
    // A FIFO is refused without being opened for reading (which would hang).
    let fifo = tokio::time::timeout(std::time::Duration::from_secs(5), fx.content("fifo"))
        .await
        .expect("a FIFO must not block the server");
    assert_eq!(
        (fifo.status, fifo.json()["code"].clone()),
        (400, "not_a_file".into())
    );
    let folder = fx.content("docs").await;
    assert_eq!(folder.json()["code"], "not_a_file");
    let missing = fx.get("/api/files/content").await;
    assert_eq!(missing.json()["code"], "bad_path");
}

#[tokio::test]
async fn downloads_stream_the_exact_bytes_with_a_safe_name() {
    let fx = Fx::start().await;
    let name = "we\"ird; näme.bin";
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(fx.root().join("docs").join(name), &data).unwrap();
    let reply = fx
        .get(&format!(
            "/api/files/download?path={}",
            q(&format!("docs/{name}"))
        ))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-length").unwrap(),
        data.len().to_string()
    );
    assert_eq!(
        reply.header("content-type").unwrap(),
        "application/octet-stream"
    );
    assert_eq!(
        reply.header("content-disposition").unwrap(),
        "attachment; filename=\"we_ird_ n_me.bin\"; filename*=UTF-8''we%22ird%3B%20n%C3%A4me.bin"
    );
    assert!(reply.body == data, "downloaded bytes differ");
    let fifo = fx.get("/api/files/download?path=fifo").await;
    assert_eq!(fifo.status, 400);
    let out = fx.get("/api/files/download?path=out_abs").await;
    assert_eq!(
        (out.status, out.json()["code"].clone()),
        (403, "outside_root".into())
    );
    fx.assert_leaks_nothing(&out);
}

#[tokio::test]
async fn an_archive_holds_the_folder_and_never_a_byte_from_outside() {
    let fx = Fx::start().await;
    let reply = fx.get("/api/files/archive").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type").unwrap(), "application/gzip");
    let top = fx.root().file_name().unwrap().to_str().unwrap().to_string();
    assert!(
        reply
            .header("content-disposition")
            .unwrap()
            .contains(&format!("{top}.tar.gz"))
    );
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(&reply.body[..])
        .read_to_end(&mut tar)
        .unwrap();
    fx.assert_leaks_nothing(&common_reply(&tar));
    let mut entries = Vec::new();
    for entry in tar::Archive::new(&tar[..]).entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().display().to_string();
        let kind = entry.header().entry_type();
        let link = entry.link_name().unwrap().map(|l| l.display().to_string());
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        entries.push((path, kind, link, data));
    }
    let find = |name: &str| entries.iter().find(|e| e.0 == format!("{top}/{name}"));
    assert_eq!(find("docs/readme.md").unwrap().3, README.as_bytes());
    assert_eq!(find("big.bin").unwrap().3.len(), BIG);
    let link = find("in_link").unwrap();
    assert!(link.1.is_symlink() && link.2.as_deref() == Some("docs/readme.md"));
    assert!(find("docs/up_link").unwrap().1.is_symlink());
    for absent in [
        "out_abs",
        "out_rel",
        "out_dir",
        "loop_a",
        "fifo",
        ".hidden_not",
    ] {
        assert!(find(absent).is_none(), "{absent} must not be archived");
    }
    assert!(find(".hidden").is_some(), "an archive keeps dotfiles");

    let sub = fx.get("/api/files/archive?path=dir_link").await;
    assert_eq!(sub.status, 200);
    let reply = fx.get("/api/files/archive?path=out_dir").await;
    assert_eq!(
        (reply.status, reply.json()["code"].clone()),
        (403, "outside_root".into())
    );
    let reply = fx.get("/api/files/archive?path=notes.txt").await;
    assert_eq!(reply.json()["code"], "not_a_folder");
    fx.assert_outside_untouched();
}

fn common_reply(bytes: &[u8]) -> crate::common::Reply {
    crate::common::Reply {
        status: 200,
        headers: Default::default(),
        body: bytes::Bytes::copy_from_slice(bytes),
    }
}

fn umask() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Umask:")).unwrap();
    u32::from_str_radix(line.split_whitespace().nth(1).unwrap(), 8).unwrap()
}
