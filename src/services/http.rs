//! Fetching from the helper and beyond: every request has a timeout (an
//! AbortController). The API's requests (`cache: no-store`) go to URLs built
//! from typed endpoints; content documents are default GETs the browser may
//! answer from a preload or its cache.

use fixpath_core::api::{ApiError, Endpoint};
use futures_util::future::LocalBoxFuture;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestCache, RequestInit, RequestMode, Response};

use super::wire::{self, FromJson};
use crate::i18n::{f, t, Msg};

/// Why a request did not give a usable answer.
#[derive(Debug, Clone, PartialEq)]
pub enum HttpError {
    /// No answer: network down, refused, blocked (the browser does not say which).
    Network,
    /// No answer within the time allowed.
    Timeout,
    /// The helper answered with an error status (and its JSON error, when it sent one).
    Status(u16, Option<ApiError>),
    /// The answer was not what the helper sends.
    Malformed,
    /// Not in a browser page (no window).
    NoBrowser,
}

impl HttpError {
    /// Why, for the user: the end of a sentence ("We could not fetch it: …"),
    /// in the page's language (the helper's own message as it wrote it).
    pub fn explain(&self) -> String {
        match self {
            Self::Network => t(Msg::AppFetchNetwork),
            Self::Timeout => t(Msg::AppFetchTimeout),
            Self::Status(_, Some(e)) => e.error.message.clone(),
            // The status is a code, not a quantity: its digits as HTTP writes them.
            Self::Status(code, None) => {
                f(Msg::AppFetchStatus, &[("code", (&code.to_string()).into())])
            }
            Self::Malformed => t(Msg::AppFetchMalformed),
            Self::NoBrowser => t(Msg::AppFetchNoBrowser),
        }
    }
}

/// A finished request: HTTP status, body text and how long it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub status: u16,
    pub body: String,
    pub elapsed_ms: f64,
    /// The URL actually fetched (for Resource Timing look-ups).
    pub url: String,
}

/// Milliseconds from the page's monotonic clock.
pub fn perf_now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now)
}

/// The URL of a helper endpoint on this page's origin, with query pairs and a
/// random `nocache` value, so no cache or connection trick answers for the helper.
/// `resolve` refuses any parameter but `name` (400), so it gets no `nocache`; its
/// answer is `no-store` and every fetch here is `cache: no-store` anyway.
pub fn endpoint_url(ep: Endpoint, query: &[(&str, &str)]) -> Option<String> {
    let origin = web_sys::window()?.location().origin().ok()?;
    let url = web_sys::Url::new_with_base(ep.path(), &origin).ok()?;
    let params = url.search_params();
    for (k, v) in query {
        params.append(k, v);
    }
    if ep != Endpoint::Resolve {
        params.append("nocache", &random_token());
    }
    Some(url.href())
}

/// The same endpoint on another port of the helper's host (alternate ports).
pub fn endpoint_url_on_port(ep: Endpoint, port: u16) -> Option<String> {
    let href = endpoint_url(ep, &[])?;
    let url = web_sys::Url::new(&href).ok()?;
    url.set_port(&port.to_string());
    Some(url.href())
}

fn random_token() -> String {
    format!("{:x}", (js_sys::Math::random() * 4_294_967_296.0) as u64)
}

/// How a request meets the browser's caches and other origins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A question for the helper: `cache: no-store`, CORS.
    Fresh,
    /// Another origin or port, answered opaquely (`no-cors`, status 0), which
    /// still proves the far end was reached; `cache: no-store`.
    Opaque,
    /// A content document: the browser's defaults for a GET (CORS, default
    /// cache), so a preload or the HTTP cache may answer it.
    Document,
}

/// Fetches `url` with a timeout. `no_cors` gives an opaque answer (status 0), which
/// still proves the far end was reached.
pub async fn fetch(url: &str, no_cors: bool, timeout_ms: u32) -> Result<Fetched, HttpError> {
    let kind = if no_cors { Kind::Opaque } else { Kind::Fresh };
    fetch_with(url, "GET", None, kind, timeout_ms).await
}

