//! Running the helper on sockets: the main listener, the alternate-port listeners
//! (ping only) and the demo stand-ins for a VPN server's ports. Each connection
//! is served by hyper with a Tokio timer, so the header-read timeout really fires
//! (`axum::serve` installs no timer), and shut down gracefully. Its first bytes
//! tell HTTP/1.1 from HTTP/2 with prior knowledge (they must arrive within the
//! header-read timeout too); each task holds only the protocol its connection
//! speaks, which keeps thousands of open connections small. Every connection also
//! has an idle timeout (no bytes either way) and takes a slot under the global and
//! per-client connection caps, or is closed at once.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::response::Response;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use ipnet::IpNet;
use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};

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

/// The HTTP/2 connection preface (RFC 9113, section 3.4): a client speaking HTTP/2
/// with prior knowledge opens with it.
const H2_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// A stream that notes when bytes last moved either way, for the idle timeout.
/// (hyper's HTTP/2 side has no idle timeout, and its HTTP/1 header-read timer does
/// not cover a client that stops reading a response.) It also hands hyper again
/// the first bytes read to tell the protocol.
struct Watched {
    inner: TcpStream,
    born: Instant,
    last: Arc<AtomicU64>,
    /// The first bytes, read by [`Watched::sniff`]; `head[replayed..sniffed]` are
    /// still to be read by hyper.
    head: [u8; H2_PREFACE.len()],
    sniffed: usize,
    replayed: usize,
}

