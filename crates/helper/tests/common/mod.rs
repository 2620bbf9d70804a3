//! Shared test helpers: configs in temporary directories, requests through
//! `oneshot` (no socket), a small HTTP/1.1 client for real loopback sockets, a
//! connector that never dials off loopback, and a tiny DNS server on loopback.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use fixpath_core::api::ProbeStatus;
use fixpath_core::api::{ApiError, Endpoint};
use fixpath_helper::AppState;
use fixpath_helper::Config;
use fixpath_helper::{Connect, ConnectFuture, Outcome, TcpConnect};
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

/// A test helper: its state, its router, and the directory holding its files.
pub struct Fixture {
    pub dir: TempDir,
    pub state: AppState,
    pub app: Router,
    pub guard: Guard,
}

/// Config text for a test: `extra` first (top-level keys, then tables), then the
/// tables it did not set: files in `dir`, no DNS upstream (tests never send a DNS
/// query off this machine), rate limits off.
pub fn config_text(dir: &std::path::Path, extra: &str) -> String {
    let mut text = extra.to_string();
    text.push('\n');
    if !extra.contains("[status]") {
        text.push_str(&format!(
            "[status]\nfile = '{}'\n",
            dir.join("status.json").display()
        ));
    }
    if !extra.contains("[seal]") {
        text.push_str(&format!(
            "[seal]\nkey_file = '{}'\n",
            dir.join("seal.key").display()
        ));
    }
    if !extra.contains("[dns]") {
        text.push_str("[dns]\nupstream = \"none\"\n");
    }
    if !extra.contains("[rate_limit]") {
        text.push_str("[rate_limit]\nenabled = false\n");
    }
    text
}

pub fn config(dir: &std::path::Path, extra: &str) -> Config {
    let text = config_text(dir, extra);
    match Config::from_toml(&text, "test config") {
        Ok(c) => c,
        Err(e) => panic!("test config is invalid: {e}\n{text}"),
    }
}

pub fn fixture(extra: &str) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    fixture_in(dir, extra)
}

pub fn fixture_in(dir: TempDir, extra: &str) -> Fixture {
    let cfg = config(dir.path(), extra);
    let guard = Guard::default();
    let dist = dir.path().join("dist");
    let state = AppState::with_connector(cfg, dist, Arc::new(guard.clone())).expect("state");
    let app = fixpath_helper::app(state.clone());
    Fixture {
        dir,
        state,
        app,
        guard,
    }
}

/// Dials loopback for real and records every address it was asked for; anything
/// off loopback is recorded and never dialled (tests may reach only 127.0.0.0/8
/// and ::1), so a refusal test fails on the record instead of sending a packet.
#[derive(Clone, Default)]
pub struct Guard {
    pub dialled: Arc<Mutex<Vec<SocketAddr>>>,
    notify: Arc<tokio::sync::Notify>,
}

impl Guard {
    pub fn dialled(&self) -> Vec<SocketAddr> {
        self.dialled.lock().unwrap().clone()
    }

    /// Waits until at least `n` connects have started.
    pub async fn wait_dialled(&self, n: usize) {
        tokio::time::timeout(BOUND, async {
            loop {
                let notified = self.notify.notified();
                if self.dialled.lock().unwrap().len() >= n {
                    return;
                }
                notified.await;
            }
        })
        .await
        .expect("the connect started in time");
    }
}

impl Connect for Guard {
    fn connect(&self, addr: SocketAddr, timeout: Duration) -> ConnectFuture {
        self.dialled.lock().unwrap().push(addr);
        self.notify.notify_waiters();
        if addr.ip().is_loopback() {
            TcpConnect.connect(addr, timeout)
        } else {
            Box::pin(async {
                Outcome {
                    status: ProbeStatus::Timeout,
                    connect_ms: None,
                }
            })
        }
    }
}

/// An answer, read whole.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn json<T: DeserializeOwned>(&self) -> T {
        match serde_json::from_slice(&self.body) {
            Ok(v) => v,
            Err(e) => panic!(
                "not the expected JSON ({e}): {} {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            ),
        }
    }

    /// The error code of a JSON error answer.
    pub fn code(&self) -> String {
        self.json::<ApiError>().error.code
    }

    pub fn message(&self) -> String {
        self.json::<ApiError>().error.message
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap_or_default().to_string())
    }
}

