//! Real sockets, loopback only: the helper served by `server::start`, probes that
//! open, are refused and time out, the refusal list form by form, the herd, rate
//! limits, admin auth, seals, alternate ports, a restart, the header-read timeout
//! and graceful shutdown.

mod common;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use fixpath_core::api::{Endpoint, Keys, Ping, Probe, ProbeStatus, Seal, Status};
use fixpath_helper::server::{self, Running};
use fixpath_helper::AppState;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: &str = "socket-admin-token-0123456789";

/// A helper on an ephemeral loopback port.
async fn serve(f: &Fixture) -> Running {
    server::start(f.state.clone(), Some(0))
        .await
        .expect("the helper starts")
}

fn loopback(extra: &str) -> String {
    format!("{extra}\n[listen]\naddress = \"127.0.0.1\"\nport = 0\n")
}

async fn get_json(addr: SocketAddr, target: &str) -> Answer {
    http(addr, "GET", target, &[], b"").await
}

#[tokio::test]
async fn serves_health_on_a_real_socket_and_says_where() {
    let f = fixture(&loopback(""));
    let r = serve(&f).await;
    assert_eq!(r.url(), format!("http://127.0.0.1:{}/", r.addr.port()));
    let a = get_json(r.addr, Endpoint::Health.path()).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text().contains("\"status\":\"ok\""));
    r.shutdown().await;
}

/// A server whose only target is `target:port`, with loopback 127.0.0.1 allowed.
fn probe_config(name: &str, port: u16, extra: &str) -> String {
    loopback(&format!(
        "[[servers]]\nname = \"{name}\"\nports = [{port}]\n[targets]\nallow_addresses = [\"127.0.0.1\"]\n{extra}"
    ))
}

#[tokio::test]
async fn probe_open() {
    let target = Counting::start().await;
    let port = target.addr.port();
    let f = fixture(&probe_config("127.0.0.1", port, ""));
    let r = serve(&f).await;
    let a = get_json(
        r.addr,
        &uri(
            Endpoint::Probe,
            &[("server", "127.0.0.1"), ("port", &port.to_string())],
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let p: Probe = a.json();
    assert_eq!(p.status, ProbeStatus::Open);
    assert!(p.connect_ms.is_some());
    target.wait_for(1, Duration::from_secs(5)).await;
    r.shutdown().await;
}

#[tokio::test]
async fn probe_refused() {
    let port = closed_port().await;
    let f = fixture(&probe_config("127.0.0.1", port, ""));
    let r = serve(&f).await;
    let p: Probe = get_json(
        r.addr,
        &uri(
            Endpoint::Probe,
            &[("server", "127.0.0.1"), ("port", &port.to_string())],
        ),
    )
    .await
    .json();
    assert_eq!(p.status, ProbeStatus::Refused);
    assert!(p.connect_ms.is_some());
    r.shutdown().await;
}

/// Timeout without leaving loopback: the target listener's accept queue is full,
/// so Linux drops our SYN and the connect hangs until the probe's timeout.
#[tokio::test]
async fn probe_timeout() {
    let full = FullBacklog::start().await;
    let port = full.addr.port();
    let f = fixture(&probe_config(
        "127.0.0.1",
        port,
        "[probe]\nconnect_timeout_ms = 300\n",
    ));
    let r = serve(&f).await;
    let p: Probe = get_json(
        r.addr,
        &uri(
            Endpoint::Probe,
            &[("server", "127.0.0.1"), ("port", &port.to_string())],
        ),
    )
    .await
    .json();
    assert_eq!(p.status, ProbeStatus::Timeout);
    assert_eq!(p.connect_ms, None);
    r.shutdown().await;
}

/// Each loopback form (and names leading to loopback, through static entries and
/// through the real resolver asking a DNS server on loopback) is refused when the
/// operator allows no address, and nothing is dialled.
#[tokio::test]
async fn the_refusal_list_form_by_form_on_real_sockets() {
    let dns = FakeDns::start(&[
        ("sneaky.example.com.", "127.0.0.1".parse().unwrap()),
        ("sneaky6.example.com.", "::1".parse().unwrap()),
    ])
    .await;
    let forms = [
        "127.0.0.1",
        "127.1",
        "127.0.1",
        "2130706433",
        "0x7f000001",
        "0177.0.0.1",
        "127.0.0.2",
        "::ffff:127.0.0.1",
        "[::ffff:7f00:1]",
        "::127.0.0.1",
        "::1",
        "[::1]",
        "0.0.0.0",
        "::",
        "sneaky.example.com",
        "sneaky6.example.com",
        "static.example.com",
    ];
    for form in forms {
        let f = fixture(&loopback(&format!(
            "[[servers]]\nname = \"{form}\"\nports = [443]\n[dns]\nupstream = \"nameservers\"\nnameservers = [\"{}\"]\n[dns.static]\n\"static.example.com\" = [\"127.0.0.1\"]\n",
            dns.addr
        )));
        let r = serve(&f).await;
        let a = get_json(
            r.addr,
            &uri(Endpoint::Probe, &[("server", form), ("port", "443")]),
        )
        .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{form}: {}", a.text());
        assert_eq!(a.code(), "target_refused", "{form}");
        assert!(
            f.guard.dialled().is_empty(),
            "{form}: dialled {:?}",
            f.guard.dialled()
        );
        r.shutdown().await;
    }
    assert!(
        dns.queries.load(std::sync::atomic::Ordering::SeqCst) >= 2,
        "the real resolver asked"
    );
}

/// 1,000 concurrent identical probes cause exactly one outgoing connect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_herd_shares_one_connect() {
    let target = Counting::start().await;
    let port = target.addr.port();
    let f = fixture(&probe_config(
        "herd.example.com",
        port,
        "[dns]\nupstream = \"none\"\n[dns.static]\n\"herd.example.com\" = [\"127.0.0.1\"]\n",
    ));
    let r = serve(&f).await;
    let path = uri(
        Endpoint::Probe,
        &[("server", "herd.example.com"), ("port", &port.to_string())],
    );
    let barrier = Arc::new(tokio::sync::Barrier::new(1_000));
    let mut tasks = Vec::new();
    for _ in 0..1_000 {
        let (addr, path, barrier) = (r.addr, path.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            http(addr, "GET", &path, &[], b"").await
        }));
    }
    let mut open = 0;
    for t in tasks {
        let a = t.await.expect("task");
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        if a.json::<Probe>().status == ProbeStatus::Open {
            open += 1;
        }
    }
    assert_eq!(open, 1_000);
    assert_eq!(f.state.prober().connects(), 1);
    // A sentinel connect of our own: once the listener has accepted it, everything
    // the helper sent before it has been counted too (accepts are in order).
    let _sentinel = tokio::net::TcpStream::connect(target.addr).await.unwrap();
    target.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(
        target.count(),
        2,
        "one connect from the helper, one sentinel"
    );
    r.shutdown().await;
}

