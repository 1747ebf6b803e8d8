//! Command-line flags, parsed by clap. No logic lives here: `config` turns these
//! raw values into a validated [`Config`](crate::config::Config).
//!
//! Every serve flag is optional so that `config` can tell "not given" from a
//! default and apply the precedence command line > environment > file > defaults.
//! clap's `env` attribute covers the first two layers.

use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "termgate", version, about = "A single-user browser terminal")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the access token, or make a new one with --rotate.
    Token {
        /// Replace the stored token with a fresh random one.
        #[arg(long)]
        rotate: bool,
        /// Read this config file instead of the default one.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Turn the second factor (TOTP) on or off, or see whether it is on.
    Totp {
        #[arg(value_enum)]
        action: crate::auth::totp_command::Action,
    },
    /// Print the security audit log, newest first.
    Audit {
        /// Only this event (e.g. login_failed, share_minted).
        #[arg(long)]
        event: Option<String>,
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// One JSON object per line instead of readable lines.
        #[arg(long)]
        json: bool,
    },
    /// Clear every login lockout of the running daemon (local only: it
    /// writes a request into the private config folder).
    Unlock,
    /// Set a new PIN (asked without echo; read from standard input when it is not a terminal).
    Pin {
        /// Read this config file instead of the default one.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Print the two lines that turn on the command history for a shell;
    /// add them to the end of your rc file yourself, e.g.
    /// `termgate shell-integration bash >> ~/.bashrc` (termgate never edits it).
    ShellIntegration {
        #[arg(value_enum)]
        shell: crate::shell_integration::Shell,
    },
    #[command(flatten)]
    Client(ClientCommand),
}

/// `termgate` as a client of a (possibly remote) termgate, with an API token.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Store a server's URL and an API token (0600, in the config folder),
    /// after checking the server takes it; without one, log in as the owner
    /// (access token, PIN, code: TERMGATE_TOKEN, TERMGATE_PIN,
    /// TERMGATE_TOTP_CODE, else asked, else lines of stdin), mint a token
    /// named cli@HOSTNAME and store only that.
    Login {
        /// The termgate to log in to, e.g. https://term.example.com [default: http://127.0.0.1:8080]
        #[arg(value_name = "URL")]
        url: Option<String>,
        /// An API token (tg_…) to store; also TERMGATE_API_TOKEN. Visible to
        /// other local users in the process list: prefer the variable. (An
        /// answer tg_… to the access token's question is taken as one too.)
        #[arg(
            long,
            value_name = "TOKEN",
            env = "TERMGATE_API_TOKEN",
            hide_env_values = true
        )]
        api_token: Option<String>,
        /// What the minted token may do (repeat for more) [default: terminals:write]
        #[arg(long, value_name = "SCOPE")]
        scope: Vec<String>,
        /// The minted token's lifetime, e.g. 30d, or never [default: 90d]
        #[arg(long, value_name = "DURATION")]
        expires: Option<String>,
    },
    /// Forget the stored login (the token stays valid until revoked).
    Logout,
    /// Mint, list or revoke API tokens, as the owner (the access token, PIN
    /// and second factor from TERMGATE_TOKEN, TERMGATE_PIN, TERMGATE_TOTP_CODE, else asked).
    Tokens {
        #[command(subcommand)]
        action: TokensAction,
    },
    /// Show the token in use: its name, scopes, expiry and server.
    Whoami {
        #[command(flatten)]
        server: ServerArg,
        /// One JSON object, as the server answers GET /auth/session, plus "url".
        #[arg(long)]
        json: bool,
    },
    /// List the tabs: id, title, size, viewers, age, exit.
    Ls {
        #[command(flatten)]
        server: ServerArg,
        /// The server's JSON (`{"terminals":[…]}`).
        #[arg(long)]
        json: bool,
    },
    /// Put this terminal on a tab (the newest running one, or a new one if
    /// none); Ctrl-] twice detaches; exits with the shell's status when it ends.
    Attach {
        #[command(flatten)]
        server: ServerArg,
        /// The tab, e.g. t3 (see `termgate ls`).
        #[arg(value_name = "ID", conflicts_with = "new")]
        id: Option<String>,
        /// Open a new tab with the shell.
        #[arg(long)]
        new: bool,
    },
    /// Run a command in a new tab (or type it into one with --tab), print its
    /// output, exit with its status (124 on --timeout, 125 when termgate
    /// itself fails); a new tab is closed after.
    Exec {
        #[command(flatten)]
        server: ServerArg,
        /// Give up after this long, e.g. 60s or 5m: the tab and all in it are
        /// ended and termgate exits 124 [default: no limit].
        #[arg(long, value_name = "DURATION")]
        timeout: Option<String>,
        /// Keep the tab open after the command exits.
        #[arg(long, conflicts_with = "tab")]
        keep: bool,
        /// Run in a new tab (the default).
        #[arg(long, conflicts_with = "tab")]
        new: bool,
        /// Type the command into this open tab instead, e.g. t3: its program
        /// must be a POSIX-ish shell at its prompt; the tab stays open
        /// (a timeout sends it Ctrl-C).
        #[arg(long, value_name = "ID")]
        tab: Option<String>,
        /// The program and its arguments: an argv, not a shell string
        /// (`-- sh -c '…'` for one).
        #[arg(last = true, required = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
}

