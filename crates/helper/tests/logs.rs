//! The access log never carries a findings payload: not from an app path, not from a
//! query string, not from a body.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use common::*;
use fixpath_core::api::Endpoint;

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

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
