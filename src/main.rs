//! The `termgate` binary: parse flags, load config and secrets, serve until
//! SIGINT/SIGTERM. The one place that turns errors into exit codes.

use anyhow::{Context, Result, bail};
use clap::Parser;
use std::io::IsTerminal;
use std::path::PathBuf;
use termgate::auth::credentials::Credentials;
use termgate::cli::{Cli, Command, LogFormat, ServeArgs};
use termgate::config::file::FileConfig;
use termgate::config::secrets::TokenOrigin;
use termgate::config::secrets::{PinSource, TokenSource};
use termgate::config::{self, Config, secrets};

fn main() {
    let cli = Cli::parse();
    let human = termgate::console::init(cli.serve.log_format.unwrap_or(LogFormat::Auto));
    let result = match cli.command {
        Some(Command::Token { rotate, config }) => token_command(rotate, cli.serve, config),
        Some(Command::Pin { config }) => pin_command(cli.serve, config),
        Some(Command::Unlock) => termgate::auth::unlock::command().map_err(Into::into),
        Some(Command::Audit { event, limit, json }) => audit_command(event, limit, json),
        Some(Command::Client(command)) => client(command),
        Some(Command::Totp { action }) => {
            termgate::auth::totp_command::command(action).map_err(Into::into)
        }
        Some(Command::ShellIntegration { shell }) => {
            print!("{}", termgate::shell_integration::snippet(shell));
            Ok(())
        }
        None => serve(cli.serve, human),
    };
    if let Err(err) = result {
        eprintln!("termgate: {err:#}");
        std::process::exit(2);
    }
}

/// A client command exits with its own status (exec: the command's,
/// attach: the shell's); its failures with 125, never taken for those.
fn client(command: termgate::cli::ClientCommand) -> Result<()> {
    match termgate::client::run(command) {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("termgate: {err}");
            std::process::exit(termgate::client::ClientError::EXIT);
        }
    }
}

fn serve(args: ServeArgs, human: bool) -> Result<()> {
    let (config, file) = Config::load(&args)?;
    let loaded = secrets::load(&args, &file, &config.config_dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let address = listener.local_addr()?;
        print_banner(&config, &loaded, address, human);
        let shutdown = termgate::Shutdown::new();
        let disk =
            termgate::state::OnDisk::open(&config).context("preparing the share-link key")?;
        let state = termgate::state::AppState::new(
            config,
            termgate::state::Tuning::default(),
            Credentials::from_factors(&loaded.factors),
            disk,
            address.port(),
            shutdown.clone(),
        );
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
                    ..termgate::tunnel::Settings::new(kind.into(), address.port())
                };
                match termgate::tunnel::start(settings, state.clone()).await {
                    Ok(supervisor) => supervisor,
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
        // A SIGTERM during the tunnel's start leaves no supervisor: no link then.
        if let Some(share) = state
            .config
            .startup_share
            .clone()
            .filter(|_| !shutdown.is_triggered())
        {
            print_startup_share(&state, &share, address)?;
        }
        {
            let state = state.clone();
            tokio::spawn(async move {
                termgate::exposure::idle::watch(&state.exposure, &state.activity, &state.shutdown)
                    .await
            });
        }
        server.await.context("the server task failed")??;
        if let Some(supervisor) = supervisor {
            // The supervisor ends and reaps the tunnel's process group within
            // its shutdown grace; the wait is counted from the shutdown, not
            // from the server's end, so the two do not add up.
            let backstop = async {
                shutdown.wait().await;
                tokio::time::sleep(termgate::tunnel::SHUTDOWN_WAIT).await;
            };
            tokio::select! {
                _ = supervisor => {}
                _ = backstop => {}
            }
        }
        Ok::<_, anyhow::Error>(())
    })?;
    // Detached blocking work (if any) must not hold the exit past our 2 s promise.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    Ok(())
}