#[tokio::test]
async fn rate_limits_on_a_real_socket() {
    let f = fixture(&loopback("[rate_limit]\nper_second = 1\nburst = 2\n"));
    let r = serve(&f).await;
    for _ in 0..2 {
        assert_eq!(
            get_json(r.addr, Endpoint::Ping.path()).await.status,
            StatusCode::OK
        );
    }
    let a = get_json(r.addr, Endpoint::Ping.path()).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(a.header("retry-after").is_some());
    assert_eq!(a.code(), "rate_limited");
    r.shutdown().await;
}

#[tokio::test]
async fn admin_auth_and_a_restart_that_keeps_the_announcement() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &loopback(&format!("[admin]\ntoken = \"{TOKEN}\"\n")),
    );
    let first = AppState::new(cfg.clone(), dir.path().join("dist")).unwrap();
    let r = server::start(first.clone(), Some(0)).await.unwrap();
    let body = br#"{"message":"The VPN is down since 09:12; we are on it","severity":"outage"}"#;
    let json = ("content-type", "application/json");
    let a = http(r.addr, "PUT", Endpoint::Status.path(), &[json], body).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let wrong = "Bearer not-the-token-at-all-000";
    let a = http(
        r.addr,
        "PUT",
        Endpoint::Status.path(),
        &[json, ("authorization", wrong)],
        body,
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let auth = format!("Bearer {TOKEN}");
    let a = http(
        r.addr,
        "PUT",
        Endpoint::Status.path(),
        &[json, ("authorization", &auth)],
        body,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let key_before = first.signer().key_id().to_string();
    r.shutdown().await;
    drop(first);

    // A new process: same files.
    let second = AppState::new(cfg, dir.path().join("dist")).unwrap();
    let r = server::start(second.clone(), Some(0)).await.unwrap();
    let s: Status = get_json(r.addr, Endpoint::Status.path()).await.json();
    assert_eq!(
        s.announcement.map(|a| a.message).as_deref(),
        Some("The VPN is down since 09:12; we are on it")
    );
    assert_eq!(
        second.signer().key_id(),
        key_before,
        "the seal key survives too"
    );
    r.shutdown().await;
}

#[tokio::test]
async fn replicas_sharing_files_see_each_others_announcements_and_seals() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &loopback(&format!("[admin]\ntoken = \"{TOKEN}\"\n")),
    );
    let a = AppState::new(cfg.clone(), dir.path().join("dist")).unwrap();
    let b = AppState::new(cfg, dir.path().join("dist")).unwrap();
    let (ra, rb) = (
        server::start(a, Some(0)).await.unwrap(),
        server::start(b, Some(0)).await.unwrap(),
    );
    let auth = format!("Bearer {TOKEN}");
    let put = http(
        ra.addr,
        "PUT",
        Endpoint::Status.path(),
        &[
            ("content-type", "application/json"),
            ("authorization", &auth),
        ],
        br#"{"message":"maintenance tonight","severity":"info"}"#,
    )
    .await;
    assert_eq!(put.status, StatusCode::OK);
    let s: Status = get_json(rb.addr, Endpoint::Status.path()).await.json();
    assert_eq!(
        s.announcement.map(|a| a.message).as_deref(),
        Some("maintenance tonight")
    );

    // A seal from one replica is listed (and so verifiable) by the other.
    let seal: Seal = http(
        ra.addr,
        "POST",
        Endpoint::Seal.path(),
        &[("content-type", "application/json")],
        format!(r#"{{"digest":"{}"}}"#, "ab".repeat(32)).as_bytes(),
    )
    .await
    .json();
    assert_eq!(seal.client, Some("127.0.0.1".parse::<IpAddr>().unwrap()));
    let keys: Keys = get_json(rb.addr, Endpoint::Keys.path()).await.json();
    assert!(keys.keys.iter().any(|k| k.key_id == seal.key_id));
    ra.shutdown().await;
    rb.shutdown().await;
}

