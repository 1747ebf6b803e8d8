//! The file browser over the real server: browsing, the sandbox under
//! attack, saves that never lose data, transfers and their caps, and
//! `--terminal-only`. Each area is a module under tests/files/; the fixture
//! and the small helpers they share are here.

mod common;

#[path = "files/browse.rs"]
mod browse;
#[path = "files/limits.rs"]
mod limits;
#[path = "files/manage.rs"]
mod manage;
#[path = "files/saves.rs"]
mod saves;
#[path = "files/traversal.rs"]
mod traversal;

use common::client::RequestBuilder;
use common::{Reply, TestServer};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Size of `big.bin`: above the 256 KiB text limit.
pub const BIG: usize = 300 * 1024;
pub const README: &str = "# Readme\nhello from inside\n";

/// A logged-in server whose root holds the fixture tree, and a folder
/// outside the root with a canary file that must never be read or touched.
pub struct Fx {
    pub server: TestServer,
    pub cookie: String,
    pub outside: tempfile::TempDir,
    canary_text: String,
    canary_mtime: SystemTime,
}

impl Fx {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// root/
    ///   docs/readme.md, docs/sub/deep.txt, docs/up_link -> ../docs/readme.md
    ///   notes.txt, .hidden, big.bin (300 KiB), binary.dat (has NUL), fifo
    ///   in_link -> docs/readme.md, dir_link -> docs
    ///   out_abs -> <outside>/canary.txt, out_rel -> ../<outside>/canary.txt,
    ///   out_dir -> <outside>, loop_a <-> loop_b
    pub async fn start_with(adjust: impl FnOnce(&mut common::Setup)) -> Self {
        let server = TestServer::start_with(adjust).await;
        let outside = tempfile::tempdir().unwrap();
        let o = outside.path().canonicalize().unwrap();
        let canary_text = format!("CANARY-{:016x}", rand_u64());
        std::fs::write(o.join("canary.txt"), &canary_text).unwrap();
        let r = &server.root;
        std::fs::create_dir_all(r.join("docs/sub")).unwrap();
        std::fs::write(r.join("docs/readme.md"), README).unwrap();
        std::fs::write(r.join("docs/sub/deep.txt"), "deep\n").unwrap();
        symlink("../docs/readme.md", r.join("docs/up_link")).unwrap();
        std::fs::write(r.join("notes.txt"), "v1\n").unwrap();
        std::fs::write(r.join(".hidden"), "dotfile\n").unwrap();
        std::fs::write(r.join("big.bin"), vec![b'a'; BIG]).unwrap();
        std::fs::write(r.join("binary.dat"), b"PK\x03\x04\x00\x00binary").unwrap();
        nix::unistd::mkfifo(&r.join("fifo"), nix::sys::stat::Mode::S_IRWXU).unwrap();
        symlink("docs/readme.md", r.join("in_link")).unwrap();
        symlink("docs", r.join("dir_link")).unwrap();
        symlink(o.join("canary.txt"), r.join("out_abs")).unwrap();
        let name = o.file_name().unwrap().to_str().unwrap();
        symlink(format!("../{name}/canary.txt"), r.join("out_rel")).unwrap();
        symlink(&o, r.join("out_dir")).unwrap();
        symlink("loop_b", r.join("loop_a")).unwrap();
        symlink("loop_a", r.join("loop_b")).unwrap();
        let canary_mtime = std::fs::metadata(o.join("canary.txt"))
            .unwrap()
            .modified()
            .unwrap();
        let cookie = server.login().await;
        Self {
            server,
            cookie,
            outside,
            canary_text,
            canary_mtime,
        }
    }

    pub fn root(&self) -> &Path {
        &self.server.root
    }

    /// A request with the owner's cookie.
    pub fn req(&self, method: &str, path: &str) -> RequestBuilder {
        self.server
            .request(method, path)
            .header("cookie", &self.cookie)
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.req("GET", path).send().await
    }

    /// `GET /api/files/content?path=`
    pub async fn content(&self, path: &str) -> Reply {
        self.get(&format!("/api/files/content?path={}", q(path)))
            .await
    }

    /// `PUT /api/files/content?path=` with a precondition header.
    pub async fn save(&self, path: &str, header: (&str, &str), body: &[u8]) -> Reply {
        self.req("PUT", &format!("/api/files/content?path={}", q(path)))
            .header(header.0, header.1)
            .body(body.to_vec())
            .send()
            .await
    }

    /// The canary outside the root is exactly as it was, and nothing was
    /// added next to it.
    pub fn assert_outside_untouched(&self) {
        let o = self.outside.path();
        let text = std::fs::read_to_string(o.join("canary.txt")).unwrap();
        assert_eq!(
            text, self.canary_text,
            "the canary outside the root changed"
        );
        let mtime = std::fs::metadata(o.join("canary.txt"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(mtime, self.canary_mtime);
        let names: Vec<_> = std::fs::read_dir(o)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            ["canary.txt"],
            "something was written outside the root"
        );
    }

    /// The reply carries none of the canary and no absolute host path.
    pub fn assert_leaks_nothing(&self, reply: &Reply) {
        let text = reply.text();
        assert!(!text.contains(&self.canary_text), "canary leaked: {text}");
        for path in [self.root(), self.outside.path()] {
            let host = path.to_str().unwrap();
            assert!(!text.contains(host), "host path in the body: {text}");
        }
        assert!(!text.contains("/tmp"), "host path in the body: {text}");
    }
}

/// Percent-encodes everything but unreserved characters (what the UI's
/// `encodeURIComponent` does, and more).
pub fn q(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Temporary files (`.termgate-*.tmp`) anywhere under `dir`.
pub fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else if entry
                .file_name()
                .to_string_lossy()
                .starts_with(".termgate-")
            {
                found.push(path);
            }
        }
    }
    found
}

pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

pub fn rand_u64() -> u64 {
    getrandom::u64().expect("the OS random source failed")
}