fn print_banner(
    config: &Config,
    loaded: &secrets::Loaded,
    address: std::net::SocketAddr,
    human: bool,
) {
    // On a terminal the warnings stand out as they always have; for
    // machines they are log lines like any other (one JSON object each).
    let warn = |text: &str| match human {
        true => eprintln!("warning: {text}"),
        false => tracing::warn!("{text}"),
    };
    if nix::unistd::geteuid().is_root() {
        match human {
            true => eprintln!(
                "\n  WARNING: termgate is running as root. Whoever logs in gets a ROOT shell.\n  \
                 Run it as an ordinary user unless you really mean this.\n"
            ),
            false => {
                tracing::warn!("termgate is running as root: whoever logs in gets a root shell")
            }
        }
    }
    if loaded.token_on_command_line {
        warn(
            "a token given with --token is visible to other local users in the process list; \
             prefer TERMGATE_TOKEN or --token-file",
        );
    }
    if !address.ip().is_loopback() {
        warn(&format!(
            "listening on {address}, reachable from other machines without TLS; \
             prefer 127.0.0.1 behind an HTTPS proxy or tunnel"
        ));
    }
    // The root base stays off the line, which reads as it always has.
    let base = Some(config.base_path.as_str()).filter(|_| !config.base_path.is_root());
    println!(
        "listening on http://{}{}",
        termgate_host(address),
        base.unwrap_or_default()
    );
    println!("root folder: {}", config.root.display());
    println!("access token: kept in {}", loaded.token_source);
    if !secrets::has_logged_in(&config.config_dir) {
        print_token_hint(loaded, address, config.base_path.as_str());
    }
}

