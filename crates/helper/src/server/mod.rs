//! Running the helper on sockets: the main listener, the alternate-port listeners
//! (ping only) and the demo stand-ins for a VPN server's ports. Each connection
//! is served by hyper with a Tokio timer, so the header-read timeout really fires
//! (`axum::serve` installs no timer), and shut down gracefully. Its first bytes
//! tell HTTP/1.1 from HTTP/2 with prior knowledge (they must arrive within the
//! header-read timeout too); each task holds only the protocol its connection
//! speaks, which keeps thousands of open connections small. Every connection also
//! has an idle timeout (no bytes either way) and a maximum age; an HTTP/2 one with
//! no request in flight is closed at the header-read timeout (PINGs are bytes, not
//! requests). Each takes a slot under the global and per-client connection caps,
//! or is closed at once; near the global cap (kept below the open-file limit) a
//! newcomer takes the place of the connection idle longest, so only clients that
//! keep sending requests (which the rate limits see) can hold slots.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::response::Response;
use axum::Router;
use hyper::body::{Body as HttpBody, Bytes, Frame, Incoming, SizeHint};
use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use ipnet::IpNet;
use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::net::forwarded::{canonical, limit_key};
use crate::state::AppState;

/// Why the helper could not start serving.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {0}: {1} (choose another port with --port or listen.port)")]
    Listen(SocketAddr, #[source] std::io::Error),
    #[error("the listener has no local address: {0}")]
    LocalAddr(#[source] std::io::Error),
}

/// The connection caps and the register of open connections, shared by every
/// listener of one helper: a slot is taken at accept and given back when the
/// connection ends (or is closed to make room), however it ends.
struct Caps {
    book: Mutex<Book>,
    max: usize,
    /// From this many open connections on (90 % of `max`), each admission first
    /// closes the connection idle longest, so that slots are held only by clients
    /// that keep sending requests (which the rate limits see).
    near: usize,
    max_per_client: usize,
    /// Trusted proxies carry many clients on their connections, so only the global
    /// cap applies to them.
    trusted: Vec<IpNet>,
    /// Where the entries' `idle_since` counts from.
    epoch: Instant,
}

/// What the caps count, under one lock (taken at accept, and as each request
/// starts and ends: short sections, no I/O).
struct Book {
    open: usize,
    per_client: HashMap<IpAddr, usize>,
    /// Connections with no request in flight, oldest idle first (keys only grow);
    /// at most one entry per open connection.
    idle: BTreeMap<u64, Arc<Entry>>,
    next_key: u64,
}

/// One open connection as the register knows it. The atomics change only under
/// the book's lock; the connection's own task reads them without it.
struct Entry {
    client: Option<IpAddr>,
    /// Requests in flight (from the call to the end of the response body).
    busy: AtomicUsize,
    /// Its key in [`Book::idle`]; 0 while it is not there.
    idle_key: AtomicU64,
    /// Since when no request is in flight (ms since [`Caps::epoch`]).
    idle_since: AtomicU64,
    /// Closed to make room: its slot is already given back.
    evicted: AtomicBool,
    /// Tells its task to close the connection now.
    evict: Notify,
}

/// One connection's place under the caps, shared by its task and its requests.
struct Slot {
    entry: Arc<Entry>,
    caps: Arc<Caps>,
}

impl Caps {
    fn new(max: usize, max_per_client: usize, trusted: Vec<IpNet>) -> Arc<Caps> {
        Arc::new(Caps {
            book: Mutex::new(Book {
                open: 0,
                per_client: HashMap::new(),
                idle: BTreeMap::new(),
                next_key: 1,
            }),
            max,
            near: max - max / 10,
            max_per_client: max_per_client.min(max),
            trusted,
            epoch: Instant::now(),
        })
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// A slot for a connection from `peer`, or `None` when a cap is reached (near
    /// the global cap, only once no idle connection is left to close).
    fn admit(self: &Arc<Self>, peer: IpAddr) -> Option<Arc<Slot>> {
        let peer = canonical(peer);
        let client = if self.trusted.iter().any(|n| n.contains(&peer)) {
            None
        } else {
            // Keyed like the rate limits: one IPv6 subscriber usually holds a whole /64.
            Some(limit_key(peer))
        };
        let mut book = self.book();
        if let Some(key) = client {
            if book.per_client.get(&key).copied().unwrap_or(0) >= self.max_per_client {
                return None;
            }
        }
        // Near the cap each newcomer takes the place of the connection idle
        // longest: the count stays where it is while any is idle (the newcomer
        // itself is idle until its first request, so it is not taken next).
        if book.open >= self.near {
            if let Some((_, entry)) = book.idle.pop_first() {
                entry.idle_key.store(0, Ordering::Relaxed);
                entry.evicted.store(true, Ordering::Relaxed);
                book.release(entry.client);
                entry.evict.notify_one();
            }
        }
        if book.open >= self.max {
            return None;
        }
        book.open += 1;
        if let Some(key) = client {
            *book.per_client.entry(key).or_insert(0) += 1;
        }
        let entry = Arc::new(Entry {
            client,
            busy: AtomicUsize::new(0),
            idle_key: AtomicU64::new(0),
            idle_since: AtomicU64::new(self.now_ms()),
            evicted: AtomicBool::new(false),
            evict: Notify::new(),
        });
        // Idle until its first request: a connection that never sends one gives way first.
        book.park(&entry);
        Some(Arc::new(Slot {
            entry,
            caps: self.clone(),
        }))
    }
}

impl Book {
    /// Gives back the slot of a connection that ends or is closed to make room.
    fn release(&mut self, client: Option<IpAddr>) {
        self.open = self.open.saturating_sub(1);
        if let Some(key) = client {
            if let Some(n) = self.per_client.get_mut(&key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    // Keeps the map as small as the set of clients connected now.
                    self.per_client.remove(&key);
                }
            }
        }
    }

    /// Registers `entry` as idle from now, behind every connection idle longer.
    fn park(&mut self, entry: &Arc<Entry>) {
        let key = self.next_key;
        self.next_key += 1;
        entry.idle_key.store(key, Ordering::Relaxed);
        self.idle.insert(key, entry.clone());
    }

    fn unpark(&mut self, entry: &Entry) {
        let key = entry.idle_key.swap(0, Ordering::Relaxed);
        if key != 0 {
            self.idle.remove(&key);
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut book = self.caps.book();
        if !self.entry.evicted.load(Ordering::Relaxed) {
            book.unpark(&self.entry);
            book.release(self.entry.client);
        }
    }
}

/// A request in flight on a connection: from the router's call to the end of the
/// response body. While one is, the connection is not idle: it is not closed to
/// make room, nor (HTTP/2) for having no stream open.
struct Busy(Arc<Slot>);

impl Busy {
    fn new(slot: Arc<Slot>) -> Busy {
        {
            let mut book = slot.caps.book();
            if slot.entry.busy.fetch_add(1, Ordering::Relaxed) == 0 {
                book.unpark(&slot.entry);
            }
        }
        Busy(slot)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let (caps, entry) = (&self.0.caps, &self.0.entry);
        let mut book = caps.book();
        if entry.busy.fetch_sub(1, Ordering::Relaxed) == 1 && !entry.evicted.load(Ordering::Relaxed)
        {
            entry.idle_since.store(caps.now_ms(), Ordering::Relaxed);
            book.park(entry);
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
/// address (`ConnectInfo`), which the layers and handlers read, and counts as in
/// flight on the connection's slot until its response body ends.
#[derive(Clone)]
struct WithPeer {
    router: Router,
    peer: SocketAddr,
    slot: Arc<Slot>,
}

impl tower::Service<Request<Incoming>> for WithPeer {
    type Response = Response;
    type Error = Infallible;
    type Future = InFlight<<Router as tower::Service<Request<Incoming>>>::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        tower::Service::<Request<Incoming>>::poll_ready(&mut self.router, cx)
    }

    fn call(&mut self, mut req: Request<Incoming>) -> Self::Future {
        let busy = Busy::new(self.slot.clone());
        req.extensions_mut().insert(ConnectInfo(self.peer));
        InFlight {
            inner: tower::Service::call(&mut self.router, req),
            busy: Some(busy),
        }
    }
}

pin_project! {
    /// The router's answer, with the request's [`Busy`] handed on to its body.
    struct InFlight<F> {
        #[pin]
        inner: F,
        busy: Option<Busy>,
    }
}

impl<F: Future<Output = Result<Response, Infallible>>> Future for InFlight<F> {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Poll::Ready(Ok(resp)) = this.inner.poll(cx) else {
            return Poll::Pending;
        };
        Poll::Ready(Ok(match this.busy.take() {
            Some(busy) => resp.map(|inner| axum::body::Body::new(BusyBody { inner, _busy: busy })),
            None => resp,
        }))
    }
}

pin_project! {
    /// A response body that keeps its request in flight until it is done with.
    struct BusyBody {
        #[pin]
        inner: axum::body::Body,
        _busy: Busy,
    }
}

impl HttpBody for BusyBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        self.project().inner.poll_frame(cx)
    }
    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }
    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The two connection types hyper serves here, asked to close gracefully: no new
/// request (HTTP/2: GOAWAY), those in flight finish.
trait Graceful: Future<Output = hyper::Result<()>> {
    fn close_gracefully(self: Pin<&mut Self>);
}

type Io = TokioIo<Watched>;
type Svc = TowerToHyperService<WithPeer>;

impl Graceful for http1::Connection<Io, Svc> {
    fn close_gracefully(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

impl Graceful for http2::Connection<Io, Svc, TokioExecutor> {
    fn close_gracefully(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

/// How a connection ended.
enum End {
    Served(hyper::Result<()>),
    /// No byte either way for the idle timeout.
    Quiet,
    /// Closed to make room near the global cap.
    Evicted,
    /// Still open when its graceful close had run out of time.
    Cut,
}

/// Serves `conn` until it ends, enforcing the connection's limits with one timer:
/// the idle timeout (no bytes either way), the maximum age, and for HTTP/2 the
/// header-read timeout while no request is in flight (judged by requests, not
/// bytes: a PING is traffic but asks nothing). The last two, and the listener's
/// shutdown, close it gracefully, then cut it if it is still open after `grace`
/// (the shutdown's) or the request timeout; a connection closed to make room goes
/// at once (it has nothing in flight).
async fn drive<C: Graceful>(
    mut conn: Pin<&mut C>,
    h2: bool,
    clock: (Instant, Arc<AtomicU64>),
    slot: &Slot,
    t: Timeouts,
    mut drain: watch::Receiver<()>,
) -> End {
    let (born, last) = clock;
    let entry = &slot.entry;
    let ms = |a: &AtomicU64| Duration::from_millis(a.load(Ordering::Relaxed));
    let aged = born + t.max_age;
    let mut cut_at: Option<Instant> = None;
    let timer = tokio::time::sleep_until(born + t.idle);
    tokio::pin!(timer);
    loop {
        let now = Instant::now();
        let quiet = born + ms(&last) + t.idle;
        if now >= quiet {
            return End::Quiet;
        }
        let mut next = quiet;
        match cut_at {
            Some(cut) if now >= cut => return End::Cut,
            Some(cut) => next = next.min(cut),
            None => {
                let streamless = if !h2 {
                    None
                } else if entry.busy.load(Ordering::Relaxed) == 0 {
                    Some(slot.caps.epoch + ms(&entry.idle_since) + t.header)
                } else {
                    // Looked at again later: the request in flight may have ended by then.
                    Some(now + t.header)
                };
                let why = if now >= aged {
                    Some("maximum age reached")
                } else if streamless.is_some_and(|d| now >= d) {
                    Some("no request within the header-read timeout")
                } else {
                    None
                };
                if let Some(why) = why {
                    tracing::debug!(reason = why, "closing the connection gracefully");
                    conn.as_mut().close_gracefully();
                    cut_at = Some(now + t.request);
                    continue;
                }
                next = next.min(aged);
                if let Some(d) = streamless {
                    next = next.min(d);
                }
            }
        }
        timer.as_mut().reset(next);
        tokio::select! {
            biased;
            r = conn.as_mut() => return End::Served(r),
            () = entry.evict.notified() => {
                if entry.evicted.load(Ordering::Relaxed) {
                    return End::Evicted;
                }
            }
            // A dropped sender is a stop too.
            _ = drain.changed(), if cut_at.is_none() => {
                conn.as_mut().close_gracefully();
                cut_at = Some(Instant::now() + t.grace);
            }
            () = &mut timer => {}
        }
    }
}

/// One connection from its first byte to its end: which protocol it speaks (the
/// first bytes must come within the header-read timeout), then serving it until
/// it ends, goes idle, is closed to make room, or is closed gracefully (maximum
/// age, an HTTP/2 connection with no request, the listener's shutdown). Its slot
/// under the caps is held until then, however it ends.
async fn connection(
    stream: TcpStream,
    router: Router,
    peer: SocketAddr,
    protocols: Arc<Protocols>,
    drain: watch::Receiver<()>,
    timeouts: Timeouts,
    slot: Arc<Slot>,
) {
    let mut io = Watched::new(stream);
    let sniffed = tokio::select! {
        biased;
        () = slot.entry.evict.notified() => None,
        r = tokio::time::timeout(timeouts.header, io.sniff()) => Some(r),
    };
    let h2 = match sniffed {
        Some(Ok(Ok(h2))) => h2,
        Some(Ok(Err(e))) => {
            tracing::debug!(error = %e, "connection failed before its first request");
            return;
        }
        Some(Err(_)) => {
            tracing::debug!("no request within the header-read timeout; connection closed");
            return;
        }
        None => {
            tracing::debug!("near the connection cap; closed before its first request");
            return;
        }
    };
    let svc = TowerToHyperService::new(WithPeer {
        router,
        peer,
        slot: slot.clone(),
    });
    let clock = (io.born, io.last.clone());
    let io = TokioIo::new(io);
    let ended = if h2 {
        // Rare, and several times the size of HTTP/1's state: boxed, so the
        // task of every HTTP/1 connection stays small.
        let mut conn = Box::pin(protocols.h2.serve_connection(io, svc));
        drive(conn.as_mut(), true, clock, &slot, timeouts, drain).await
    } else {
        let conn = std::pin::pin!(protocols.h1.serve_connection(io, svc));
        drive(conn, false, clock, &slot, timeouts, drain).await
    };
    match ended {
        End::Served(Ok(())) => {}
        End::Served(Err(e)) => tracing::debug!(error = %e, "connection ended with an error"),
        End::Quiet => tracing::debug!("idle connection closed"),
        End::Evicted => {
            tracing::debug!("near the connection cap; closed as the connection idle longest")
        }
        End::Cut => tracing::debug!("connection still open after its graceful close; cut"),
    }
}

/// A connection's time limits.
#[derive(Clone, Copy)]
struct Timeouts {
    /// For the first bytes, and for each request's headers; for an HTTP/2
    /// connection, also the longest it may go without a request in flight.
    header: Duration,
    /// With no byte moving either way.
    idle: Duration,
    /// From accept to a graceful close.
    max_age: Duration,
    /// Longest a request may take: a graceful close of the connection's own is cut after it.
    request: Duration,
    /// A graceful close at the listener's shutdown is cut after it.
    grace: Duration,
}

/// What every listener of one helper serves with.
#[derive(Clone)]
struct Limits {
    timeouts: Timeouts,
    caps: Arc<Caps>,
}

/// The runtime `serve` runs on: Tokio's multi-thread scheduler, one worker per
/// core.
pub fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
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
    /// Reloads the content on file changes and `SIGHUP`.
    reloads: tokio::task::JoinHandle<()>,
}

impl Running {
    /// The URL people open.
    pub fn url(&self) -> String {
        url_of(self.addr)
    }

    /// Stops accepting, lets requests in flight finish (up to the grace time), and
    /// returns when every listener is done.
    pub async fn shutdown(mut self) {
        self.reloads.abort();
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

/// Raises this process's soft open-file limit to its hard limit (every
/// connection is a descriptor); the limit in force afterwards.
pub fn raise_open_file_limit() -> io::Result<u64> {
    #[cfg(unix)]
    {
        rlimit::increase_nofile_limit(u64::MAX)
    }
    #[cfg(not(unix))]
    {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "no open-file limit here",
        ))
    }
}

/// The most connections a process with `limit` open files can hold: the rest
/// (at least 256, and an eighth of the limit) is kept for the files being served,
/// outgoing probes, DNS sockets, listeners, and connections being closed.
fn connections_within(limit: u64) -> usize {
    let reserve = (limit / 8).max(256).min(limit / 2);
    usize::try_from(limit - reserve)
        .unwrap_or(usize::MAX)
        .max(1)
}

/// The global connection cap: the configured one, lowered (with a warning) to
/// what the open-file limit allows, once that is raised as far as it goes.
fn connection_cap(configured: usize) -> usize {
    let limit = match raise_open_file_limit() {
        Ok(limit) => limit,
        Err(e) => {
            tracing::warn!(error = %e, max_connections = configured, "cannot raise the open-file limit; connection cap as configured");
            return configured;
        }
    };
    let cap = configured.min(connections_within(limit));
    if cap < configured {
        tracing::warn!(
            open_file_limit = limit,
            configured,
            cap,
            "http.max_connections lowered to fit the open-file limit (raise the hard limit: ulimit -Hn, LimitNOFILE)"
        );
    }
    tracing::info!(
        open_file_limit = limit,
        max_connections = cap,
        "connection cap set below the open-file limit (raised to the hard limit)"
    );
    cap
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
pub async fn start(state: AppState, port: Option<u16>) -> Result<Running, ServerError> {
    let cfg = state.config().clone();
    let main_addr = SocketAddr::new(cfg.listen.address, port.unwrap_or(cfg.listen.port));
    let main = listen(main_addr).map_err(|e| ServerError::Listen(main_addr, e))?;
    let addr = main.local_addr().map_err(ServerError::LocalAddr)?;

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
            max_age: cfg.http.max_connection_age,
            request: cfg.http.request_timeout,
            grace: cfg.http.shutdown_grace,
        },
        caps: Caps::new(
            connection_cap(cfg.http.max_connections),
            cfg.http.max_connections_per_client,
            cfg.proxy.trusted.clone(),
        ),
    };
    tasks.spawn(serve(
        main,
        crate::http::app(state.clone()),
        limits.clone(),
        stop_rx.clone(),
    ));
    for l in alt_listeners {
        tasks.spawn(serve(
            l,
            crate::http::alt_app(state.clone()),
            limits.clone(),
            stop_rx.clone(),
        ));
    }
    for l in demo_listeners {
        tasks.spawn(demo_accept(l, stop_rx.clone()));
    }
    let reloads = crate::content::watch(state.content().clone());
    Ok(Running {
        addr,
        alt,
        demo,
        stop,
        tasks,
        reloads,
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
    // Every connection holds a receiver: a send asks them all to close
    // gracefully, and the sender sees when the last has gone.
    let (drain, drained) = watch::channel(());
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
                tokio::spawn(connection(
                    stream,
                    router.clone(),
                    peer,
                    protocols.clone(),
                    drained.clone(),
                    limits.timeouts,
                    slot,
                ));
            }
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    drop(drained);
    let _ = drain.send(());
    if tokio::time::timeout(limits.timeouts.grace, drain.closed())
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

#[cfg(test)]
mod tests {
    use super::connections_within;

    #[test]
    fn the_cap_leaves_room_below_the_open_file_limit() {
        // At least 256 descriptors, and an eighth of the limit, stay free.
        assert_eq!(connections_within(1_024), 768);
        assert_eq!(connections_within(20_000), 17_500);
        assert_eq!(connections_within(1_048_576), 917_504);
        // A tiny limit keeps half, and never a cap of zero.
        assert_eq!(connections_within(300), 150);
        assert_eq!(connections_within(1), 1);
    }
}
