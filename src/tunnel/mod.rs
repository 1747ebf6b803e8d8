//! Public exposure through an external tunnel client (`zrok` or
//! `cloudflared`) that termgate starts, watches and stops.
//!
//! [`start`] launches the client in its own process group, reads its output
//! until the public URL appears (or fails with the client's last lines), and
//! hands back a supervisor task. The supervisor restarts a client that dies
//! (with backoff), gives up after repeated failures while localhost keeps
//! working, ends the exposure at `--public-timeout`, and on shutdown ends and
//! reaps the client's whole process group.
//!
//! A shutdown (SIGINT/SIGTERM) is honoured at every stage: before the URL,
//! while up, in a restart's backoff and while a restarted client has not
//! printed its URL yet; the client then gets a grace that fits termgate's
//! promise to exit within 2 s ([`SHUTDOWN_STOP_GRACE`]). If termgate dies
//! without a shutdown (SIGKILL, the OOM killer), the kernel signals the
//! client ([`Kind::death_signal`]): only the client process, not anything it
//! started itself (the real `zrok` and `cloudflared` are single processes).
//!
//! Some failures are not retried, because retrying cannot help or makes
//! things worse: the client is missing, Cloudflare rate-limits quick tunnels
//! (HTTP 429), or zrok handed the share to its agent.
//!
//! - `program`: which executable, its flags, its environment and config
//! - `output`: what each tool's output says (URL, connected, refused)
//! - `lines`: reading the client's pipes for its whole life
//! - `child`: the client process itself
//! - `supervisor`: restarts, the public timeout, and the stop at shutdown
//!
//! What is public, and so what the gate admits, is
//! [`Exposure`](crate::exposure::Exposure)'s: the supervisor only reports
//! each transition to it.

mod child;
mod lines;
pub mod output;
mod program;
mod supervisor;

use crate::audit::Audit;
use crate::auth::credentials::Credentials;
use crate::exposure::Exposure;
use crate::exposure::Via;
use crate::http::base::BasePath;
use crate::state::AppState;
use child::{Launch, Readiness, Tunnel};
use output::{Event, Format};
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// zrok deletes its share on SIGTERM, a round trip to its controller; killed
/// before that, the share lingers and counts against the account's limits.
/// It gets all of this at a restart and at `--public-timeout`, when nothing
/// waits for it; at shutdown at most [`SHUTDOWN_STOP_GRACE`].
pub const ZROK_STOP_GRACE: Duration = Duration::from_secs(5);
/// cloudflared's quick tunnels need no clean-up: half a second, then SIGKILL.
pub const CLOUDFLARED_STOP_GRACE: Duration = Duration::from_millis(500);
/// At shutdown the client gets at most this between SIGTERM and SIGKILL.
/// termgate promises to exit within 2 s of SIGINT/SIGTERM; this leaves half
/// a second for the SIGKILL, the reaping and the runtime's end. One zrok
/// controller round trip fits; a zrok that takes longer is killed and its
/// share lingers (see [`ZROK_STOP_GRACE`]).
pub const SHUTDOWN_STOP_GRACE: Duration = Duration::from_millis(1500);
/// A client that has not printed its URL has no share termgate knows of
/// (zrok prints the URL as soon as the share exists): a short grace, then
/// SIGKILL, so a failed start or a shutdown in the URL wait is quick.
pub const NO_SHARE_STOP_GRACE: Duration = Duration::from_millis(500);
/// How long the binary waits for the supervisor once shutdown began: the
/// grace plus a quarter second for the SIGKILL and the reaping. The
/// supervisor never needs more; this bounds the exit if it somehow did.
pub const SHUTDOWN_WAIT: Duration = SHUTDOWN_STOP_GRACE.saturating_add(Duration::from_millis(250));

/// Which tunnel client to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Zrok,
    Cloudflare,
}

impl From<crate::config::Tunnel> for Kind {
    fn from(tunnel: crate::config::Tunnel) -> Self {
        match tunnel {
            crate::config::Tunnel::Zrok => Kind::Zrok,
            crate::config::Tunnel::Cloudflare => Kind::Cloudflare,
        }
    }
}

