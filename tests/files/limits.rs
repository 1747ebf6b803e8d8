//! Transfers and their limits: uploads (capped, streamed, never buffered),
//! a full disk (RLIMIT_FSIZE on the real binary), memory that stays flat,
//! and `--terminal-only`.

use super::{Fx, leftovers, q, sha256};
use crate::common::client::RequestBuilder;
use crate::common::daemon::{Started, start};
use crate::common::{PIN, TOKEN, TestServer};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn uploads_land_whole_and_never_replace_unless_asked() {
    let fx = Fx::start().await;
    let data: Vec<u8> = (0..1_500_000u32).map(|i| (i % 253) as u8).collect();
    let up = |path: &str, body: Vec<u8>| {
        fx.req("POST", &format!("/api/files/upload?path={path}"))
            .body(body)
            .send()
    };
    let reply = up("docs/up.bin", data.clone()).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(
        reply.json(),
        serde_json::json!({"path": "docs/up.bin", "size": data.len()})
    );
    let file = fx.root().join("docs/up.bin");
    assert!(std::fs::read(&file).unwrap() == data);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();

    let again = up("docs/up.bin", b"other".to_vec()).await;
    assert_eq!(again.status, 409);
    assert_eq!(again.json()["code"], "already_exists");
    let replaced = up("docs/up.bin&overwrite=1", b"other".to_vec()).await;
    assert_eq!(replaced.status, 201, "{}", replaced.text());
    assert_eq!(std::fs::read(&file).unwrap(), b"other");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o7777, 0o600);
    assert_eq!(up("nope/x.bin", b"x".to_vec()).await.status, 404);
    assert_eq!(up("docs", b"x".to_vec()).await.json()["code"], "not_a_file");
    assert_eq!(leftovers(fx.root()), Vec::<std::path::PathBuf>::new());
}

#[tokio::test]
async fn an_upload_over_the_cap_is_refused_as_early_as_it_can_be() {
    let fx = Fx::start_with(|c| c.max_upload = 1 << 20).await;
    // A declared length over the cap: 413 before a byte of the body is sent.
    let head = upload_head(&fx.server.host(), &fx.cookie, "big.up", Some(200 << 20));
    let mut tcp = tokio::net::TcpStream::connect(fx.server.addr)
        .await
        .unwrap();
    tcp.write_all(head.as_bytes()).await.unwrap();
    let answer = read_head(&mut tcp).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("payload_too_large"), "{answer}");

    // No declared length: counted as it streams, refused once past the cap.
    let (status, sent) =
        chunked_upload(&fx.server.host(), fx.server.addr, &fx.cookie, 200 << 20).await;
    assert_eq!(status, 413);
    assert!(
        sent < 64 << 20,
        "the server kept reading: {sent} bytes taken"
    );
    assert!(!fx.root().join("big.up").exists());
    assert_eq!(leftovers(fx.root()), Vec::<std::path::PathBuf>::new());
    // Just under the cap is fine.
    let reply = fx
        .req("POST", "/api/files/upload?path=fits.up")
        .body(vec![7; 1 << 20])
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
}

#[tokio::test]
async fn a_full_disk_keeps_the_original_and_leaves_no_temporary_file() {
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("root");
    std::fs::create_dir(&root).unwrap();
    let original: Vec<u8> = (0..4096u32).map(|i| (i % 97) as u8 + 32).collect();
    std::fs::write(root.join("doc.txt"), &original).unwrap();
    // Files may grow to 1 MiB; the save and the upload below want more.
    let daemon = Daemon::start(home.path(), &root, Some(1 << 20), &[]).await;
    let version = format!("\"{}\"", sha256(&original));
    let save = daemon
        .request("PUT", "/api/files/content?path=doc.txt")
        .header("if-match", &version)
        .body(vec![b'x'; 2 << 20])
        .send()
        .await;
    assert_eq!(save.status, 507, "{}", save.text());
    assert_eq!(save.json()["code"], "insufficient_storage");
    assert!(
        std::fs::read(root.join("doc.txt")).unwrap() == original,
        "the original changed"
    );
    assert_eq!(leftovers(&root), Vec::<std::path::PathBuf>::new());

    let upload = daemon
        .request("POST", "/api/files/upload?path=up.bin")
        .body(vec![b'y'; 3 << 20])
        .send()
        .await;
    assert_eq!(upload.status, 507, "{}", upload.text());
    assert!(!root.join("up.bin").exists());
    assert_eq!(leftovers(&root), Vec::<std::path::PathBuf>::new());

    // Still alive (SIGXFSZ did not kill it) and still saving what fits.
    let small = daemon
        .request("PUT", "/api/files/content?path=doc.txt")
        .header("if-match", &version)
        .body(b"fits".to_vec())
        .send()
        .await;
    assert_eq!(small.status, 200, "{}", small.text());
    assert_eq!(std::fs::read(root.join("doc.txt")).unwrap(), b"fits");
}