#[tokio::test]
async fn alternate_ports_answer_ping_and_are_announced() {
    let f = fixture("[listen]\naddress = \"127.0.0.1\"\nport = 0\nalt_ports = [0, 0]\n");
    let r = serve(&f).await;
    assert_eq!(r.alt.len(), 2);
    for alt in &r.alt {
        let a = get_json(*alt, Endpoint::Ping.path()).await;
        assert_eq!(a.status, StatusCode::OK);
        let _: Ping = a.json();
        assert_eq!(a.header("cache-control").as_deref(), Some("no-store"));
        // Only ping lives there.
        let a = get_json(*alt, Endpoint::Health.path()).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
        assert_eq!(a.code(), "not_found");
        let a = get_json(*alt, "/").await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
    }
    let v: serde_json::Value = get_json(r.addr, Endpoint::Config.path()).await.json();
    let announced: Vec<u16> = serde_json::from_value(v["alt_ports"].clone()).unwrap();
    let bound: Vec<u16> = r.alt.iter().map(SocketAddr::port).collect();
    assert_eq!(announced, bound);
    r.shutdown().await;
}

#[tokio::test]
async fn an_alternate_port_in_use_is_left_out_not_fatal() {
    let busy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = busy.local_addr().unwrap().port();
    let f = fixture(&format!(
        "[listen]\naddress = \"127.0.0.1\"\nport = 0\nalt_ports = [{port}]\n"
    ));
    let r = serve(&f).await;
    assert!(r.alt.is_empty());
    let v: serde_json::Value = get_json(r.addr, Endpoint::Config.path()).await.json();
    assert_eq!(v["alt_ports"], serde_json::json!([]));
    r.shutdown().await;
}

#[tokio::test]
async fn the_main_port_in_use_stops_the_start_with_a_message() {
    let busy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = busy.local_addr().unwrap().port();
    let f = fixture(&loopback(""));
    let err = server::start(f.state.clone(), Some(port))
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("--port"), "{err}");
}

