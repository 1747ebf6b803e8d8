//! The shared state every request handler sees, behind one `Arc`.
//!
//! Each field is a self-contained part with its own small API and its own
//! locking; nothing here is a bag of loose settings. Building it is pure:
//! what comes from disk (the share-link key, the file root, the audit
//! files) is opened first, by [`OnDisk::open`], in `main` or a test.

use crate::audit::Audit;
use crate::auth::activity::OwnerActivity;
use crate::auth::credentials::Credentials;
use crate::auth::limit::{Limiter, Limits};
use crate::auth::sessions::Sessions;
use crate::auth::share::ShareLinks;
use crate::config::Config;
use crate::exposure::Exposure;
use crate::files::Files;
use crate::http::guard::Allowlist;
use crate::record::Recordings;
use crate::server::admission::Admission;
use crate::shutdown::Shutdown;
use crate::term::Terminals;
use crate::term::socket::Liveness;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The share-link signing key in the config folder; deleting it (and
/// restarting) revokes every link.
pub const SHARE_KEY_FILE: &str = "share.key";

/// Timers that are not the user's to set, kept out of [`Config`]: tests
/// shorten them to exercise a deadline; the daemon uses the defaults.
#[derive(Debug, Clone)]
pub struct Tuning {
    /// A client must send a full request head within this time (10 s).
    pub header_timeout: Duration,
    /// WebSocket pings and how long silence means a dead peer (10 s / 30 s).
    pub liveness: Liveness,
    /// Lifetimes a share link may be given (5, 15 or 60 minutes).
    pub share_ttls: Vec<Duration>,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            liveness: Liveness::default(),
            share_ttls: crate::config::SHARE_TTLS.to_vec(),
        }
    }
}

/// The parts of the state that come from disk, opened once at start.
pub struct OnDisk {
    pub share_key: [u8; 32],
    pub files: Files,
    pub audit: Arc<Audit>,
    /// The recordings folder (retention applied once at opening).
    pub recordings: Recordings,
}

impl OnDisk {
    /// Reads (or creates) the share-link key in the private config folder,
    /// opens the file root, the audit files and the recordings folder. Fails when the key cannot
    /// be read or made; a root that cannot be opened only turns the file
    /// browser off (see [`Files`]).
    pub fn open(config: &Config) -> std::io::Result<Self> {
        let share_key = crate::config::secrets::ensure_private_dir(&config.config_dir)
            .and_then(|()| {
                crate::config::secrets::load_or_create_key(&config.config_dir, SHARE_KEY_FILE)
            })
            .map_err(std::io::Error::other)?;
        let audit = Arc::new(Audit::open(&config.config_dir));
        Ok(Self {
            share_key,
            files: Files::open(config),
            recordings: Recordings::open(&config.recordings, audit.clone()),
            audit,
        })
    }
}

pub struct AppState {
    pub config: Config,
    pub tuning: Tuning,
    pub credentials: Credentials,
    pub sessions: Sessions,
    pub limiter: Limiter,
    /// Shared with the recorders, which log when a recording ends.
    pub audit: Arc<Audit>,
    pub recordings: Recordings,
    pub allowlist: Allowlist,
    pub terminals: Terminals,
    pub files: Files,
    pub shares: ShareLinks,
    pub exposure: Exposure,
    pub activity: OwnerActivity,
    pub shutdown: Shutdown,
    /// One permit per open WebSocket.
    pub websocket_slots: Arc<Semaphore>,
    /// Which connections keep their slot when there are too many.
    pub admission: Arc<Admission>,
}

impl AppState {
    /// `port` is the port actually bound (the config may say 0).
    pub fn new(
        config: Config,
        tuning: Tuning,
        credentials: Credentials,
        disk: OnDisk,
        port: u16,
        shutdown: Shutdown,
    ) -> Arc<Self> {
        let allowlist = Allowlist::new(port, config.trust_proxy);
        Arc::new(Self {
            shares: ShareLinks::new(disk.share_key),
            exposure: Exposure::new(&config),
            activity: OwnerActivity::default(),
            sessions: Sessions::new(config.idle_timeout, config.session_lifetime),
            limiter: Limiter::new(Limits::default()),
            audit: disk.audit,
            recordings: disk.recordings,
            terminals: Terminals::new(&config),
            files: disk.files,
            websocket_slots: Arc::new(Semaphore::new(config.max_websockets)),
            admission: Arc::new(Admission::new(config.max_connections)),
            allowlist,
            credentials,
            config,
            tuning,
            shutdown,
        })
    }
}
