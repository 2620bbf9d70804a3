//! The layers every request passes: security headers, an access log that never
//! records a query string or a long path (where a findings payload could hide),
//! API hygiene (no-store, JSON for every error), per-client rate limits, a request
//! timeout, and turning a panic into a 500 JSON answer.

use std::any::Any;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fixpath_core::api::{Endpoint, API_PREFIX};

use crate::client;
use crate::error::Error;
use crate::ratelimit::Class;
use crate::state::AppState;

/// The policy for anything that is not the app's page (JSON, files): nothing may run.
const STRICT_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

fn is_api(path: &str) -> bool {
    path == API_PREFIX || path == "/api" || path.starts_with("/api/")
}

/// Headers every answer carries. `Referrer-Policy: no-referrer` keeps a findings
/// link's fragment (and the page's URL) out of every request the page makes.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(STRICT_CSP),
        );
    }
    resp
}

/// One log line per request: method, route (the template, not the concrete path,
/// and never the query), status, time, and the client (masked unless the operator
/// turned masking off). App paths are logged by length only.
pub async fn access_log(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let client = match client::peer_of_request(&req) {
        Some(peer) => crate::privacy::log_address(
            client::client_address(peer, req.headers(), &state.config().proxy),
            state.config().log_mask_addresses,
        ),
        None => "-".to_string(),
    };
    let route = match req.extensions().get::<MatchedPath>() {
        Some(m) => m.as_str().to_string(),
        None if is_api(req.uri().path()) => "(unknown api path)".to_string(),
        None => format!("(app path, {} bytes)", req.uri().path().len()),
    };
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    let ms = started.elapsed().as_millis();
    if resp.status().is_server_error() {
        tracing::warn!(%method, %route, status, ms, %client, "request");
    } else {
        tracing::info!(%method, %route, status, ms, %client, "request");
    }
    resp
}

/// API answers are never cached, and every API error is JSON: rejections from the
/// framework (unknown method, body limit) are rewritten into the helper's shape.
pub async fn api_hygiene(req: Request, next: Next) -> Response {
    if !is_api(req.uri().path()) {
        return next.run(req).await;
    }
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    let mut resp = if resp.status().is_client_error() || resp.status().is_server_error() {
        ensure_json_error(resp, &path)
    } else {
        resp
    };
    let h = resp.headers_mut();
    // The canary sets its own (no-store, no-transform); everything else gets no-store.
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// The methods an API path takes, for a 405's message. (axum adds the `Allow`
/// header itself, but only outside this layer.)
fn methods_of(path: &str) -> &'static str {
    if path == Endpoint::Status.path() {
        "GET, PUT or DELETE"
    } else if path == Endpoint::Seal.path() {
        "POST"
    } else {
        "GET"
    }
}

fn ensure_json_error(resp: Response, path: &str) -> Response {
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let status = resp.status();
    let allow = resp.headers().get(header::ALLOW).cloned();
    let err = match status {
        StatusCode::METHOD_NOT_ALLOWED => Error::MethodNotAllowed(format!(
            "this endpoint does not take that method; use {}",
            methods_of(path)
        )),
        StatusCode::PAYLOAD_TOO_LARGE => Error::TooLarge,
        StatusCode::NOT_FOUND => Error::NotFound("there is no such API endpoint".into()),
        StatusCode::REQUEST_TIMEOUT => Error::Timeout,
        s if s.is_server_error() => Error::Internal(format!("non-JSON {s} from a layer")),
        _ => Error::BadRequest("the request was not understood".into()),
    };
    let mut out = err.into_response();
    // Keep the status the layer chose, and Allow if it is already there.
    *out.status_mut() = status;
    if let Some(a) = allow {
        out.headers_mut().insert(header::ALLOW, a);
    }
    out
}

/// Which bucket a request draws from.
fn class_of(method: &Method, path: &str) -> Class {
    let costly = [Endpoint::Resolve, Endpoint::Probe, Endpoint::Seal]
        .iter()
        .any(|e| e.path() == path)
        || (path == Endpoint::Status.path() && method != Method::GET && method != Method::HEAD);
    if costly {
        Class::Checks
    } else {
        Class::General
    }
}

/// Per-client limits; 429 with Retry-After when a bucket is empty.
pub async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let client = match client::from_parts(&parts, &state) {
        Ok(c) => c.0,
        Err(e) => return e.into_response(),
    };
    let class = class_of(&parts.method, parts.uri.path());
    if let Err(retry_after) = state.limiters().check(client, class) {
        return Error::RateLimited { retry_after }.into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

/// The longest any request may take, body reading included.
pub async fn request_timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(state.config().http.request_timeout, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => Error::Timeout.into_response(),
    }
}

/// A panic in a handler becomes a 500 JSON answer; the message goes to the log
/// (cut short: it is our own text, but it should not flood the log).
pub fn panic_response(payload: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let detail = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    let detail: String = detail.chars().take(200).collect();
    Error::Internal(format!("handler panicked: {detail}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costly_endpoints_use_the_checks_bucket() {
        assert_eq!(
            class_of(&Method::GET, Endpoint::Probe.path()),
            Class::Checks
        );
        assert_eq!(
            class_of(&Method::POST, Endpoint::Seal.path()),
            Class::Checks
        );
        assert_eq!(
            class_of(&Method::PUT, Endpoint::Status.path()),
            Class::Checks
        );
        assert_eq!(
            class_of(&Method::GET, Endpoint::Status.path()),
            Class::General
        );
        assert_eq!(
            class_of(&Method::GET, Endpoint::Ping.path()),
            Class::General
        );
        assert_eq!(class_of(&Method::GET, "/"), Class::General);
    }

    #[test]
    fn api_paths() {
        assert!(is_api("/api/v1/ping"));
        assert!(is_api("/api"));
        assert!(is_api("/api/x"));
        assert!(!is_api("/apix"));
        assert!(!is_api("/"));
    }
}
