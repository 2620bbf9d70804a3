//! Connection slots on real loopback sockets: idle HTTP/2 connections from a few
//! addresses cannot hold every slot (near the cap the connections idle longest give
//! way, a connection with a request in flight does not), an HTTP/2 connection with
//! no request is closed at the header-read timeout however it pings, every
//! connection has a maximum age, an office behind one address is all answered, and
//! the global cap is kept below the open-file limit.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::*;
use fixpath_core::api::{Endpoint, Probe, ProbeStatus};
use fixpath_helper::server::{self, Running};
use fixpath_helper::AppState;
use fixpath_helper::{Connect, ConnectFuture, Outcome};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// The tests here take turns: those with thousands of sockets would only slow
/// each other down on two cores, and timings and the log line are each test's own.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Stops the helper, bounded: every connection must let it go.
async fn stop(r: Running) {
    tokio::time::timeout(BOUND, r.shutdown())
        .await
        .expect("the helper stopped in time");
}

/// A connection to the helper from a chosen loopback source (127.0.0.0/8 is all
/// ours on Linux), so one test can be several clients. It ends with a reset when
/// dropped: thousands of them leave no ports waiting in TIME_WAIT behind.
async fn connect_from(addr: SocketAddr, source: &str) -> TcpStream {
    let s = TcpSocket::new_v4().expect("socket");
    s.set_zero_linger().expect("no lingering");
    s.bind(SocketAddr::new(source.parse().expect("source"), 0))
        .expect("bind the source address");
    s.connect(addr).await.expect("connect to the helper")
}

/// Reads until the helper closes the connection (bounded).
async fn closed(s: &mut (impl AsyncRead + Unpin)) -> bool {
    let mut sink = Vec::new();
    tokio::time::timeout(BOUND, s.read_to_end(&mut sink))
        .await
        .is_ok()
}

// ---------------------------------------------------------------------------------
// HTTP/2 frames, written and read by hand: the clients here do what no well-behaved
// library would (open a connection and never ask anything).

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const SETTINGS: u8 = 0x4;
const PING: u8 = 0x6;
const GOAWAY: u8 = 0x7;
const ACK: u8 = 0x1;

fn frame(kind: u8, flags: u8, payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).unwrap().to_be_bytes();
    let mut f = vec![len[1], len[2], len[3], kind, flags, 0, 0, 0, 0];
    f.extend_from_slice(payload);
    f
}

/// The client's opening: the preface and an empty SETTINGS frame.
fn opening() -> Vec<u8> {
    let mut v = PREFACE.to_vec();
    v.extend(frame(SETTINGS, 0, &[]));
    v
}

/// The next frame (type, flags, payload), or `None` at the end of the stream.
async fn read_frame(s: &mut (impl AsyncRead + Unpin)) -> Option<(u8, u8, Vec<u8>)> {
    let mut head = [0u8; 9];
    s.read_exact(&mut head).await.ok()?;
    let len = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
    let mut payload = vec![0; len];
    s.read_exact(&mut payload).await.ok()?;
    Some((head[3], head[4], payload))
}

/// What an HTTP/2 client that pings every 50 ms (and acks the helper's pings, as
/// a browser does) saw until the helper closed its connection.
struct Pinged {
    /// From the opening to the close.
    took: Duration,
    /// The helper's answers to our pings.
    acks: usize,
    goaway: bool,
}

async fn ping_until_closed(addr: SocketAddr) -> Pinged {
    let started = Instant::now();
    let s = TcpStream::connect(addr).await.unwrap();
    let (mut read, mut write) = s.into_split();
    write.write_all(&opening()).await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let reader = tokio::spawn(async move {
        while let Some(f) = read_frame(&mut read).await {
            if tx.send(f).is_err() {
                return;
            }
        }
    });
    let mut seen = Pinged {
        took: Duration::ZERO,
        acks: 0,
        goaway: false,
    };
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    let outcome = tokio::time::timeout(BOUND, async {
        loop {
            tokio::select! {
                f = rx.recv() => match f {
                    None => return,
                    Some((PING, flags, _)) if flags & ACK != 0 => seen.acks += 1,
                    Some((PING, _, data)) => {
                        let _ = write.write_all(&frame(PING, ACK, &data)).await;
                    }
                    Some((GOAWAY, _, _)) => seen.goaway = true,
                    Some(_) => {}
                },
                _ = tick.tick() => {
                    let _ = write.write_all(&frame(PING, 0, b"fixpath!")).await;
                }
            }
        }
    })
    .await;
    assert!(outcome.is_ok(), "the helper kept the connection open");
    seen.took = started.elapsed();
    reader.abort();
    seen
}

