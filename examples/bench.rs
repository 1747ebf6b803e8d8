//! bench: termgate's performance figures, each next to a bare PTY.
//!
//! ```sh
//! cargo build --release && cargo run --release --example bench
//! cargo run --release --example bench -- --quick    # smaller sizes, for a smoke run
//! cargo run --release --example bench -- --only input,echo
//! cargo run --release --example bench -- --help
//! ```
//! It starts the release binary (or `$TERMGATE_BIN`) on a free loopback port
//! and prints: the binary's size and start-up time over ten restarts,
//! resident memory (idle, 8 idle tabs, under
//! viewers that never read), output throughput (MB/s, WebSocket vs bare PTY,
//! short lines and one long line), keystroke echo latency (p50/p99 through
//! `cat`), fan-out to 1/10/50 viewers (aggregate MB/s, every byte checked,
//! resyncs counted), the cost of a join (time to `live` and bytes of screen after 64 MiB of output) and input throughput (a paste into `wc -c` and into `cat`
//! with echo, in 64 KiB and 1 KiB frames, WebSocket vs bare PTY).
//!
//! The sections live in `support/bench/`, one module each.

#[path = "support/bench/mod.rs"]
mod sections;
mod support;

use clap::{Parser, ValueEnum};
use sections::{PIN, TOKEN};
use std::time::Duration;
use support::daemon::Daemon;

/// termgate's performance figures, each next to a bare PTY (no server).
///
/// Starts the release binary ($TERMGATE_BIN, else target/release/termgate
/// in the target directory this bench was built in) on a free loopback port
/// with a throw-away config, and always prints the start-up time and the
/// idle resident memory. Then, per section:
///
///   startup     binary size; spawn to first answered request for the first
///               start in a config folder and over 10 restarts on it
///               (min/median/max), and the RSS at that moment
///   throughput  output MB/s of `head -c N /dev/zero | base64` (76-char
///               lines) and of `... | base64 -w 0` (one long line), in
///               rounds that alternate the bare PTY and the WebSocket;
///               prints the medians and each round's ratio
///   echo        keystroke round trip through `cat` in raw mode, p50/p99
///   memory      RSS with 8 idle tabs; peak RSS while 8 tabs flood and
///               20 viewers never read
///   fanout      one burst watched by 1, 10 and 50 viewers: aggregate MB/s,
///               resyncs, peak RSS
///   snapshot    what a joining viewer costs: socket open to `live` and
///               the screen bytes it is sent first, for a tab that just
///               printed the fan-out burst and for a quiet one, next to
///               the raw replay of the ring
///   input       a paste into `wc -c` (echo off; the count is checked) and
///               into `cat` (echo on), in 64 KiB frames (the web UI) and
///               1 KiB frames (a terminal client such as `termgate
///               attach`); a run that does not finish within the deadline
///               prints `STALLED after X MiB`
///
/// Sizes (full / --quick): restarts 10 / 3, throughput 256 / 32 MiB,
/// fan-out 64 / 8 MiB, echo 2000 / 300 round trips, flood 10 / 3 s,
/// paste 64 / 8 MiB.
#[derive(Parser)]
#[command(name = "bench", verbatim_doc_comment)]
struct Args {
    /// Smaller sizes and a shorter input deadline, for a smoke run.
    #[arg(long)]
    quick: bool,
    /// Run only these sections (comma-separated, or repeat the option).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "SECTION")]
    only: Vec<Section>,
    /// Paste size for the input section, in MiB [default: 64, 8 with --quick].
    #[arg(long, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..=4096))]
    paste_mib: Option<u64>,
    /// Deadline of each input measurement, in seconds [default: 60, 20 with --quick].
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    deadline: Option<u64>,
    /// Throughput rounds per workload, each bare then WebSocket [default: 3].
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=50))]
    rounds: u64,
    /// Record every tab (`--record`, into a throw-away folder): the
    /// throughput ratio is then recorded WebSocket vs bare PTY, and the
    /// recordings' gap markers (output the recorder had to drop) are counted.
    #[arg(long)]
    record: bool,
}

/// The parts of the bench, in the order they run.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Section {
    Startup,
    Throughput,
    Echo,
    Memory,
    Fanout,
    Snapshot,
    Input,
}

#[tokio::main]
async fn main() {
    // clap prints --help and exits 0, or reports a bad option and exits 2,
    // before anything is started.
    let args = Args::parse();
    let quick = args.quick;
    let runs = |section| args.only.is_empty() || args.only.contains(&section);
    let throughput_bytes: u64 = if quick { 32 << 20 } else { 256 << 20 };
    let fanout_bytes: u64 = if quick { 8 << 20 } else { 64 << 20 };
    let echoes = if quick { 300 } else { 2000 };
    let flood_secs = if quick { 3 } else { 10 };
    let paste_bytes = (args.paste_mib.unwrap_or(if quick { 8 } else { 64 }) << 20) as usize;
    let deadline = Duration::from_secs(args.deadline.unwrap_or(if quick { 20 } else { 60 }));

    let dirs = tempfile::tempdir().unwrap();
    let recordings = dirs.path().join("recordings");
    let flags: Vec<std::ffi::OsString> = if args.record {
        let dir = recordings.clone().into_os_string();
        [
            "--record",
            "--recording-max-size",
            "4GiB",
            "--recordings-max-total",
            "64GiB",
        ]
        .into_iter()
        .map(Into::into)
        .chain(["--recordings-dir".into(), dir])
        .collect()
    } else {
        Vec::new()
    };
    let daemon = Daemon::start_with(dirs.path(), dirs.path(), TOKEN, PIN, &flags).await;
    println!(
        "start to first answered request: {:.1} ms",
        daemon.startup.as_secs_f64() * 1e3
    );
    println!("resident memory, idle: {:.1} MB", daemon.rss_mb());
    if runs(Section::Startup) {
        let starts = if quick { 3 } else { 10 };
        tokio::task::spawn_blocking(move || sections::startup::run(starts))
            .await
            .unwrap();
    }
    let client = support::Client::login(daemon.addr, TOKEN, PIN)
        .await
        .expect("login");

    if runs(Section::Throughput) {
        sections::throughput::run(&client, throughput_bytes, args.rounds as usize).await;
        if args.record {
            sections::throughput::recorded(&recordings);
        }
    }
    if runs(Section::Echo) {
        sections::echo::run(&client, echoes).await;
    }
    if runs(Section::Memory) {
        sections::memory::idle_tabs(&client, &daemon).await;
    }
    if runs(Section::Fanout) {
        sections::fanout::run(&client, &daemon, fanout_bytes).await;
    }
    if runs(Section::Memory) {
        sections::memory::stalled_viewers(&client, &daemon, flood_secs).await;
    }
    if runs(Section::Snapshot) {
        sections::snapshot::run(&client, fanout_bytes).await;
    }
    // Last, and on servers of its own: on today's server a paste can wedge
    // a tab (and then the server), which must not colour the figures above.
    if runs(Section::Input) {
        sections::input::run(paste_bytes, deadline).await;
    }
}
