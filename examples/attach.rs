//! attach: a command-line termgate client and the protocol's reference.
//!
//! ```sh
//! TERMGATE_TOKEN=... TERMGATE_PIN=... cargo run --example attach -- list
//! cargo run --example attach -- new            # create a tab and attach to it
//! cargo run --example attach -- attach t1      # attach to an existing tab
//! ```
//! Options: `--addr 127.0.0.1:8080`. The token and PIN come from
//! `TERMGATE_TOKEN` / `TERMGATE_PIN`, or are asked for. Detach with Ctrl-]
//! (the shell keeps running on the server). Nothing the local terminal
//! answers while the tab's screen is rebuilt is sent (see `Gate`).

mod support;

use futures_util::{SinkExt, StreamExt};
use nix::sys::termios::{self, SetArg};
use std::io::{IsTerminal, Read, Write};
use std::time::Duration;
use termgate::term::protocol::INPUT_WINDOW;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// Ctrl-] detaches, as in telnet.
const DETACH: u8 = 0x1d;

#[tokio::main]
async fn main() {
    if let Err(err) = run().await {
        eprintln!("attach: {err}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut addr = "127.0.0.1:8080".to_string();
    if let Some(at) = args.iter().position(|a| a == "--addr") {
        addr = args.get(at + 1).cloned().ok_or("--addr needs a value")?;
        args.drain(at..at + 2);
    }
    if args.is_empty() || args[0] == "--help" || args[0] == "-h" {
        println!("usage: attach [--addr HOST:PORT] list | new | attach ID");
        return Ok(());
    }
    let addr = addr
        .parse()
        .map_err(|_| format!("`{addr}` is not HOST:PORT"))?;
    let token = secret("TERMGATE_TOKEN", "Access token: ")?;
    let pin = secret("TERMGATE_PIN", "PIN: ")?;
    let client = support::Client::login(addr, &token, &pin).await?;

    let id = match args[0].as_str() {
        "list" => {
            let (_, value) = client.call("GET", "/api/terminals", None).await?;
            for tab in value["terminals"].as_array().into_iter().flatten() {
                println!(
                    "{}\t{}\t{}x{}\t{} viewer(s){}",
                    tab["id"].as_str().unwrap_or("?"),
                    tab["title"].as_str().unwrap_or(""),
                    tab["cols"],
                    tab["rows"],
                    tab["clients"],
                    if tab["exited"].is_null() {
                        ""
                    } else {
                        "\texited"
                    }
                );
            }
            return Ok(());
        }
        "new" => {
            let (cols, rows) = local_size();
            client.create_terminal(cols, rows).await?
        }
        "attach" => args
            .get(1)
            .cloned()
            .ok_or("attach needs a tab id (see `list`)")?,
        other => return Err(format!("unknown command `{other}`")),
    };
    session(&client, &id).await
}

/// Bridges the local terminal (raw mode) and the tab until exit or Ctrl-].
async fn session(client: &support::Client, id: &str) -> Result<(), String> {
    // Our size goes with the attach: the tab's screen comes drawn for it.
    let socket = client.attach_sized(id, Some(local_size())).await?;
    let (mut sink, mut stream) = socket.split();

    let _raw = RawMode::enter();
    // Keystrokes come from a blocking thread: stdin has no async reader.
    let (keys_tx, mut keys) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
    std::thread::spawn(move || {
        let mut buf = [0u8; 1024];
        while let Ok(n) = std::io::stdin().read(&mut buf) {
            if n == 0 || keys_tx.blocking_send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut stdout = std::io::stdout();
    // The input window (docs/PROTOCOL.md): at most INPUT_WINDOW bytes sent and
    // not yet acknowledged, so a Ctrl-C after a paste is not stuck behind it.
    let (mut sent, mut acked) = (0u64, 0u64);
    let mut gate = Gate::Rebuilding;
    loop {
        let barrier = gate.deadline();
        tokio::select! {
            key = keys.recv(), if sent - acked < INPUT_WINDOW => {
                let Some(key) = key else { break };
                if key.contains(&DETACH) {
                    break;
                }
                let key = gate.pass(key);
                if key.is_empty() {
                    continue;
                }
                sent += key.len() as u64;
                sink.send(Message::binary(key)).await.map_err(|e| e.to_string())?;
            }
            _ = tokio::time::sleep_until(barrier.unwrap_or_else(tokio::time::Instant::now)), if barrier.is_some() => {
                // A terminal that never answers: its replies, if any, came by now.
                gate = Gate::Open;
            }
            frame = stream.next() => match frame {
                Some(Ok(Message::Binary(bytes))) => {
                    stdout.write_all(&bytes).and_then(|_| stdout.flush()).map_err(|e| e.to_string())?;
                }
                Some(Ok(Message::Text(text))) => {
                    let message: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                    if message["type"] == "exit" {
                        eprint!("\r\n[the shell exited: {text}]\r\n");
                    }
                    if message["type"] == "resync" {
                        gate = Gate::Rebuilding;
                    }
                    if message["type"] == "live" {
                        gate = Gate::after_rebuild(&mut stdout).map_err(|e| e.to_string())?;
                    }
                    if message["type"] == "input_ack" {
                        acked = acked.max(message["bytes"].as_u64().unwrap_or(0));
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    let code = frame.map(|f| u16::from(f.code)).unwrap_or(1005);
                    eprint!("\r\n[closed by the server: {code}]\r\n");
                    break;
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => return Err(err.to_string()),
                None => break,
            }
        }
    }
    let _ = sink.send(Message::Close(None)).await;
    Ok(())
}

/// Device status report: every VT100-like terminal answers `ESC [ 0 n`.
const STATUS_QUERY: &[u8] = b"\x1b[5n";
const STATUS_OK: &[u8] = b"\x1b[0n";
/// How long to wait for that answer before taking input anyway.
const STATUS_WAIT: Duration = Duration::from_secs(1);

/// Whether what the local terminal "types" is input yet. While the screen
/// is rebuilt (until `live`), it may be the terminal's replies to the
/// rebuild, never the shell's business: dropped, never sent (Ctrl-] still
/// detaches). Even after `live` the terminal may still be parsing what was
/// written; it answers in order, so once it has answered a status query
/// written after the rebuild, what follows is input again.
enum Gate {
    Rebuilding,
    /// The status query is written; `tail` holds the last bytes read, in
    /// case its answer comes split.
    Answering {
        until: Instant,
        tail: Vec<u8>,
    },
    Open,
}

impl Gate {
    /// The rebuild is written: ask the terminal (if it is one) for its status.
    fn after_rebuild(stdout: &mut std::io::Stdout) -> std::io::Result<Self> {
        if !stdout.is_terminal() {
            return Ok(Self::Open);
        }
        stdout.write_all(STATUS_QUERY)?;
        stdout.flush()?;
        Ok(Self::Answering {
            until: Instant::now() + STATUS_WAIT,
            tail: Vec::new(),
        })
    }

    fn deadline(&self) -> Option<Instant> {
        match self {
            Self::Answering { until, .. } => Some(*until),
            _ => None,
        }
    }

    /// What of `key` is input: nothing before the terminal's status answer,
    /// what follows it, everything once open.
    fn pass(&mut self, key: Vec<u8>) -> Vec<u8> {
        match self {
            Self::Open => key,
            Self::Rebuilding => Vec::new(),
            Self::Answering { tail, .. } => {
                let kept = tail.len();
                tail.extend_from_slice(&key);
                let Some(at) = tail.windows(STATUS_OK.len()).position(|w| w == STATUS_OK) else {
                    let keep = tail.len().min(STATUS_OK.len() - 1);
                    tail.drain(..tail.len() - keep);
                    return Vec::new();
                };
                let after = (at + STATUS_OK.len()).max(kept) - kept;
                *self = Self::Open;
                key[after..].to_vec()
            }
        }
    }
}

fn secret(var: &str, prompt: &str) -> Result<String, String> {
    if let Ok(value) = std::env::var(var) {
        return Ok(value);
    }
    if !std::io::stdin().is_terminal() {
        return Err(format!("set {var}"));
    }
    eprint!("{prompt}");
    let stdin = std::io::stdin();
    let saved = termios::tcgetattr(&stdin).map_err(|e| e.to_string())?;
    let mut quiet = saved.clone();
    quiet.local_flags.remove(termios::LocalFlags::ECHO);
    termios::tcsetattr(&stdin, SetArg::TCSANOW, &quiet).map_err(|e| e.to_string())?;
    let mut line = String::new();
    let read = stdin.read_line(&mut line);
    let _ = termios::tcsetattr(&stdin, SetArg::TCSANOW, &saved);
    eprintln!();
    read.map_err(|e| e.to_string())?;
    Ok(line.trim().to_string())
}

/// The local terminal's size (asked of `stty`, which reads our stdin), or 80x24.
fn local_size() -> (u16, u16) {
    let output = std::process::Command::new("stty")
        .arg("size")
        .stdin(std::process::Stdio::inherit())
        .output();
    let text = output
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let mut numbers = text
        .split_whitespace()
        .filter_map(|n| n.parse::<u16>().ok());
    match (numbers.next(), numbers.next()) {
        (Some(rows), Some(cols)) if rows > 0 && cols > 0 => (cols, rows),
        _ => (80, 24),
    }
}

/// Raw mode on the local terminal for as long as this lives.
struct RawMode(Option<termios::Termios>);

impl RawMode {
    fn enter() -> Self {
        let stdin = std::io::stdin();
        let Ok(saved) = termios::tcgetattr(&stdin) else {
            return Self(None);
        };
        let mut raw = saved.clone();
        termios::cfmakeraw(&mut raw);
        let _ = termios::tcsetattr(&stdin, SetArg::TCSANOW, &raw);
        Self(Some(saved))
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if let Some(saved) = &self.0 {
            let _ = termios::tcsetattr(std::io::stdin(), SetArg::TCSANOW, saved);
        }
    }
}
