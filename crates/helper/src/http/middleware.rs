//! The layers every request passes, as two hand-written tower services with
//! concrete futures (nothing of their own is boxed or cloned per request):
//! [`Edge`] (security headers on every answer, an access log that never records a
//! query string or a long path, where a findings payload could hide, the detail
//! of an internal error logged beside it, and a panic turned into a 500 JSON
//! answer) and [`Gate`] (per-client rate limits, the body limit, a request
//! timeout, and API hygiene: no-store, JSON for every error).
//! CORS, when configured, sits between the two, so its preflights are answered
//! before any limit while rate-limit answers still carry its headers.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, HttpBody};
use axum::extract::{MatchedPath, Request};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use fixpath_core::api::{Cost, Endpoint, API_PREFIX};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::http::client::ClientAddr;
use crate::http::error::{Error, Internal};
use crate::http::table_method;
use crate::logging::Escaped;
use crate::policy::privacy::Masked;
use crate::state::AppState;

/// The policy for the page's files (scripts, styles, wasm) opened directly: nothing may run.
static STRICT_CSP: HeaderValue = HeaderValue::from_static(
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
);

/// The API's policy when an answer is opened directly: nothing may run or frame it.
static API_CSP: HeaderValue =
    HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'");

/// Headers every answer carries, built once (cloning a static value copies no
/// bytes): no sniffing, no framing.
static BASE_HEADERS: [(HeaderName, HeaderValue); 2] = [
    (
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ),
    (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
];

/// Policies that act only where a response becomes a document, worker or style
/// sheet (what it fetches, opens and may use): the page and its files get them, the
/// API's JSON (fetched, never rendered) does not, which keeps its answers short.
/// `Referrer-Policy: no-referrer` keeps the page's URL out of every request the page
/// makes.
static DOCUMENT_HEADERS: [(HeaderName, HeaderValue); 3] = [
    (
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    ),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    ),
    (
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    ),
];

static NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

fn is_api(path: &str) -> bool {
    path == API_PREFIX || path == "/api" || path.starts_with("/api/")
}

/// Adds the security headers for an API answer or for the page and its files; a
/// page that brought its own CSP keeps it.
fn secure(h: &mut HeaderMap, api: bool) {
    // Answers built here have room for these already; others grow once, not per insert.
    h.reserve(BASE_HEADERS.len() + DOCUMENT_HEADERS.len() + 1);
    for (name, value) in &BASE_HEADERS {
        h.insert(name.clone(), value.clone());
    }
    if api {
        h.insert(header::CONTENT_SECURITY_POLICY, API_CSP.clone());
        return;
    }
    for (name, value) in &DOCUMENT_HEADERS {
        h.insert(name.clone(), value.clone());
    }
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert_with(|| STRICT_CSP.clone());
}

// ---------------------------------------------------------------------------------
// Edge: security headers, the access log, panics.

/// Wraps a service in [`Edge`].
#[derive(Clone)]
pub(crate) struct EdgeLayer {
    state: AppState,
}

impl EdgeLayer {
    pub(crate) fn new(state: AppState) -> EdgeLayer {
        EdgeLayer { state }
    }
}

impl<S> Layer<S> for EdgeLayer {
    type Service = Edge<S>;
    fn layer(&self, inner: S) -> Edge<S> {
        Edge {
            inner,
            state: self.state.clone(),
        }
    }
}

/// The outermost layer: every answer gets the security headers and one access-log
/// line (an internal error's detail, which its answer carries in its extensions,
/// logged just before it and taken off), and a panic below becomes a 500 JSON
/// answer (its message goes to the log the same way).
#[derive(Clone)]
pub(crate) struct Edge<S> {
    inner: S,
    state: AppState,
}

/// The route as the log shows it: the template, not the concrete path, and never
/// the query. App paths are logged by length only.
enum Route {
    Matched(MatchedPath),
    UnknownApi,
    App(usize),
}