#[tokio::test]
async fn transfers_stream_with_flat_server_memory() {
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("root");
    std::fs::create_dir(&root).unwrap();
    let daemon = Daemon::start(home.path(), &root, None, &["--max-upload", "1MiB"]).await;
    let before = daemon.peak_rss_kib();
    let (status, sent) =
        chunked_upload(&daemon.host(), daemon.addr, &daemon.cookie, 200 << 20).await;
    assert_eq!(status, 413);
    assert!(sent < 64 << 20, "{sent} bytes taken past a 1 MiB cap");
    drop(daemon);

    // Streaming both ways: 96 MiB up and down, peak memory grows far less.
    let daemon = Daemon::start(home.path(), &root, None, &[]).await;
    let before_up = daemon.peak_rss_kib();
    let (status, sent) =
        chunked_upload(&daemon.host(), daemon.addr, &daemon.cookie, 96 << 20).await;
    assert_eq!((status, sent), (201, 96 << 20));
    assert_eq!(
        std::fs::metadata(root.join("big.up")).unwrap().len(),
        96 << 20
    );
    let download = daemon
        .request("GET", &format!("/api/files/download?path={}", q("big.up")))
        .send()
        .await;
    assert_eq!(download.body.len(), 96 << 20);
    let growth = daemon.peak_rss_kib() - before_up;
    assert!(
        growth < 24 * 1024,
        "peak memory grew {growth} KiB moving 96 MiB"
    );
    assert!(before > 0);
}

#[tokio::test]
async fn terminal_only_removes_every_file_route() {
    let server = TestServer::start_with(|c| c.terminal_only = true).await;
    let cookie = server.login().await;
    let unknown = server
        .request("GET", "/api/nope")
        .header("cookie", &cookie)
        .send()
        .await;
    assert_eq!(unknown.status, 404);
    for (method, path) in [
        ("GET", "/api/files/list"),
        ("GET", "/api/files/content?path=x"),
        ("PUT", "/api/files/content?path=x"),
        ("POST", "/api/files/upload?path=x"),
        ("GET", "/api/files/download?path=x"),
        ("GET", "/api/files/archive"),
        ("POST", "/api/files/mkdir"),
        ("POST", "/api/files/move"),
        ("DELETE", "/api/files?path=x"),
        ("PATCH", "/api/files/list"),
    ] {
        for with_cookie in [true, false] {
            let mut request = server.request(method, path);
            if with_cookie {
                request = request.header("cookie", &cookie);
            }
            let reply = request.send().await;
            assert_eq!(reply.status, 404, "{method} {path}");
            assert_eq!(
                reply.body, unknown.body,
                "{method} {path}: like an unknown route"
            );
        }
    }
    let session = server
        .request("GET", "/auth/session")
        .header("cookie", &cookie)
        .send()
        .await;
    assert_eq!(session.json()["files"], false);

    let normal = TestServer::start().await;
    let cookie = normal.login().await;
    let session = normal
        .request("GET", "/auth/session")
        .header("cookie", &cookie)
        .send()
        .await;
    assert_eq!(session.json()["files"], true);
    let wrong = normal
        .request("PATCH", "/api/files/list")
        .header("cookie", &cookie)
        .send()
        .await;
    assert_eq!(wrong.status, 405);
}

