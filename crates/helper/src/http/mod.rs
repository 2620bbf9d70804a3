//! The HTTP layer: the routers ([`app`], [`alt_app`]), the layers every request
//! passes ([`middleware`]), the `/api/v1` handlers ([`api`]), the built app
//! ([`web`]), the client's address as an extractor ([`client`]) and the error
//! answers ([`error`]); the content files ([`content`]). Routes, methods and rate-limit costs come from one table,
//! core's [`Endpoint::methods`].

pub(crate) mod api;
pub(crate) mod client;
pub(crate) mod content;
pub(crate) mod error;
pub(crate) mod middleware;
pub(crate) mod web;

use axum::http::{header, HeaderValue, Method as HttpMethod};
use axum::routing::{any, on, MethodFilter, MethodRouter};
use axum::Router;
use fixpath_core::api::{Endpoint, Method};
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::state::AppState;

/// Route pattern: the API root itself (answered with a JSON 404).
const API_ROOT: &str = "/api";
/// Route pattern: anything else under the API (answered with a JSON 404, never the app).
const API_ANY: &str = "/api/{*rest}";

/// The method as the HTTP crate spells it.
pub(crate) fn http_method(m: Method) -> HttpMethod {
    match m {
        Method::Get => HttpMethod::GET,
        Method::Post => HttpMethod::POST,
        Method::Put => HttpMethod::PUT,
        Method::Delete => HttpMethod::DELETE,
    }
}

/// The table's method for an HTTP method (`HEAD` is answered as `GET`).
pub(crate) fn table_method(m: &HttpMethod) -> Option<Method> {
    match *m {
        HttpMethod::GET | HttpMethod::HEAD => Some(Method::Get),
        HttpMethod::POST => Some(Method::Post),
        HttpMethod::PUT => Some(Method::Put),
        HttpMethod::DELETE => Some(Method::Delete),
        _ => None,
    }
}

/// The handler of one method of one endpoint. Which methods an endpoint takes is
/// the table's business; this match only says which function answers each.
fn handler(e: Endpoint, m: Method) -> MethodRouter<AppState> {
    let filter = match m {
        Method::Get => MethodFilter::GET,
        Method::Post => MethodFilter::POST,
        Method::Put => MethodFilter::PUT,
        Method::Delete => MethodFilter::DELETE,
    };
    match (e, m) {
        (Endpoint::Health, _) => on(filter, api::health),
        (Endpoint::Ping, _) => on(filter, api::ping),
        (Endpoint::WhoAmI, _) => on(filter, api::whoami),
        (Endpoint::Canary, _) => on(filter, api::canary),
        (Endpoint::Resolve, _) => on(filter, api::resolve),
        (Endpoint::Probe, _) => on(filter, api::probe),
        (Endpoint::Status, Method::Put) => on(filter, api::status_put),
        (Endpoint::Status, Method::Delete) => on(filter, api::status_delete),
        (Endpoint::Status, _) => on(filter, api::status_get),
        (Endpoint::Seal, _) => on(filter, api::seal),
        (Endpoint::Keys, _) => on(filter, api::keys),
        (Endpoint::Config, _) => on(filter, api::public_config),
    }
}

/// Every method of an endpoint, as the table lists them.
fn endpoint(e: Endpoint) -> MethodRouter<AppState> {
    e.methods()
        .iter()
        .map(|(m, _)| handler(e, *m))
        .reduce(MethodRouter::merge)
        .unwrap_or_default()
}

/// The helper's router: every `/api/v1` endpoint, JSON 404s under `/api`, and the
/// built app (with its SPA fallback) for every other path.
pub fn app(state: AppState) -> Router {
    let routes = Endpoint::ALL
        .into_iter()
        .fold(Router::new(), |r, e| r.route(e.path(), endpoint(e)))
        .route(content::ROUTE, axum::routing::get(content::file))
        .route(API_ROOT, any(api::not_found))
        .route(API_ANY, any(api::not_found))
        .fallback(web::app_or_file);
    layered(routes, state)
}

/// The router of an alternate port: ping only (the app checks that the port lets
/// traffic through), JSON 404 for anything else.
pub fn alt_app(state: AppState) -> Router {
    let routes = Router::new()
        .route(Endpoint::Ping.path(), endpoint(Endpoint::Ping))
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
    let mut methods: Vec<HttpMethod> = Endpoint::ALL
        .iter()
        .flat_map(|e| e.methods().iter().map(|(m, _)| http_method(*m)))
        .collect();
    methods.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    methods.dedup();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods(methods)
            .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
            .expose_headers([header::RETRY_AFTER]),
    )
}

/// The layers every router of the helper gets, applied once as one stack (outermost
/// first): [`middleware::Edge`] (the client's address, security headers, access
/// log, panics as 500), CORS when configured, then [`middleware::Gate`] (rate
/// limits, body limit, request timeout, API hygiene). Public so tests can put a
/// misbehaving route behind the very same layers.
pub fn layered(routes: Router<AppState>, state: AppState) -> Router {
    let stack = ServiceBuilder::new()
        .layer(middleware::EdgeLayer::new(state.clone()))
        .option_layer(cors(&state))
        .layer(middleware::GateLayer::new(state.clone()));
    routes.layer(stack).with_state(state)
}
