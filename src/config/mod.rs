//! One validated, typed [`Config`], built from four layers:
//! command line > environment (`TERMGATE_*`) > config file > defaults.
//!
//! clap already merges the first two (see `cli`); this module lays them over
//! the file and the defaults, then checks every value and names the key (and
//! the file) when one is wrong. Secrets are loaded separately, in `secrets`.
//!
//! A leaf: the settings are plain durations, sizes and enums of this module
//! ([`Tunnel`], [`ShareScope`], [`recording::Recordings`]) that the features convert, so no feature's
//! types leak into the user's settings. Timers only tests change are not
//! here but in `state::Tuning`. (`secrets` still builds the
//! `auth::credentials::Credentials` it loads.)

pub mod base;
pub mod error;
pub mod file;
mod private_files;
pub mod program;
pub mod recording;
pub mod secrets;
pub mod share;
pub mod units;

pub use error::ConfigError;

use crate::cli::ServeArgs;
use base::BasePath;
use file::FileConfig;
pub use program::Program;
pub use share::{MAX_SHARE_USES, SHARE_TTLS, ShareScope, StartupShare};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The daemon's settings, ready to use.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// What every new tab runs: a shell or `-- command`.
    pub program: Program,
    /// Canonical start folder of shells and root of the file browser.
    pub root: PathBuf,
    /// Where the token, keys and audit log live (0700).
    pub config_dir: PathBuf,
    pub idle_timeout: Duration,
    pub session_lifetime: Duration,
    /// How long a re-authentication spares the factors (`auth::reauth`).
    pub reauth_window: Duration,
    pub max_tabs: usize,
    pub scrollback: usize,
    pub max_connections: usize,
    pub max_websockets: usize,
    pub trust_proxy: bool,
    pub public_url: Option<PublicUrl>,
    /// `--base-path`: the prefix every URL lives under (`/` by default).
    pub base_path: BasePath,
    /// `--terminal-only`: no file browser at all.
    pub terminal_only: bool,
    /// Largest upload, in bytes.
    pub max_upload: u64,
    /// `--share`: a link minted at start-up and printed once.
    pub startup_share: Option<StartupShare>,
    /// `--zrok` / `--cloudflare`.
    pub tunnel: Option<Tunnel>,
    /// How long the tunnel client has to print its URL.
    pub tunnel_timeout: Duration,
    /// End the public exposure after this long.
    pub public_timeout: Option<Duration>,
    /// While exposed, stop after this long without a login.
    pub idle_shutdown: Option<Duration>,
    /// Opt out of both clocks above.
    pub public_no_expiry: bool,
    /// `--record` and where and how long recordings are kept.
    pub recordings: recording::Recordings,
}

/// Which tunnel client exposes termgate (`tunnel::Kind` converts from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tunnel {
    Zrok,
    Cloudflare,
}

/// The externally visible origin when behind a proxy or tunnel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    /// `https://host[:port]`, exactly as browsers send it in `Origin`.
    pub origin: String,
    /// `host[:port]`, exactly as browsers send it in `Host`.
    pub host: String,
}

impl PublicUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("https://")
            .ok_or_else(|| format!("`{url}` must start with https://"))?;
        let host = rest.trim_end_matches('/');
        if host.is_empty() || host.contains(['/', '?', '#', '@', ' ']) {
            return Err(format!("`{url}` must be just https://host[:port]"));
        }
        let host = host.to_ascii_lowercase();
        Ok(Self {
            origin: format!("https://{host}"),
            host,
        })
    }
}

/// `$XDG_CONFIG_HOME/termgate`, else `~/.config/termgate`.
pub fn default_config_dir() -> Result<PathBuf, ConfigError> {
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("termgate"));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .ok_or("neither XDG_CONFIG_HOME nor HOME is set; cannot find the config folder")?;
    Ok(PathBuf::from(home).join(".config").join("termgate"))
}

/// Where the config file is read from: `--config`, else the config folder.
pub fn config_file_path(explicit: Option<&Path>, config_dir: &Path) -> (PathBuf, bool) {
    match explicit {
        Some(path) => (path.to_path_buf(), true),
        None => (config_dir.join("config.toml"), false),
    }
}

impl Config {
    /// Builds the config from parsed flags (+ environment) and the config file.
    pub fn load(args: &ServeArgs) -> Result<(Self, FileConfig), ConfigError> {
        let (file, path, config_dir) = FileConfig::find(args.config.as_deref())?;
        let config = Self::merge(args, &file, config_dir)
            .map_err(|keyed| ConfigError::from(keyed).read_from(path))?;
        Ok((config, file))
    }