impl Route {
    fn is_api(&self) -> bool {
        match self {
            Route::Matched(m) => is_api(m.as_str()),
            Route::UnknownApi => true,
            Route::App(_) => false,
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Route::Matched(m) => f.write_str(m.as_str()),
            Route::UnknownApi => f.write_str("(unknown api path)"),
            Route::App(len) => write!(f, "(app path, {len} bytes)"),
        }
    }
}

/// The client as the log shows it (masked unless the operator turned masking off);
/// formatted only if the line is written at all.
struct LogClient(Option<Masked>);

impl fmt::Display for LogClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(m) => m.fmt(f),
            None => f.write_str("-"),
        }
    }
}

/// What the access log needs of a request, taken before it goes down the stack.
struct Access {
    started: Instant,
    method: Method,
    route: Route,
    client: LogClient,
}

impl Access {
    fn of(req: &Request, client: Option<ClientAddr>, state: &AppState) -> Access {
        let mask = state.config().log_mask_addresses;
        let client = client.map(|ClientAddr(a)| Masked::new(a, mask));
        let route = match req.extensions().get::<MatchedPath>() {
            Some(m) => Route::Matched(m.clone()),
            None if is_api(req.uri().path()) => Route::UnknownApi,
            None => Route::App(req.uri().path().len()),
        };
        Access {
            started: Instant::now(),
            method: req.method().clone(),
            route,
            client: LogClient(client),
        }
    }

    /// One log line per request: method, route, status, time, client; a 5xx is a
    /// warning, and an internal error's detail comes first, on a line of its own
    /// (escaped: a panic's message can quote what a client sent).
    fn log(&self, status: StatusCode, internal: Option<Internal>) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (method, route, client) = (&self.method, &self.route, &self.client);
        if let Some(Internal(detail)) = internal {
            tracing::error!(%route, detail = %Escaped(&detail), "internal error");
        }
        let failed = status.is_server_error();
        let status = status.as_u16();
        if failed {
            tracing::warn!(%method, %route, status, ms, %client, "request");
        } else {
            tracing::info!(%method, %route, status, ms, %client, "request");
        }
    }
}

impl<S> Service<Request> for Edge<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = EdgeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        // The one place the client's address is worked out; everything below reads
        // it from the request.
        let client = ClientAddr::find(&req, &self.state.config().proxy);
        if let Some(c) = client {
            req.extensions_mut().insert(c);
        }
        let access = Access::of(&req, client, &self.state);
        let state = match catch_unwind(AssertUnwindSafe(|| self.inner.call(req))) {
            Ok(inner) => EdgeState::Running { inner },
            Err(payload) => EdgeState::Answered {
                resp: Some(panic_response(payload)),
            },
        };
        EdgeFuture { state, access }
    }
}

pin_project! {
    /// The future of [`Edge`].
    pub struct EdgeFuture<F> {
        #[pin]
        state: EdgeState<F>,
        access: Access,
    }
}

pin_project! {
    #[project = EdgeStateProj]
    enum EdgeState<F> {
        Running { #[pin] inner: F },
        Answered { resp: Option<Response> },
    }
}

impl<F, E> Future for EdgeFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let mut resp = match this.state.as_mut().project() {
            EdgeStateProj::Running { inner } => {
                match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
                    Ok(Poll::Pending) => return Poll::Pending,
                    Ok(Poll::Ready(Ok(resp))) => resp,
                    Ok(Poll::Ready(Err(e))) => return Poll::Ready(Err(e)),
                    Err(payload) => {
                        // Dropped now, never polled again: its state is unknown.
                        this.state.set(EdgeState::Answered { resp: None });
                        panic_response(payload)
                    }
                }
            }
            EdgeStateProj::Answered { resp } => resp.take().unwrap_or_else(polled_again),
        };
        let internal = resp.extensions_mut().remove::<Internal>();
        this.access.log(resp.status(), internal);
        secure(resp.headers_mut(), this.access.route.is_api());
        Poll::Ready(Ok(resp))
    }
}

/// A future polled after it finished: a bug in the caller, answered, not a panic.
fn polled_again() -> Response {
    Error::Internal("a layer's future was polled after it finished".into()).into_response()
}

