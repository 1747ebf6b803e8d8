//! Unit tests of the archive walker: caps, links and special files.

use super::*;
use std::os::unix::fs::symlink;

fn setup() -> (tempfile::TempDir, tempfile::TempDir, Sandbox) {
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let r = root.path();
    std::fs::write(outside.path().join("secret"), "CANARY").unwrap();
    std::fs::create_dir_all(r.join("d/sub")).unwrap();
    std::fs::write(r.join("d/a.txt"), "aaaa").unwrap();
    std::fs::write(r.join("d/sub/b.txt"), "bbbbbb").unwrap();
    symlink("a.txt", r.join("d/in_link")).unwrap();
    symlink(outside.path().join("secret"), r.join("d/out_link")).unwrap();
    symlink(outside.path(), r.join("d/out_dir")).unwrap();
    nix::unistd::mkfifo(&r.join("d/fifo"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    let sandbox = Sandbox::open(&r.canonicalize().unwrap()).unwrap();
    (root, outside, sandbox)
}

fn build(sandbox: &Sandbox, caps: Caps) -> Vec<u8> {
    let base = sandbox.resolve("d").unwrap();
    let mut tar = tar::Builder::new(Vec::new());
    write_entries(sandbox, &base, Path::new("d"), caps, &mut tar).unwrap();
    tar.into_inner().unwrap()
}

#[test]
fn links_in_are_kept_as_links_and_nothing_outside_is_read() {
    let (_root, _outside, sandbox) = setup();
    let bytes = build(&sandbox, CAPS);
    assert!(
        !bytes.windows(6).any(|w| w == b"CANARY"),
        "outside bytes in the archive"
    );
    let mut archive = tar::Archive::new(bytes.as_slice());
    let mut seen = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().display().to_string();
        let kind = entry.header().entry_type();
        let mut data = String::new();
        if kind.is_file() {
            entry.read_to_string(&mut data).unwrap();
        }
        seen.push((path, format!("{kind:?}"), data));
    }
    let names: Vec<_> = seen.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(names, ["d", "d/a.txt", "d/in_link", "d/sub", "d/sub/b.txt"]);
    assert_eq!(seen[0].1, "Directory");
    assert_eq!(seen[3].1, "Directory");
    assert_eq!(seen[1].2, "aaaa");
    assert_eq!(seen[2].1, "Symlink");
    assert_eq!(seen[4].2, "bbbbbb");
}

#[test]
fn caps_on_entries_and_bytes_refuse_before_anything_is_sent() {
    let (_root, _outside, sandbox) = setup();
    let base = sandbox.resolve("d").unwrap();
    // d holds a.txt, in_link, out_link, out_dir, fifo, sub, sub/b.txt: 7 entries, 10 bytes.
    let fits = Caps {
        max_entries: 7,
        max_bytes: 10,
    };
    assert!(scan(&sandbox, &base, fits).is_ok());
    for caps in [
        Caps {
            max_entries: 6,
            max_bytes: 10,
        },
        Caps {
            max_entries: 7,
            max_bytes: 9,
        },
    ] {
        let err = scan(&sandbox, &base, caps).unwrap_err();
        assert_eq!(err.code(), "archive_too_large", "{caps:?}");
    }
    // And while writing, should the folder grow after the scan.
    let mut tar = tar::Builder::new(Vec::new());
    let tight = Caps {
        max_entries: 100,
        max_bytes: 5,
    };
    assert!(write_entries(&sandbox, &base, Path::new("d"), tight, &mut tar).is_err());
}

#[test]
fn a_file_that_shrinks_or_grows_keeps_its_header_size() {
    let mut grown = Exact {
        inner: std::io::Cursor::new(vec![1u8; 10]).take(4),
        left: 4,
    };
    let mut out = Vec::new();
    grown.read_to_end(&mut out).unwrap();
    assert_eq!(out, [1, 1, 1, 1]);
    let mut shrunk = Exact {
        inner: std::io::Cursor::new(vec![1u8; 2]),
        left: 4,
    };
    let mut out = Vec::new();
    shrunk.read_to_end(&mut out).unwrap();
    assert_eq!(out, [1, 1, 0, 0]);
}
