//! Running the helper on sockets: the main listener, the alternate-port listeners
//! (ping only) and the demo stand-ins for a VPN server's ports. Connections are
//! served through hyper-util's auto builder with a Tokio timer, so the header-read
//! timeout really fires (`axum::serve` installs no timer), and shut down gracefully.
//! Every connection also has an idle timeout (no bytes either way) and takes a slot
//! under the global and per-client connection caps, or is closed at once.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use ipnet::IpNet;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt;

use crate::client::{canonical, limit_key};
use crate::state::{AppState, StartError};

/// The connection caps, shared by every listener of one helper: a slot is taken at
/// accept and given back when the connection ends, however it ends.
struct Caps {
    global: Arc<Semaphore>,
    per_client: Mutex<HashMap<IpAddr, usize>>,
    max_per_client: usize,
    /// Trusted proxies carry many clients on their connections, so only the global
    /// cap applies to them.
    trusted: Vec<IpNet>,
}

/// One connection's place under the caps.
struct Slot {
    _global: OwnedSemaphorePermit,
    client: Option<IpAddr>,
    caps: Arc<Caps>,
}

impl Caps {
    fn new(max: usize, max_per_client: usize, trusted: Vec<IpNet>) -> Arc<Caps> {
        Arc::new(Caps {
            global: Arc::new(Semaphore::new(max)),
            per_client: Mutex::new(HashMap::new()),
            max_per_client,
            trusted,
        })
    }