impl Watched {
    fn new(inner: TcpStream) -> Watched {
        Watched {
            inner,
            born: Instant::now(),
            last: Arc::new(AtomicU64::new(0)),
            head: [0; H2_PREFACE.len()],
            sniffed: 0,
            replayed: 0,
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.born.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }

    /// Reads until the first bytes are HTTP/2's preface (`true`) or cannot be
    /// (`false`, also at end of stream), as hyper-util's auto builder does.
    async fn sniff(&mut self) -> io::Result<bool> {
        while self.sniffed < H2_PREFACE.len() {
            self.inner.readable().await?;
            let at = self.sniffed;
            let n = match self.inner.try_read(&mut self.head[at..]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                return Ok(false);
            }
            self.touch();
            self.sniffed += n;
            if self.head[at..self.sniffed] != H2_PREFACE[at..self.sniffed] {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut replayed = false;
        if self.replayed < self.sniffed && buf.remaining() > 0 {
            let head = &self.head[self.replayed..self.sniffed];
            let n = head.len().min(buf.remaining());
            buf.put_slice(&head[..n]);
            self.replayed += n;
            replayed = true;
        }
        // What follows the first bytes joins them in the same read: hyper sizes
        // its buffer by what one read brings, and a read of the first bytes alone
        // would have it grow again (to twice the size) for the rest.
        let before = buf.filled().len();
        let r = if buf.remaining() > 0 {
            Pin::new(&mut self.inner).poll_read(cx, buf)
        } else {
            Poll::Ready(Ok(()))
        };
        if buf.filled().len() > before {
            self.touch();
        }
        match r {
            // The first bytes are delivered now; the next read meets what stopped this one.
            Poll::Pending | Poll::Ready(Err(_)) if replayed => Poll::Ready(Ok(())),
            r => r,
        }
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

pin_project! {
    /// A connection that ends early once no byte has moved either way for `idle`
    /// (`None` then).
    struct IdleLimited<C> {
        #[pin]
        conn: C,
        #[pin]
        timer: Sleep,
        born: Instant,
        last: Arc<AtomicU64>,
        idle: Duration,
        armed: bool,
    }
}

impl<C> IdleLimited<C> {
    fn new(conn: C, born: Instant, last: Arc<AtomicU64>, idle: Duration) -> IdleLimited<C> {
        IdleLimited {
            conn,
            timer: tokio::time::sleep_until(born + idle),
            born,
            last,
            idle,
            armed: false,
        }
    }
}

impl<C: Future> Future for IdleLimited<C> {
    type Output = Option<C::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if let Poll::Ready(out) = this.conn.poll(cx) {
            return Poll::Ready(Some(out));
        }
        // Once the timer holds this task's waker it needs polling again only when
        // it has fired (the task's waker does not change).
        if *this.armed && !this.timer.is_elapsed() {
            return Poll::Pending;
        }
        *this.armed = true;
        // The timer is set for the last activity it knew of; bytes since move it on.
        while this.timer.as_mut().poll(cx).is_ready() {
            let last = Duration::from_millis(this.last.load(Ordering::Relaxed));
            let deadline = *this.born + last + *this.idle;
            if Instant::now() >= deadline {
                return Poll::Ready(None);
            }
            this.timer.as_mut().reset(deadline);
        }
        Poll::Pending
    }
}

/// The protocols one listener speaks, set up once: HTTP/1.1 with the header-read
/// timer, and HTTP/2 for clients that open with its preface.
struct Protocols {
    h1: http1::Builder,
    h2: http2::Builder<TokioExecutor>,
}

impl Protocols {
    fn new(header_timeout: Duration) -> Protocols {
        let mut h1 = http1::Builder::new();
        h1.timer(TokioTimer::new())
            .header_read_timeout(header_timeout);
        let mut h2 = http2::Builder::new(TokioExecutor::new());
        h2.timer(TokioTimer::new());
        Protocols { h1, h2 }
    }
}

/// The router as one connection serves it: every request carries the peer's
/// address (`ConnectInfo`), which the layers and handlers read.
#[derive(Clone)]
struct WithPeer {
    router: Router,
    peer: SocketAddr,
}

impl tower::Service<Request<Incoming>> for WithPeer {
    type Response = Response;
    type Error = Infallible;
    type Future = <Router as tower::Service<Request<Incoming>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        tower::Service::<Request<Incoming>>::poll_ready(&mut self.router, cx)
    }

    fn call(&mut self, mut req: Request<Incoming>) -> Self::Future {
        req.extensions_mut().insert(ConnectInfo(self.peer));
        tower::Service::call(&mut self.router, req)
    }
}

/// One connection from its first byte to its end: which protocol it speaks (the
/// first bytes must come within the header-read timeout), then serving it until
/// it ends, goes idle, or the listener's shutdown has let it finish. Its slot
/// under the caps is held until then, however it ends.
async fn connection(
    stream: TcpStream,
    svc: WithPeer,
    protocols: Arc<Protocols>,
    watcher: Watcher,
    timeouts: Timeouts,
    slot: Slot,
) {
    let _slot = slot;
    let mut io = Watched::new(stream);
    let h2 = match tokio::time::timeout(timeouts.header, io.sniff()).await {
        Ok(Ok(h2)) => h2,
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "connection failed before its first request");
            return;
        }
        Err(_) => {
            tracing::debug!("no request within the header-read timeout; connection closed");
            return;
        }
    };
    let svc = TowerToHyperService::new(svc);
    let (born, last) = (io.born, io.last.clone());
    let io = TokioIo::new(io);
    let ended = if h2 {
        // Rare, and several times the size of HTTP/1's state: boxed, so the
        // task of every HTTP/1 connection stays small.
        let conn = Box::pin(watcher.watch(protocols.h2.serve_connection(io, svc)));
        IdleLimited::new(conn, born, last, timeouts.idle).await
    } else {
        let conn = watcher.watch(protocols.h1.serve_connection(io, svc));
        IdleLimited::new(conn, born, last, timeouts.idle).await
    };
    match ended {
        Some(Ok(())) => {}
        Some(Err(e)) => tracing::debug!(error = %e, "connection ended with an error"),
        None => tracing::debug!("idle connection closed"),
    }
}

/// A connection's time limits.
#[derive(Clone, Copy)]
struct Timeouts {
    /// For the first bytes, and for each request's headers.
    header: Duration,
    /// With no byte moving either way.
    idle: Duration,
}

/// What every listener of one helper serves with.
#[derive(Clone)]
struct Limits {
    timeouts: Timeouts,
    grace: Duration,
    caps: Arc<Caps>,
}

/// The runtime `serve` runs on: Tokio's multi-thread scheduler, one worker per
/// core, whose workers write their collected log lines whenever they go idle (see
/// [`crate::logging`]).
pub fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_park(crate::logging::worker_idle)
        .on_thread_stop(crate::logging::thread_stop)
        .build()
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

/// Connections the kernel queues for a listener before they are accepted (it caps
/// this at `net.core.somaxconn`): a burst of clients connecting at once, a whole
/// office after an outage, waits in the queue instead of losing its handshakes to
/// retries that take seconds.
const BACKLOG: u32 = 4096;

/// A listening socket on `addr`, set up as Tokio's `TcpListener::bind` does but
/// with a longer queue.
fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // A restarted helper can bind its port again at once.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Binds every listener and starts serving. `port` overrides `listen.port`.
/// The main listener must bind; an alternate or demo port that cannot is reported
/// and left out (the app is told only the ports really listened on).
pub async fn start(state: AppState, port: Option<u16>) -> Result<Running, StartError> {
    let cfg = state.config().clone();
    let main_addr = SocketAddr::new(cfg.listen.address, port.unwrap_or(cfg.listen.port));
    let main = listen(main_addr).map_err(|e| {
        StartError(format!(
            "cannot listen on {main_addr}: {e} (choose another port with --port or listen.port)"
        ))
    })?;
    let addr = main.local_addr().map_err(|e| StartError(e.to_string()))?;

    let mut alt = Vec::new();
    let mut alt_listeners = Vec::new();
    for p in &cfg.listen.alt_ports {
        let a = SocketAddr::new(cfg.listen.address, *p);
        match listen(a) {
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
        timeouts: Timeouts {
            header: cfg.http.header_read_timeout,
            idle: cfg.http.idle_timeout,
        },
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
    let protocols = Arc::new(Protocols::new(limits.timeouts.header));
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
                let svc = WithPeer { router: router.clone(), peer };
                tokio::spawn(connection(
                    stream,
                    svc,
                    protocols.clone(),
                    graceful.watcher(),
                    limits.timeouts,
                    slot,
                ));
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
