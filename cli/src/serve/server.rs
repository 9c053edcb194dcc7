//! serve's HTTP server: hyper (HTTP/1.1, as GitHub speaks) with the limits
//! `axum::serve` does not set, so that slow or oversize clients cannot
//! exhaust it:
//!
//! - a **connection cap**: beyond it, connections wait in the kernel's
//!   backlog ([`LISTEN_BACKLOG`]) until one closes;
//! - a **header timeout** per request (GitHub sends its headers at once);
//! - a **body timeout** and a **global budget of body bytes in flight**,
//!   both applied by the webhook handler ([`BodyBudget`]), which checks
//!   `Content-Length` before reading a byte of the body.
//!
//! Written over hyper's connection builder (rather than `axum::serve`)
//! because that is where the header timeout and the cap live; the routes
//! are still axum's.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

/// What keeps serve alive under abuse. `serve --help` names each flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Open connections at once.
    pub max_connections: usize,
    /// Time to receive a request's headers.
    pub header_timeout: Duration,
    /// Time to receive a request's body (GitHub gives up after 10 s).
    pub body_timeout: Duration,
    /// Body bytes being received at once, over all requests.
    pub in_flight_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 2_048,
            header_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(10),
            in_flight_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Connections the kernel holds for serve to accept. Linux clamps it to
/// `net.core.somaxconn` (4096 by default since 5.4). The 1,024 that
/// `TcpListener::bind` asks for overflowed in `tests/serve_abuse.rs`
/// when 1,200 connections arrived faster than a busy serve accepted
/// them, and an overflowing queue drops or resets connections before
/// serve sees them: those clients get no answer at all, not even a 503.
pub const LISTEN_BACKLOG: u32 = 4096;

/// Binds `addr` for serving, with [`LISTEN_BACKLOG`].
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As `TcpListener::bind` does, so that a restarted serve binds at once.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// How long shutdown waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The budget of body bytes in flight. A request reserves its
/// `Content-Length` before its body is read and gives it back when done;
/// one that does not fit is refused at once (503), not queued, so a few
/// clients announcing huge bodies cannot hold the small ones back.
#[derive(Debug, Clone)]
pub struct BodyBudget {
    /// Permits are KiB (a semaphore counts in u32).
    kib: Arc<Semaphore>,
}

impl BodyBudget {
    pub fn new(bytes: u64) -> Self {
        BodyBudget {
            kib: Arc::new(Semaphore::new(bytes.div_ceil(1024) as usize)),
        }
    }

    /// Reserves `bytes`, or `None` when they do not fit now.
    pub fn reserve(&self, bytes: u64) -> Option<OwnedSemaphorePermit> {
        let kib = u32::try_from(bytes.div_ceil(1024).max(1)).ok()?;
        self.kib.clone().try_acquire_many_owned(kib).ok()
    }
}

/// Resolves once `stop` is true (the guard `wait_for` returns is not
/// `Send`, so it is dropped here).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Serves `router` on `listener` until `stop` turns true, then lets the
/// requests in flight finish (at most [`SHUTDOWN_GRACE`]).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let cap = limits.max_connections.max(1);
    let slots = Arc::new(Semaphore::new(cap));
    let mut at_cap_logged = false;
    loop {
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                if !at_cap_logged {
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "at the connection cap; new connections wait until one closes"
                    );
                    at_cap_logged = true;
                }
                tokio::select! {
                    slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
                    _ = stopped(&mut stop) => break,
                }
            }
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopped(&mut stop) => break,
        };
        at_cap_logged = false;
        let service =
            TowerToHyperService::new(router.clone().map_request(
                |request: hyper::Request<Incoming>| request.map(axum::body::Body::new),
            ));
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            // Timeouts and clients going away end connections: not errors.
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stopped(&mut stop) => {
                    // Finish the request in flight, take no other.
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    // Every connection holds a slot until it ends: all slots back, all done.
    let all = u32::try_from(cap).unwrap_or(u32::MAX);
    if tokio::time::timeout(SHUTDOWN_GRACE, slots.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after {SHUTDOWN_GRACE:?}; stopping anyway");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_refuses_what_does_not_fit_and_takes_it_back() {
        let budget = BodyBudget::new(64 * 1024);
        let big = budget.reserve(60 * 1024).expect("fits");
        assert!(budget.reserve(8 * 1024).is_none(), "over the budget");
        assert!(budget.reserve(4 * 1024).is_some(), "what is left fits");
        drop(big);
        assert!(budget.reserve(60 * 1024).is_some(), "given back");
        assert!(budget.reserve(u64::MAX).is_none());
    }
}