    /// A slot for a connection from `peer`, or `None` when a cap is reached.
    fn admit(self: &Arc<Self>, peer: IpAddr) -> Option<Slot> {
        let global = self.global.clone().try_acquire_owned().ok()?;
        let peer = canonical(peer);
        let client = if self.trusted.iter().any(|n| n.contains(&peer)) {
            None
        } else {
            // Keyed like the rate limits: one IPv6 subscriber usually holds a whole /64.
            let key = limit_key(peer);
            let mut map = self.per_client.lock().unwrap_or_else(|p| p.into_inner());
            let n = map.entry(key).or_insert(0);
            if *n >= self.max_per_client {
                return None;
            }
            *n += 1;
            Some(key)
        };
        Some(Slot {
            _global: global,
            client,
            caps: self.clone(),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(key) = self.client {
            let mut map = self
                .caps
                .per_client
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if let Some(n) = map.get_mut(&key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    // Keeps the map as small as the set of clients connected now.
                    map.remove(&key);
                }
            }
        }
    }
}

/// A stream that notes when bytes last moved either way, for the idle timeout.
/// (hyper's HTTP/2 side has no idle timeout, and its HTTP/1 header-read timer does
/// not cover a client that stops reading a response.)
struct Watched {
    inner: TcpStream,
    born: Instant,
    last: Arc<AtomicU64>,
}

impl Watched {
    fn touch(&self) {
        let ms = u64::try_from(self.born.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.touch();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Returns once no byte has moved for `idle` (the connection is then dropped).
async fn idle_expired(born: Instant, last: Arc<AtomicU64>, idle: Duration) {
    loop {
        let deadline = born + Duration::from_millis(last.load(Ordering::Relaxed)) + idle;
        if Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep_until(deadline).await;
    }
}

/// What every listener of one helper serves with.
#[derive(Clone)]
struct Limits {
    header_timeout: Duration,
    idle: Duration,
    grace: Duration,
    caps: Arc<Caps>,
}

/// What is listening, once [`start`] returns.
pub struct Running {
    /// The main listener (the app and the API).
    pub addr: SocketAddr,
    /// Alternate ports that were bound.
    pub alt: Vec<SocketAddr>,
    /// Demo stand-in listeners that were bound.
    pub demo: Vec<SocketAddr>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl Running {
    /// The URL people open.
    pub fn url(&self) -> String {
        url_of(self.addr)
    }

    /// Stops accepting, lets requests in flight finish (up to the grace time), and
    /// returns when every listener is done.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

/// `http://127.0.0.1:8080/`; an unspecified bind address is shown as loopback, which
/// is where a person on this machine reaches it.
pub fn url_of(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        std::net::IpAddr::V4(v4) if v4.is_unspecified() => "127.0.0.1".to_string(),
        std::net::IpAddr::V6(v6) if v6.is_unspecified() => "[::1]".to_string(),
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
    };
    format!("http://{ip}:{}/", addr.port())
}

/// Binds every listener and starts serving. `port` overrides `listen.port`.
/// The main listener must bind; an alternate or demo port that cannot is reported
/// and left out (the app is told only the ports really listened on).
pub async fn start(state: AppState, port: Option<u16>) -> Result<Running, StartError> {
    let cfg = state.config().clone();
    let main_addr = SocketAddr::new(cfg.listen.address, port.unwrap_or(cfg.listen.port));
    let main = TcpListener::bind(main_addr).await.map_err(|e| {
        StartError(format!(
            "cannot listen on {main_addr}: {e} (choose another port with --port or listen.port)"
        ))
    })?;
    let addr = main.local_addr().map_err(|e| StartError(e.to_string()))?;

    let mut alt = Vec::new();
    let mut alt_listeners = Vec::new();
    for p in &cfg.listen.alt_ports {
        let a = SocketAddr::new(cfg.listen.address, *p);
        match TcpListener::bind(a).await {
            Ok(l) => {
                if let Ok(bound) = l.local_addr() {
                    alt.push(bound);
                    alt_listeners.push(l);
                }
            }
            Err(e) => tracing::warn!(
                address = %a,
                error = %e,
                "alternate port not available; the app will not be told about it"
            ),
        }
    }
    state.set_alt_ports(alt.iter().map(SocketAddr::port).collect());

    let mut demo = Vec::new();
    let mut demo_listeners = Vec::new();
    for a in &cfg.demo_listeners {
        match TcpListener::bind(a).await {
            Ok(l) => {
                if let Ok(bound) = l.local_addr() {
                    demo.push(bound);
                    demo_listeners.push(l);
                }
            }
            // Another helper's demo listener on this port answers probes just as well.
            Err(e) => tracing::warn!(address = %a, error = %e, "demo listener not started"),
        }
    }

    let (stop, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let limits = Limits {
        header_timeout: cfg.http.header_read_timeout,
        idle: cfg.http.idle_timeout,
        grace: cfg.http.shutdown_grace,
        caps: Caps::new(
            cfg.http.max_connections,
            cfg.http.max_connections_per_client,
            cfg.proxy.trusted.clone(),
        ),
    };
    tasks.spawn(serve(
        main,
        crate::app(state.clone()),
        limits.clone(),
        stop_rx.clone(),
    ));
    for l in alt_listeners {
        tasks.spawn(serve(
            l,
            crate::alt_app(state.clone()),
            limits.clone(),
            stop_rx.clone(),
        ));
    }
    for l in demo_listeners {
        tasks.spawn(demo_accept(l, stop_rx.clone()));
    }
    Ok(Running {
        addr,
        alt,
        demo,
        stop,
        tasks,
    })
}

/// Serves one listener until told to stop, then drains its connections.
async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        // Out of descriptors and the like: pause instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Some(slot) = limits.caps.admit(peer.ip()) else {
                    // Closed at once: an answer would cost what the cap protects.
                    tracing::debug!("connection cap reached; connection closed");
                    drop(stream);
                    continue;
                };
                let svc = router
                    .clone()
                    .map_request(move |mut req: Request<Incoming>| {
                        req.extensions_mut().insert(ConnectInfo(peer));
                        req
                    });
                let born = Instant::now();
                let last = Arc::new(AtomicU64::new(0));
                let io = Watched { inner: stream, born, last: last.clone() };
                let conn = builder
                    .serve_connection_with_upgrades(TokioIo::new(io), TowerToHyperService::new(svc))
                    .into_owned();
                let conn = graceful.watch(conn);
                let idle = limits.idle;
                tokio::spawn(async move {
                    // Held until the connection is gone, whichever way it goes.
                    let _slot = slot;
                    tokio::select! {
                        r = conn => {
                            if let Err(e) = r {
                                tracing::debug!(error = %e, "connection ended with an error");
                            }
                        }
                        _ = idle_expired(born, last, idle) => {
                            tracing::debug!("idle connection closed");
                        }
                    }
                });
            }
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(limits.grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections were still busy after the shutdown grace time");
    }
}

/// A stand-in VPN port: accepts and closes, which is all a probe looks for.
async fn demo_accept(listener: TcpListener, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Err(e) = accepted {
                    tracing::debug!(error = %e, "demo accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            _ = stop.changed() => break,
        }
    }
}

/// Installs the SIGTERM and Ctrl-C handlers now (so a signal that arrives before
/// anyone waits is not lost, nor fatal), and returns the wait for either.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
    let ctrl_c = tokio::signal::ctrl_c();
    async move {
        #[cfg(unix)]
        let term = async move {
            match term {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM");
                    std::future::pending::<()>().await;
                }
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            r = ctrl_c => {
                if r.is_err() {
                    std::future::pending::<()>().await;
                }
            },
            _ = term => {},
        }
    }
}
