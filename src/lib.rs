//! termgate: a single-user browser terminal in one process.
//!
//! It binds to loopback and gives its one owner, from a browser tab, real
//! shells on pseudo-terminals, behind a token + PIN login.
//!
//! # Layout
//!
//! - [`cli`]: command-line flags (clap), no logic.
//! - [`config`]: defaults < file < environment < flags -> one validated [`Config`];
//!   secrets on disk and the PIN prompt.
//! - [`error`]: one [`Error`] enum -> HTTP status + `{"code","message"}`.
//! - [`shutdown`]: one [`Shutdown`] handle everything watches.
//! - [`state`]: the shared [`AppState`](state::AppState) behind an `Arc`.
//! - [`server`]: accept loop, connection caps, timeouts, orderly stop.
//! - [`http`]: router (the route table with each route's access), guards,
//!   requests, responses, the embedded UI, the WebSocket handshake.
//! - [`auth`]: THE gate ([`auth::require`]), credentials, login sessions,
//!   brute-force budgets, the `/auth/*` handlers.
//! - [`term`]: terminal tabs: wire protocol, PTY, scrollback, fan-out, sockets.
//! - [`files`]: the file browser: the sandbox (every path resolved beneath the
//!   root), atomic saves, streamed uploads, downloads and archives.
//! - [`tunnel`]: public exposure through a supervised `zrok`/`cloudflared`,
//!   and the idle auto-shutdown while exposed.
//! - [`audit`]: the security event log.
//!
//! # Data path
//!
//! ```text
//! TcpListener -> server -> http::handle (Host check, route, Origin check)
//!    -> auth::require(access) => Principal
//!       -> /api/terminals/{id}/ws -> term::socket <-> TerminalHandle <-> pty <-> shell
//!       -> /auth/*                -> auth::login -> sessions, limit, audit
//!       -> /api/files/*           -> files::handle -> Sandbox::resolve (SafePath) -> openat2 beneath the root
//!       -> /, /assets/*           -> http::static_files (embedded table)
//! shutdown -> stop accepting -> Close frames -> kill + reap shells
//! ```

pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod files;
pub mod http;
pub mod server;
pub mod shutdown;
pub mod state;
pub mod term;
pub mod tunnel;

pub use config::Config;
pub use error::Error;
pub use server::run;
pub use shutdown::Shutdown;
