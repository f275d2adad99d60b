//! The accept loop: HTTP/1.1 connections with a header-read timeout (which
//! also closes idle keep-alive connections), a cap on connections in all
//! and per client address, and a graceful shutdown that lets in-flight
//! requests finish.
//!
//! Without these, a client trickling one header byte every few seconds, or
//! simply opening connections and sending nothing, held them open forever
//! (slowloris). A header must now arrive whole within the timeout; a
//! connection over a cap is closed as soon as it is accepted.

use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

/// How the server treats connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A request's header must arrive whole within this time, counted
    /// from when the server starts waiting for it (so an idle keep-alive
    /// connection is closed after it too).
    pub header_read_timeout: Duration,
    /// Connections open at once, in all.
    pub max_connections: usize,
    /// Connections open at once from one client address.
    pub max_connections_per_ip: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_connections_per_ip: 128,
        }
    }
}

/// Connections open per client address.
#[derive(Default)]
struct PerClient(Mutex<HashMap<IpAddr, usize>>);

/// One client's share of the connections, given back on drop.
struct ClientSlot {
    clients: Arc<PerClient>,
    ip: IpAddr,
}

impl PerClient {
    /// A slot for `ip`, unless it holds `max` connections already.
    fn take(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<ClientSlot> {
        let mut open = self.0.lock().expect("connection count lock");
        let n = open.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(ClientSlot {
            clients: self.clone(),
            ip,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self.clients.0.lock().expect("connection count lock");
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves; then stops
/// accepting, asks each connection to finish its request in flight and
/// close, and returns once all have. `refused` counts connections closed
/// for a cap.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: ConnectionLimits,
    refused: impl Fn() + Send + Sync + 'static,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let total = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let open = Arc::new(Semaphore::new(total as usize));
    let clients = Arc::new(PerClient::default());
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors, say: wait a little, as the
                // connections in flight close.
                Err(e) => {
                    tracing::warn!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (Ok(permit), Some(slot)) = (
            open.clone().try_acquire_owned(),
            clients.take(addr.ip(), limits.max_connections_per_ip),
        ) else {
            refused();
            drop(stream);
            continue;
        };
        let app = app.clone();
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(addr));
                app.clone().oneshot(req.map(Body::new))
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!("connection from {addr}: {e}");
                    }
                }
                () = async { drop(stopping.wait_for(|s| *s).await) } => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop((permit, slot));
        });
    }
    stop.send_replace(true);
    // Every connection holds a permit until it is done.
    let _all = open.acquire_many(total).await;
    Ok(())
}
