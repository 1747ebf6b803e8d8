//! The supervisor: the task that owns a running tunnel client until
//! shutdown, the public timeout, or repeated failure. It restarts a client
//! that dies (with doubling backoff) and ends every client it started,
//! whole process group and reaped, whichever way it returns.
//!
//! A shutdown ends it at every stage: while the client is up, in the
//! backoff, and while a restarted client has not printed its URL yet
//! ([`Tunnel::wait_for_url`] gives `None` then, the client stopped). Each
//! stop is bounded by [`super::SHUTDOWN_STOP_GRACE`] once shutdown began
//! (see [`Tunnel::stop`]).

use super::child::{Launch, Tunnel, Watched};
use super::{Report, Settings};
use crate::state::AppState;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Watches the client until shutdown, the public timeout, or repeated failure.
pub(super) async fn supervise(
    settings: Settings,
    launch: Launch,
    state: Arc<AppState>,
    mut client: Tunnel,
) {
    let deadline = settings
        .public_timeout
        .map(|t| tokio::time::Instant::now() + t);
    let mut failures = 0u32;
    let report = Report::of(&state);
    loop {
        let started = Instant::now();
        let ended = loop {
            tokio::select! {
                _ = state.shutdown.wait() => {
                    // Cut to the shutdown's budget inside `stop`.
                    client.stop().await;
                    return;
                }
                _ = sleep_until(deadline) => {
                    // Refused from this moment, not after the client's grace.
                    report.timed_out();
                    // The full grace: zrok deletes its share meanwhile.
                    client.stop().await;
                    return;
                }
                watched = client.wait() => match watched {
                    Watched::Connected(url) => report.connected(&url),
                    Watched::Exited(status) => break status,
                },
            }
        };
        // Refused while it is down; the idle clock keeps running across
        // the restart (a flapping tunnel must not keep a daemon public).
        report.exposure.tunnel_down();
        // Whatever the dead client left in its group goes with it.
        client.stop().await;
        // A client that ran for a while before dying is a new failure series.
        if started.elapsed() > Duration::from_secs(60) {
            failures = 0;
        }
        tracing::warn!("`{}` exited ({ended}); restarting", launch.program.name);
        loop {
            failures += 1;
            if failures > settings.max_failures {
                println!(
                    "the tunnel failed {} times in a row; public exposure stopped, still serving on localhost",
                    settings.max_failures
                );
                report.exposure.tunnel_ended();
                report.audit.record(
                    "tunnel_stopped",
                    serde_json::json!({"reason": "repeated_failures"}),
                );
                return;
            }
            let backoff = settings.backoff * 2u32.pow(failures.min(6) - 1);
            tokio::select! {
                _ = state.shutdown.wait() => return,
                _ = sleep_until(deadline) => return report.timed_out(),
                _ = tokio::time::sleep(backoff) => {}
            }
            // The public timeout holds during a restart too: a client that
            // comes up after it must not be announced (and is dropped,
            // which kills its group, if the deadline wins).
            let restart = async {
                match Tunnel::launch(&launch, &state.shutdown).await {
                    // `next` is stopped and reaped whenever this gives no URL.
                    Ok(mut next) => match next.wait_for_url(settings.url_timeout).await {
                        Ok(Some(found)) => Ok(Some((next, found))),
                        // Shutdown came first; `next` is stopped.
                        Ok(None) => Ok(None),
                        Err(err) => {
                            next.stop().await;
                            Err(err)
                        }
                    },
                    Err(err) => Err(err),
                }
            };
            let started = tokio::select! {
                started = restart => started,
                _ = sleep_until(deadline) => return report.timed_out(),
            };
            let started = match started {
                Ok(None) => return,
                Ok(Some(up)) => Ok(up),
                Err(err) => Err(err),
            };
            match started {
                Ok((next, (url, readiness))) => {
                    report.announce(settings.kind, &url, readiness, true);
                    client = next;
                    break;
                }
                Err(err) => match err.is_final() {
                    Some(reason) => {
                        println!("{err}; public exposure stopped, still serving on localhost");
                        report.exposure.tunnel_ended();
                        report
                            .audit
                            .record("tunnel_stopped", serde_json::json!({"reason": reason}));
                        return;
                    }
                    None => tracing::warn!("{err}"),
                },
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
