//! The test server and a small HTTP/WebSocket client shared by every
//! integration test: the real server on port 0 with a temporary root and
//! config folder, shut down on `Drop`.
#![allow(dead_code, unused_imports)]

pub mod cli;
pub mod client;
pub mod daemon;
pub mod local_terminal;
pub mod proofs;
pub mod pty;
pub mod xterm;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use termgate::auth::credentials::Credentials;
use termgate::state::Tuning;
use termgate::{Config, Shutdown};

pub use client::{Reply, WsClient};

pub const TOKEN: &str = "test-token-0123456789abcdef";
pub const PIN: &str = "246810";

/// How long one test binary may run before it is stopped. A hung test (a
/// wait some server never ends, a read that pings keep alive) would
/// otherwise hold CI until its overall limit and hide every later binary;
/// the slowest binary takes about 2 minutes under load.
const BINARY_LIMIT: Duration = Duration::from_secs(8 * 60);

/// Starts, once per test binary, a thread that ends the binary with a
/// failure once it has run for `BINARY_LIMIT`. `cargo test --no-fail-fast`
/// then goes on with the next binary.
pub fn watchdog() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        std::thread::spawn(|| {
            std::thread::sleep(BINARY_LIMIT);
            eprintln!("watchdog: this test binary ran for over {BINARY_LIMIT:?}; a test is hung");
            std::process::exit(101);
        });
    });
}

/// What a test may adjust before the server starts: the user's [`Config`]
/// (reached through `Deref`, as `c.max_tabs`) and the timers in
/// [`Tuning`] (`c.tuning.header_timeout`).
pub struct Setup {
    pub config: Config,
    pub tuning: Tuning,
}

impl std::ops::Deref for Setup {
    type Target = Config;
    fn deref(&self) -> &Config {
        &self.config
    }
}

impl std::ops::DerefMut for Setup {
    fn deref_mut(&mut self) -> &mut Config {
        &mut self.config
    }
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub root: PathBuf,
    pub config_dir: PathBuf,
    shutdown: Shutdown,
    state: std::sync::Arc<termgate::state::AppState>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts with a config adjusted by `adjust` (short timers, caps, ...).
    pub async fn start_with(adjust: impl FnOnce(&mut Setup)) -> Self {
        watchdog();
        let root = tempfile::tempdir().unwrap();
        let config_dir = tempfile::tempdir().unwrap();
        // The daemon wants its config folder private (0700); a fresh
        // subfolder gets that mode whatever the temp folder's umask gave.
        let private_dir = config_dir.path().join("termgate");
        let mut setup = Setup {
            config: Config::for_tests(root.path(), &private_dir),
            tuning: Tuning::default(),
        };
        adjust(&mut setup);
        let Setup { config, tuning } = setup;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = Shutdown::new();
        let credentials = Credentials::from_clear(TOKEN, PIN);
        let disk =
            termgate::state::OnDisk::open(&config).expect("the test server's disk parts open");
        let state = termgate::state::AppState::new(
            config,
            tuning,
            credentials,
            disk,
            addr.port(),
            shutdown.clone(),
        );
        let task = tokio::spawn(termgate::server::serve(state.clone(), listener));
        Self {
            addr,
            root: root.path().canonicalize().unwrap(),
            config_dir: private_dir,
            shutdown,
            state,
            task: Some(task),
            _dirs: (root, config_dir),
        }
    }

