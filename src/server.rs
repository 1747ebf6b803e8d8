//! The accept loop: connection caps, slow-client timeouts, HTTP/1.1 with
//! upgrades, and an orderly stop.
//!
//! Stopping (see [`run`]): stop accepting; connections finish their current
//! request and close (WebSockets watch the same [`Shutdown`] and send a Close
//! frame); every shell is ended and reaped; then `run` returns.

use crate::auth::credentials::Credentials;
use crate::auth::sessions::SWEEP_INTERVAL;
use crate::config::Config;
use crate::shutdown::Shutdown;
use crate::state::AppState;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
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
    let state = AppState::new(config, credentials, port, shutdown)?;
    serve(state, listener).await
}

/// Like [`run`], for a caller that built the state itself (to mint a
/// start-up share link, or watch a tunnel). Stops on `state.shutdown`.
pub async fn serve(state: Arc<AppState>, listener: TcpListener) -> std::io::Result<()> {
    let shutdown = state.shutdown.clone();
    tokio::spawn(sweep(state.clone()));
    let slots = Arc::new(Semaphore::new(state.config.max_connections));
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
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            tracing::warn!("connection limit reached; refusing {peer}");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let shutdown = shutdown.clone();
        let header_timeout = state.config.header_timeout;
        connections.spawn(async move {
            let _permit = permit;
            let service = service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(crate::http::handle(state, req, peer).await) }
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
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = shutdown.wait() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
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

/// Expires sessions (so their sockets close promptly) and prunes budgets.
async fn sweep(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(SWEEP_INTERVAL);
    let mut ticks = 0u64;
    loop {
        tokio::select! {
            _ = state.shutdown.wait() => return,
            _ = tick.tick() => {}
        }
        state.sessions.sweep();
        ticks += 1;
        if ticks.is_multiple_of(240) {
            state.limiter.prune();
        }
    }
}
