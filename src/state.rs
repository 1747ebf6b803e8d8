//! The shared state every request handler sees, behind one `Arc`.
//!
//! Each field is a self-contained part with its own small API and its own
//! locking; nothing here is a bag of loose settings. A handler is handed a
//! view of just the parts it needs ([`AppState::logins`], [`AppState::sharing`],
//! [`AppState::tabs`]…), so what a route can touch is read off its signature. Building it is pure:
//! what comes from disk (the share-link key, the file root, the audit
//! files) is opened first, by [`OnDisk::open`], in `main` or a test.

use crate::audit::Audit;
use crate::auth::Principal;
use crate::auth::activity::OwnerActivity;
use crate::auth::api_tokens::ApiTokens;
use crate::auth::approval::Approvals;
use crate::auth::approval_api::GuestAdmin;
use crate::auth::checks::Checks;
use crate::auth::credentials::Credentials;
use crate::auth::limit::{Limiter, Limits};
use crate::auth::login::Logins;
use crate::auth::login_link::LoginLinks;
use crate::auth::reauth::Sensitive;
use crate::auth::second_factor::SecondFactor;
use crate::auth::sessions::Sessions;
use crate::auth::sessions_api::SessionAdmin;
use crate::auth::share::ShareLinks;
use crate::auth::share_api::Sharing;
use crate::auth::token_gate::TokenGate;
use crate::auth::tokens_api::TokenAdmin;
use crate::auth::totp_api::Factors;
use crate::config::Config;
use crate::error::Error;
use crate::exposure::Exposure;
use crate::files::Files;
use crate::http::guard::{Allowlist, Remote};
use crate::record::Recordings;
use crate::server::admission::Admission;
use crate::shutdown::Shutdown;
use crate::term::Terminals;
use crate::term::api::{Sockets, Tabs};
use crate::term::socket::Liveness;
use crate::term::tab_lock::Unlock;
use std::sync::Arc;
use std::time::Duration;

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
    pub tokens: ApiTokens,
    /// The machine's name, for the account's label in an authenticator app.
    pub host_label: String,
    pub files: Files,
    pub audit: Arc<Audit>,
    /// The recordings folder (retention applied once at opening).
    pub recordings: Recordings,
}

impl OnDisk {
    /// Reads (or creates) the share-link key in the private config folder,
    /// loads the API tokens, opens the file root, the audit files and the recordings folder.
    /// Fails when a key cannot be read or made or the token store is damaged; a root that
    /// cannot be opened only turns the file
    /// browser off (see [`Files`]).
    pub fn open(config: &Config) -> std::io::Result<Self> {
        let share_key = crate::config::secrets::ensure_private_dir(&config.config_dir)
            .and_then(|()| {
                crate::config::secrets::load_or_create_key(&config.config_dir, SHARE_KEY_FILE)
            })
            .map_err(std::io::Error::other)?;
        let tokens = ApiTokens::open(&config.config_dir).map_err(std::io::Error::other)?;
        let audit = Arc::new(Audit::open(&config.config_dir));
        Ok(Self {
            share_key,
            tokens,
            host_label: crate::auth::totp::account_label(),
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
    /// Interactive guests waiting for, or holding, the owner's live approval.
    pub approvals: Approvals,
    pub tokens: ApiTokens,
    /// The optional TOTP factor, read from the config folder at each check.
    pub second_factor: SecondFactor,
    /// The name an authenticator app lists this account under.
    pub host_label: String,
    pub exposure: Exposure,
    pub activity: OwnerActivity,
    /// The host's figures for `/api/status`.
    pub host: crate::host::Host,
    pub shutdown: Shutdown,
    /// One permit per open WebSocket (guests never get the owner's last ones).
    pub websocket_slots: crate::http::websocket::Slots,
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
            approvals: Approvals::default(),
            tokens: disk.tokens,
            second_factor: SecondFactor::new(&config.config_dir),
            host_label: disk.host_label,
            exposure: Exposure::new(&config),
            activity: OwnerActivity::default(),
            host: crate::host::Host::new(config.root.clone()),
            sessions: Sessions::new(config.idle_timeout, config.session_lifetime),
            limiter: Limiter::new(Limits::default()),
            audit: disk.audit,
            recordings: disk.recordings,
            terminals: Terminals::new(&config),
            files: disk.files,
            websocket_slots: crate::http::websocket::Slots::new(config.max_websockets),
            admission: Arc::new(Admission::new(config.max_connections)),
            allowlist,
            credentials,
            config,
            tuning,
            shutdown,
        })
    }

