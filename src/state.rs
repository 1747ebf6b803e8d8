//! The shared state every request handler sees, behind one `Arc`.
//!
//! Each field is a self-contained part with its own small API and its own
//! locking; nothing here is a bag of loose settings.

use crate::audit::Audit;
use crate::auth::credentials::Credentials;
use crate::auth::limit::{Limiter, Limits};
use crate::auth::sessions::Sessions;
use crate::auth::share::ShareLinks;
use crate::config::Config;
use crate::files::Files;
use crate::http::guard::Allowlist;
use crate::shutdown::Shutdown;
use crate::term::Terminals;
use crate::tunnel::exposure::Exposure;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The share-link signing key in the config folder; deleting it (and
/// restarting) revokes every link.
pub const SHARE_KEY_FILE: &str = "share.key";

pub struct AppState {
    pub config: Config,
    pub credentials: Credentials,
    pub sessions: Sessions,
    pub limiter: Limiter,
    pub audit: Audit,
    pub allowlist: Allowlist,
    pub terminals: Terminals,
    pub files: Files,
    pub shares: ShareLinks,
    pub exposure: Exposure,
    pub shutdown: Shutdown,
    /// One permit per open WebSocket.
    pub websocket_slots: Arc<Semaphore>,
}

impl AppState {
    /// `port` is the port actually bound (the config may say 0). Fails when
    /// the share-link key cannot be read or created in the config folder.
    pub fn new(
        config: Config,
        credentials: Credentials,
        port: u16,
        shutdown: Shutdown,
    ) -> std::io::Result<Arc<Self>> {
        let share_key = crate::config::secrets::ensure_private_dir(&config.config_dir)
            .and_then(|()| {
                crate::config::secrets::load_or_create_key(&config.config_dir, SHARE_KEY_FILE)
            })
            .map_err(std::io::Error::other)?;
        let allowlist = Allowlist::new(port, config.trust_proxy);
        if let Some(public) = &config.public_url {
            allowlist.add_public(&public.host, &public.origin);
        }
        Ok(Arc::new(Self {
            shares: ShareLinks::new(share_key),
            exposure: Exposure::new(
                config.idle_shutdown.filter(|_| !config.public_no_expiry),
                config.public_timeout.filter(|_| !config.public_no_expiry),
                config.public_url.as_ref().map(|p| p.origin.as_str()),
            ),
            sessions: Sessions::new(config.idle_timeout, config.session_lifetime),
            limiter: Limiter::new(Limits::default()),
            audit: Audit::open(&config.config_dir),
            terminals: Terminals::new(&config),
            files: Files::new(&config),
            websocket_slots: Arc::new(Semaphore::new(config.max_websockets)),
            allowlist,
            credentials,
            config,
            shutdown,
        }))
    }
}
