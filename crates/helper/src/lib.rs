//! The Fixpath helper as a library: the router ([`app`], [`alt_app`]), the server
//! that runs it ([`server`]), and the command-line verbs ([`cli`]). `main.rs` only
//! parses arguments; tests drive [`app`] with `tower::ServiceExt::oneshot`.

pub mod api;
pub mod cli;
pub mod client;
pub mod config;
pub mod dns;
pub mod error;
pub mod findings;
pub mod logging;
pub mod middleware;
pub mod names;
pub mod privacy;
pub mod probe;
pub mod ranges;
pub mod ratelimit;
pub mod seal;
pub mod server;
pub mod state;
pub mod status;
pub mod web;

use axum::http::{header, HeaderValue, Method};
use axum::routing::{any, get, post};
use axum::Router;
use fixpath_core::api::Endpoint;
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use config::Config;
pub use error::Error;
pub use state::AppState;

/// Route pattern: the API root itself (answered with a JSON 404).
const API_ROOT: &str = "/api";
/// Route pattern: anything else under the API (answered with a JSON 404, never the app).
const API_ANY: &str = "/api/{*rest}";

/// The helper's router: every `/api/v1` endpoint, JSON 404s under `/api`, and the
/// built app (with its SPA fallback) for every other path.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .route(Endpoint::Health.path(), get(api::health))
        .route(Endpoint::Ping.path(), get(api::ping))
        .route(Endpoint::WhoAmI.path(), get(api::whoami))
        .route(Endpoint::Canary.path(), get(api::canary))
        .route(Endpoint::Resolve.path(), get(api::resolve))
        .route(Endpoint::Probe.path(), get(api::probe))
        .route(
            Endpoint::Status.path(),
            get(api::status_get)
                .put(api::status_put)
                .delete(api::status_delete),
        )
        .route(Endpoint::Seal.path(), post(api::seal))
        .route(Endpoint::Keys.path(), get(api::keys))
        .route(Endpoint::Config.path(), get(api::public_config))
        .route(API_ROOT, any(api::not_found))
        .route(API_ANY, any(api::not_found))
        .fallback(web::app_or_file);
    layered(routes, state)
}

/// The router of an alternate port: ping only (the app checks that the port lets
/// traffic through), JSON 404 for anything else.
pub fn alt_app(state: AppState) -> Router {
    let routes = Router::new()
        .route(Endpoint::Ping.path(), get(api::ping))
        .fallback(api::not_found);
    layered(routes, state)
}

/// CORS for the configured origins only; no CORS headers at all without any.
fn cors(state: &AppState) -> Option<CorsLayer> {
    if state.config().http.cors_origins.is_empty() {
        return None;
    }
    let origins: Vec<HeaderValue> = state
        .config()
        .http
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
            .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
            .expose_headers([header::RETRY_AFTER]),
    )
}

/// The layers every router of the helper gets, applied once as one stack (outermost
/// first): [`middleware::Edge`] (security headers, access log, panics as 500),
/// CORS when configured, then [`middleware::Gate`] (rate limits, body limit,
/// request timeout, API hygiene). Public so tests can put a misbehaving route
/// behind the very same layers.
pub fn layered(routes: Router<AppState>, state: AppState) -> Router {
    let stack = ServiceBuilder::new()
        .layer(middleware::EdgeLayer::new(state.clone()))
        .option_layer(cors(&state))
        .layer(middleware::GateLayer::new(state.clone()));
    routes.layer(stack).with_state(state)
}
