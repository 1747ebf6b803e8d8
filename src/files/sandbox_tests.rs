//! Unit tests of the sandbox: the path rules, both resolvers, and a symlink
//! swapped in while paths are being opened.

use super::*;
use std::io::Read;
use std::os::unix::fs::symlink;

struct Tree {
    _root: tempfile::TempDir,
    _outside: tempfile::TempDir,
    sandbox: Sandbox,
}

/// root/{docs/a.txt, in_link -> docs/a.txt, up_link -> ../<outside>/secret,
/// abs_link -> <outside>/secret, loop_a <-> loop_b, dir_link -> docs}
fn tree() -> Tree {
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let r = root.path().canonicalize().unwrap();
    let o = outside.path().canonicalize().unwrap();
    std::fs::write(o.join("secret"), "CANARY").unwrap();
    std::fs::create_dir(r.join("docs")).unwrap();
    std::fs::write(r.join("docs/a.txt"), "inside").unwrap();
    symlink("docs/a.txt", r.join("in_link")).unwrap();
    symlink("docs", r.join("dir_link")).unwrap();
    let rel_out = format!("../{}/secret", o.file_name().unwrap().to_str().unwrap());
    symlink(&rel_out, r.join("up_link")).unwrap();
    symlink(o.join("secret"), r.join("abs_link")).unwrap();
    symlink("loop_b", r.join("loop_a")).unwrap();
    symlink("loop_a", r.join("loop_b")).unwrap();
    Tree {
        sandbox: Sandbox::open(&r).unwrap(),
        _root: root,
        _outside: outside,
    }
}

fn read(sandbox: &Sandbox, text: &str) -> Result<String, FileError> {
    let path = sandbox.resolve(text)?;
    let (mut file, _) = sandbox.open_file(&path)?;
    let mut out = String::new();
    file.read_to_string(&mut out).unwrap();
    Ok(out)
}

#[test]
fn path_text_rules() {
    let t = tree();
    let ok = |s: &str| t.sandbox.resolve(s).unwrap().display();
    assert_eq!(ok(""), "");
    assert_eq!(ok("."), "");
    assert_eq!(ok("a//b/./c/"), "a/b/c");
    assert_eq!(ok("..a/b..c"), "..a/b..c");
    for bad in ["..", "a/../b", "a/..", "/etc/passwd", "a\0b", "../x"] {
        let err = t.sandbox.resolve(bad).unwrap_err();
        assert_eq!(err.code(), "bad_path", "{bad:?}");
    }
    assert!(t.sandbox.resolve(&"x".repeat(256)).is_err());
    assert!(t.sandbox.resolve(&"ab/".repeat(1400)).is_err());
    assert!(t.sandbox.resolve(&"x".repeat(255)).is_ok());
}

#[test]
fn links_inside_work_and_links_out_are_refused() {
    let t = tree();
    assert_eq!(t.sandbox.resolver(), Resolver::Openat2);
    assert_eq!(read(&t.sandbox, "docs/a.txt").unwrap(), "inside");
    assert_eq!(read(&t.sandbox, "in_link").unwrap(), "inside");
    assert_eq!(read(&t.sandbox, "dir_link/a.txt").unwrap(), "inside");
    for out in ["up_link", "abs_link"] {
        let err = read(&t.sandbox, out).unwrap_err();
        assert_eq!(err.code(), "outside_root", "{out}");
    }
    assert_eq!(
        read(&t.sandbox, "loop_a").unwrap_err().code(),
        "symlink_loop"
    );
    assert_eq!(read(&t.sandbox, "docs").unwrap_err().code(), "not_a_file");
    assert_eq!(read(&t.sandbox, "nope").unwrap_err().code(), "not_found");
    // Refusing links refuses them anywhere in the path.
    let path = t.sandbox.resolve("dir_link/a.txt").unwrap();
    let err = t
        .sandbox
        .open_path(&path, OFlag::O_PATH, Links::Refuse)
        .unwrap_err();
    assert_eq!(err.code(), "symlink_loop");
}

#[test]
fn the_fallback_walk_follows_no_link_at_all() {
    let t = tree();
    let sandbox = t.sandbox.with_resolver(Resolver::Walk);
    assert_eq!(read(&sandbox, "docs/a.txt").unwrap(), "inside");
    for link in ["in_link", "dir_link/a.txt", "up_link", "abs_link", "loop_a"] {
        assert!(read(&sandbox, link).is_err(), "{link} was followed");
    }
    assert_eq!(read(&sandbox, "nope").unwrap_err().code(), "not_found");
}

#[test]
fn relative_of_names_the_real_file() {
    let t = tree();
    let path = t.sandbox.resolve("dir_link/a.txt").unwrap();
    let fd = t
        .sandbox
        .open_path(&path, OFlag::O_PATH, Links::Follow)
        .unwrap();
    assert_eq!(t.sandbox.relative_of(&fd).unwrap().display(), "docs/a.txt");
}

/// A folder is swapped for a symlink to the outside, over and over, while
/// another thread opens paths through it: not one read may see the outside.
#[test]
fn a_symlink_swapped_in_mid_operation_never_leads_out() {
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let r = root.path().canonicalize().unwrap();
    let o = outside.path().canonicalize().unwrap();
    std::fs::write(o.join("f"), "CANARY").unwrap();
    std::fs::create_dir(r.join("real")).unwrap();
    std::fs::write(r.join("real/f"), "inside").unwrap();
    symlink(&o, r.join("evil")).unwrap();
    let sandbox = Sandbox::open(&r).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let swapper = {
        let (r, stop) = (r.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut swaps = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // `sw` is the real folder, then the link out, atomically.
                std::fs::rename(r.join("real"), r.join("sw")).unwrap();
                std::fs::rename(r.join("sw"), r.join("real")).unwrap();
                std::fs::rename(r.join("evil"), r.join("sw")).unwrap();
                std::fs::rename(r.join("sw"), r.join("evil")).unwrap();
                swaps += 1;
            }
            swaps
        })
    };
    let (mut inside, mut refused) = (0, 0);
    for _ in 0..20_000 {
        match read(&sandbox, "sw/f") {
            Ok(text) => {
                assert_eq!(text, "inside", "read through a swapped-in link");
                inside += 1;
            }
            Err(_) => refused += 1,
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert!(swaps > 0 && inside + refused == 20_000);
}

#[test]
fn a_seccomp_eperm_falls_back_to_the_walk_like_enosys() {
    assert_eq!(Resolver::after_probe(None), Resolver::Openat2);
    assert_eq!(Resolver::after_probe(Some(Errno::ENOSYS)), Resolver::Walk);
    assert_eq!(Resolver::after_probe(Some(Errno::EPERM)), Resolver::Walk);
    // Other failures are real answers about the path, not a missing call.
    assert_eq!(Resolver::after_probe(Some(Errno::EXDEV)), Resolver::Openat2);
}