// ---------------------------------------------------------------------------------

/// Four addresses, 1,100 idle HTTP/2 connections each (preface and SETTINGS, then
/// nothing): more than the 4,096 slots. The header-read timeout is set far off, so
/// only the connections giving way near the cap can make room; a fresh client from
/// a fifth address is then answered within a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_http2_connections_from_four_addresses_cannot_lock_out_a_new_client() {
    let _turn = TURN.lock().await;
    let limit = server::raise_open_file_limit().expect("the open-file limit can be raised");
    assert!(
        limit >= 10_000,
        "this test holds about 9,000 sockets; the hard open-file limit is {limit}"
    );
    let f = fixture(&loopback(
        "[http]\nheader_read_timeout_ms = 60000\nidle_timeout_ms = 120000\n",
    ));
    let r = serve(&f).await;
    let addr = r.addr;
    let mut openers = Vec::new();
    for source in ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"] {
        openers.push(tokio::spawn(async move {
            let mut conns = Vec::with_capacity(1_100);
            for _ in 0..1_100 {
                let mut s = connect_from(addr, source).await;
                s.write_all(&opening()).await.expect("the opening is sent");
                // The helper's first frame (its SETTINGS), or its close: either
                // way it has dealt with this connection.
                let _ = tokio::time::timeout(BOUND, read_frame(&mut s))
                    .await
                    .expect("the helper dealt with the connection in time");
                conns.push(s);
            }
            conns
        }));
    }
    let mut held = Vec::new();
    for o in openers {
        held.push(o.await.expect("opener"));
    }

    let started = Instant::now();
    let mut fresh = connect_from(addr, "127.0.0.9").await;
    let answer = ask(&mut fresh, Endpoint::Health.path(), &[]).await;
    let took = started.elapsed();
    assert_eq!(answer, Some(200), "the fresh client was not answered");
    assert!(took < Duration::from_secs(1), "answered after {took:?}");

    // The first connection opened had been idle longest: it gave way.
    assert!(
        closed(&mut held[0][0]).await,
        "the oldest idle connection is still open"
    );
    // The last one opened still holds its slot, and answers a ping.
    let newest = held[3].last_mut().expect("connections");
    newest
        .write_all(&frame(PING, 0, b"are-you?"))
        .await
        .expect("the newest connection is open");
    let acked = tokio::time::timeout(BOUND, async {
        while let Some((kind, flags, data)) = read_frame(newest).await {
            if kind == PING && flags & ACK != 0 && data == b"are-you?" {
                return true;
            }
        }
        false
    })
    .await
    .expect("an answer in time");
    assert!(acked, "the newest connection was closed");

    drop(held);
    drop(fresh);
    stop(r).await;
}

/// An office of 300 behind one NAT address, every browser opening six connections
/// in the same minute, all at once: every one of the 1,800 is answered, with the
/// default caps and rate limits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_behind_one_address_is_answered_on_every_connection() {
    let _turn = TURN.lock().await;
    let limit = server::raise_open_file_limit().expect("the open-file limit can be raised");
    assert!(
        limit >= 5_000,
        "this test holds 3,600 sockets; the limit is {limit}"
    );
    let f = fixture(&loopback("[rate_limit]\nenabled = true\n"));
    let r = serve(&f).await;
    let addr = r.addr;
    let answered = Arc::new(AtomicUsize::new(0));
    let mut browsers = Vec::new();
    for _ in 0..300 {
        let answered = answered.clone();
        browsers.push(tokio::spawn(async move {
            let mut conns = Vec::new();
            for _ in 0..6 {
                conns.push(connect_from(addr, "127.0.0.1").await);
            }
            let mut statuses = Vec::new();
            for c in &mut conns {
                statuses.push(ask(c, Endpoint::Health.path(), &[]).await);
                answered.fetch_add(1, Ordering::SeqCst);
            }
            // Held open until everyone has been answered, as browsers keep them.
            wait_until("every browser answered", || {
                answered.load(Ordering::SeqCst) == 1_800
            })
            .await;
            statuses
        }));
    }
    for b in browsers {
        for status in b.await.expect("browser") {
            assert_eq!(status, Some(200));
        }
    }
    stop(r).await;
}

