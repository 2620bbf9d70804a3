//! The access log never carries a findings payload: not from an app path, not from a
//! query string, not from a body. Client addresses are masked (IPv4 /24, IPv6 /48)
//! unless the operator says otherwise, and typed names appear only as a keyed hash.

mod common;

use axum::body::Body;
use common::*;
use fixpath_core::api::Endpoint;
use fixpath_helper::server;

#[tokio::test]
async fn no_payload_reaches_the_log() {
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let payload = "eJzLSM3JyVcozy_KSVEEAB0JBF4PAYLOADSECRET";
    let f = fixture("");
    // A link pasted without its '#', so the payload is in the path.
    send(&f.app, get(&format!("/r/{payload}"))).await;
    // In a query string.
    send(&f.app, get(&uri(Endpoint::Resolve, &[("name", payload)]))).await;
    send(&f.app, get(&uri(Endpoint::Ping, &[("p", payload)]))).await;
    // In a body.
    send(
        &f.app,
        json_request("POST", Endpoint::Seal.path())
            .body(Body::from(format!(r#"{{"digest":"{payload}"}}"#)))
            .unwrap(),
    )
    .await;

    let log = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("request"), "the access log is written: {log}");
    assert!(!log.contains("PAYLOAD"), "{log}");
    assert!(!log.contains("eJzLSM3"), "{log}");
}

/// Everything logged while `f` runs; the subscriber is this thread's, and a
/// current-thread test runtime runs the helper's tasks on this thread too.
fn capture() -> (Sink, tracing::subscriber::DefaultGuard) {
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (sink, tracing::subscriber::set_default(subscriber))
}

fn text(sink: &Sink) -> String {
    String::from_utf8(sink.0.lock().unwrap().clone()).unwrap()
}

const BEHIND_PROXY: &str = "allowed_suffixes = [\"corp.example.com\"]\n[proxy]\ntrusted = [\"127.0.0.1\"]\n[listen]\naddress = \"127.0.0.1\"\nport = 0\n";

#[tokio::test]
async fn client_addresses_are_masked_and_typed_names_hashed_on_a_real_socket() {
    let (sink, _guard) = capture();
    let f = fixture(BEHIND_PROXY);
    let r = server::start(f.state.clone(), Some(0)).await.unwrap();
    for client in ["198.51.100.77", "2001:db8:abcd:1234::5"] {
        let a = http(
            r.addr,
            "GET",
            Endpoint::Ping.path(),
            &[("x-forwarded-for", client)],
            b"",
        )
        .await;
        assert_eq!(a.status.as_u16(), 200);
    }
    let typed = "secret-office.corp.example.com";
    let a = http(
        r.addr,
        "GET",
        &uri(Endpoint::Resolve, &[("name", typed)]),
        &[],
        b"",
    )
    .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text());
    let probed = "hidden-site.example.net";
    let a = http(
        r.addr,
        "GET",
        &uri(Endpoint::Probe, &[("server", probed), ("port", "443")]),
        &[],
        b"",
    )
    .await;
    assert_eq!(a.code(), "not_allowed");
    r.shutdown().await;

    let log = text(&sink);
    assert!(log.contains("198.51.100.0/24"), "{log}");
    assert!(log.contains("2001:db8:abcd::/48"), "{log}");
    assert!(!log.contains("198.51.100.77"), "{log}");
    assert!(!log.contains("abcd:1234"), "{log}");
    assert!(!log.contains("secret-office"), "{log}");
    assert!(!log.contains("hidden-site"), "{log}");
    // The names are there as their hashes, so one run's log can still be read.
    assert!(log.contains(&f.state.log_name(typed)), "{log}");
    assert!(log.contains(&f.state.log_name(probed)), "{log}");
}

#[tokio::test]
async fn whole_addresses_are_logged_only_when_the_operator_says_so() {
    let (sink, _guard) = capture();
    let f = fixture(&format!("{BEHIND_PROXY}[log]\nmask_addresses = false\n"));
    let r = server::start(f.state.clone(), Some(0)).await.unwrap();
    http(
        r.addr,
        "GET",
        Endpoint::Ping.path(),
        &[("x-forwarded-for", "198.51.100.77")],
        b"",
    )
    .await;
    r.shutdown().await;
    assert!(text(&sink).contains("198.51.100.77"), "{}", text(&sink));
}

/// A handler that panics with text a client could have put there: a line break
/// that would forge a log line and an escape sequence a terminal would obey.
fn panicking(state: fixpath_helper::AppState) -> axum::Router {
    let routes = axum::Router::new().route(
        "/api/v1/boom",
        axum::routing::get(|| async {
            let sent = "x\r\n2000-01-01T00:00:00Z  INFO forged: request \x1b[2J";
            panic!("cannot take {sent}");
            #[allow(unreachable_code)]
            ""
        }),
    );
    fixpath_helper::layered(routes, state)
}

#[tokio::test]
async fn an_internal_errors_detail_is_logged_by_the_edge_on_one_line_and_never_sent() {
    let (sink, _guard) = capture();
    let f = fixture("");
    let a = send(&panicking(f.state.clone()), get("/api/v1/boom")).await;
    assert_eq!(a.status.as_u16(), 500);
    assert_eq!(a.code(), "internal");
    assert!(!a.text().contains("cannot take"), "{}", a.text());
    assert!(!a.text().contains("forged"), "{}", a.text());

    let log = text(&sink);
    let lines: Vec<&str> = log.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("internal error"))
        .unwrap_or_else(|| panic!("no internal error line: {log}"));
    let line = lines[at];
    assert!(line.contains("ERROR"), "{line}");
    assert!(line.contains("route=/api/v1/boom"), "{line}");
    assert!(
        line.contains(r"detail=handler panicked: cannot take x\r\n2000-01-01T00:00:00Z  INFO forged: request \x1b[2J"),
        "{line}"
    );
    assert!(!log.contains('\x1b') && !log.contains('\r'), "{log}");
    assert!(
        !lines.iter().any(|l| l.starts_with("2000-")),
        "a forged line: {log}"
    );
    // The access line follows it, a warning for a 5xx.
    let access = lines.get(at + 1).copied().unwrap_or_default();
    assert!(access.contains("WARN"), "{log}");
    assert!(
        access.contains("request method=GET route=/api/v1/boom status=500"),
        "{log}"
    );
}