    /// The server's shared state, for tests that drive a part directly.
    pub fn state(&self) -> std::sync::Arc<termgate::state::AppState> {
        self.state.clone()
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.addr.port())
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.host())
    }

    /// `audit.log` once everything recorded so far is written (the audit
    /// writer is a thread of its own, so a read right after a reply could
    /// come before the line).
    pub fn audit_log(&self) -> String {
        assert!(
            self.state.audit.sync(Duration::from_secs(30)),
            "the audit writer answers"
        );
        std::fs::read_to_string(self.config_dir.join("audit.log")).unwrap_or_default()
    }

    /// A request builder with the right Host and Origin already set.
    pub fn request(&self, method: &str, path: &str) -> client::RequestBuilder {
        client::RequestBuilder::new(self.addr, method, path)
            .header("host", &self.host())
            .header("origin", &self.origin())
    }

    /// `GET path` with a session cookie.
    pub async fn get(&self, path: &str, cookie: &str) -> Reply {
        self.request("GET", path)
            .header("cookie", cookie)
            .send()
            .await
    }

    /// A request builder carrying a session cookie.
    /// `POST /api/terminals/{tab}/recording` `{"on"}` as `cookie`.
    pub async fn set_recording(&self, cookie: &str, tab: &str, on: bool) -> Reply {
        self.authed("POST", &format!("/api/terminals/{tab}/recording"), cookie)
            .json(&serde_json::json!({ "on": on }))
            .send()
            .await
    }

    pub fn authed(&self, method: &str, path: &str, cookie: &str) -> client::RequestBuilder {
        self.request(method, path).header("cookie", cookie)
    }

    /// Logs in and returns the `Cookie` header value to send.
    pub async fn login(&self) -> String {
        let reply = self
            .request("POST", "/auth/login")
            .json(&serde_json::json!({"token": TOKEN, "pin": PIN}))
            .send()
            .await;
        assert_eq!(reply.status, 200, "login failed: {}", reply.text());
        reply.session_cookie().expect("login sets a cookie")
    }

    /// Creates a terminal and returns its id.
    pub async fn create_terminal(&self, cookie: &str) -> String {
        let reply = self
            .request("POST", "/api/terminals")
            .header("cookie", cookie)
            .json(&serde_json::json!({"cols": 80, "rows": 24}))
            .send()
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        reply.json()["id"].as_str().unwrap().to_string()
    }

    /// Opens a WebSocket to a terminal (after its `hello`).
    pub async fn attach(&self, cookie: &str, id: &str) -> WsClient {
        WsClient::connect(self, cookie, id)
            .await
            .expect("websocket upgrade")
    }

    /// The guest presses "Open" on a link: `POST /s/redeem` with its token.
    pub async fn redeem(&self, token: &str) -> Reply {
        self.request("POST", "/s/redeem")
            .json(&serde_json::json!({ "token": token }))
            .send()
            .await
    }

    /// Uses left on the owner's link `id`, as the list shows it (which must
    /// never show the token).
    pub async fn uses_left(&self, owner: &str, id: &str) -> u64 {
        let list = self.get("/api/shares", owner).await.json();
        let link = list["shares"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .cloned()
            .unwrap();
        assert!(
            link.get("token").is_none() && !link.to_string().contains("/s/"),
            "listing leaks the token"
        );
        link["uses_left"].as_u64().unwrap()
    }

    /// Mints a share link with `body` (as `POST /api/shares` takes it) and
    /// redeems it: returns the link's id and the guest's cookie.
    pub async fn guest(&self, owner: &str, body: serde_json::Value) -> (String, String) {
        let reply = self
            .authed("POST", "/api/shares", owner)
            .json(&body)
            .send()
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        let share = reply.json();
        let url = share["url"].as_str().unwrap();
        let token = url.rsplit_once("/s/#").unwrap().1;
        let redeemed = self.redeem(token).await;
        assert_eq!(redeemed.status, 200, "{}", redeemed.text());
        let cookie = redeemed.first_cookie();
        (share["id"].as_str().unwrap().to_string(), cookie)
    }

    /// The owner allows every interactive guest waiting for approval (the
    /// guest's socket must be open: that is when it asks); returns how many.
    /// From the answer on, the guests' next keystrokes reach the shell.
    pub async fn allow_guests(&self, owner: &str) -> usize {
        let list = self.get("/api/guests", owner).await;
        assert_eq!(list.status, 200, "{}", list.text());
        let mut allowed = 0;
        for guest in list.json()["guests"].as_array().unwrap() {
            if guest["state"] != "waiting" {
                continue;
            }
            let path = format!("/api/guests/{}", guest["id"].as_str().unwrap());
            let body = serde_json::json!({"action": "allow"});
            let reply = self.authed("POST", &path, owner).json(&body).send().await;
            assert_eq!(reply.status, 200, "{}", reply.text());
            allowed += 1;
        }
        allowed
    }

    /// Opens a WebSocket to a terminal as a viewer displaying `cols` x `rows`
    /// (the size in the socket's URL, as a visible page sends it).
    pub async fn attach_sized(&self, cookie: &str, id: &str, (cols, rows): (u16, u16)) -> WsClient {
        let url = format!(
            "ws://{}/api/terminals/{id}/ws?cols={cols}&rows={rows}",
            self.host()
        );
        WsClient::connect_url(
            self.addr,
            &url,
            &[("cookie", cookie), ("origin", &self.origin())],
        )
        .await
        .expect("websocket upgrade")
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        self.shutdown.trigger();
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .expect("server stops within 5 s")
                .unwrap()
                .unwrap();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

/// Polls `check` until it holds or `timeout` passes (for state outside our
/// control, like a process disappearing from /proc).
pub async fn eventually(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Whether a process exists (and is not a zombie).
pub fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit(')')
                .next()
                .and_then(|rest| rest.split_whitespace().next());
            state != Some("Z")
        }
        Err(_) => false,
    }
}

/// Whether a process exists at all, zombie or not.
pub fn process_exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// `token` with the character at `at` changed to another one. Always a
/// different token: a fixed replacement would be a no-op whenever the
/// token already held it there (one run in 64), and a change to the last
/// character of unpadded base64 may touch only unused bits.
pub fn tamper(token: &str, at: usize) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

/// `/bin/sh -c SCRIPT` as what a tab runs: a tab that prints something known and ends.
pub fn sh_c(script: impl Into<std::ffi::OsString>) -> termgate::config::Program {
    termgate::config::Program {
        path: "/bin/sh".into(),
        args: vec!["-c".into(), script.into()],
        login: false,
    }
}

/// bash without the developer's startup files (`--norc --noprofile`): a `~/.bashrc`
/// that is slow or asks something (pyenv, a prompt hook) must not decide a test.
pub fn plain_bash() -> termgate::config::Program {
    termgate::config::Program {
        path: "/bin/bash".into(),
        args: vec!["--norc".into(), "--noprofile".into()],
        login: false,
    }
}