/// A panic in a handler becomes a 500 JSON answer; the message goes to the log
/// (cut short: it is our own text, but it should not flood the log).
pub(crate) fn panic_response(payload: Box<dyn Any + Send + 'static>) -> Response {
    let detail = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    let detail: String = detail.chars().take(200).collect();
    Error::Internal(format!("handler panicked: {detail}")).into_response()
}

// ---------------------------------------------------------------------------------
// Gate: rate limits, body limit, request timeout, API hygiene.

/// Wraps a service in [`Gate`].
#[derive(Clone)]
pub(crate) struct GateLayer {
    state: AppState,
}

impl GateLayer {
    pub(crate) fn new(state: AppState) -> GateLayer {
        GateLayer { state }
    }
}

impl<S> Layer<S> for GateLayer {
    type Service = Gate<S>;
    fn layer(&self, inner: S) -> Gate<S> {
        Gate {
            inner,
            state: self.state.clone(),
        }
    }
}

/// What a request must pass before a handler sees it: the client's rate limits
/// (429 with Retry-After), the body limit (413), and the request timeout (503, body
/// reading included). API answers leave it never cached and, when errors, always
/// JSON: rejections from the framework (unknown method, bad body) are rewritten
/// into the helper's shape.
#[derive(Clone)]
pub(crate) struct Gate<S> {
    inner: S,
    state: AppState,
}

/// Where a request goes, as far as the gate cares: the app, or the API (an
/// endpoint of the table, or a path that is none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dest {
    App,
    Api(Option<Endpoint>),
}

impl Dest {
    fn of(path: &str) -> Dest {
        if is_api(path) {
            Dest::Api(Endpoint::at(path))
        } else {
            Dest::App
        }
    }

    /// Which bucket a request draws from besides the general one, as the
    /// endpoint table says (a method an endpoint does not take costs nothing: it
    /// is answered 405).
    fn cost(self, method: &Method) -> Cost {
        match (self, table_method(method)) {
            (Dest::Api(Some(e)), Some(m)) => e.cost(m).unwrap_or(Cost::General),
            _ => Cost::General,
        }
    }
}

/// The 413 of a non-API path, as plain text (API paths get the JSON error).
fn too_large_text() -> Response {
    let mut resp = (StatusCode::PAYLOAD_TOO_LARGE, "length limit exceeded").into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

impl<S> Gate<S> {
    /// The answer for a request refused before the handler, if it is refused.
    fn refusal(&self, req: &Request, dest: Dest) -> Option<Response> {
        let client = match ClientAddr::of(req.extensions()) {
            Ok(ClientAddr(c)) => c,
            Err(e) => return Some(e.into_response()),
        };
        if let Err(retry_after) = self.state.limiters().check(client, dest.cost(req.method())) {
            return Some(Error::RateLimited { retry_after }.into_response());
        }
        let limit = self.state.config().http.body_limit_bytes;
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Some(match dest {
                Dest::Api(_) => Error::TooLarge.into_response(),
                Dest::App => too_large_text(),
            });
        }
        None
    }
}

impl<S> Service<Request> for Gate<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = GateFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let dest = Dest::of(req.uri().path());
        if let Some(resp) = self.refusal(&req, dest) {
            return GateFuture {
                state: GateState::Answered { resp: Some(resp) },
                dest,
            };
        }
        let limit = self.state.config().http.body_limit_bytes;
        // A body whose size is known and within the limit needs no counting: hyper
        // holds it to its Content-Length. Any other is cut off at the limit while
        // read (the extractors answer 413 then).
        let within = req
            .body()
            .size_hint()
            .upper()
            .is_some_and(|n| n <= limit as u64);
        let req = if within {
            req
        } else {
            req.map(|b| Body::new(http_body_util::Limited::new(b, limit)))
        };
        let deadline = tokio::time::Instant::now() + self.state.config().http.request_timeout;
        GateFuture {
            state: GateState::Running {
                inner: self.inner.call(req),
                deadline,
                timer: None,
            },
            dest,
        }
    }
}

