//! Fuzz target: the file browser's sandbox (`Sandbox::resolve`), as
//! src/files/sandbox_props.rs states it. `resolve` accepts a text exactly
//! when it is relative, has no `..` segment, no NUL, no name over 255 bytes
//! and is at most 4096 bytes, and then yields only its plain names in
//! order, so its host path is always beneath the root; and whatever it
//! accepts, opening it (with either resolver, following links or not)
//! through links that point up, out or around never reaches a file outside
//! the root.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nix::fcntl::OFlag;
use std::ffi::OsStr;
use std::os::fd::AsRawFd;
use std::os::unix::fs::symlink;
use std::path::{Component, PathBuf};
use std::sync::OnceLock;
use termgate::files::FileError;
use termgate::files::sandbox::{Links, MAX_NAME, MAX_PATH, Resolver, Sandbox};

/// root/{docs/a.txt, dir -> docs, up -> .., abs -> /, loop -> loop}, and a
/// file beside the root that nothing inside may reach. Made once per run
/// (and left in the temporary folder: libFuzzer exits without unwinding).
fn root() -> &'static (PathBuf, Sandbox, Sandbox) {
    static ROOT: OnceLock<(PathBuf, Sandbox, Sandbox)> = OnceLock::new();
    ROOT.get_or_init(|| {
        let outer = tempfile::Builder::new()
            .prefix("termgate-fuzz-")
            .tempdir()
            .unwrap()
            .keep();
        let outer = outer.canonicalize().unwrap();
        std::fs::write(outer.join("secret"), "CANARY").unwrap();
        let root = outer.join("root");
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::write(root.join("docs/a.txt"), "inside").unwrap();
        symlink("docs", root.join("dir")).unwrap();
        symlink("..", root.join("up")).unwrap();
        symlink("/", root.join("abs")).unwrap();
        symlink("loop", root.join("loop")).unwrap();
        let kernel = Sandbox::open(&root).unwrap();
        let walk = Sandbox::open(&root).unwrap().with_resolver(Resolver::Walk);
        (root, kernel, walk)
    })
}

/// What `resolve` should make of `text`: its plain names, or a refusal.
fn expected(text: &str) -> Option<Vec<&str>> {
    if text.len() > MAX_PATH || text.contains('\0') || text.starts_with('/') {
        return None;
    }
    let names: Vec<&str> = text
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    names
        .iter()
        .all(|n| *n != ".." && n.len() <= MAX_NAME)
        .then_some(names)
}

/// Short words stand for the names the root holds, so the fuzzer walks
/// through its links from the first run on: `[flags, path...]`, where in
/// dressed mode bytes 0..=7 are `docs`, `a.txt`, `dir`, `up`, `abs`, `loop`,
/// `..` and `.`.
fn text(data: &[u8]) -> Option<String> {
    let (&flags, rest) = data.split_first()?;
    if flags & 1 == 0 {
        return std::str::from_utf8(rest).ok().map(str::to_string);
    }
    const WORDS: [&str; 8] = ["docs", "a.txt", "dir", "up", "abs", "loop", "..", "."];
    let mut out = String::new();
    for &byte in rest {
        match WORDS.get(usize::from(byte)) {
            Some(word) => out.push_str(word),
            None => out.push(char::from(byte)),
        }
    }
    Some(out)
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else {
        return;
    };
    let (root, kernel, walk) = root();
    match (kernel.resolve(&text), expected(&text)) {
        (Ok(path), Some(names)) => {
            let got: Vec<&OsStr> = path.as_path().iter().collect();
            let want: Vec<&OsStr> = names.iter().map(OsStr::new).collect();
            assert_eq!(got, want);
            assert!(
                path.as_path()
                    .components()
                    .all(|c| matches!(c, Component::Normal(_)))
            );
            let host = kernel.host_path(&path);
            assert!(host.starts_with(root), "{text:?} -> {host:?}");
            assert_eq!(
                host.components().count(),
                root.components().count() + names.len()
            );
            for sandbox in [kernel, walk] {
                for links in [Links::Follow, Links::Refuse] {
                    if let Ok(fd) = sandbox.open_path(&path, OFlag::O_PATH, links) {
                        let real = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
                            .unwrap();
                        assert!(real.starts_with(root), "{text:?} opened {real:?}");
                        assert!(sandbox.relative_of(&fd).is_ok());
                    }
                }
            }
        }
        (Err(FileError::BadPath(_)), None) => {}
        (got, want) => panic!("{text:?}: {got:?}, expected {want:?}"),
    }
});