#[tokio::test]
async fn an_http2_connection_without_a_request_is_closed_at_the_header_timeout_despite_pings() {
    let _turn = TURN.lock().await;
    let f = fixture(&loopback(
        "[http]\nheader_read_timeout_ms = 300\nidle_timeout_ms = 60000\n",
    ));
    let r = serve(&f).await;
    let seen = ping_until_closed(r.addr).await;
    assert!(
        seen.took >= Duration::from_millis(250),
        "not at once ({:?})",
        seen.took
    );
    assert!(
        seen.took < Duration::from_secs(5),
        "not the idle timeout ({:?})",
        seen.took
    );
    assert!(
        seen.acks >= 3,
        "the pings were answered, and did not keep it open"
    );
    assert!(seen.goaway, "closed gracefully, with GOAWAY");
    stop(r).await;
}

/// A connection busy with a request every 50 ms, and an HTTP/2 one pinging, are
/// both closed gracefully at their maximum age (no other limit is near).
#[tokio::test]
async fn connections_are_closed_gracefully_at_their_maximum_age() {
    let _turn = TURN.lock().await;
    let f = fixture(&loopback(
        "[http]\nmax_connection_age_ms = 400\nheader_read_timeout_ms = 60000\nidle_timeout_ms = 60000\n",
    ));
    let r = serve(&f).await;
    let started = Instant::now();
    let mut s = TcpStream::connect(r.addr).await.unwrap();
    let mut answers = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    loop {
        tick.tick().await;
        match ask(&mut s, Endpoint::Health.path(), &[]).await {
            Some(status) => {
                assert_eq!(status, 200);
                answers += 1;
            }
            None => break,
        }
        assert!(started.elapsed() < BOUND, "the connection outlived its age");
    }
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(350), "closed at {took:?}");
    assert!(answers >= 3, "{answers} answers before the close");

    let seen = ping_until_closed(r.addr).await;
    assert!(
        seen.took >= Duration::from_millis(350),
        "closed at {:?}",
        seen.took
    );
    assert!(seen.goaway, "closed gracefully, with GOAWAY");
    stop(r).await;
}

/// Holds every probe's connect until released.
#[derive(Clone)]
struct Gate {
    now: Arc<AtomicUsize>,
    release: Arc<tokio::sync::Semaphore>,
}

impl Connect for Gate {
    fn connect(&self, _addr: SocketAddr, _timeout: Duration) -> ConnectFuture {
        let g = self.clone();
        Box::pin(async move {
            g.now.fetch_add(1, Ordering::SeqCst);
            if let Ok(p) = g.release.acquire().await {
                p.forget();
            }
            Outcome {
                status: ProbeStatus::Open,
                connect_ms: Some(1),
            }
        })
    }
}

/// A probe of `port` from `source`, answered once the gate lets its connect go
/// (probes of one port in flight at once share their connect).
fn probe_from(
    addr: SocketAddr,
    source: &'static str,
    port: u16,
) -> tokio::task::JoinHandle<Option<Answer>> {
    tokio::spawn(async move {
        let mut s = connect_from(addr, source).await;
        let port = port.to_string();
        let path = uri(Endpoint::Probe, &[("server", "127.0.0.1"), ("port", &port)]);
        let req = format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await.ok()?;
        let mut raw = Vec::new();
        tokio::time::timeout(BOUND, s.read_to_end(&mut raw))
            .await
            .expect("an answer or a close in time")
            .ok()?;
        (!raw.is_empty()).then(|| parse_response(&raw))
    })
}