impl Kind {
    pub fn program(self) -> &'static str {
        match self {
            Kind::Zrok => "zrok",
            Kind::Cloudflare => "cloudflared",
        }
    }

    /// How long the client may take to exit after SIGTERM.
    pub fn stop_grace(self) -> Duration {
        match self {
            Kind::Zrok => ZROK_STOP_GRACE,
            Kind::Cloudflare => CLOUDFLARED_STOP_GRACE,
        }
    }

    fn via(self) -> Via {
        match self {
            Kind::Zrok => Via::Zrok,
            Kind::Cloudflare => Via::Cloudflare,
        }
    }

    /// What the kernel sends the client when termgate dies without stopping
    /// it (SIGKILL, the OOM killer), so that the client does not keep
    /// forwarding the public URL to a port whatever binds it next gets.
    ///
    /// zrok: SIGTERM, on which it deletes its share (one controller round
    /// trip) and exits; a SIGKILL would leave the share registered against
    /// the account. cloudflared: SIGKILL, since a quick tunnel needs no
    /// clean-up and its SIGTERM starts a graceful shutdown that keeps
    /// serving requests in flight for up to 30 s (`--grace-period`).
    pub fn death_signal(self) -> nix::sys::signal::Signal {
        use nix::sys::signal::Signal;
        match self {
            Kind::Zrok => Signal::SIGTERM,
            Kind::Cloudflare => Signal::SIGKILL,
        }
    }

    fn format(self) -> Format {
        match self {
            Kind::Zrok => Format::Zrok,
            Kind::Cloudflare => Format::Cloudflared,
        }
    }

    fn install_hint(self) -> &'static str {
        match self {
            Kind::Zrok => {
                "install zrok from https://docs.zrok.io/docs/guides/install/ and run `zrok2 enable <account token>` (zrok 2.x) or `zrok enable <account token>` (0.4/1.x) once"
            }
            Kind::Cloudflare => {
                "install cloudflared from https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/downloads/"
            }
        }
    }
}

/// How the supervisor behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    pub kind: Kind,
    /// The executable; `None`: looked up on PATH (`zrok2` or `zrok`, `cloudflared`).
    pub program: Option<PathBuf>,
    pub port: u16,
    /// How long to wait for the public URL after each start.
    pub url_timeout: Duration,
    /// Consecutive failed starts or crashes before the public side is given up.
    pub max_failures: u32,
    /// End the exposure after this long.
    pub public_timeout: Option<Duration>,
    /// First wait before a restart; doubles with each failure.
    pub backoff: Duration,
}

impl Settings {
    /// The defaults for `kind` on `port`.
    pub fn new(kind: Kind, port: u16) -> Self {
        Self {
            kind,
            program: None,
            port,
            url_timeout: Duration::from_secs(30),
            max_failures: 5,
            public_timeout: None,
            backoff: Duration::from_millis(500),
        }
    }
}

/// Why the tunnel could not start.
#[derive(Debug, thiserror::Error)]
pub enum TunnelError {
    /// What was looked for and how to install it.
    #[error("{0}")]
    Missing(String),
    #[error("`{program}` printed no public URL within {secs} s; its last output:\n{last_lines}")]
    NoUrl {
        program: &'static str,
        secs: u64,
        last_lines: String,
    },
    #[error(
        "`{program}` exited ({status}) before printing a public URL; its last output:\n{last_lines}"
    )]
    Exited {
        program: &'static str,
        status: String,
        last_lines: String,
    },
    #[error(
        "Cloudflare is rate-limiting quick tunnels from this address (HTTP 429, error 1015); termgate does not retry: wait several minutes before the next try, or use --zrok"
    )]
    RateLimited,
    #[error(
        "`{program}` handed share {token} to the running zrok agent and exited; termgate cannot watch or end that share: release it with `{program} agent release share {token}`"
    )]
    AgentHandoff {
        program: &'static str,
        token: String,
    },
    #[error("cannot start `{program}`: {source}")]
    Spawn {
        program: &'static str,
        source: std::io::Error,
    },
    #[error("cannot write the tunnel client's config file {}: {source}", path.display())]
    Config {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl TunnelError {
    /// The error for an output event that refuses the tunnel.
    fn refused(program: &'static str, event: Event) -> Self {
        match event {
            Event::AgentHandoff { token } => TunnelError::AgentHandoff { program, token },
            _ => TunnelError::RateLimited,
        }
    }

    /// Retrying cannot help (or, for a rate limit, makes it worse): give up at once.
    fn is_final(&self) -> Option<&'static str> {
        match self {
            TunnelError::Missing(_) => Some("client_missing"),
            TunnelError::RateLimited => Some("rate_limited"),
            TunnelError::AgentHandoff { .. } => Some("agent_handoff"),
            TunnelError::Config { .. } => Some("config_unwritable"),
            _ => None,
        }
    }
}

