//! The `termgate` binary: parse flags, load config and secrets, serve until
//! SIGINT/SIGTERM. The one place that turns errors into exit codes.

use anyhow::{Context, Result, bail};
use clap::Parser;
use std::io::IsTerminal;
use termgate::cli::{Cli, Command, ServeArgs};
use termgate::config::{self, Config, secrets};

fn main() {
    let cli = Cli::parse();
    init_logging();
    let result = match cli.command {
        Some(Command::Token { rotate, config }) => token_command(rotate, config),
        Some(Command::Pin { config }) => pin_command(config),
        None => serve(cli.serve),
    };
    if let Err(err) = result {
        eprintln!("termgate: {err:#}");
        std::process::exit(2);
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TERMGATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

fn serve(args: ServeArgs) -> Result<()> {
    let (config, file) = Config::load(&args).map_err(anyhow::Error::msg)?;
    let loaded = secrets::load(&args, &file, &config.config_dir).map_err(anyhow::Error::msg)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let address = listener.local_addr()?;
        print_banner(&config, &loaded, address);
        let shutdown = termgate::Shutdown::new();
        let state = termgate::state::AppState::new(
            config,
            loaded.credentials,
            address.port(),
            shutdown.clone(),
        )
        .context("preparing the share-link key")?;
        let on_signal = shutdown.clone();
        tokio::spawn(async move {
            termgate::shutdown::signal().await;
            on_signal.trigger();
        });
        let server = tokio::spawn(termgate::server::serve(state.clone(), listener));
        let supervisor = match state.config.tunnel {
            Some(kind) => {
                let settings = termgate::tunnel::Settings {
                    url_timeout: state.config.tunnel_timeout,
                    public_timeout: state
                        .config
                        .public_timeout
                        .filter(|_| !state.config.public_no_expiry),
                    ..termgate::tunnel::Settings::new(kind, address.port())
                };
                match termgate::tunnel::start(settings, state.clone()).await {
                    Ok(supervisor) => Some(supervisor),
                    Err(err) => {
                        shutdown.trigger();
                        let _ = server.await;
                        return Err(
                            anyhow::Error::new(err).context("cannot expose termgate publicly")
                        );
                    }
                }
            }
            None => None,
        };
        if let Some(share) = state.config.startup_share.clone() {
            print_startup_share(&state, &share, address)?;
        }
        {
            let state = state.clone();
            tokio::spawn(async move { state.exposure.watch_idle(state.shutdown.clone()).await });
        }
        server.await.context("the server task failed")??;
        if let Some(supervisor) = supervisor {
            // The supervisor ends and reaps the tunnel's process group.
            let _ = tokio::time::timeout(std::time::Duration::from_millis(1500), supervisor).await;
        }
        Ok::<_, anyhow::Error>(())
    })?;
    // Detached blocking work (if any) must not hold the exit past our 2 s promise.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    Ok(())
}

fn print_banner(config: &Config, loaded: &secrets::Loaded, address: std::net::SocketAddr) {
    if nix::unistd::geteuid().is_root() {
        eprintln!(
            "\n  WARNING: termgate is running as root. Whoever logs in gets a ROOT shell.\n  \
             Run it as an ordinary user unless you really mean this.\n"
        );
    }
    if loaded.token_on_command_line {
        eprintln!(
            "warning: a token given with --token is visible to other local users in the process list; \
             prefer TERMGATE_TOKEN or --token-file"
        );
    }
    if !address.ip().is_loopback() {
        eprintln!(
            "warning: listening on {address}, reachable from other machines without TLS; \
             prefer 127.0.0.1 behind an HTTPS proxy or tunnel"
        );
    }
    println!("listening on http://{}", termgate_host(address));
    println!("root folder: {}", config.root.display());
    println!("access token: kept in {}", loaded.token_source);
    if let Some(token) = &loaded.new_token {
        println!("first start: your new access token is {token}");
        println!("  (shown once; `termgate token` shows it again)");
    }
}

/// Mints the `--share` link and prints its URL, once, to stdout (never to the log).
fn print_startup_share(
    state: &termgate::state::AppState,
    share: &config::StartupShare,
    address: std::net::SocketAddr,
) -> Result<()> {
    let (record, token) = state
        .shares
        .mint(share.scope, None, share.ttl, share.uses)
        .map_err(anyhow::Error::msg)?;
    let origin = state
        .exposure
        .status()
        .public_url
        .unwrap_or_else(|| format!("http://{}", termgate_host(address)));
    state.audit.record(
        "share_minted",
        serde_json::json!({"share": record.id, "scope": record.scope, "ttl_secs": share.ttl.as_secs(),
                           "uses": share.uses, "source": "command line"}),
    );
    let scope = match share.scope {
        termgate::auth::share::Scope::ReadOnly => "read-only",
        termgate::auth::share::Scope::Interactive => "interactive",
    };
    println!(
        "share link ({scope}, {} min, {} use{}): {origin}/s/{token}",
        share.ttl.as_secs() / 60,
        share.uses,
        if share.uses == 1 { "" } else { "s" }
    );
    Ok(())
}

fn termgate_host(address: std::net::SocketAddr) -> String {
    match address {
        std::net::SocketAddr::V6(v6) => format!("[{}]:{}", v6.ip(), v6.port()),
        std::net::SocketAddr::V4(v4) => v4.to_string(),
    }
}

fn token_command(rotate: bool, _config: Option<std::path::PathBuf>) -> Result<()> {
    let dir = config::default_config_dir().map_err(anyhow::Error::msg)?;
    secrets::ensure_private_dir(&dir).map_err(anyhow::Error::msg)?;
    let path = dir.join(secrets::TOKEN_FILE);
    let token = match secrets::read_private(&path).map_err(anyhow::Error::msg)? {
        Some(token) if !rotate => token,
        _ => {
            let token = secrets::generate_token();
            secrets::write_private(&path, &token).map_err(anyhow::Error::msg)?;
            eprintln!(
                "A new token is stored in {}; restart termgate to use it.",
                path.display()
            );
            token
        }
    };
    println!("{token}");
    Ok(())
}

fn pin_command(_config: Option<std::path::PathBuf>) -> Result<()> {
    let dir = config::default_config_dir().map_err(anyhow::Error::msg)?;
    secrets::ensure_private_dir(&dir).map_err(anyhow::Error::msg)?;
    if std::io::stdin().is_terminal() {
        eprintln!("Choose a PIN of at least 6 digits.");
    }
    let pin = secrets::ask_new_pin().map_err(anyhow::Error::msg)?;
    let key = secrets::load_or_create_key(&dir, secrets::KEY_FILE).map_err(anyhow::Error::msg)?;
    let path = secrets::store_pin(&dir, &key, &pin).map_err(anyhow::Error::msg)?;
    eprintln!(
        "PIN stored (as a keyed hash) in {}; restart termgate to use it.",
        path.display()
    );
    if std::env::var_os("TERMGATE_PIN").is_some() {
        bail!("note: TERMGATE_PIN is set and takes precedence over the stored PIN");
    }
    Ok(())
}