/// At the cap, a new client is let in by closing the connections idle longest; the
/// oldest connection of all is busy with a request, so it stays and is answered.
/// Only when every slot is busy is a new connection refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_with_a_request_in_flight_is_not_closed_to_make_room() {
    let _turn = TURN.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &loopback(
            "[[servers]]\nname = \"127.0.0.1\"\nports = [1, 2, 3, 4]\n[targets]\nallow_addresses = [\"127.0.0.1\"]\n[http]\nmax_connections = 3\nheader_read_timeout_ms = 60000\n",
        ),
    );
    let gate = Gate {
        now: Arc::default(),
        release: Arc::new(tokio::sync::Semaphore::new(0)),
    };
    let state =
        AppState::with_connector(cfg, dir.path().join("dist"), Arc::new(gate.clone())).unwrap();
    let r = server::start(state.clone(), Some(0)).await.unwrap();
    let addr = r.addr;
    let first = probe_from(addr, "127.0.0.1", 1);
    wait_until("the probe in flight", || {
        gate.now.load(Ordering::SeqCst) == 1
    })
    .await;
    // Two idle keep-alive connections fill the cap.
    let mut idle = Vec::new();
    for source in ["127.0.0.2", "127.0.0.3"] {
        let mut s = connect_from(addr, source).await;
        assert_eq!(ask(&mut s, Endpoint::Health.path(), &[]).await, Some(200));
        idle.push(s);
    }
    let mut fresh = connect_from(addr, "127.0.0.4").await;
    assert_eq!(
        ask(&mut fresh, Endpoint::Health.path(), &[]).await,
        Some(200)
    );
    // The newcomer took the place of the connection idle longest.
    assert!(
        closed(&mut idle[0]).await,
        "the connection idle longest kept its slot"
    );
    // Two more requests in flight take the places of the other two idle ones.
    let more = [
        probe_from(addr, "127.0.0.5", 2),
        probe_from(addr, "127.0.0.6", 3),
    ];
    wait_until("three probes in flight", || {
        gate.now.load(Ordering::SeqCst) == 3
    })
    .await;
    for s in [&mut idle[1], &mut fresh] {
        assert!(closed(s).await, "an idle connection kept its slot");
    }
    // Every slot is busy: a new connection is closed without an answer.
    let refused = probe_from(addr, "127.0.0.7", 4).await.unwrap();
    assert!(refused.is_none(), "admitted beyond the cap");
    gate.release.add_permits(3);
    for t in [first].into_iter().chain(more) {
        let a = t
            .await
            .unwrap()
            .expect("the request in flight was answered");
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        assert_eq!(a.json::<Probe>().status, ProbeStatus::Open);
    }
    assert_eq!(state.prober().connects(), 3);
    stop(r).await;
}

/// A configured cap above what the open-file limit allows is lowered, and the log
/// says so: the limit, the cap chosen, and a warning.
#[tokio::test]
async fn the_connection_cap_is_kept_below_the_open_file_limit_and_logged() {
    let _turn = TURN.lock().await;
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let limit = server::raise_open_file_limit().expect("the open-file limit can be raised");
    let f = fixture(&loopback(
        "[http]\nmax_connections = 1000000\nmax_connections_per_client = 1000000\n",
    ));
    let r = serve(&f).await;
    stop(r).await;
    let log = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains("connection cap"))
        .unwrap_or_else(|| panic!("no line about the cap: {log}"));
    assert!(line.contains(&format!("open_file_limit={limit}")), "{line}");
    let cap: u64 = line
        .split("max_connections=")
        .nth(1)
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no cap in {line}"));
    assert!(cap < limit, "the cap {cap} is not below the limit {limit}");
    if limit < 1_000_000 {
        assert!(log.contains("WARN"), "no warning: {log}");
        assert!(log.contains("lowered"), "{log}");
    }
}
