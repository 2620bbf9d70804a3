//! `/content/<file>`: the files of the content in service (the site document,
//! each tree version, the logo), from memory in the client's encoding, and any
//! tree version ever served, from the archive. Every name is content-addressed,
//! so every answer is immutable, except one: a tree version this helper never
//! had, of a tree it serves now, is answered with the current version (which
//! names its own fingerprint) and `no-store`, so an old link still opens and
//! the browser logs no failed request.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use fixpath_core::content::parse_translation_file;

use crate::content::{Blob, Found};
use crate::http::error::Error;
use crate::http::web::{Coding, Conditions, IMMUTABLE, VARY_ENCODING};
use crate::state::AppState;

/// Route pattern of the content files.
pub(crate) const ROUTE: &str = "/content/{file}";

pub(crate) async fn file(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let content = state.content().clone();
    // Nearly every request is for a file in memory; the archive is read from
    // disk, off the request threads.
    let found = match content.in_memory(&name) {
        Some(blob) => Some(Found::Exact(blob)),
        None => {
            let lookup = name.clone();
            match tokio::task::spawn_blocking(move || content.file(&lookup)).await {
                Ok(found) => found,
                Err(e) => return Error::Internal(format!("content lookup: {e}")).into_response(),
            }
        }
    };
    match found {
        // A translation keeps its name when only its words change: asked again
        // each time (a 304 while it is the same), never cached for ever.
        Some(Found::Exact(blob)) if parse_translation_file(&name).is_some() => {
            answer(&blob, &headers, "no-cache")
        }
        Some(Found::Exact(blob)) => answer(&blob, &headers, IMMUTABLE),
        Some(Found::Current(blob)) => answer(&blob, &headers, "no-store"),
        None => {
            let shown: String = name.chars().take(100).collect();
            Error::NotFound(format!("there is no content file {shown}")).into_response()
        }
    }
}

fn answer(blob: &Blob, req: &HeaderMap, cache: &'static str) -> Response {
    let mut available = vec![Coding::Identity];
    if blob.gzip.is_some() {
        available.push(Coding::Gzip);
    }
    if blob.brotli.is_some() {
        available.push(Coding::Brotli);
    }
    let coding = Coding::negotiate(req, &available);
    let body = match coding {
        Coding::Brotli => blob.brotli.as_ref(),
        Coding::Gzip => blob.gzip.as_ref(),
        Coding::Identity => None,
    }
    .unwrap_or(&blob.raw)
    .clone();
    let mut resp = (StatusCode::OK, Body::from(body)).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(blob.content_type),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.append(header::VARY, VARY_ENCODING);
    if let Some(enc) = coding.header() {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(enc));
    }
    if let Ok(tag) = HeaderValue::from_str(&format!("\"{}-{}\"", blob.digest, coding.tag())) {
        h.insert(header::ETAG, tag);
    }
    Conditions::of(req).answer(resp)
}