    /// Lays flags over the file over the defaults. Errors name the key.
    pub fn merge(
        args: &ServeArgs,
        file: &FileConfig,
        config_dir: PathBuf,
    ) -> Result<Self, (&'static str, String)> {
        let host = args.host.clone().or(file.host.clone());
        let ip = match host.as_deref() {
            None => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Some("localhost") => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Some(text) => text
                .trim_matches(['[', ']'])
                .parse()
                .map_err(|_| ("host", format!("`{text}` is not an IP address")))?,
        };
        let port = args.port.or(file.port).unwrap_or(8080);

        let program = program::choose(program::Sources {
            cli_command: &args.command,
            cli_shell: args.shell.as_deref(),
            cli_login: args.login_shell,
            file_command: file.command.as_deref(),
            file_shell: file.shell.as_deref(),
            file_login: file.login_shell.unwrap_or(false),
        })?;

        let cwd = match args.cwd.clone().or(file.cwd.clone()) {
            Some(dir) => dir,
            None => std::env::current_dir().map_err(|e| ("cwd", e.to_string()))?,
        };
        let root = cwd
            .canonicalize()
            .map_err(|e| ("cwd", format!("`{}`: {e}", cwd.display())))?;
        if !root.is_dir() {
            return Err(("cwd", format!("`{}` is not a folder", root.display())));
        }

        let duration = |key, flag: &Option<String>, from_file: &Option<String>, default| match flag
            .as_ref()
            .or(from_file.as_ref())
        {
            Some(text) => units::parse_duration(text).map_err(|e| (key, e)),
            None => Ok(default),
        };
        let idle_timeout = duration(
            "idle_timeout",
            &args.idle_timeout,
            &file.idle_timeout,
            Duration::from_secs(30 * 60),
        )?;
        let session_lifetime = duration(
            "session_lifetime",
            &args.session_lifetime,
            &file.session_lifetime,
            Duration::from_secs(12 * 3600),
        )?;
        let reauth_text = args.reauth_window.as_ref().or(file.reauth_window.as_ref());
        let reauth_window = match reauth_text {
            // Zero is a choice here (ask every time), not a slip: durations elsewhere must be positive.
            Some(text) if text.trim().trim_end_matches(['s', 'm', 'h']).trim() == "0" => {
                Duration::ZERO
            }
            _ => duration(
                "reauth_window",
                &args.reauth_window,
                &file.reauth_window,
                crate::auth::reauth::WINDOW,
            )?,
        };
        // "Within the last few minutes" (ASVS 7.5.3): longer is a login, not a confirmation.
        if reauth_window > Duration::from_secs(15 * 60) {
            return Err((
                "reauth_window",
                "must be at most 15m (0s asks every time)".into(),
            ));
        }

        let scrollback = match args.scrollback.as_ref().or(file.scrollback.as_ref()) {
            Some(text) => units::parse_size(text).map_err(|e| ("scrollback", e))?,
            None => 1 << 20,
        };
        if !(4096..=64 << 20).contains(&scrollback) {
            return Err(("scrollback", "must be between 4KiB and 64MiB".into()));
        }

        let max_tabs = args.max_tabs.or(file.max_tabs).unwrap_or(8);
        if !(1..=256).contains(&max_tabs) {
            return Err(("max_tabs", "must be between 1 and 256".into()));
        }
        let max_connections = args.max_connections.or(file.max_connections).unwrap_or(256);
        if !(4..=65_536).contains(&max_connections) {
            return Err(("max_connections", "must be between 4 and 65536".into()));
        }
        let max_websockets = args.max_websockets.or(file.max_websockets).unwrap_or(64);
        if !(1..=max_connections).contains(&max_websockets) {
            return Err((
                "max_websockets",
                "must be between 1 and max_connections".into(),
            ));
        }

        let public_url = match args.public_url.as_ref().or(file.public_url.as_ref()) {
            Some(url) => Some(PublicUrl::parse(url).map_err(|e| ("public_url", e))?),
            None => None,
        };
        let base_path = match args.base_path.as_ref().or(file.base_path.as_ref()) {
            Some(text) => BasePath::parse(text).map_err(|e| ("base_path", e))?,
            None => BasePath::default(),
        };
        let trust_proxy = args.trust_proxy || file.trust_proxy.unwrap_or(false);
        let terminal_only = args.terminal_only || file.terminal_only.unwrap_or(false);
        let max_upload = match args.max_upload.as_ref().or(file.max_upload.as_ref()) {
            Some(text) => units::parse_size(text).map_err(|e| ("max_upload", e))?,
            None => 100 << 20,
        };
        if max_upload == 0 {
            return Err(("max_upload", "must be at least 1 byte".into()));
        }
        let startup_share = share::startup_share(args)?;
        let recordings = recording::merge(args, file)?;
        let tunnel = match (args.zrok, args.cloudflare) {
            (true, true) => return Err(("zrok", "choose one of --zrok and --cloudflare".into())),
            (true, false) => Some(Tunnel::Zrok),
            (false, true) => Some(Tunnel::Cloudflare),
            (false, false) => None,
        };
        let optional_duration = |key, flag: &Option<String>| match flag {
            Some(text) => units::parse_duration(text).map(Some).map_err(|e| (key, e)),
            None => Ok(None),
        };
        let tunnel_timeout = optional_duration("tunnel_timeout", &args.tunnel_timeout)?
            .unwrap_or(Duration::from_secs(30));
        let public_timeout = optional_duration("public_timeout", &args.public_timeout)?;
        let idle_shutdown = optional_duration("idle_shutdown", &args.idle_shutdown)?
            .or(Some(Duration::from_secs(3 * 3600)));

        Ok(Self {
            listen: SocketAddr::new(ip, port),
            program,
            root,
            config_dir,
            idle_timeout,
            session_lifetime,
            reauth_window,
            max_tabs,
            scrollback: scrollback as usize,
            max_connections,
            max_websockets,
            trust_proxy,
            public_url,
            base_path,
            terminal_only,
            max_upload,
            startup_share,
            tunnel,
            tunnel_timeout,
            public_timeout,
            idle_shutdown,
            public_no_expiry: args.public_no_expiry,
            recordings,
        })
    }