/// Until the owner has logged in once, every start says how to log in: on a
/// terminal it shows the token (and a login URL carrying it in the
/// fragment); into a pipe or log file it only says how to see it, because
/// secrets stay out of logs.
fn print_token_hint(loaded: &secrets::Loaded, address: std::net::SocketAddr, base: &str) {
    let token = loaded.new_token.clone().or_else(|| {
        Credentials::from_factors(&loaded.factors)
            .reread_token()
            .ok()
    });
    match token {
        Some(token) if std::io::stdout().is_terminal() => {
            println!("your access token (shown until the first login): {token}");
            let origin = format!("http://{}", termgate_host(address));
            let url = termgate::auth::login_link::url(&origin, base, &token);
            println!("  or open {url} and enter the PIN");
        }
        // A token the owner chose is theirs already; point at where it is.
        _ => match loaded.factors.origin.as_ref() {
            Some(TokenOrigin::File(_)) => {
                println!("  not logged in yet: `termgate token` shows the token")
            }
            Some(TokenOrigin::Environment) => {
                println!("  not logged in yet: log in with the token in TERMGATE_TOKEN")
            }
            None => println!("  not logged in yet: log in with the token given with --token"),
        },
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
        .mint(share.scope.into(), None, share.ttl, share.uses)
        .map_err(|why| anyhow::anyhow!("cannot make the --share link: {why}"))?;
    let origin = state
        .exposure
        .public_origin()
        .unwrap_or_else(|| format!("http://{}", termgate_host(address)));
    state.audit.record(
        "share_minted",
        serde_json::json!({"share": record.id, "scope": record.scope, "ttl_secs": share.ttl.as_secs(),
                           "uses": share.uses, "source": "command line"}),
    );
    let scope = share.scope.as_str();
    println!(
        "share link ({scope}, {} min, {} use{}): {origin}{}",
        share.ttl.as_secs() / 60,
        share.uses,
        if share.uses == 1 { "" } else { "s" },
        state.config.base_path.share_link(&token)
    );
    Ok(())
}

fn termgate_host(address: std::net::SocketAddr) -> String {
    match address {
        std::net::SocketAddr::V6(v6) => format!("[{}]:{}", v6.ip(), v6.port()),
        std::net::SocketAddr::V4(v4) => v4.to_string(),
    }
}

/// The subcommands see the same flags, environment and config file as the
/// daemon (a `--config` after the subcommand wins over one before it), so
/// [`secrets::token_source`] and [`secrets::pin_source`] name the very
/// files the daemon reads.
fn subcommand_setting(mut args: ServeArgs, config: Option<PathBuf>) -> Result<Setting> {
    if config.is_some() {
        args.config = config;
    }
    let (file, _, dir) = FileConfig::find(args.config.as_deref())?;
    Ok(Setting { args, file, dir })
}

struct Setting {
    args: ServeArgs,
    file: FileConfig,
    dir: PathBuf,
}

/// `termgate token [--rotate]`: shows or replaces the token where the daemon
/// reads it. A token from `--token` or `TERMGATE_TOKEN` cannot be rotated
/// from here, and saying so beats writing a file nobody reads.
fn token_command(rotate: bool, args: ServeArgs, config: Option<PathBuf>) -> Result<()> {
    let Setting { args, file, dir } = subcommand_setting(args, config)?;
    let (path, stored) = match secrets::token_source(&args, &file, &dir) {
        TokenSource::UserFile(path) => (path, false),
        TokenSource::Stored(path) => {
            secrets::ensure_private_dir(&dir)?;
            (path, true)
        }
        TokenSource::CommandLine if rotate => bail!(
            "the token in use is given with --token, which cannot be rotated: \
             start termgate with a new one (prefer TERMGATE_TOKEN or --token-file)"
        ),
        TokenSource::Environment if rotate => bail!(
            "the token in use comes from TERMGATE_TOKEN, which termgate cannot rotate: \
             set it to a new value (or unset it to use the token file) and restart termgate"
        ),
        TokenSource::CommandLine => {
            println!("{}", args.token.unwrap_or_default());
            return Ok(());
        }
        TokenSource::Environment => {
            eprintln!("(the token in use comes from TERMGATE_TOKEN)");
            println!(
                "{}",
                secrets::env_secret("TERMGATE_TOKEN").unwrap_or_default()
            );
            return Ok(());
        }
    };
    let token = match secrets::read_private(&path)? {
        Some(token) if !rotate => token,
        // The daemon refuses a missing token file it was told to read.
        None if !rotate && !stored => bail!("token file {} does not exist", path.display()),
        _ => {
            let token = secrets::generate_token();
            secrets::write_private(&path, &token)?;
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

/// `termgate pin`: sets the PIN where the daemon reads it: the keyed hash in
/// the config folder, or the clear PIN in a `--pin-file`/`pin_file` (that
/// file holds the PIN itself). `TERMGATE_PIN` wins over both, so then it
/// refuses rather than store a PIN that would not be used.
fn pin_command(args: ServeArgs, config: Option<PathBuf>) -> Result<()> {
    let Setting { args, file, dir } = subcommand_setting(args, config)?;
    let source = secrets::pin_source(&args, &file, &dir);
    if source == PinSource::Environment {
        bail!(
            "TERMGATE_PIN is set, and termgate uses it over any stored PIN: \
             change or unset the variable instead"
        );
    }
    secrets::ensure_private_dir(&dir)?;
    if std::io::stdin().is_terminal() {
        eprintln!("Choose a PIN of at least 6 digits.");
    }
    let pin = secrets::ask_new_pin()?;
    let (path, how) = match source {
        PinSource::UserFile(path) => {
            secrets::write_private(&path, &pin)?;
            (path, "the PIN itself, in the configured PIN file")
        }
        _ => {
            let key = secrets::load_or_create_key(&dir, secrets::KEY_FILE)?;
            let path = secrets::store_pin(&dir, &key, &pin)?;
            (path, "as a keyed hash")
        }
    };
    eprintln!(
        "PIN stored ({how}) in {}; restart termgate to use it.",
        path.display()
    );
    Ok(())
}

/// `termgate audit`: the config folder's audit log, newest first.
fn audit_command(event: Option<String>, limit: usize, json: bool) -> anyhow::Result<()> {
    let dir = termgate::config::default_config_dir()?;
    let log = dir.join(termgate::audit::FILE);
    let page = termgate::audit::reader::page(&log, event.as_deref(), 0, limit);
    for entry in &page.entries {
        match json {
            true => println!("{entry}"),
            false => println!("{}", termgate::audit::reader::human(entry)),
        }
    }
    if page.entries.is_empty() {
        eprintln!("no audit entries in {}", log.display());
    }
    Ok(())
}
