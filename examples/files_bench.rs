//! files_bench: the file browser's performance figures.
//!
//! ```sh
//! cargo build --release && cargo run --release --example files_bench
//! cargo run --release --example files_bench -- --quick   # 10,000 entries, 128 MiB
//! ```
//! It starts the release binary (or `$TERMGATE_BIN`) on a free loopback port
//! with a temporary root and prints:
//! - the time to the first page (5,000 entries) of a folder of 100,000 files
//!   (goal: under 300 ms), cold and warm;
//! - a 1 GiB download over loopback next to `cat file > /dev/null` (goal: at
//!   least half `cat`'s rate), with the server's resident memory before and
//!   at its peak during the download (goal: flat).

mod support;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};
use support::daemon::Daemon;

const TOKEN: &str = "bench-token-0123456789abcdef";
const PIN: &str = "424242";

#[tokio::main]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let entries: usize = if quick { 10_000 } else { 100_000 };
    let file_bytes: u64 = if quick { 128 << 20 } else { 1 << 30 };

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("many")).unwrap();
    let made = Instant::now();
    for i in 0..entries {
        std::fs::File::create(root.join("many").join(format!("file-{i:06}.txt"))).unwrap();
    }
    eprintln!(
        "made {entries} files in {:.1} s",
        made.elapsed().as_secs_f64()
    );
    write_big_file(&root.join("big.bin"), file_bytes);

    let daemon = Daemon::start(dir.path(), &root, TOKEN, PIN).await;
    let client = support::Client::login(daemon.addr, TOKEN, PIN)
        .await
        .expect("login");
    let session = client.session().clone();

    // Listing: the first request reads the folder cold from the server's view
    // (the page cache is warm from creating it); then the median of 10.
    let path = "/api/files/list?path=many";
    let (first, bytes) = timed_get(daemon.addr, &session, path).await;
    let mut warm = Vec::new();
    for _ in 0..10 {
        warm.push(timed_get(daemon.addr, &session, path).await.0);
    }
    warm.sort();
    println!(
        "list, folder of {entries} entries, first page of 5000 ({:.0} KB of JSON): first {:.1} ms, median {:.1} ms (goal < 300 ms)",
        bytes as f64 / 1e3,
        first.as_secs_f64() * 1e3,
        warm[warm.len() / 2].as_secs_f64() * 1e3
    );

    // Download next to cat (both with the file in the page cache).
    let big = root.join("big.bin");
    cat(&big);
    let cat_time = cat(&big);
    let cat_rate = file_bytes as f64 / cat_time.as_secs_f64() / 1e6;
    let rss_before = daemon.rss_kib();
    let sampler = sample_peak_rss(&daemon);
    let started = Instant::now();
    let received = stream_download(daemon.addr, &session, "/api/files/download?path=big.bin").await;
    let took = started.elapsed();
    let peak = sampler.stop().await;
    assert_eq!(received, file_bytes, "download size");
    let rate = file_bytes as f64 / took.as_secs_f64() / 1e6;
    println!(
        "download of {} MiB: {rate:.0} MB/s; cat > /dev/null: {cat_rate:.0} MB/s; ratio {:.2} (goal >= 0.5)",
        file_bytes >> 20,
        rate / cat_rate
    );
    println!(
        "server resident memory: {:.1} MB before, {:.1} MB at the peak during the download",
        rss_before as f64 / 1024.0,
        peak as f64 / 1024.0
    );
}

/// Pseudo-random bytes (not zeros: no file system shortcut), written once.
fn write_big_file(path: &Path, bytes: u64) {
    let mut block = vec![0u8; 1 << 20];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for b in block.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for _ in 0..(bytes >> 20) {
        file.write_all(&block).unwrap();
    }
    file.flush().unwrap();
}

fn cat(path: &Path) -> Duration {
    let started = Instant::now();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("cat \"$1\" > /dev/null")
        .arg("sh")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
    started.elapsed()
}

async fn timed_get(
    addr: std::net::SocketAddr,
    session: &support::Session,
    path: &str,
) -> (Duration, usize) {
    let started = Instant::now();
    let (status, _, body) = support::request(addr, "GET", path, Some(session), None)
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    (took, body.len())
}

/// Reads a response body frame by frame, counting bytes, keeping none.
async fn stream_download(
    addr: std::net::SocketAddr,
    session: &support::Session,
    path: &str,
) -> u64 {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    let host = support::host_of(addr);
    let request = hyper::Request::get(path)
        .header("host", &host)
        .header("cookie", &session.cookie)
        .header(support::PROOF_HEADER, &session.proof)
        .body(Empty::<Bytes>::new())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    let mut total = 0u64;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            total += data.len() as u64;
        }
    }
    total
}

/// Samples VmRSS every 10 ms until stopped; returns the largest seen.
fn sample_peak_rss(daemon: &Daemon) -> Sampler {
    let pid = daemon.pid();
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let mut peak = 0;
        loop {
            peak = peak.max(support::daemon::rss_kib(pid));
            tokio::select! {
                _ = &mut stopped => return peak,
                _ = tokio::time::sleep(Duration::from_millis(10)) => {}
            }
        }
    });
    Sampler { stop, task }
}

struct Sampler {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<u64>,
}

impl Sampler {
    async fn stop(self) -> u64 {
        let _ = self.stop.send(());
        self.task.await.unwrap()
    }
}
