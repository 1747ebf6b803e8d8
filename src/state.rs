//! The shared state every request handler sees, behind one `Arc`.
//!
//! Each field is a self-contained part with its own small API and its own
//! locking; nothing here is a bag of loose settings.

use crate::audit::Audit;
use crate::auth::credentials::Credentials;
use crate::auth::limit::{Limiter, Limits};
use crate::auth::sessions::Sessions;
use crate::config::Config;
use crate::http::guard::Allowlist;
use crate::shutdown::Shutdown;
use crate::term::Terminals;
use std::sync::Arc;
use tokio::sync::Semaphore;

pub struct AppState {
    pub config: Config,
    pub credentials: Credentials,
    pub sessions: Sessions,
    pub limiter: Limiter,
    pub audit: Audit,
    pub allowlist: Allowlist,
    pub terminals: Terminals,
    pub shutdown: Shutdown,
    /// One permit per open WebSocket.
    pub websocket_slots: Arc<Semaphore>,
}

impl AppState {
    /// `port` is the port actually bound (the config may say 0).
    pub fn new(
        config: Config,
        credentials: Credentials,
        port: u16,
        shutdown: Shutdown,
    ) -> Arc<Self> {
        let allowlist = Allowlist::new(port, config.trust_proxy);
        if let Some(public) = &config.public_url {
            allowlist.add_public(&public.host, &public.origin);
        }
        Arc::new(Self {
            sessions: Sessions::new(config.idle_timeout, config.session_lifetime),
            limiter: Limiter::new(Limits::default()),
            audit: Audit::open(&config.config_dir),
            terminals: Terminals::new(&config),
            websocket_slots: Arc::new(Semaphore::new(config.max_websockets)),
            allowlist,
            credentials,
            config,
            shutdown,
        })
    }
}
