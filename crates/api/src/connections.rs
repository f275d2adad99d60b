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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A request's header must arrive whole within this time, counted
    /// from when the server starts waiting for it (so an idle keep-alive
    /// connection is closed after it too).
    pub header_read_timeout: Duration,
    /// Connections open at once, in all.
    pub max_connections: usize,
    /// Connections open at once from one client address.
    pub max_connections_per_ip: usize,
    /// Reverse proxies in front of the node (`docs/deploy.md`): a request
    /// from one of these addresses is counted against the client its
    /// `X-Forwarded-For` names last (the address the proxy saw), and the
    /// proxy's own connections are outside the per-address cap. Empty: no
    /// header is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// The client a request counts against: the connection's peer, or, when
/// that peer is a trusted proxy, the last address of `X-Forwarded-For`
/// (the one the proxy appended). A header that does not parse leaves the
/// proxy's own address: such a request shares the proxy's budget.
#[must_use]
pub fn client_of(
    peer: std::net::SocketAddr,
    headers: &axum::http::HeaderMap,
    trusted: &[std::net::IpAddr],
) -> std::net::SocketAddr {
    if !trusted.contains(&peer.ip()) {
        return peer;
    }
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|ip| ip.trim().parse::<std::net::IpAddr>().ok());
    last.map_or(peer, |ip| std::net::SocketAddr::new(ip, 0))
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_connections_per_ip: 128,
            trusted_proxies: Vec::new(),
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
    let trusted: Arc<[std::net::IpAddr]> = limits.trusted_proxies.clone().into();
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
        let per_ip = if limits.trusted_proxies.contains(&addr.ip()) {
            usize::MAX
        } else {
            limits.max_connections_per_ip
        };
        let (Ok(permit), Some(slot)) = (
            open.clone().try_acquire_owned(),
            clients.take(addr.ip(), per_ip),
        ) else {
            refused();
            drop(stream);
            continue;
        };
        let app = app.clone();
        let mut stopping = stopping.clone();
        let trusted = trusted.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                let client = client_of(addr, req.headers(), &trusted);
                req.extensions_mut().insert(ConnectInfo(client));
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

#[cfg(test)]
mod forwarded_tests {
    use super::client_of;
    use axum::http::HeaderMap;

    #[test]
    fn only_a_trusted_peer_names_the_client() {
        let proxy: std::net::SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let other: std::net::SocketAddr = "192.0.2.9:5000".parse().unwrap();
        let trusted = ["127.0.0.1".parse().unwrap()];
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "10.0.0.1, 198.51.100.7".parse().unwrap());
        assert_eq!(
            client_of(proxy, &h, &trusted).ip().to_string(),
            "198.51.100.7"
        );
        assert_eq!(client_of(other, &h, &trusted), other);
        assert_eq!(client_of(proxy, &h, &[]), proxy);
        h.insert("x-forwarded-for", "not an address".parse().unwrap());
        assert_eq!(client_of(proxy, &h, &trusted), proxy);
        assert_eq!(client_of(proxy, &HeaderMap::new(), &trusted), proxy);
    }
}