    /// Settings for tests and embedders: loopback, port 0, everything else default.
    pub fn for_tests(root: &Path, config_dir: &Path) -> Self {
        let args = ServeArgs {
            port: Some(0),
            cwd: Some(root.to_path_buf()),
            shell: Some(PathBuf::from("/bin/sh")),
            // Never the user's own data folder.
            recordings_dir: Some(config_dir.join("recordings")),
            ..ServeArgs::default()
        };
        Self::merge(&args, &FileConfig::default(), config_dir.to_path_buf())
            .expect("test config is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_must_be_https_origin() {
        let url = PublicUrl::parse("https://Term.Example.com/").unwrap();
        assert_eq!(url.origin, "https://term.example.com");
        assert_eq!(url.host, "term.example.com");
        assert!(PublicUrl::parse("http://x.example").is_err());
        assert!(PublicUrl::parse("https://x.example/path").is_err());
    }

    #[test]
    fn flag_beats_file_and_errors_name_the_key() {
        let dir = std::env::temp_dir();
        let file = FileConfig {
            port: Some(9000),
            idle_timeout: Some("5m".into()),
            ..FileConfig::default()
        };
        let args = ServeArgs {
            port: Some(9100),
            cwd: Some(dir.clone()),
            ..ServeArgs::default()
        };
        let config = Config::merge(&args, &file, dir.clone()).unwrap();
        assert_eq!(config.listen.port(), 9100);
        assert_eq!(config.idle_timeout, Duration::from_secs(300));

        let bad = FileConfig {
            session_lifetime: Some("forever".into()),
            ..FileConfig::default()
        };
        let (key, _) = Config::merge(&args, &bad, dir).unwrap_err();
        assert_eq!(key, "session_lifetime");
    }

    #[test]
    fn the_reauth_window_may_be_zero_and_at_most_fifteen_minutes() {
        let dir = std::env::temp_dir();
        let with = |text: &str| {
            let args = ServeArgs {
                cwd: Some(dir.clone()),
                reauth_window: Some(text.into()),
                ..ServeArgs::default()
            };
            Config::merge(&args, &FileConfig::default(), dir.clone())
        };
        assert_eq!(with("0s").unwrap().reauth_window, Duration::ZERO);
        assert_eq!(with("2m").unwrap().reauth_window, Duration::from_secs(120));
        assert_eq!(with("16m").unwrap_err().0, "reauth_window");
        assert_eq!(with("soon").unwrap_err().0, "reauth_window");
    }

    #[test]
    fn base_path_comes_from_flag_or_file_normalised() {
        let dir = std::env::temp_dir();
        let args = ServeArgs {
            cwd: Some(dir.clone()),
            ..ServeArgs::default()
        };
        let with = |args: &ServeArgs, base: Option<&str>| {
            let file = FileConfig {
                base_path: base.map(str::to_string),
                ..FileConfig::default()
            };
            Config::merge(args, &file, dir.clone()).map(|c| c.base_path.to_string())
        };
        assert_eq!(with(&args, None).unwrap(), "/");
        assert_eq!(with(&args, Some("/term")).unwrap(), "/term/");
        let flag = ServeArgs {
            base_path: Some("/other".into()),
            cwd: Some(dir.clone()),
            ..ServeArgs::default()
        };
        assert_eq!(with(&flag, Some("/term")).unwrap(), "/other/");
        let (key, message) = with(&args, Some("/a/../b")).unwrap_err();
        assert_eq!((key, message.contains("..")), ("base_path", true));
    }
}