/// Like [`fetch`], with a method, an optional JSON body and the kind of request.
pub async fn fetch_with(
    url: &str,
    method: &str,
    json_body: Option<&str>,
    kind: Kind,
    timeout_ms: u32,
) -> Result<Fetched, HttpError> {
    let window = web_sys::window().ok_or(HttpError::NoBrowser)?;
    let controller = AbortController::new().map_err(|_| HttpError::NoBrowser)?;
    let init = RequestInit::new();
    init.set_method(method);
    match kind {
        Kind::Fresh => init.set_cache(RequestCache::NoStore),
        Kind::Opaque => {
            init.set_cache(RequestCache::NoStore);
            init.set_mode(RequestMode::NoCors);
        }
        Kind::Document => {}
    }
    init.set_signal(Some(&controller.signal()));
    if let Some(body) = json_body {
        init.set_body(&JsValue::from_str(body));
        let headers = web_sys::Headers::new().map_err(|_| HttpError::NoBrowser)?;
        let _ = headers.set("Content-Type", "application/json");
        init.set_headers(&headers);
    }

    // Abort on timeout: the fetch (and its body) then rejects, which we report as Timeout.
    let abort = {
        let controller = controller.clone();
        Closure::once(move || controller.abort())
    };
    let timer = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            abort.as_ref().unchecked_ref(),
            i32::try_from(timeout_ms).unwrap_or(i32::MAX),
        )
        .map_err(|_| HttpError::NoBrowser)?;
    let started = perf_now();
    let result = async {
        let resp: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
            .await
            .map_err(|_| HttpError::Network)?
            .dyn_into()
            .map_err(|_| HttpError::Malformed)?;
        let status = resp.status();
        let text = match resp.text() {
            Ok(p) => JsFuture::from(p)
                .await
                .map_err(|_| HttpError::Network)?
                .as_string()
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        Ok::<_, HttpError>((status, text))
    }
    .await;
    let elapsed_ms = perf_now() - started;
    window.clear_timeout_with_handle(timer);
    drop(abort);
    match result {
        Ok((status, body)) => Ok(Fetched {
            status,
            body,
            elapsed_ms,
            url: url.to_string(),
        }),
        Err(_) if controller.signal().aborted() => Err(HttpError::Timeout),
        Err(e) => Err(e),
    }
}

/// GETs a helper endpoint and reads its JSON answer.
pub async fn get_json<T: FromJson>(
    ep: Endpoint,
    query: &[(&str, &str)],
    timeout_ms: u32,
) -> Result<(T, Fetched), HttpError> {
    let (json, fetched) = call_json(ep, "GET", query, None, timeout_ms).await?;
    Ok((T::from_json(&json).ok_or(HttpError::Malformed)?, fetched))
}

/// POSTs JSON to a helper endpoint and reads its JSON answer.
pub async fn post_json<T: FromJson>(
    ep: Endpoint,
    body: &str,
    timeout_ms: u32,
) -> Result<(T, Fetched), HttpError> {
    let (json, fetched) = call_json(ep, "POST", &[], Some(body), timeout_ms).await?;
    Ok((T::from_json(&json).ok_or(HttpError::Malformed)?, fetched))
}

/// The request and JSON parse every helper call shares; kept apart from the typed
/// read so the wasm has one copy of it, not one per answer type.
async fn call_json(
    ep: Endpoint,
    method: &str,
    query: &[(&str, &str)],
    body: Option<&str>,
    timeout_ms: u32,
) -> Result<(wire::Field, Fetched), HttpError> {
    let url = endpoint_url(ep, query).ok_or(HttpError::NoBrowser)?;
    let fetched = fetch_with(&url, method, body, Kind::Fresh, timeout_ms).await?;
    if !(200..300).contains(&fetched.status) {
        return Err(HttpError::Status(
            fetched.status,
            wire::parse_json(&fetched.body).and_then(|j| ApiError::from_json(&j)),
        ));
    }
    let json = wire::parse_json(&fetched.body).ok_or(HttpError::Malformed)?;
    Ok((json, fetched))
}

/// GETs a content document (the site, a tree version) and reads its JSON. The
/// request is the browser's default GET ([`Kind::Document`]), so it matches the
/// page's `<link rel="preload" as="fetch" crossorigin>` and the browser answers
/// it from the preload, and the HTTP cache may answer for the immutable,
/// content-addressed versions.
pub async fn get_document<T: FromJson>(url: &str, timeout_ms: u32) -> Result<T, HttpError> {
    let json = document_json(url.to_string(), timeout_ms).await?;
    T::from_json(&json).ok_or(HttpError::Malformed)
}

/// The request and parse of [`get_document`], one boxed future for every kind
/// of document: its state machine is in the wasm once, not inlined into each
/// caller's.
fn document_json(
    url: String,
    timeout_ms: u32,
) -> LocalBoxFuture<'static, Result<wire::Field, HttpError>> {
    Box::pin(async move {
        let fetched = fetch_with(&url, "GET", None, Kind::Document, timeout_ms).await?;
        if !(200..300).contains(&fetched.status) {
            return Err(HttpError::Status(fetched.status, None));
        }
        wire::parse_json(&fetched.body).ok_or(HttpError::Malformed)
    })
}

/// The request's duration from Resource Timing (request start to response end),
/// which excludes the page's own scheduling; `None` when the browser has no entry.
pub fn resource_timing_ms(url: &str) -> Option<f64> {
    let perf = web_sys::window()?.performance()?;
    let entries = perf.get_entries_by_name(url);
    let last = entries.get(entries.length().checked_sub(1)?);
    let timing: web_sys::PerformanceResourceTiming = last.dyn_into().ok()?;
    let start = timing.request_start();
    let end = timing.response_end();
    (start > 0.0 && end >= start).then_some(end - start)
}
