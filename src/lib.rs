//! termgate: a single-user browser terminal in one process.
//!
//! It binds to loopback and gives its one owner, from a browser tab, real
//! shells on pseudo-terminals, behind a token + PIN login.
//!
//! # Layout
//!
//! - [`cli`]: command-line flags (clap), no logic.
//! - [`config`]: defaults < file < environment < flags -> one validated [`Config`]
//!   of plain values (a leaf: features convert its enums); the `--base-path`;
//!   secrets on disk and the PIN prompt; what a tab runs (`config::program`);
//!   every failure is one [`config::ConfigError`] (which key, from where, why).
//! - [`error`]: one [`Error`] enum -> HTTP status + `{"code","message"}`.
//! - [`host`]: the host's CPU, memory, disk, load and uptime for `/api/status`
//! - [`shell_integration`]: the rc-file lines that turn on the command history
//! - [`shutdown`]: one [`Shutdown`] handle everything watches.
//! - [`state`]: the shared [`AppState`](state::AppState) behind an `Arc`, the
//!   narrow views each handler is given (`logins`, `sharing`, `tabs`,
//!   `sockets`…), and [`Tuning`](state::Tuning), the timers only tests change.
//! - [`server`]: accept loop, connection caps, timeouts, orderly stop.
//! - [`http`]: router (the route table with each route's access), guards,
//!   requests, responses, the embedded UI, the WebSocket handshake.
//! - [`auth`]: THE gate ([`auth::require`]), credentials, login sessions,
//!   brute-force budgets, the `/auth/*` handlers, second factor, API tokens,
//!   share links, the owner's live approval of interactive guests, and the
//!   re-authentication window sensitive routes ask for (`auth::reauth`).
//! - [`term`]: terminal tabs: wire protocol, PTY, scrollback, fan-out,
//!   input queue, the two socket halves, a locked tab's door.
//! - [`clock`] / [`random`] / [`digest`]: the one place each that reads the
//!   wall clock, draws randomness (from the OS) and hashes secrets.
//! - [`lock`]: the one poison-ignoring way to take a std lock, and why.
//! - [`process`]: [`ProcessGroup`](process::ProcessGroup), the one way a
//!   shell or tunnel client is signalled (only while its leader is unreaped)
//!   and reaped; [`spawn_tied`](process::spawn_tied) for a child the kernel
//!   ends if termgate is killed; the one filter that keeps `TERMGATE_*`
//!   from every child.
//! - [`files`]: the file browser: the sandbox (every path resolved beneath the
//!   root), atomic saves, streamed uploads, downloads and archives.
//! - [`exposure`]: what is public right now (the one place the gate asks),
//!   and the idle auto-shutdown while public.
//! - [`tunnel`]: public exposure through a supervised `zrok`/`cloudflared`.
//! - [`audit`]: the security event log; every event's name in one list
//!   (`audit::events`) that the UI's Audit tab is tested against.
//! - [`record`]: tab recordings (asciicast v3), their folder and limits.
//! - [`client`]: `termgate login|logout|whoami|ls|attach|exec`, the client
//!   for scripts and other terminals (API token, http or https); `login` as
//!   the owner mints and keeps only a token; `exec --tab` types into a shell.
//! - [`console`]: the log on stderr (human lines on a terminal, else JSON)
//!   and the console's QR codes.
//!
//! # Data path
//!
//! ```text
//! TcpListener -> server -> http::handle (Host check, route under --base-path, Origin check)
//!    -> auth::require(access) => Principal
//!       -> /api/terminals/{id}/ws -> term::socket: input half  -> InputQueue (per-viewer budget) -> PTY writer
//!                                                output half <- Fanout (ring + broadcast)     <- PTY reader
//!       -> /auth/*                -> auth::login -> sessions, limit, audit
//!       -> /api/files/*           -> files::handle -> Sandbox::resolve (SafePath) -> openat2 beneath the root
//!       -> /, /assets/*           -> http::static_files (embedded table)
//! shutdown -> stop accepting -> Close frames -> ProcessGroup: signal, kill what is left, reap
//! ```
//!
//! Liveness rules of the terminal path (docs/PROTOCOL.md states them for clients):
//! input never blocks output (separate halves; a spent budget stops reading that
//! socket, TCP pushes back); signal keys jump the queue; the PTY reader is paced
//! only by writing viewers that make progress, every wait with a deadline; every
//! send has a deadline; a hung-up PTY ends its writer and closing a tab frees it.

pub mod audit;
pub mod auth;
pub mod cli;
pub mod client;
pub mod clock;
pub mod config;
pub mod console;
pub mod digest;
pub mod error;
pub mod exposure;
pub mod files;
pub mod host;
pub mod http;
pub mod lock;
pub mod process;
pub mod random;
pub mod record;
pub mod server;
pub mod shell_integration;
pub mod shutdown;
pub mod state;
pub mod term;
pub mod tunnel;

pub use config::Config;
pub use error::Error;
pub use server::run;
pub use shutdown::Shutdown;
