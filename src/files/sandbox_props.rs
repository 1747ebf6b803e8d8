//! Properties of the sandbox: `resolve` accepts a text exactly when it is
//! relative, has no `..` segment, no NUL, no name over 255 bytes and is at
//! most 4096 bytes, and then yields only its plain names, in order (`.` and
//! empty segments dropped), so the host path is always beneath the root;
//! and whatever it accepts, opening it (with either resolver) through links
//! that point up, out or around never reaches a file outside the root.

use super::*;
use proptest::prelude::*;
use std::os::unix::fs::symlink;
use std::sync::OnceLock;

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "", ".", "..", "...", "docs", "a.txt", "up", "abs", "dir", "loop", "é", " ", "a\\b",
            "\0", "a\0b", "%2e%2e",
        ])
        .prop_map(str::to_string),
        1 => "[a-z.]{1,4}",
        1 => Just("n".repeat(255)),
        1 => Just("n".repeat(256)),
        1 => Just("m".repeat(4000)),
    ]
}

fn text() -> impl Strategy<Value = String> {
    (any::<bool>(), proptest::collection::vec(segment(), 0..8)).prop_map(|(absolute, parts)| {
        format!("{}{}", if absolute { "/" } else { "" }, parts.join("/"))
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

/// root/{docs/a.txt, dir -> docs, up -> .., abs -> /, loop -> loop}, and a
/// file beside the root that nothing inside may reach.
fn root() -> &'static (tempfile::TempDir, PathBuf) {
    static ROOT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    ROOT.get_or_init(|| {
        let outer = tempfile::tempdir().unwrap();
        let o = outer.path().canonicalize().unwrap();
        std::fs::write(o.join("secret"), "CANARY").unwrap();
        let r = o.join("root");
        std::fs::create_dir_all(r.join("docs")).unwrap();
        std::fs::write(r.join("docs/a.txt"), "inside").unwrap();
        symlink("docs", r.join("dir")).unwrap();
        symlink("..", r.join("up")).unwrap();
        symlink("/", r.join("abs")).unwrap();
        symlink("loop", r.join("loop")).unwrap();
        (outer, r)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn resolve_accepts_exactly_plain_relative_paths(text in text()) {
        let (_, root) = root();
        let sandbox = Sandbox::open(root).unwrap();
        match (sandbox.resolve(&text), expected(&text)) {
            (Ok(path), Some(names)) => {
                let got: Vec<&OsStr> = path.as_path().iter().collect();
                let want: Vec<&OsStr> = names.iter().map(OsStr::new).collect();
                prop_assert_eq!(got, want);
                prop_assert!(path.as_path().components().all(|c| matches!(c, Component::Normal(_))));
                let host = sandbox.host_path(&path);
                prop_assert!(host.starts_with(root));
                prop_assert!(host.components().count() == root.components().count() + names.len());
            }
            (Err(FileError::BadPath(_)), None) => {}
            (got, want) => prop_assert!(false, "{text:?}: {got:?}, expected {want:?}"),
        }
    }

    #[test]
    fn nothing_accepted_opens_outside_the_root(text in text(), walk: bool) {
        let (_, root) = root();
        let mut sandbox = Sandbox::open(root).unwrap();
        if walk {
            sandbox = sandbox.with_resolver(Resolver::Walk);
        }
        let Ok(path) = sandbox.resolve(&text) else { return Ok(()) };
        for links in [Links::Follow, Links::Refuse] {
            if let Ok(fd) = sandbox.open_path(&path, OFlag::O_PATH, links) {
                let real = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).unwrap();
                prop_assert!(real.starts_with(root), "{text:?} opened {real:?}");
                prop_assert!(sandbox.relative_of(&fd).is_ok());
            }
        }
    }
}
