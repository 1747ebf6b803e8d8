//! Start-up cost: the size of the binary, the time from spawning it to its
//! first answered HTTP request, and its resident memory at that moment.
//!
//! The very first start in a config folder writes and fsyncs the keys
//! (`secret.key`, `share.key` and their folder), which alone can take several
//! ms on a busy disk; so that start is reported on its own, and the figures
//! are from restarts on the same folder, as every later start is.
//!
//! The wait is a blocking loop with a 100 µs pause between refused
//! connections, finer than the async one in `Daemon::start` (the runtime's
//! timer rounds every sleep up to 1 ms, about a quarter of the 4 ms goal).

use super::{PIN, TOKEN};
use crate::support::daemon::{self, rss_kib};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// Prints the binary size, the first start, then min/median/max start-up and
/// the median RSS of `starts` restarts on the same config folder.
/// Blocking: call it through `spawn_blocking`.
pub fn run(starts: usize) {
    let binary = daemon::binary();
    let size = std::fs::metadata(&binary).unwrap().len();
    println!(
        "binary size: {:.2} MiB ({size} bytes, {})",
        size as f64 / (1 << 20) as f64,
        binary.display()
    );
    let dirs = tempfile::tempdir().unwrap();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (first, _) = start_once(dirs.path());
    let mut times = Vec::with_capacity(starts);
    let mut rss = Vec::with_capacity(starts);
    for _ in 0..starts {
        let (time, kib) = start_once(dirs.path());
        times.push(time);
        rss.push(kib);
    }
    times.sort();
    rss.sort();
    println!(
        "start to first answered request: first start (keys written) {:.1} ms; {starts} restarts min {:.1} ms, median {:.1} ms, max {:.1} ms; resident memory then, median {:.1} MB",
        ms(first),
        ms(times[0]),
        ms(times[starts / 2]),
        ms(times[starts - 1]),
        rss[starts / 2] as f64 / 1024.0
    );
}

/// Starts a daemon with its config under `dir`, waits for its first answer
/// and stops it; returns the time to that answer and the RSS then, in KiB.
fn start_once(dir: &Path) -> (Duration, u64) {
    let port = daemon::free_port();
    let mut command = daemon::command(dir, dir, TOKEN, PIN, port);
    let started = Instant::now();
    let mut child = command.spawn().unwrap();
    while !answered(port) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "daemon did not answer"
        );
        std::thread::sleep(Duration::from_micros(100));
    }
    let time = started.elapsed();
    let kib = rss_kib(child.id());
    child.kill().unwrap();
    child.wait().unwrap();
    (time, kib)
}

/// One `GET /auth/session` on a fresh connection; true once it is answered 200.
fn answered(port: u16) -> bool {
    let Ok(mut tcp) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let host = format!("127.0.0.1:{port}");
    let request = format!(
        "GET /auth/session HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nConnection: close\r\n\r\n"
    );
    let mut status = [0u8; 12];
    tcp.write_all(request.as_bytes()).is_ok()
        && tcp.read_exact(&mut status).is_ok()
        && &status == b"HTTP/1.1 200"
}
