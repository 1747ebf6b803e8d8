//! Running the real `termgate` binary as a child process, for the tests that
//! need the whole program: start-up checks, signals, tunnels.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// [`termgate`] with the test token and PIN in the environment, as most
/// tests that run the daemon want it.
pub fn with_factors(home: &Path) -> Command {
    let mut command = termgate(home);
    command
        .env("TERMGATE_TOKEN", super::TOKEN)
        .env("TERMGATE_PIN", super::PIN);
    command
}

/// A command for the binary with a private config home and no inherited TERMGATE_*.
pub fn termgate(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_termgate"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("SHELL", "/bin/sh")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// A daemon that printed `listening on …`.
pub struct Started {
    pub child: Child,
    /// `127.0.0.1:PORT`
    pub address: String,
    /// Standard output up to shortly after the listening line.
    pub banner: Vec<String>,
    /// Lines `line_starting` has not looked at yet (the banner's, first).
    unread: std::collections::VecDeque<String>,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Started {
    /// Waits for a line of standard output starting with `prefix`.
    pub async fn line_starting(&mut self, prefix: &str, within: Duration) -> String {
        self.lines_until(prefix, within).await.pop().unwrap()
    }

    /// The lines not looked at yet, up to and including the first starting
    /// with `prefix`.
    pub async fn lines_until(&mut self, prefix: &str, within: Duration) -> Vec<String> {
        let mut seen = Vec::new();
        while let Some(line) = self.unread.pop_front() {
            let found = line.starts_with(prefix);
            seen.push(line);
            if found {
                return seen;
            }
        }
        let lines = &mut self.lines;
        let found = tokio::time::timeout(within, async {
            while let Ok(Some(line)) = lines.next_line().await {
                let found = line.starts_with(prefix);
                seen.push(line);
                if found {
                    return true;
                }
            }
            false
        })
        .await;
        match found {
            Ok(true) => seen,
            _ => panic!("no output line starting with {prefix:?} within {within:?}: {seen:?}"),
        }
    }
}

impl Started {
    /// SIGTERM, then everything it printed from here on until it exited:
    /// (exit code, the rest of stdout, all of stderr).
    pub async fn terminate_and_collect(mut self) -> (Option<i32>, Vec<String>, String) {
        use tokio::io::AsyncReadExt;
        let mut stderr = self.child.stderr.take().expect("stderr is piped");
        let pid = nix::unistd::Pid::from_raw(self.child.id().unwrap() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        let mut rest: Vec<String> = self.unread.drain(..).collect();
        let mut errors = Vec::new();
        let lines = &mut self.lines;
        let read_out = async {
            while let Ok(Some(line)) = lines.next_line().await {
                rest.push(line);
            }
        };
        let read_err = stderr.read_to_end(&mut errors);
        let (_, read, status) = tokio::time::timeout(Duration::from_secs(10), async {
            tokio::join!(read_out, read_err, self.child.wait())
        })
        .await
        .expect("exits and closes its output within 10 s of SIGTERM");
        read.unwrap();
        let errors = String::from_utf8_lossy(&errors).into_owned();
        (status.unwrap().code(), rest, errors)
    }

    /// A request to this daemon with the right Host and Origin.
    pub fn request(&self, method: &str, path: &str) -> super::client::RequestBuilder {
        super::client::RequestBuilder::new(self.address.parse().unwrap(), method, path)
            .header("host", &self.address)
            .header("origin", &format!("http://{}", self.address))
    }

    /// Logs in; returns the `Cookie` header value (panics on refusal).
    pub async fn login(&self, token: &str, pin: &str) -> String {
        let reply = self
            .request("POST", "/auth/login")
            .json(&serde_json::json!({"token": token, "pin": pin}))
            .send()
            .await;
        assert_eq!(reply.status, 200, "login refused: {}", reply.text());
        reply.session_cookie().unwrap()
    }

    /// Attaches to tab `id` as the holder of `cookie`.
    pub async fn attach(&self, cookie: &str, id: &str) -> super::client::WsClient {
        let origin = format!("http://{}", self.address);
        let headers = [("cookie", cookie), ("origin", origin.as_str())];
        super::client::WsClient::connect_at(
            self.address.parse().unwrap(),
            &self.address,
            id,
            &headers,
        )
        .await
        .expect("attach")
    }

    /// Starts a shell; returns the tab's id.
    pub async fn create_terminal(&self, cookie: &str) -> String {
        let reply = self
            .request("POST", "/api/terminals")
            .header("cookie", cookie)
            .send()
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        reply.json()["id"].as_str().unwrap().to_string()
    }
}

/// Starts the daemon on a free port and waits until it listens.
pub async fn start(mut command: Command) -> Started {
    super::watchdog();
    // In the environment, not as `--port 0`: flags appended here would land
    // after a test's `-- command`, inside the command.
    command.env("TERMGATE_PORT", "0");
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = Vec::new();
    let address = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            banner.push(line.clone());
            if let Some(url) = line.strip_prefix("listening on http://") {
                // `127.0.0.1:PORT`, without the `--base-path` that may follow.
                return url.split('/').next().unwrap_or_default().to_string();
            }
        }
        panic!("daemon exited before listening: {banner:?}");
    })
    .await
    .expect("daemon listens within 10 s");
    // The banner's last lines follow at once.
    while let Ok(Ok(Some(line))) =
        tokio::time::timeout(Duration::from_millis(100), lines.next_line()).await
    {
        banner.push(line);
    }
    Started {
        child,
        address,
        unread: banner.iter().cloned().collect(),
        banner,
        lines,
    }
}

/// Runs a subcommand to success, with `input` on its stdin; returns its
/// trimmed stdout.
pub async fn success(mut command: Command, input: Option<&str>) -> String {
    use tokio::io::AsyncWriteExt;
    command.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = command.spawn().unwrap();
    if let Some(input) = input {
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).await.unwrap();
    }
    let output = tokio::time::timeout(Duration::from_secs(40), child.wait_with_output())
        .await
        .expect("the subcommand did not finish within 40 s")
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

/// Runs a command that must refuse to start (exit 2); returns its stderr.
pub async fn failure(mut command: Command) -> String {
    let output = tokio::time::timeout(Duration::from_secs(40), command.output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "expected a refusal to start; stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Pids whose parent is `parent`, from /proc.
pub fn children_of(parent: u32) -> Vec<u32> {
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if ppid == Some(parent) {
            children.push(pid);
        }
    }
    children
}