/// The real binary, optionally under `prlimit --fsize`, logged in.
struct Daemon {
    started: Started,
    addr: std::net::SocketAddr,
    cookie: String,
}

impl Daemon {
    async fn start(home: &Path, root: &Path, fsize: Option<u64>, args: &[&str]) -> Self {
        let binary = env!("CARGO_BIN_EXE_termgate");
        let mut command = match fsize {
            Some(bytes) => {
                let mut command = tokio::process::Command::new("prlimit");
                command
                    .arg(format!("--fsize={bytes}"))
                    .arg("--")
                    .arg(binary);
                command
            }
            None => tokio::process::Command::new(binary),
        };
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("TERMGATE_TOKEN", TOKEN)
            .env("TERMGATE_PIN", PIN)
            .env("TERMGATE_LOG", "warn")
            .arg("--cwd")
            .arg(root)
            .args(["--shell", "/bin/sh"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let started = start(command).await;
        let addr = started.address.parse().unwrap();
        let login = RequestBuilder::new(addr, "POST", "/auth/login")
            .header("host", &started.address)
            .header("origin", &format!("http://{}", started.address))
            .json(&serde_json::json!({"token": TOKEN, "pin": PIN}))
            .send()
            .await;
        assert_eq!(login.status, 200, "{}", login.text());
        let cookie = login.session_cookie().unwrap();
        Self {
            started,
            addr,
            cookie,
        }
    }

    fn host(&self) -> String {
        self.started.address.clone()
    }

    fn request(&self, method: &str, path: &str) -> RequestBuilder {
        RequestBuilder::new(self.addr, method, path)
            .header("host", &self.host())
            .header("origin", &format!("http://{}", self.host()))
            .header("cookie", &self.cookie)
    }

    /// The daemon's peak resident memory so far (VmHWM).
    fn peak_rss_kib(&self) -> i64 {
        let pid = self.started.child.id().unwrap();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap()
    }
}

fn upload_head(host: &str, cookie: &str, path: &str, length: Option<u64>) -> String {
    let cookie = crate::common::proofs::raw_lines(cookie);
    let framing = match length {
        Some(length) => format!("content-length: {length}"),
        None => "transfer-encoding: chunked".to_string(),
    };
    format!(
        "POST /api/files/upload?path={path} HTTP/1.1\r\nhost: {host}\r\norigin: http://{host}\r\n\
         {cookie}\r\n{framing}\r\n\r\n"
    )
}

/// Reads a response head and whatever body came with it.
async fn read_head(tcp: &mut tokio::net::TcpStream) -> String {
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), tcp.read(&mut buf))
        .await
        .expect("an answer within 10 s")
        .unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// Uploads `total` bytes in 64 KiB chunks to `big.up` without a declared
/// length, stopping when the server answers. Returns the status and the
/// bytes the server let us send.
async fn chunked_upload(
    host: &str,
    addr: std::net::SocketAddr,
    cookie: &str,
    total: u64,
) -> (u16, u64) {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = tcp.into_split();
    let head = upload_head(host, cookie, "big.up", None);
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = sent.clone();
    let sender = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await.unwrap();
        let chunk = vec![b'z'; 64 * 1024];
        let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
        while counter.load(std::sync::atomic::Ordering::Relaxed) < total {
            if writer.write_all(&frame).await.is_err() {
                return writer;
            }
            counter.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
        }
        let _ = writer.write_all(b"0\r\n\r\n").await;
        // Kept open: hyper closes a connection whose client half-closes.
        writer
    });
    let mut answer = Vec::new();
    let mut buf = vec![0u8; 4096];
    let status = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let n = reader.read(&mut buf).await.unwrap_or(0);
            assert!(n > 0, "closed without an answer");
            answer.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&answer);
            if let Some(code) = text.strip_prefix("HTTP/1.1 ").and_then(|t| t.get(..3)) {
                return code.parse::<u16>().unwrap();
            }
        }
    })
    .await
    .expect("an answer within 60 s");
    sender.abort();
    let _ = sender.await;
    let sent = sent.load(std::sync::atomic::Ordering::Relaxed);
    (status, sent)
}