/// Decides once per exposure what to run: the executable, its arguments
/// (with `--force-local` if this zrok knows it), and the stop grace.
async fn prepare(settings: &Settings, config_dir: &Path) -> Result<Launch, TunnelError> {
    let program = program::find(settings.kind, settings.program.as_deref())?;
    let target = format!("http://127.0.0.1:{}", settings.port);
    let args = match settings.kind {
        Kind::Zrok => {
            let mut args = vec!["share".into(), "public".into(), target, "--headless".into()];
            // Without it zrok >= 1.0 gives the share to a running agent and exits.
            if program::knows_force_local(&program).await {
                args.push("--force-local".into());
            }
            args
        }
        Kind::Cloudflare => {
            let config = program::cloudflared_config(config_dir)?;
            vec![
                "tunnel".into(),
                "--url".into(),
                target,
                "--no-autoupdate".into(),
                // The box with the URL is logged at info: a lower level hides it.
                "--loglevel".into(),
                "info".into(),
                "--config".into(),
                config.display().to_string(),
            ]
        }
    };
    Ok(Launch {
        kind: settings.kind,
        program,
        args,
        grace: settings.kind.stop_grace(),
    })
}

/// Starts the tunnel and waits for its URL; returns the supervisor's handle,
/// or `None` if termgate began to shut down first (the client, if started,
/// is then stopped and reaped).
pub async fn start(
    settings: Settings,
    state: Arc<AppState>,
) -> Result<Option<tokio::task::JoinHandle<()>>, TunnelError> {
    let launch = tokio::select! {
        biased;
        // The `--help` probe is killed when dropped.
        _ = state.shutdown.wait() => return Ok(None),
        launch = prepare(&settings, &state.config.config_dir) => launch?,
    };
    let mut client = Tunnel::launch(&launch, &state.shutdown).await?;
    let Some((url, readiness)) = client.wait_for_url(settings.url_timeout).await? else {
        return Ok(None);
    };
    Report::of(&state).announce(settings.kind, &url, readiness, false);
    Ok(Some(tokio::spawn(supervisor::supervise(
        settings, launch, state, client,
    ))))
}

/// What the tunnel's side reports to: the exposure it opens and closes, the
/// audit trail, and what the console's login QR needs.
pub(super) struct Report<'a> {
    exposure: &'a Exposure,
    audit: &'a Audit,
    credentials: &'a Credentials,
    base: &'a BasePath,
}

impl<'a> Report<'a> {
    pub(super) fn of(state: &'a AppState) -> Self {
        Self {
            exposure: &state.exposure,
            audit: &state.audit,
            credentials: &state.credentials,
            base: &state.config.base_path,
        }
    }

    /// A URL is up: open the public side, say so on the console (with the
    /// phone's login QR on a terminal) and in the audit when unconfirmed.
    pub(super) fn announce(&self, kind: Kind, url: &str, readiness: Readiness, restarted: bool) {
        if let Err(err) = self.exposure.tunnel_up(kind.via(), url) {
            // The output parser only yields https URLs; this would be a bug.
            tracing::error!("not exposing {url}: {err}");
            return;
        }
        if let Readiness::Unconfirmed(waited) = readiness {
            // Exposed all the same: a cloudflared that words its registration
            // line differently must not be unusable. The owner is told, and
            // the audit says the link was given out unconfirmed.
            println!(
                "warning: {} did not confirm a registered connection to Cloudflare within {}; its URL is announced anyway, so the link may not work yet",
                kind.program(),
                seconds(waited)
            );
            self.audit.record(
                "tunnel_unconfirmed",
                serde_json::json!({"url": url, "waited_ms": waited.as_millis() as u64}),
            );
        }
        let what = if restarted {
            "new public URL (the tunnel restarted)"
        } else {
            "public URL"
        };
        // Where the UI is: the tunnel's origin, under the base path if any (the
        // root stays off, so the line reads as it always has).
        let base = self.base;
        let page = match base.is_root() {
            true => url.to_string(),
            false => format!("{url}{}", base.as_str()),
        };
        println!("{what}: {page}");
        // On a terminal, the QR logs the phone in (token in the fragment, PIN
        // asked); in a log, only the page's.
        match crate::auth::login_link::console(self.credentials, self.base, url) {
            Some(login) => println!("{login}"),
            None => {
                if let Some(qr) = crate::console::qr::draw(&page) {
                    println!("{qr}");
                }
            }
        }
    }

    /// An unconfirmed tunnel registered after all: only noted.
    pub(super) fn connected(&self, url: &str) {
        println!("tunnel connected: {url}");
        self.audit
            .record("tunnel_connected", serde_json::json!({"url": url}));
    }

    /// `--public-timeout`: the public side ends for good.
    pub(super) fn timed_out(&self) {
        self.exposure.tunnel_ended();
        println!("public exposure ended (--public-timeout); still serving on localhost");
        self.audit.record(
            "tunnel_stopped",
            serde_json::json!({"reason": "public_timeout"}),
        );
    }
}

/// `1 s`, `1.5 s`: a duration as the console says it.
fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    match secs.fract() == 0.0 {
        true => format!("{secs:.0} s"),
        false => format!("{secs:.1} s"),
    }
}
