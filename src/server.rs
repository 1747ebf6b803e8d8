//! The accept loop: admission (connection caps, see [`admission`]),
//! slow-client timeouts, HTTP/1.1 with upgrades, and an orderly stop.
//!
//! Stopping (see [`run`]): stop accepting; connections finish their current
//! request and close (WebSockets watch the same [`Shutdown`] and send a Close
//! frame); every shell is ended and reaped; then `run` returns.

pub mod admission;

use crate::auth::credentials::Credentials;
use crate::auth::sessions::SWEEP_INTERVAL;
use crate::auth::{self, Access, Principal};
use crate::config::Config;
use crate::shutdown::Shutdown;
use crate::state::AppState;
use admission::Ticket;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// Largest request head (request line + headers) we buffer.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// How long open connections get to wind down at shutdown.
const DRAIN_TIMEOUT: Duration = Duration::from_millis(1200);

/// Serves until `shutdown` is triggered, then winds everything down.
pub async fn run(
    config: Config,
    credentials: Credentials,
    listener: TcpListener,
    shutdown: Shutdown,
) -> std::io::Result<()> {
    let port = listener.local_addr()?.port();
    let tuning = crate::state::Tuning::default();
    let disk = crate::state::OnDisk::open(&config)?;
    let state = AppState::new(config, tuning, credentials, disk, port, shutdown);
    serve(state, listener).await
}

/// Like [`run`], for a caller that built the state itself (to mint a
/// start-up share link, or watch a tunnel). Stops on `state.shutdown`.
pub async fn serve(state: Arc<AppState>, listener: TcpListener) -> std::io::Result<()> {
    let shutdown = state.shutdown.clone();
    tokio::spawn(sweep(state.clone()));
    // Retention and the total cap of the recordings, every few minutes.
    tokio::spawn(
        state
            .recordings
            .clone()
            .sweep_periodically(shutdown.clone()),
    );
    let mut connections = JoinSet::new();
    loop {
        let (stream, peer) = tokio::select! {
            _ = shutdown.wait() => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // EMFILE and friends: back off briefly rather than spin.
                    tracing::warn!("accept: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Reap finished connection tasks so the set stays small.
        while connections.try_join_next().is_some() {}
        let Some(ticket) = state.admission.admit() else {
            tracing::warn!("every connection slot is the owner's; refusing {peer}");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        connections.spawn(connection(state.clone(), stream, peer, Arc::new(ticket)));
        // Let the new connection read what it already sent before the next
        // accept can evict it: under a flood of pending connections, accepts
        // would otherwise run back to back (up to the task budget) and evict
        // newcomers, the owner's among them, before they were ever read.
        tokio::task::yield_now().await;
    }
    drop(listener);
    tracing::info!("stopping: closing connections and ending shells");
    let drained = async { while connections.join_next().await.is_some() {} };
    tokio::join!(state.terminals.close_all(), async {
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, drained).await;
    });
    connections.abort_all();
    Ok(())
}

/// Serves one connection until it ends, is evicted or we stop.
async fn connection(
    state: Arc<AppState>,
    stream: tokio::net::TcpStream,
    peer: std::net::SocketAddr,
    ticket: Arc<Ticket>,
) {
    let shutdown = state.shutdown.clone();
    let header_timeout = state.tuning.header_timeout;
    let seat = ticket.clone();
    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let state = state.clone();
        let ticket = ticket.clone();
        async move {
            // Before anything awaits, so an eviction still pending is called off.
            if !ticket.is_trusted() && carries_owner_session(&state, req.headers()) {
                ticket.trust();
            }
            let answer = admission::serving(ticket, crate::http::handle(state, req, peer));
            Ok::<_, Infallible>(answer.await)
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(MAX_HEAD_BYTES);
    let connection = builder
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(connection);
    loop {
        tokio::select! {
            // The connection first: what the client already sent is read
            // (and the owner's cookie seen) before an eviction takes effect.
            biased;
            _ = connection.as_mut() => return,
            _ = seat.evicted() => {
                if seat.is_evicted() {
                    // Dropping the connection closes the socket.
                    tracing::debug!("evicted anonymous connection from {peer} to admit a newer one");
                    return;
                }
            }
            _ = shutdown.wait() => {
                connection.as_mut().graceful_shutdown();
                let _ = connection.as_mut().await;
                return;
            }
        }
    }
}

/// Whether a request carries a live owner session (not a guest's: see
/// [`admission`]). Looked up without marking activity.
fn carries_owner_session(state: &AppState, headers: &hyper::HeaderMap) -> bool {
    matches!(
        auth::require(
            &state.sessions,
            &state.shares,
            headers,
            &state.config.base_path,
            Access::Owner,
            false,
            None
        ),
        Ok(Principal::Owner(_))
    )
}

/// Expires sessions and API tokens (so their sockets close promptly), acts on `termgate
/// unlock` and prunes budgets.
async fn sweep(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(SWEEP_INTERVAL);
    let mut ticks = 0u64;
    loop {
        tokio::select! {
            _ = state.shutdown.wait() => return,
            _ = tick.tick() => {}
        }
        state.sessions.sweep();
        // Expired tokens' sockets close as promptly as expired sessions'.
        state.tokens.sweep();
        crate::auth::unlock::poll(&state.config.config_dir, &state.limiter, &state.audit);
        ticks += 1;
        if ticks.is_multiple_of(240) {
            state.limiter.prune();
        }
    }
}