/// A path with a query, from a typed endpoint.
pub fn uri(ep: Endpoint, query: &[(&str, &str)]) -> String {
    if query.is_empty() {
        return ep.path().to_string();
    }
    let q = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    format!("{}?{q}", ep.path())
}

pub fn addr(ip: &str) -> SocketAddr {
    SocketAddr::new(ip.parse().expect("ip"), 40_000)
}

/// A request as if from `from`.
pub fn request(method: &str, uri: &str, from: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(uri)
        .extension(ConnectInfo(addr(from)))
}

pub fn get(uri: &str) -> Request<Body> {
    request("GET", uri, "198.51.100.7")
        .body(Body::empty())
        .expect("request")
}

pub fn get_from(uri: &str, from: &str) -> Request<Body> {
    request("GET", uri, from)
        .body(Body::empty())
        .expect("request")
}

pub fn json_request(method: &str, uri: &str) -> axum::http::request::Builder {
    request(method, uri, "198.51.100.7").header("content-type", "application/json")
}

pub async fn send(app: &Router, req: Request<Body>) -> Answer {
    let resp = app.clone().oneshot(req).await.expect("infallible");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    Answer {
        status,
        headers,
        body,
    }
}

// ---------------------------------------------------------------------------------
// Real sockets.

/// An HTTP/1.1 exchange on a fresh connection (`Connection: close`).
pub async fn http(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect to the helper");
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.expect("write");
    stream.write_all(body).await.expect("write body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    parse_response(&raw)
}

pub fn parse_response(raw: &[u8]) -> Answer {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let code: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status code");
    let mut headers = HeaderMap::new();
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            headers.append(
                axum::http::HeaderName::from_bytes(k.trim().as_bytes()).expect("header name"),
                v.trim().parse().expect("header value"),
            );
        }
    }
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .get("transfer-encoding")
        .is_some_and(|v| v.to_str().unwrap_or_default().contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Answer {
        status: StatusCode::from_u16(code).expect("status"),
        headers,
        body: Bytes::from(body),
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
}

/// A loopback listener that accepts and counts connections.
pub struct Counting {
    pub addr: SocketAddr,
    pub accepted: Arc<std::sync::atomic::AtomicUsize>,
    pub notify: Arc<tokio::sync::Notify>,
}

impl Counting {
    pub async fn start() -> Counting {
        let l = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind");
        let addr = l.local_addr().expect("addr");
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let notify = Arc::new(tokio::sync::Notify::new());
        let (a, n) = (accepted.clone(), notify.clone());
        tokio::spawn(async move {
            while let Ok((s, _)) = l.accept().await {
                drop(s);
                a.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                n.notify_waiters();
            }
        });
        Counting {
            addr,
            accepted,
            notify,
        }
    }

    pub fn count(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Waits until at least `n` connections were accepted (bounded by `limit`).
    pub async fn wait_for(&self, n: usize, limit: Duration) {
        tokio::time::timeout(limit, async {
            loop {
                let notified = self.notify.notified();
                if self.count() >= n {
                    return;
                }
                notified.await;
            }
        })
        .await
        .expect("the listener saw the connections in time");
    }
}

/// A loopback port with nothing listening (bound, then closed): connects are refused.
pub async fn closed_port() -> u16 {
    let l = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    port
}

/// A loopback listener whose accept queue is full: Linux drops further SYNs instead
/// of answering them, so a connect to it neither succeeds nor is refused: it times
/// out, really, without leaving the machine. Backlog 0 holds one connection; we fill
/// it until a connect does not complete (and keep the fillers open).
pub struct FullBacklog {
    pub addr: SocketAddr,
    _listener: tokio::net::TcpListener,
    _fillers: Vec<tokio::net::TcpStream>,
}

impl FullBacklog {
    pub async fn start() -> FullBacklog {
        let sock = tokio::net::TcpSocket::new_v4().expect("socket");
        sock.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .expect("bind");
        let addr = sock.local_addr().expect("addr");
        let listener = sock.listen(0).expect("listen");
        let mut fillers = Vec::new();
        for _ in 0..16 {
            match tokio::time::timeout(
                Duration::from_millis(300),
                tokio::net::TcpStream::connect(addr),
            )
            .await
            {
                Ok(Ok(s)) => fillers.push(s),
                Ok(Err(e)) => panic!("filling the backlog failed: {e}"),
                // This connect hung: the queue is full.
                Err(_) => {
                    return FullBacklog {
                        addr,
                        _listener: listener,
                        _fillers: fillers,
                    }
                }
            }
        }
        panic!("the accept queue never filled up");
    }
}

// ---------------------------------------------------------------------------------
// A DNS server on loopback for the real resolver.

/// Answers A queries for `records` (name with trailing dot → address) and NXDOMAIN
/// for anything else. Counts queries and notes each question as `TYPE name`.
pub struct FakeDns {
    pub addr: SocketAddr,
    pub queries: Arc<std::sync::atomic::AtomicUsize>,
    pub asked: Arc<Mutex<Vec<String>>>,
}

impl FakeDns {
    pub async fn start(records: &[(&str, IpAddr)]) -> FakeDns {
        use hickory_proto::op::{Message, ResponseCode};
        use hickory_proto::rr::rdata::{A, AAAA};
        use hickory_proto::rr::{RData, Record, RecordType};

        let sock = tokio::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind udp");
        let addr = sock.local_addr().expect("addr");
        let records: Vec<(String, IpAddr)> = records
            .iter()
            .map(|(n, a)| (n.to_ascii_lowercase(), *a))
            .collect();
        let queries = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let q = queries.clone();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let noted = asked.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 1500];
            while let Ok((n, from)) = sock.recv_from(&mut buf).await {
                q.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Ok(req) = Message::from_vec(&buf[..n]) else {
                    continue;
                };
                let mut resp = Message::response(req.metadata.id, req.metadata.op_code);
                resp.metadata.recursion_desired = req.metadata.recursion_desired;
                resp.metadata.recursion_available = true;
                resp.queries = req.queries.clone();
                let mut known = false;
                for query in &req.queries {
                    let name = query.name().to_ascii().to_ascii_lowercase();
                    noted
                        .lock()
                        .unwrap()
                        .push(format!("{} {name}", query.query_type()));
                    for (n, a) in &records {
                        if *n != name {
                            continue;
                        }
                        known = true;
                        let rdata = match (a, query.query_type()) {
                            (IpAddr::V4(v4), RecordType::A) => RData::A(A(*v4)),
                            (IpAddr::V6(v6), RecordType::AAAA) => RData::AAAA(AAAA(*v6)),
                            _ => continue,
                        };
                        resp.answers
                            .push(Record::from_rdata(query.name().clone(), 60, rdata));
                    }
                }
                if !known {
                    resp.metadata.response_code = ResponseCode::NXDomain;
                }
                if let Ok(bytes) = resp.to_vec() {
                    let _ = sock.send_to(&bytes, from).await;
                }
            }
        });
        FakeDns {
            addr,
            queries,
            asked,
        }
    }
}

