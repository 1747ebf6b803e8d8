//! `GET /api/status` tells the host's figures (CPU, memory, the file root's
//! disk, load, uptime) next to the fields it always had, all within sane
//! ranges, and the CPU share moves with work done between two requests.

mod common;

use common::TestServer;
use serde_json::Value;

fn number(host: &Value, key: &str) -> f64 {
    host[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number in {host}"))
}

#[tokio::test]
async fn the_status_tells_the_host_figures_within_sane_ranges() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let reply = server.get("/api/status", &cookie).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    // The fields the status always had are still there.
    for key in [
        "version",
        "public_url",
        "public_expires_at",
        "idle_shutdown_at",
    ] {
        assert!(body.get(key).is_some(), "{key} missing from {body}");
    }
    let host = &body["host"];

    let cpus = number(host, "cpus");
    assert!((1.0..=4096.0).contains(&cpus), "{host}");
    let cpu = number(host, "cpu_percent");
    assert!((0.0..=100.0).contains(&cpu), "{host}");

    let (total, available) = (
        number(host, "memory_total"),
        number(host, "memory_available"),
    );
    assert!(total >= 64.0 * 1024.0 * 1024.0, "{host}");
    assert!(available > 0.0 && available <= total, "{host}");

    // The temporary root's file system, as statvfs tells it.
    let fs = nix::sys::statvfs::statvfs(&server.root).unwrap();
    let disk_total = number(host, "disk_total");
    assert_eq!(disk_total, (fs.blocks() * fs.fragment_size()) as f64);
    let disk_available = number(host, "disk_available");
    assert!(
        disk_available > 0.0 && disk_available <= disk_total,
        "{host}"
    );

    let load = host["load"].as_array().unwrap();
    assert_eq!(load.len(), 3);
    for figure in load {
        let figure = figure.as_f64().unwrap();
        assert!((0.0..=cpus * 1000.0).contains(&figure), "{host}");
    }
    let uptime = number(host, "uptime_secs");
    let since_boot = std::fs::read_to_string("/proc/uptime").unwrap();
    let now: f64 = since_boot
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(uptime > 0.0 && uptime <= now, "{host}");
}

#[tokio::test]
async fn the_cpu_share_covers_the_work_since_the_previous_request() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    server.get("/api/status", &cookie).await;
    // Keep one CPU busy for a quarter second (counted in /proc/stat ticks).
    let until = std::time::Instant::now() + std::time::Duration::from_millis(250);
    let mut spin = 0u64;
    while std::time::Instant::now() < until {
        spin = std::hint::black_box(spin.wrapping_add(1));
    }
    let host = server.get("/api/status", &cookie).await.json()["host"].clone();
    let cpus = number(&host, "cpus");
    let cpu = number(&host, "cpu_percent");
    // One busy CPU of `cpus`, less what the scheduler gave others: well
    // above nothing, at most all.
    assert!(cpu >= 100.0 / cpus / 3.0 && cpu <= 100.0, "{host}");
}
