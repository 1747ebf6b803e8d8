//! The sections of `examples/bench.rs`, one module each, and what they share:
//! a bare PTY to compare against, a marker scanner, tab clean-up.
//!
//! These modules are declared from `bench.rs` only (not from `support/mod.rs`),
//! so the other examples do not compile against `termgate::term::pty`.

pub mod echo;
pub mod fanout;
pub mod input;
pub mod memory;
pub mod paste;
pub mod snapshot;
pub mod startup;
pub mod throughput;

use crate::support::Client;

/// The daemon's credentials, set through its environment for every run.
pub const TOKEN: &str = "bench-token-0123456789abcdef";
pub const PIN: &str = "424242";
use std::time::Duration;
use termgate::term::pty::{self, Master};

/// A shell on a PTY of our own, with no server in between: the baseline.
///
/// The second element keeps the shell alive; callers bind it and hold it for
/// the whole measurement. Its type is about to change in `termgate::term`, so
/// it is only named here as `impl Sized` and no method is ever called on it.
pub fn bare_shell(cols: u16, rows: u16) -> (Master, impl Sized) {
    let root = std::env::temp_dir();
    pty::spawn(pty::SpawnOptions {
        program: std::path::Path::new("/bin/sh"),
        args: &[],
        argv0: None,
        cwd: &root,
        cols,
        rows,
        env: Vec::new(),
    })
    .unwrap()
}

/// Finds `marker` in the stream, looking across chunk borders.
pub struct MarkerScan {
    marker: &'static [u8],
    tail: Vec<u8>,
}

impl MarkerScan {
    pub fn new(marker: &'static str) -> Self {
        Self {
            marker: marker.as_bytes(),
            tail: Vec::new(),
        }
    }

    pub fn feed(&mut self, chunk: &[u8]) -> bool {
        self.tail.extend_from_slice(chunk);
        let found = self
            .tail
            .windows(self.marker.len())
            .any(|w| w == self.marker);
        let keep = self.tail.len().saturating_sub(self.marker.len());
        self.tail.drain(..keep);
        found
    }
}

/// Deletes every tab but the first `keep`, so a section starts from a known
/// state whatever ran before it (or did not, with `--only`).
pub async fn keep_tabs(client: &Client, keep: usize) {
    let (_, list) = client.call("GET", "/api/terminals", None).await.unwrap();
    for tab in list["terminals"].as_array().unwrap().iter().skip(keep) {
        delete_tab(client, tab["id"].as_str().unwrap()).await;
    }
}

/// `DELETE /api/terminals/{id}`; a failure is printed, not fatal.
pub async fn delete_tab(client: &Client, id: &str) {
    if let Err(err) = try_delete_tab(client, id).await {
        println!("  (closing tab {id}: {err})");
    }
}

/// `DELETE /api/terminals/{id}`, with a deadline: after an input stall the
/// server may never answer, and the bench should say so rather than hang.
pub async fn try_delete_tab(client: &Client, id: &str) -> Result<(), String> {
    let path = format!("/api/terminals/{id}");
    match tokio::time::timeout(Duration::from_secs(10), client.call("DELETE", &path, None)).await {
        Ok(Ok((204, _))) => Ok(()),
        Ok(Ok((status, body))) => Err(format!("answered {status} {body}")),
        Ok(Err(err)) => Err(format!("failed: {err}")),
        Err(_) => Err("did not finish within 10 s".into()),
    }
}

/// The number of open tabs.
pub async fn tab_count(client: &Client) -> usize {
    let (_, list) = client.call("GET", "/api/terminals", None).await.unwrap();
    list["terminals"].as_array().map_or(0, Vec::len)
}
