//! Throughput of termgate's server-side screen model (`term::screen::Screen`)
//! and the cost of a snapshot.
//!
//! `cargo run --release --example screen_bench -- --help`

use clap::Parser;
use std::time::Instant;
use termgate::term::screen::{Screen, contains_query};

/// Feeds synthetic shell output to a `Screen` in 4 KiB chunks (as a PTY
/// read delivers it) and prints MB/s per workload, then the time and size of
/// a snapshot taken after the largest workload, on the main screen and with
/// a full-screen program on the alternate screen.
#[derive(Parser)]
#[command(about, long_about = None)]
struct Args {
    /// Feed 8 MiB per workload instead of --mib.
    #[arg(long)]
    quick: bool,
    /// MiB fed per workload.
    #[arg(long, default_value_t = 64)]
    mib: usize,
    /// Terminal width.
    #[arg(long, default_value_t = 120)]
    cols: u16,
    /// Terminal height.
    #[arg(long, default_value_t = 40)]
    rows: u16,
    /// Scrollback lines kept (and sent in a snapshot).
    #[arg(long, default_value_t = 10_000)]
    scrollback: usize,
}

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// `base64 /dev/urandom`: 76-column lines.
fn base64_lines(total: usize) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut state = 0x9e37_79b9_7f4a_7c15;
    let mut out = Vec::with_capacity(total + 80);
    while out.len() < total {
        for _ in 0..76 {
            out.push(ALPHABET[(xorshift(&mut state) % 64) as usize]);
        }
        out.extend_from_slice(b"\r\n");
    }
    out.truncate(total);
    out
}

/// One line without a newline: auto-wrap and scrolling all the way.
fn long_line(total: usize) -> Vec<u8> {
    (0..total).map(|i| b'a' + (i % 26) as u8).collect()
}

/// An editor redrawing: cursor moves, 256-colour and truecolour SGR, EL.
fn vim_like(total: usize, cols: u16, rows: u16) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "fn", "let", "mut", "self", "impl", "match", "Some(x)", "=>", "{", "}", "// note", "\"s\"",
    ];
    let mut state = 0x1234_5678_9abc_def0;
    let mut out = Vec::with_capacity(total + 256);
    while out.len() < total {
        let r = xorshift(&mut state);
        let row = 1 + r % u64::from(rows);
        let col = 1 + (r >> 8) % u64::from(cols / 2);
        out.extend_from_slice(format!("\x1b[{row};{col}H").as_bytes());
        let sgr = match (r >> 16) % 4 {
            0 => format!("\x1b[38;5;{}m", (r >> 24) % 256),
            1 => format!(
                "\x1b[1;38;2;{};{};{}m",
                (r >> 24) as u8,
                (r >> 32) as u8,
                (r >> 40) as u8
            ),
            2 => "\x1b[0;4;48;5;236m".to_string(),
            _ => "\x1b[K\x1b[7m".to_string(),
        };
        out.extend_from_slice(sgr.as_bytes());
        for k in 0..(r >> 48) % 6 + 1 {
            out.extend_from_slice(WORDS[((r >> (k * 4)) % WORDS.len() as u64) as usize].as_bytes());
            out.push(b' ');
        }
        out.extend_from_slice(b"\x1b[m");
    }
    out
}

fn feed_all(screen: &mut Screen, data: &[u8]) -> f64 {
    let start = Instant::now();
    for chunk in data.chunks(4096) {
        screen.feed(chunk);
    }
    data.len() as f64 / start.elapsed().as_secs_f64() / 1e6
}

fn snapshot(label: &str, screen: &Screen) {
    let start = Instant::now();
    let bytes = screen.snapshot();
    let took = start.elapsed();
    assert!(!contains_query(&bytes), "a snapshot holds a query");
    println!(
        "snapshot {label:34} {:8.1} ms {:10} bytes",
        took.as_secs_f64() * 1e3,
        bytes.len()
    );
}

fn main() {
    let args = Args::parse();
    let mib = if args.quick { 8 } else { args.mib };
    let total = mib << 20;
    let (cols, rows, scrollback) = (args.cols, args.rows, args.scrollback);
    println!(
        "Screen {cols}x{rows}, {scrollback} scrollback lines, {mib} MiB per workload, 4 KiB chunks"
    );
    let base64 = base64_lines(total);
    let mut screen = Screen::new(cols, rows, scrollback);
    println!(
        "feed     {:34} {:8.1} MB/s",
        "base64 lines",
        feed_all(&mut screen, &base64)
    );
    snapshot(&format!("after {mib} MiB base64 (main)"), &screen);
    screen.feed(b"\x1b[?1049h\x1b[H\x1b[2J");
    feed_all(&mut screen, &vim_like(1 << 20, cols, rows));
    snapshot("same + vim on alt screen", &screen);
    drop(base64);
    for (name, data) in [
        ("one long line", long_line(total)),
        ("vim-like", vim_like(total, cols, rows)),
    ] {
        let mut screen = Screen::new(cols, rows, scrollback);
        println!(
            "feed     {name:34} {:8.1} MB/s",
            feed_all(&mut screen, &data)
        );
    }
}