pin_project! {
    /// The future of [`Gate`].
    pub struct GateFuture<F> {
        #[pin]
        state: GateState<F>,
        dest: Dest,
    }
}

pin_project! {
    #[project = GateStateProj]
    enum GateState<F> {
        Running {
            #[pin]
            inner: F,
            deadline: tokio::time::Instant,
            // Armed only when the handler does not answer at once, so an immediate
            // answer never touches the timer wheel; the deadline still counts from
            // the request's arrival.
            timer: Option<Pin<Box<tokio::time::Sleep>>>,
        },
        Answered { resp: Option<Response> },
    }
}

impl<F, E> Future for GateFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let resp = match this.state.project() {
            GateStateProj::Running {
                inner,
                deadline,
                timer,
            } => match inner.poll(cx) {
                Poll::Ready(Ok(resp)) => resp,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    let timer =
                        timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(*deadline)));
                    match timer.as_mut().poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(()) => Error::Timeout.into_response(),
                    }
                }
            },
            GateStateProj::Answered { resp } => resp.take().unwrap_or_else(polled_again),
        };
        Poll::Ready(Ok(match *this.dest {
            Dest::Api(endpoint) => api_hygiene(resp, endpoint),
            Dest::App => resp,
        }))
    }
}

/// API answers are never cached, and every API error is JSON.
fn api_hygiene(resp: Response, endpoint: Option<Endpoint>) -> Response {
    let mut resp = if resp.status().is_client_error() || resp.status().is_server_error() {
        ensure_json_error(resp, endpoint)
    } else {
        resp
    };
    // The canary sets its own (no-store, no-transform); everything else gets no-store.
    resp.headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert_with(|| NO_STORE.clone());
    resp
}

fn ensure_json_error(resp: Response, endpoint: Option<Endpoint>) -> Response {
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
        // The methods come from the table: axum adds the `Allow` header itself, but
        // only outside this layer.
        StatusCode::METHOD_NOT_ALLOWED => Error::MethodNotAllowed(format!(
            "this endpoint does not take that method; use {}",
            endpoint.map_or_else(|| "GET".to_string(), Endpoint::methods_text)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costly_endpoints_use_the_checks_bucket() {
        let cost = |m: Method, p: &str| Dest::of(p).cost(&m);
        assert_eq!(cost(Method::GET, Endpoint::Probe.path()), Cost::Checks);
        assert_eq!(cost(Method::POST, Endpoint::Seal.path()), Cost::Checks);
        assert_eq!(cost(Method::PUT, Endpoint::Status.path()), Cost::Checks);
        assert_eq!(cost(Method::GET, Endpoint::Status.path()), Cost::General);
        assert_eq!(cost(Method::HEAD, Endpoint::Status.path()), Cost::General);
        assert_eq!(cost(Method::GET, Endpoint::Ping.path()), Cost::General);
        assert_eq!(cost(Method::GET, "/"), Cost::General);
        assert_eq!(cost(Method::GET, "/api/v1/nothing"), Cost::General);
    }

    #[test]
    fn api_paths() {
        assert!(is_api("/api/v1/ping"));
        assert!(is_api("/api"));
        assert!(is_api("/api/x"));
        assert!(!is_api("/apix"));
        assert!(!is_api("/"));
    }

    #[test]
    fn a_page_keeps_its_own_csp() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("script-src 'self'"),
        );
        secure(&mut h, false);
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], "script-src 'self'");
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
        let mut h = HeaderMap::new();
        secure(&mut h, false);
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], STRICT_CSP.clone());
    }

    #[test]
    fn api_answers_get_the_api_policy_and_no_document_policies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("script-src *"),
        );
        secure(&mut h, true);
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], API_CSP.clone());
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
        assert!(!h.contains_key(header::REFERRER_POLICY));
        assert_eq!(h.len(), 3);
        assert!(Route::UnknownApi.is_api());
        assert!(!Route::App(3).is_api());
    }
}
