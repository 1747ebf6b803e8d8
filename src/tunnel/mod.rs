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
//! - `output`: finding the URL in each tool's output
//! - `child`: the client process itself
//! - `exposure`: what is public right now (for the allowlists, the UI, and
//!   the idle auto-shutdown)

mod child;
pub mod exposure;
pub mod output;

use crate::state::AppState;
use child::{Client, Launch};
use output::Format;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Which tunnel client to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Zrok,
    Cloudflare,
}

impl Kind {
    pub fn program(self) -> &'static str {
        match self {
            Kind::Zrok => "zrok",
            Kind::Cloudflare => "cloudflared",
        }
    }

    fn args(self, port: u16) -> Vec<String> {
        let target = format!("http://127.0.0.1:{port}");
        match self {
            Kind::Zrok => vec!["share".into(), "public".into(), target, "--headless".into()],
            Kind::Cloudflare => vec![
                "tunnel".into(),
                "--url".into(),
                target,
                "--no-autoupdate".into(),
            ],
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
                "install zrok from https://docs.zrok.io/docs/guides/install/ and run `zrok enable <account token>` once"
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
    /// The executable: the kind's program name (looked up on PATH) or a path.
    pub program: std::path::PathBuf,
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
            program: kind.program().into(),
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
    #[error("`{program}` was not found on PATH: {hint}")]
    Missing {
        program: &'static str,
        hint: &'static str,
    },
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
    #[error("cannot start `{program}`: {source}")]
    Spawn {
        program: &'static str,
        source: std::io::Error,
    },
}

/// Starts the tunnel and waits for its URL; returns the supervisor's handle.
pub async fn start(
    settings: Settings,
    state: Arc<AppState>,
) -> Result<tokio::task::JoinHandle<()>, TunnelError> {
    if settings.kind == Kind::Cloudflare {
        state.allowlist.believe_cloudflare();
    }
    let mut client = Client::launch(&Launch::of(&settings)).await?;
    let url = client.wait_for_url(settings.url_timeout).await?;
    announce(&state, &url, false);
    Ok(tokio::spawn(supervise(settings, state, client)))
}

fn announce(state: &AppState, url: &str, restarted: bool) {
    state.exposure.set_public(url, &state.allowlist);
    let what = if restarted {
        "new public URL (the tunnel restarted)"
    } else {
        "public URL"
    };
    println!("{what}: {url}");
    if let Some(qr) = terminal_qr(url) {
        println!("{qr}");
    }
}

/// Watches the client until shutdown, the public timeout, or repeated failure.
async fn supervise(settings: Settings, state: Arc<AppState>, mut client: Client) {
    let deadline = settings
        .public_timeout
        .map(|t| tokio::time::Instant::now() + t);
    let mut failures = 0u32;
    loop {
        let started = Instant::now();
        let ended = tokio::select! {
            _ = state.shutdown.wait() => {
                client.stop().await;
                return;
            }
            _ = sleep_until(deadline) => {
                client.stop().await;
                state.exposure.clear_public(&state.allowlist);
                println!("public exposure ended (--public-timeout); still serving on localhost");
                state.audit.record("tunnel_stopped", serde_json::json!({"reason": "public_timeout"}));
                return;
            }
            status = client.wait() => status,
        };
        // Whatever the dead client left in its group goes with it.
        client.stop().await;
        state.exposure.clear_public(&state.allowlist);
        // A client that ran for a while before dying is a new failure series.
        if started.elapsed() > Duration::from_secs(60) {
            failures = 0;
        }
        eprintln!(
            "termgate: `{}` exited ({ended}); restarting",
            settings.kind.program()
        );
        loop {
            failures += 1;
            if failures > settings.max_failures {
                println!(
                    "the tunnel failed {} times in a row; public exposure stopped, still serving on localhost",
                    settings.max_failures
                );
                state.audit.record(
                    "tunnel_stopped",
                    serde_json::json!({"reason": "repeated_failures"}),
                );
                return;
            }
            let backoff = settings.backoff * 2u32.pow(failures.min(6) - 1);
            tokio::select! {
                _ = state.shutdown.wait() => return,
                _ = tokio::time::sleep(backoff) => {}
            }
            match Client::launch(&Launch::of(&settings)).await {
                Ok(mut next) => match next.wait_for_url(settings.url_timeout).await {
                    Ok(url) => {
                        announce(&state, &url, true);
                        client = next;
                        break;
                    }
                    Err(err) => {
                        next.stop().await;
                        eprintln!("termgate: {err}");
                    }
                },
                Err(err) => eprintln!("termgate: {err}"),
            }
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// The URL as a QR code drawn with half-block characters, for the console.
pub fn terminal_qr(url: &str) -> Option<String> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}