    /// What checking a secret needs.
    pub fn checks(&self) -> Checks<'_> {
        Checks {
            credentials: &self.credentials,
            limiter: &self.limiter,
            audit: &self.audit,
            second: &self.second_factor,
            sessions: &self.sessions,
            window: self.config.reauth_window,
        }
    }

    /// A route's re-authentication check, as the route table marks it.
    pub fn sensitive(
        &self,
        client: Remote,
        principal: &Principal,
        purpose: Option<&'static str>,
    ) -> Sensitive<'_> {
        Sensitive::new(self.checks(), client, principal, purpose)
    }

    /// The gate for requests made with an API token.
    pub fn token_gate(&self) -> TokenGate<'_> {
        TokenGate {
            tokens: &self.tokens,
            checks: self.checks(),
            base: &self.config.base_path,
        }
    }

    /// The `/api/tokens` routes' part.
    pub fn token_admin(&self) -> TokenAdmin<'_> {
        TokenAdmin {
            tokens: &self.tokens,
            checks: self.checks(),
        }
    }

    /// The session list's part.
    pub fn session_admin(&self) -> SessionAdmin<'_> {
        SessionAdmin {
            sessions: &self.sessions,
            checks: self.checks(),
        }
    }

    /// The guest-approval routes' part.
    pub fn guest_admin(&self) -> GuestAdmin<'_> {
        GuestAdmin {
            approvals: &self.approvals,
            audit: &self.audit,
            shutdown: &self.shutdown,
        }
    }

    /// The second-factor routes' part.
    pub fn factors(&self) -> Factors<'_> {
        Factors {
            second: &self.second_factor,
            checks: self.checks(),
            label: &self.host_label,
        }
    }

    /// The `/auth/*` routes' part.
    pub fn logins(&self) -> Logins<'_> {
        Logins {
            checks: self.checks(),
            second: &self.second_factor,
            sessions: &self.sessions,
            shares: &self.shares,
            activity: &self.activity,
            config_dir: &self.config.config_dir,
            base: &self.config.base_path,
            files: !self.config.terminal_only,
        }
    }

    /// The share routes' part.
    pub fn sharing(&self) -> Sharing<'_> {
        Sharing {
            checks: self.checks(),
            shares: &self.shares,
            sessions: &self.sessions,
            terminals: &self.terminals,
            exposure: &self.exposure,
            ttls: &self.tuning.share_ttls,
            base: &self.config.base_path,
        }
    }

    /// The login-link route's part.
    pub fn login_links(&self) -> LoginLinks<'_> {
        LoginLinks {
            credentials: &self.credentials,
            exposure: &self.exposure,
            audit: &self.audit,
            base: &self.config.base_path,
        }
    }

    /// A locked tab's check for one socket's client (`term::tab_lock`): the owner's
    /// factors, on that client's budgets. It holds the state for the socket's life,
    /// as every socket's task does.
    pub fn unlocker(self: &Arc<Self>, client: Remote) -> Arc<dyn Unlock> {
        Arc::new(OwnerFactors {
            state: self.clone(),
            client,
        })
    }

    /// The terminal socket's part.
    pub fn sockets(&self) -> Sockets<'_> {
        Sockets {
            terminals: &self.terminals,
            slots: &self.websocket_slots,
            sessions: &self.sessions,
            shares: &self.shares,
            approvals: &self.approvals,
            audit: &self.audit,
            activity: &self.activity,
            liveness: self.tuning.liveness,
            shutdown: &self.shutdown,
        }
    }

    /// The tab routes' part (list, create, rename, close).
    pub fn tabs(&self) -> Tabs<'_> {
        Tabs {
            terminals: &self.terminals,
            files: &self.files,
            terminal_only: self.config.terminal_only,
            recordings: &self.recordings,
        }
    }
}

struct OwnerFactors {
    state: Arc<AppState>,
    client: Remote,
}

impl Unlock for OwnerFactors {
    fn asks_code(&self) -> bool {
        self.state.second_factor.enabled()
    }

    fn check(&self, pin: &str, code: Option<&str>) -> Result<(), Error> {
        // The door's proof is for this socket alone: it opens no window.
        let checks = self.state.checks();
        checks.factors(self.client, pin, code, "tab_door").map(drop)
    }
}