/// One request on a keep-alive connection; the status, or `None` when the helper
/// closed the connection instead of answering.
pub async fn ask(
    s: &mut tokio::net::TcpStream,
    path: &str,
    headers: &[(&str, &str)],
) -> Option<u16> {
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: t\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    tokio::time::timeout(BOUND, async {
        loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if buf.len() >= end + 4 + len {
                    return head.split(' ').nth(1)?.parse().ok();
                }
            }
            let n = s.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    })
    .await
    .expect("an answer or a close in time")
}

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
pub struct Sink(pub Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// How long any wait in the socket tests may take before it counts as a failure.
pub const BOUND: Duration = Duration::from_secs(10);

/// Config text for a helper listening on loopback, on a port of its own choosing.
pub fn loopback(extra: &str) -> String {
    format!("{extra}\n[listen]\naddress = \"127.0.0.1\"\nport = 0\n")
}

/// The helper of `f`, serving on real loopback sockets.
pub async fn serve(f: &Fixture) -> fixpath_helper::server::Running {
    fixpath_helper::server::start(f.state.clone(), Some(0))
        .await
        .expect("the helper starts")
}

/// Waits (bounded) until `cond` holds, looking again every few milliseconds.
pub async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !cond() {
        assert!(started.elapsed() < BOUND, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