#[tokio::test]
async fn demo_listeners_stand_in_for_the_vpn_ports() {
    let f = fixture(
        "[listen]\naddress = \"127.0.0.1\"\nport = 0\n[demo]\nlisteners = [\"127.0.0.1:0\"]\n",
    );
    let r = serve(&f).await;
    assert_eq!(r.demo.len(), 1);
    let c = tokio::net::TcpStream::connect(r.demo[0]).await;
    assert!(c.is_ok());
    r.shutdown().await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_dropped() {
    let f = fixture(&loopback("[http]\nheader_read_timeout_ms = 200\n"));
    let r = serve(&f).await;
    let mut s = tokio::net::TcpStream::connect(r.addr).await.unwrap();
    let started = std::time::Instant::now();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut rest = Vec::new();
    // The helper closes the connection; bounded so a failure does not hang.
    let closed = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the helper kept a half-sent request open");
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "closed by the header-read timeout, not at once"
    );
    r.shutdown().await;
}

/// A client speaking HTTP/2 from its first byte (prior knowledge, as some proxies
/// do) is served too, behind the same layers.
#[tokio::test]
async fn http2_with_prior_knowledge_is_served() {
    use http_body_util::{BodyExt, Empty};
    use hyper_util::rt::{TokioExecutor, TokioIo};

    let f = fixture(&loopback(""));
    let r = serve(&f).await;
    let stream = tokio::net::TcpStream::connect(r.addr).await.unwrap();
    let (mut send, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .expect("an HTTP/2 handshake");
    tokio::spawn(conn);
    let req = axum::http::Request::get(format!("http://{}{}", r.addr, Endpoint::Health.path()))
        .body(Empty::<axum::body::Bytes>::new())
        .unwrap();
    let resp = tokio::time::timeout(Duration::from_secs(10), send.send_request(req))
        .await
        .expect("an answer in time")
        .expect("an answer");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.version(), axum::http::Version::HTTP_2);
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("\"ok\""));
    drop(send);
    r.shutdown().await;
}

#[tokio::test]
async fn shutdown_lets_a_request_in_flight_finish() {
    let full = FullBacklog::start().await;
    let port = full.addr.port();
    let f = fixture(&probe_config(
        "127.0.0.1",
        port,
        "[probe]\nconnect_timeout_ms = 1000\n",
    ));
    let r = serve(&f).await;
    let addr = r.addr;
    let path = uri(
        Endpoint::Probe,
        &[("server", "127.0.0.1"), ("port", &port.to_string())],
    );
    let in_flight = tokio::spawn(async move { http(addr, "GET", &path, &[], b"").await });
    f.guard.wait_dialled(1).await;
    r.shutdown().await;
    let a = in_flight.await.unwrap();
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json::<Probe>().status, ProbeStatus::Timeout);
    // And nothing listens any more.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

/// The embedded default answers every check on loopback with no network: the demo
/// server resolves through its static entry and its ports answer through the demo
/// stand-ins (11723, 10443; if another helper holds them, its stand-ins answer).
#[tokio::test]
async fn the_embedded_demo_answers_every_check_offline() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = fixpath_helper::Config::embedded_default().unwrap();
    // Keep files out of the source tree, and leave 8080/8081/8443 to real helpers.
    cfg.status_file = dir.path().join("status.json");
    cfg.seal.key_file = dir.path().join("seal.key");
    cfg.listen.alt_ports = vec![0];
    let state = AppState::new(cfg, dir.path().join("dist")).unwrap();
    let r = server::start(state, Some(0)).await.unwrap();
    let demo = "vpn.demo.fixpath.test";
    let resolved: fixpath_core::api::Resolved =
        get_json(r.addr, &uri(Endpoint::Resolve, &[("name", demo)]))
            .await
            .json();
    assert_eq!(resolved.matches_expected, Some(true));
    for port in ["1723", "443"] {
        let a = get_json(
            r.addr,
            &uri(Endpoint::Probe, &[("server", demo), ("port", port)]),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        assert_eq!(a.json::<Probe>().status, ProbeStatus::Open, "port {port}");
    }
    for ep in [
        Endpoint::Ping,
        Endpoint::WhoAmI,
        Endpoint::Canary,
        Endpoint::Status,
        Endpoint::Keys,
        Endpoint::Config,
        Endpoint::Health,
    ] {
        assert_eq!(
            get_json(r.addr, ep.path()).await.status,
            StatusCode::OK,
            "{ep:?}"
        );
    }
    let seal = http(
        r.addr,
        "POST",
        Endpoint::Seal.path(),
        &[("content-type", "application/json")],
        format!(r#"{{"digest":"{}"}}"#, "00".repeat(32)).as_bytes(),
    )
    .await;
    assert_eq!(seal.status, StatusCode::OK);
    r.shutdown().await;
}
