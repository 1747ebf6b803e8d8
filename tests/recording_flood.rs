//! How much a recording loses under an output flood: a measurement, not a
//! check, so it is ignored by default. Run it in release on the machine you
//! care about (a loaded one is the point):
//!
//! ```text
//! cargo test --release --test recording_flood -- --ignored --nocapture
//! FLOOD_MIB=512 cargo test --release --test recording_flood -- --ignored --nocapture
//! ```
//!
//! A recorded tab with no viewer (nothing paces the shell: the worst case
//! for the recorder) prints `FLOOD_MIB` (default 2048) MiB of base64; the
//! test waits for the exit and the recording's end, then reads the file
//! and prints the output recorded, the output lost (the gap markers) and
//! the time taken.

mod common;

use common::{TestServer, eventually};
use std::io::BufRead;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run in release with --ignored --nocapture"]
async fn a_flood_recorded_without_viewers_loses_little() {
    let mib: u64 = std::env::var("FLOOD_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2048);
    // base64 turns 3 bytes into 4: this many zeros print `mib` MiB.
    let zeros = (mib << 20) / 4 * 3;
    let script = format!("head -c {zeros} /dev/zero | base64; exit 0");
    let server = TestServer::start_with(|c| {
        c.config.recordings.all = true;
        c.config.recordings.max_size = 64 << 30;
        c.config.recordings.max_total = 64 << 30;
        c.config.program = common::sh_c(script);
    })
    .await;
    let owner = server.login().await;
    let started = Instant::now();
    let tab = server.create_terminal(&owner).await;
    let deadline = Duration::from_secs(1800);
    let mut exited = false;
    let until = Instant::now() + deadline;
    while Instant::now() < until {
        let list = server.get("/api/terminals", &owner).await.json();
        let entry = list["terminals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == tab)
            .cloned();
        if entry.is_some_and(|t| !t["exited"].is_null()) {
            exited = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await; // a poll interval
    }
    assert!(exited, "the flood never ended");
    let flooded = started.elapsed();
    let state = server.state();
    let finished = eventually(deadline, || {
        std::fs::read_dir(server.config_dir.join("recordings"))
            .map(|dir| {
                dir.flatten()
                    .all(|e| !state.recordings.is_active(&id_of(&e.path())))
            })
            .unwrap_or(false)
    })
    .await;
    assert!(finished, "the recording never finished");
    let written = started.elapsed();

    let (mut recorded, mut lost, mut gaps, mut file_bytes) = (0u64, 0u64, 0u64, 0u64);
    for entry in std::fs::read_dir(server.config_dir.join("recordings")).unwrap() {
        let path = entry.unwrap().path();
        file_bytes += std::fs::metadata(&path).unwrap().len();
        let reader =
            std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&path).unwrap());
        for line in reader.lines().skip(1) {
            let line = line.unwrap();
            let event: serde_json::Value = serde_json::from_str(&line).unwrap();
            let data = event[2].as_str().unwrap_or_default();
            match event[1].as_str() {
                Some("o") => recorded += data.len() as u64,
                Some("m") if data.starts_with("gap: ") => {
                    gaps += 1;
                    let n = data["gap: ".len()..].split(' ').next().unwrap();
                    lost += n.parse::<u64>().unwrap();
                }
                _ => {}
            }
        }
    }
    let total = recorded + lost;
    println!(
        "flood of {mib} MiB: {:.0} MB of terminal output in {:.1} s ({:.0} MB/s), file done after {:.1} s; \
         recorded {:.0} MB, lost {:.0} MB in {gaps} gaps ({:.2}%); file {:.0} MB",
        total as f64 / 1e6,
        flooded.as_secs_f64(),
        total as f64 / 1e6 / flooded.as_secs_f64(),
        written.as_secs_f64(),
        recorded as f64 / 1e6,
        lost as f64 / 1e6,
        100.0 * lost as f64 / total.max(1) as f64,
        file_bytes as f64 / 1e6,
    );
}

/// A recording's id: its file name without `.cast`.
fn id_of(path: &std::path::Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}