/// `termgate tokens …`
#[derive(Debug, Subcommand)]
pub enum TokensAction {
    /// Mint a token; its value is printed this once.
    Create {
        #[command(flatten)]
        server: ServerArg,
        /// What the token is for, e.g. ci (1–64 characters).
        #[arg(long)]
        name: String,
        /// terminals:read, terminals:write, files:read, files:write, shares or recordings (repeat for more).
        #[arg(long, required = true)]
        scope: Vec<String>,
        /// Lifetime, e.g. 30d or 12h [default: never]
        #[arg(long, value_name = "DURATION")]
        expires: Option<String>,
        /// The server's whole answer (the value included) as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The tokens: name, scopes, expiry, last use (never a value).
    List {
        #[command(flatten)]
        server: ServerArg,
        /// The server's JSON (`{"tokens":[…]}`).
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by its id (see `tokens list`).
    Revoke {
        #[command(flatten)]
        server: ServerArg,
        #[arg(value_name = "ID")]
        id: String,
    },
}

/// Which termgate a client command talks to.
#[derive(Debug, Default, Args)]
pub struct ServerArg {
    /// The server [default: the one `termgate login` stored]; with
    /// TERMGATE_API_TOKEN it needs no login at all.
    #[arg(long, value_name = "URL", env = "TERMGATE_URL")]
    pub url: Option<String>,
}

/// Flags of the daemon itself (the default command).
#[derive(Debug, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1]
    #[arg(long, env = "TERMGATE_HOST")]
    pub host: Option<String>,
    /// Port to listen on; 0 picks a free one and prints it [default: 8080]
    #[arg(long, env = "TERMGATE_PORT")]
    pub port: Option<u16>,
    /// Shell started in each tab [default: $SHELL, then /bin/sh]; not with `-- COMMAND`
    #[arg(long, env = "TERMGATE_SHELL")]
    pub shell: Option<PathBuf>,
    /// Start the shell as a login shell (argv[0] begins with `-`, as login(1) does), so it reads ~/.profile
    #[arg(long, env = "TERMGATE_LOGIN_SHELL", value_parser = BoolishValueParser::new())]
    pub login_shell: bool,
    /// Start folder of shells and root of the file browser [default: current folder]
    #[arg(long, env = "TERMGATE_CWD")]
    pub cwd: Option<PathBuf>,
    /// Config file [default: $XDG_CONFIG_HOME/termgate/config.toml]
    #[arg(long, value_name = "FILE", env = "TERMGATE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Read the access token from this file
    #[arg(long, value_name = "FILE", env = "TERMGATE_TOKEN_FILE")]
    pub token_file: Option<PathBuf>,
    /// Access token (visible to other local users in the process list; prefer TERMGATE_TOKEN or --token-file)
    #[arg(long)]
    pub token: Option<String>,
    /// Read the PIN from this file
    #[arg(long, value_name = "FILE", env = "TERMGATE_PIN_FILE")]
    pub pin_file: Option<PathBuf>,
    /// Log out a login session after this long without activity, e.g. 30m [default: 30m]
    #[arg(long, value_name = "DURATION", env = "TERMGATE_IDLE_TIMEOUT")]
    pub idle_timeout: Option<String>,
    /// Absolute lifetime of a login session, e.g. 12h [default: 12h]
    #[arg(long, value_name = "DURATION", env = "TERMGATE_SESSION_LIFETIME")]
    pub session_lifetime: Option<String>,
    /// How long the PIN (and code) spare sensitive actions after a login or re-entry, 0s to 15m; 0s asks every time [default: 5m]
    #[arg(long, value_name = "DURATION", env = "TERMGATE_REAUTH_WINDOW")]
    pub reauth_window: Option<String>,
    /// Most terminal tabs open at once [default: 8]
    #[arg(long, env = "TERMGATE_MAX_TABS")]
    pub max_tabs: Option<usize>,
    /// Scrollback kept per tab, in bytes, e.g. 1MiB [default: 1MiB]
    #[arg(long, value_name = "SIZE", env = "TERMGATE_SCROLLBACK")]
    pub scrollback: Option<String>,
    /// Most concurrent HTTP connections [default: 256]
    #[arg(long, env = "TERMGATE_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Most concurrent WebSockets [default: 64]
    #[arg(long, env = "TERMGATE_MAX_WEBSOCKETS")]
    pub max_websockets: Option<usize>,
    /// Believe X-Forwarded-* headers from a reverse proxy on loopback
    #[arg(long, env = "TERMGATE_TRUST_PROXY", value_parser = BoolishValueParser::new())]
    pub trust_proxy: bool,
    /// Public https:// URL of a reverse proxy in front of termgate (its host joins the allowlists)
    #[arg(long, value_name = "URL", env = "TERMGATE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Serve everything under this path, e.g. /term/, behind a reverse proxy [default: /]
    #[arg(long, value_name = "PREFIX", env = "TERMGATE_BASE_PATH")]
    pub base_path: Option<String>,
    /// Terminals only: no file browser (every /api/files route answers 404)
    #[arg(long, env = "TERMGATE_TERMINAL_ONLY", value_parser = BoolishValueParser::new())]
    pub terminal_only: bool,
    /// Largest file upload, e.g. 100MiB [default: 100MiB]
    #[arg(long, value_name = "SIZE", env = "TERMGATE_MAX_UPLOAD")]
    pub max_upload: Option<String>,
    /// Mint a share link at start-up and print it once: read-only or interactive
    #[arg(long, value_name = "SCOPE")]
    pub share: Option<String>,
    /// Lifetime of the --share link: 5m, 15m or 60m [default: 15m]
    #[arg(long, value_name = "DURATION")]
    pub share_ttl: Option<String>,
    /// Uses of the --share link, 1..=100 [default: 1]
    #[arg(long, value_name = "N")]
    pub share_uses: Option<u32>,
    /// Expose termgate publicly through `zrok share public` (must be installed and enabled)
    #[arg(short = 'z', long)]
    pub zrok: bool,
    /// Expose termgate publicly through a `cloudflared` quick tunnel
    #[arg(long)]
    pub cloudflare: bool,
    /// How long the tunnel client may take to print its public URL [default: 30s];
    /// cloudflared then has half of it (at most 15 s) to register a connection,
    /// after which its URL is announced with a warning
    #[arg(long, value_name = "DURATION")]
    pub tunnel_timeout: Option<String>,
    /// End the public exposure after this long, e.g. 30m (localhost keeps working)
    #[arg(long, value_name = "DURATION")]
    pub public_timeout: Option<String>,
    /// While exposed, shut down after this long without a login [default: 3h]
    #[arg(long, value_name = "DURATION")]
    pub idle_shutdown: Option<String>,
    /// While exposed, never end by itself (no --public-timeout, no idle shutdown)
    #[arg(long)]
    pub public_no_expiry: bool,
    /// Record every new tab's output (asciicast v3) from its start; every viewer sees REC
    #[arg(long, env = "TERMGATE_RECORD", value_parser = BoolishValueParser::new())]
    pub record: bool,
    /// Also record what is typed into recorded tabs. Do not: typed passwords and secrets land in the file
    #[arg(long, env = "TERMGATE_RECORD_INPUT", value_parser = BoolishValueParser::new())]
    pub record_input: bool,
    /// Folder of the recordings [default: $XDG_DATA_HOME/termgate/recordings]
    #[arg(long, value_name = "DIR", env = "TERMGATE_RECORDINGS_DIR")]
    pub recordings_dir: Option<PathBuf>,
    /// A recording stops (marked truncated) at this size, e.g. 64MiB [default: 64MiB]
    #[arg(long, value_name = "SIZE", env = "TERMGATE_RECORDING_MAX_SIZE")]
    pub recording_max_size: Option<String>,
    /// All recordings together; the oldest are deleted beyond it [default: 1GiB]
    #[arg(long, value_name = "SIZE", env = "TERMGATE_RECORDINGS_MAX_TOTAL")]
    pub recordings_max_total: Option<String>,
    /// Delete recordings older than this, e.g. 7d [default: 30d]
    #[arg(long, value_name = "DURATION", env = "TERMGATE_RECORDINGS_KEEP")]
    pub recordings_keep: Option<String>,
    /// Log lines on stderr: short human lines, or one JSON object a line
    /// [default: auto: human on a terminal, else json]
    #[arg(long, value_enum, value_name = "FORMAT", env = "TERMGATE_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Run this program with its arguments in every new tab instead of a
    /// shell, e.g. `termgate -- tmux new -A -s main` (a bare name is looked up on PATH)
    #[arg(last = true, value_name = "PROGRAM")]
    pub command: Vec<OsString>,
}

/// `--log-format`: how the console's log lines read (the audit file is JSON
/// whatever this says).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human lines when stderr is a terminal, else JSON.
    Auto,
    /// `12:03:04 login ok from 127.0.0.1`.
    Human,
    /// One JSON object a line, for machines.
    Json,
}
