//! The release binary as a child process, for the benchmarks: started on a
//! free loopback port, waited for, measured through /proc, killed on drop.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Daemon {
    child: tokio::process::Child,
    pub addr: std::net::SocketAddr,
    /// From spawning to the first answered request.
    pub startup: Duration,
}

impl Daemon {
    /// Starts `$TERMGATE_BIN` (default: [`release_binary`]) with its config
    /// under `home` and `root` as the start folder.
    pub async fn start(home: &Path, root: &Path, token: &str, pin: &str) -> Self {
        Self::start_with(home, root, token, pin, &[]).await
    }

    /// Like [`Daemon::start`], with more command-line flags (`--record …`).
    pub async fn start_with(
        home: &Path,
        root: &Path,
        token: &str,
        pin: &str,
        flags: &[std::ffi::OsString],
    ) -> Self {
        let port = free_port();
        let mut command = command(home, root, token, pin, port);
        command.args(flags);
        let mut command = tokio::process::Command::from(command);
        let started = Instant::now();
        let child = command.kill_on_drop(true).spawn().unwrap();
        let addr = format!("127.0.0.1:{port}").parse().unwrap();
        while !matches!(
            super::request(addr, "GET", "/auth/session", None, None).await,
            Ok((200, _, _))
        ) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "daemon did not answer"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        Self {
            startup: started.elapsed(),
            child,
            addr,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().unwrap()
    }

    pub fn rss_kib(&self) -> u64 {
        rss_kib(self.pid())
    }

    pub fn rss_mb(&self) -> f64 {
        self.rss_kib() as f64 / 1024.0
    }
}

/// `$TERMGATE_BIN`, else [`release_binary`]; it must exist.
pub fn binary() -> PathBuf {
    let binary = std::env::var_os("TERMGATE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(release_binary);
    assert!(
        binary.exists(),
        "{} missing: run `cargo build --release` first (or set TERMGATE_BIN)",
        binary.display()
    );
    binary
}

/// A loopback port free right now (the daemon binds it a moment later).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The daemon's command line: [`binary`] on `127.0.0.1:port` with its config
/// under `home`, `root` as the start folder and the credentials in its
/// environment, quiet but for warnings.
pub fn command(home: &Path, root: &Path, token: &str, pin: &str, port: u16) -> Command {
    let mut command = Command::new(binary());
    command
        .args(["--port", &port.to_string(), "--shell", "/bin/sh"])
        .arg("--cwd")
        .arg(root)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("TERMGATE_TOKEN", token)
        .env("TERMGATE_PIN", pin)
        .env("TERMGATE_LOG", "warn")
        .stdout(std::process::Stdio::null());
    command
}

/// `release/termgate` in the target directory this example was built in
/// (`<target>/<profile>/examples/<name>`), so a `CARGO_TARGET_DIR` elsewhere
/// works; `target/release/termgate` in the crate when that cannot be told.
fn release_binary() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.join("release/termgate")))
        .filter(|binary| binary.exists())
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/termgate")
        })
}

/// VmRSS of a process, in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap()
}
