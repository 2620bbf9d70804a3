//! Serving the built app: files, the SPA fallback, the page's CSP, the "not built"
//! answer; and the layers that keep panics and slow handlers from reaching a client
//! as anything but a JSON error.

mod common;

use axum::body::Body;
use axum::http::StatusCode;
use axum::routing::get as route_get;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::*;
use fixpath_core::api::Endpoint;
use fixpath_helper::AppState;
use sha2::{Digest, Sha256};

/// What Trunk 0.21 writes: an inline module loader and hashed files.
const INLINE: &str = "\nimport init, * as bindings from '/fixpath-web-0123456789abcdef.js';\nconst wasm = await init({ module_or_path: '/fixpath-web-0123456789abcdef_bg.wasm' });\nwindow.wasmBindings = bindings;\ndispatchEvent(new CustomEvent(\"TrunkApplicationStarted\", {detail: {wasm}}));\n";

fn build_dist(f: &Fixture) {
    let dist = f.dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        format!("<!doctype html><html><head><script type=\"module\">{INLINE}</script><link rel=\"modulepreload\" href=\"/fixpath-web-0123456789abcdef.js\"></head><body>Fixpath</body></html>"),
    )
    .unwrap();
    std::fs::write(
        dist.join("fixpath-web-0123456789abcdef.js"),
        "export default 1;",
    )
    .unwrap();
    std::fs::write(
        dist.join("fixpath-web-0123456789abcdef_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .unwrap();
    std::fs::write(dist.join("robots.txt"), "User-agent: *\n").unwrap();
}

#[tokio::test]
async fn the_index_and_any_app_path_get_the_page_with_a_hash_based_csp() {
    let f = fixture(
        "canary_urls = [\"https://canary.example.net/pixel.gif\"]\n[listen]\nalt_ports = [8081]\n",
    );
    build_dist(&f);
    let hash = format!(
        "'sha256-{}'",
        STANDARD.encode(Sha256::digest(INLINE.as_bytes()))
    );
    for path in ["/", "/index.html", "/r/deep/link", "/some/page?x=1"] {
        let a = send(
            &f.app,
            request("GET", path, "198.51.100.7")
                .header("host", "helper.example:8080")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert!(a.text().contains("Fixpath"), "{path}");
        assert_eq!(
            a.header("content-type").as_deref(),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(a.header("cache-control").as_deref(), Some("no-cache"));
        let csp = a.header("content-security-policy").unwrap();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{csp}"
        );
        assert!(
            csp.contains(&hash),
            "the inline loader's hash is allowed: {csp}"
        );
        assert!(
            !csp.contains("script-src 'self' 'wasm-unsafe-eval' 'unsafe-inline'"),
            "{csp}"
        );
        assert!(csp.contains("https://canary.example.net"), "{csp}");
        assert!(csp.contains("http://helper.example:8081"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(a.header("referrer-policy").as_deref(), Some("no-referrer"));
    }
}

#[tokio::test]
async fn files_are_served_with_types_and_hashed_ones_cached_for_good() {
    let f = fixture("");
    build_dist(&f);
    let a = send(&f.app, get("/fixpath-web-0123456789abcdef_bg.wasm")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.header("content-type").as_deref(),
        Some("application/wasm")
    );
    assert_eq!(
        a.header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    let a = send(&f.app, get("/fixpath-web-0123456789abcdef.js")).await;
    assert!(a.header("content-type").unwrap().contains("javascript"));
    let a = send(&f.app, get("/robots.txt")).await;
    assert_eq!(a.header("cache-control").as_deref(), Some("no-cache"));
    assert_eq!(
        a.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    // Escaping the dist directory: a dot segment, never served (nor the page).
    let a = send(&f.app, get("/../Cargo.toml")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(!a.text().contains("Fixpath"));
}

#[tokio::test]
async fn api_paths_never_fall_back_to_the_page() {
    let f = fixture("");
    build_dist(&f);
    let a = send(&f.app, get("/api/v1/findings")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.code(), "not_found");
}

#[tokio::test]
async fn an_unbuilt_app_is_explained_not_crashed_on() {
    let f = fixture("");
    let a = send(
        &f.app,
        request("GET", "/", "198.51.100.7")
            .header("accept", "text/html,application/xhtml+xml")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(a.text().contains("cargo xtask run"));
    let a = send(&f.app, get("/anything")).await;
    assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(a.code(), "app_not_built");
    assert!(a.message().contains("cargo xtask run"));
    // The API works regardless.
    assert_eq!(
        send(&f.app, get(Endpoint::Health.path())).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn app_pages_take_only_get() {
    let f = fixture("");
    build_dist(&f);
    let a = send(
        &f.app,
        request("POST", "/", "198.51.100.7")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(a.code(), "method_not_allowed");
}

fn misbehaving(state: AppState) -> Router {
    let routes = Router::new()
        .route(
            "/api/v1/boom",
            route_get(|| async {
                let v: Vec<u8> = Vec::new();
                // An out-of-bounds index: the kind of bug a panic hook must contain.
                format!("{}", v[usize::from(v.is_empty())])
            }),
        )
        .route(
            "/api/v1/slow",
            route_get(|| async {
                std::future::pending::<()>().await;
                "never"
            }),
        );
    fixpath_helper::layered(routes, state)
}

#[tokio::test]
async fn a_panic_becomes_a_500_json_answer_without_details() {
    let f = fixture("");
    let app = misbehaving(f.state.clone());
    let a = send(&app, get("/api/v1/boom")).await;
    assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(a.code(), "internal");
    assert!(!a.message().contains("index"), "{}", a.message());
    assert_eq!(
        a.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
}

#[tokio::test]
async fn a_request_that_takes_too_long_is_cut_off() {
    let f = fixture("[dns]\nupstream = \"none\"\ntimeout_ms = 100\n[probe]\nconnect_timeout_ms = 50\n[http]\nrequest_timeout_ms = 200\n");
    let app = misbehaving(f.state.clone());
    let a = send(&app, get("/api/v1/slow")).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.code(), "timeout");
}
