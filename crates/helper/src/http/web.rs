//! Serving the built app (Trunk's `dist/`): files as they are, every other non-API
//! path answered with `index.html` (the app routes in the fragment, so any path is a
//! way in), and a clear answer instead of a crash when the app is not built. The
//! page's Content-Security-Policy allows exactly the inline scripts in `index.html`
//! (by SHA-256 hash, computed from the file served), so no 'unsafe-inline' script.
//!
//! The app travels compressed: files through tower-http's `ServeDir`, which picks
//! the build's `X.br` or `X.gz` copy (`cargo xtask compress`) from `Accept-Encoding`;
//! `index.html`, which the helper reads itself, compressed in memory once per
//! version of the file. Every answer says `Vary: Accept-Encoding` and carries an
//! ETag of the bytes actually sent, so a cache revalidates each encoding apart
//! (`If-None-Match` gives 304). Nothing whose path has a segment starting with a
//! dot is ever served, and the helper refuses to start when its dist directory
//! holds its state (the seal's private key, the announcement).

use std::time::UNIX_EPOCH;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::http::error::Error;
use crate::state::dist::INDEX;
use crate::state::index::IndexPage;
use crate::state::AppState;

/// Cache-Control for Trunk's content-hashed files: the name changes with the content.
pub(crate) const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache-Control for everything else: always revalidate, so a rebuilt app is seen.
const REVALIDATE: &str = "no-cache";
/// What a compressed answer varies by.
pub(crate) const VARY_ENCODING: HeaderValue = HeaderValue::from_static("accept-encoding");

/// Serves a file from dist, or the app's index for any other path.
pub(crate) async fn app_or_file(State(state): State<AppState>, req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Error::MethodNotAllowed(format!(
            "{} is not accepted here; the app's pages are read with GET",
            req.method()
        ))
        .into_response();
    }
    let path = req.uri().path();
    if is_hidden(path) {
        let shown: String = path.chars().take(100).collect();
        return Error::NotFound(format!("there is no file at {shown}")).into_response();
    }
    if path == "/" || path == "/index.html" {
        return index(&state, req.headers()).await;
    }
    let immutable = is_hashed_name(path);
    let headers = req.headers().clone();
    // ServeDir answers If-Modified-Since only, and before it knows which encoding it
    // sends: the conditions are decided below, on the file it chose.
    let (mut parts, body) = req.into_parts();
    let conditions = Conditions::take(&mut parts.headers);
    let served = ServeDir::new(state.dist())
        .append_index_html_on_directories(false)
        .precompressed_br()
        .precompressed_gzip()
        .oneshot(Request::from_parts(parts, body))
        .await;
    match served {
        Ok(resp)
            if resp.status() == StatusCode::OK || resp.status() == StatusCode::PARTIAL_CONTENT =>
        {
            let mut resp = resp.map(Body::new);
            let full = resp.status() == StatusCode::OK;
            let h = resp.headers_mut();
            let cc = if immutable { IMMUTABLE } else { REVALIDATE };
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cc));
            h.append(header::VARY, VARY_ENCODING);
            if full {
                if let Some(tag) = file_etag(h) {
                    h.insert(header::ETAG, tag);
                }
            }
            conditions.answer(resp)
        }
        Ok(resp)
            if resp.status() == StatusCode::RANGE_NOT_SATISFIABLE
                || resp.status() == StatusCode::PRECONDITION_FAILED =>
        {
            resp.map(Body::new)
        }
        // Not a file: the app's router decides what the path means.
        Ok(_) => index(&state, &headers).await,
        Err(never) => match never {},
    }
}

/// Whether a path names a dotfile or anything in a dot directory (`/.fixpath/seal.key`,
/// `/.git/config`, `/%2eenv`), read as the file server would read it (decoded).
pub(crate) fn is_hidden(path: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    decoded
        .split(['/', '\\'])
        .any(|segment| segment.starts_with('.'))
}

/// Trunk names built files `name-<16 hex digits>.ext`.
fn is_hashed_name(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    match stem.rsplit_once('-') {
        Some((_, hash)) => hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        None => false,
    }
}

/// The encodings the helper sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Coding {
    /// The `Content-Encoding` value (`None` for identity).
    pub(crate) fn header(self) -> Option<&'static str> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some("gzip"),
            Coding::Brotli => Some("br"),
        }
    }

    /// The ETag suffix: each encoding is its own set of bytes, so its own tag.
    pub(crate) fn tag(self) -> &'static str {
        match self {
            Coding::Identity => "id",
            Coding::Gzip => "gz",
            Coding::Brotli => "br",
        }
    }

    fn parse(token: &str) -> Option<Coding> {
        if token.eq_ignore_ascii_case("br") {
            Some(Coding::Brotli)
        } else if token.eq_ignore_ascii_case("gzip") || token.eq_ignore_ascii_case("x-gzip") {
            Some(Coding::Gzip)
        } else if token.eq_ignore_ascii_case("identity") {
            Some(Coding::Identity)
        } else {
            None
        }
    }

    /// The client's choice among `available` by `Accept-Encoding`, as `ServeDir`
    /// chooses among the files it finds: the highest q-value above 0, then brotli
    /// before gzip before identity; identity when nothing else is acceptable.
    pub(crate) fn negotiate(headers: &HeaderMap, available: &[Coding]) -> Coding {
        let mut best: Option<(u16, Coding)> = None;
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            let Ok(value) = value.to_str() else { continue };
            for item in value.split(',') {
                let mut parts = item.split(';');
                let Some(coding) = parts.next().and_then(|t| Coding::parse(t.trim())) else {
                    continue;
                };
                let q = match parts.next() {
                    None => Some(1000),
                    Some(p) => q_value(p.trim()),
                };
                let Some(q) = q.filter(|&q| q > 0) else {
                    continue;
                };
                if available.contains(&coding) && best.is_none_or(|b| (q, coding) > b) {
                    best = Some((q, coding));
                }
            }
        }
        best.map_or(Coding::Identity, |(_, c)| c)
    }
}

/// `q=0.5` in thousandths; `None` when it is not a q-value.
fn q_value(s: &str) -> Option<u16> {
    let v = s.strip_prefix("q=").or_else(|| s.strip_prefix("Q="))?;
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac: u16 = format!("{frac:0<3}").parse().ok()?;
    match int {
        "0" => Some(frac),
        "1" if frac == 0 => Some(1000),
        _ => None,
    }
}

/// A file's ETag from what ServeDir sent: the length and modification time of the
/// file it opened (the `.br` or `.gz` copy, or the original) and its encoding.
fn file_etag(h: &HeaderMap) -> Option<HeaderValue> {
    let len: u64 = h.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()?;
    let modified = httpdate::parse_http_date(h.get(header::LAST_MODIFIED)?.to_str().ok()?).ok()?;
    let secs = modified.duration_since(UNIX_EPOCH).ok()?.as_secs();
    let coding = match h.get(header::CONTENT_ENCODING).map(HeaderValue::as_bytes) {
        None => Coding::Identity,
        Some(b"br") => Coding::Brotli,
        Some(b"gzip") => Coding::Gzip,
        Some(_) => return None,
    };
    HeaderValue::from_str(&format!("\"{len:x}-{secs:x}-{}\"", coding.tag())).ok()
}

/// A request's validators, taken off it so they are judged on the answer.
pub(crate) struct Conditions {
    none_match: Vec<HeaderValue>,
    modified_since: Option<HeaderValue>,
}

impl Conditions {
    fn take(h: &mut HeaderMap) -> Conditions {
        let none_match = match h.entry(header::IF_NONE_MATCH) {
            header::Entry::Occupied(e) => e.remove_entry_mult().1.collect(),
            header::Entry::Vacant(_) => Vec::new(),
        };
        Conditions {
            none_match,
            modified_since: h.remove(header::IF_MODIFIED_SINCE),
        }
    }

    pub(crate) fn of(h: &HeaderMap) -> Conditions {
        Conditions {
            none_match: h.get_all(header::IF_NONE_MATCH).iter().cloned().collect(),
            modified_since: h.get(header::IF_MODIFIED_SINCE).cloned(),
        }
    }

    /// Whether the client's copy is current (RFC 9110 13.2.2: If-None-Match when
    /// present, else If-Modified-Since).
    fn unchanged(&self, h: &HeaderMap) -> bool {
        if !self.none_match.is_empty() {
            let Some(tag) = h.get(header::ETAG).and_then(|t| t.to_str().ok()) else {
                return false;
            };
            let tag = tag.trim_start_matches("W/");
            return self
                .none_match
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(|t| t.trim())
                .any(|t| t == "*" || t.trim_start_matches("W/") == tag);
        }
        let date = |v: Option<&HeaderValue>| {
            v.and_then(|v| v.to_str().ok())
                .and_then(|v| httpdate::parse_http_date(v).ok())
        };
        match (
            date(self.modified_since.as_ref()),
            date(h.get(header::LAST_MODIFIED)),
        ) {
            (Some(since), Some(modified)) => modified <= since,
            _ => false,
        }
    }

    /// `resp`, or a 304 with its validators and caching headers when the client's
    /// copy is current.
    pub(crate) fn answer(&self, mut resp: Response) -> Response {
        if resp.status() != StatusCode::OK || !self.unchanged(resp.headers()) {
            return resp;
        }
        *resp.status_mut() = StatusCode::NOT_MODIFIED;
        *resp.body_mut() = Body::empty();
        let h = resp.headers_mut();
        for name in [
            header::CONTENT_LENGTH,
            header::CONTENT_TYPE,
            header::CONTENT_ENCODING,
            header::ACCEPT_RANGES,
        ] {
            h.remove(name);
        }
        resp
    }
}

/// The encodings the page can be sent in.
fn available(page: &IndexPage) -> Vec<Coding> {
    let mut v = vec![Coding::Identity];
    if page.gzip().is_some() {
        v.push(Coding::Gzip);
    }
    if page.brotli().is_some() {
        v.push(Coding::Brotli);
    }
    v
}

/// The page's body in `coding`, which must be available.
fn body(page: &IndexPage, coding: Coding) -> Bytes {
    match coding {
        Coding::Brotli => page.brotli(),
        Coding::Gzip => page.gzip(),
        Coding::Identity => None,
    }
    .unwrap_or_else(|| page.raw())
    .clone()
}

/// `index.html` with its CSP, in the client's encoding, or the "not built" answer.
async fn index(state: &AppState, req_headers: &HeaderMap) -> Response {
    let file = state.dist().join(INDEX);
    let header_text = |name| {
        req_headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let lang = crate::content::greeting_language(
        header_text(header::COOKIE),
        header_text(header::ACCEPT_LANGUAGE),
    );
    let page = match state
        .index_cache()
        .page(&file, state.content().current(), lang)
        .await
    {
        Ok(page) => page,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return not_built(state, req_headers),
        Err(e) => {
            return Error::Internal(format!("reading {}: {e}", file.display())).into_response()
        }
    };
    let csp = page_csp(state, page.raw(), req_headers);
    let Ok(csp) = HeaderValue::from_str(&csp) else {
        return Error::Internal("CSP is not a valid header value".into()).into_response();
    };
    let coding = Coding::negotiate(req_headers, &available(&page));
    let etag = format!("\"{}-{}\"", page.digest(), coding.tag());
    let mut resp = (StatusCode::OK, Body::from(body(&page, coding))).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    h.append(header::VARY, VARY_ENCODING);
    // The shell is in the reader's language.
    h.append(
        header::VARY,
        HeaderValue::from_static("Accept-Language, Cookie"),
    );
    if let Some(enc) = coding.header() {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(enc));
    }
    if let Ok(tag) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, tag);
    }
    Conditions::of(req_headers).answer(resp)
}

/// The app is not built: a page for a browser, JSON for anything else; both 500.
fn not_built(state: &AppState, req_headers: &HeaderMap) -> Response {
    tracing::warn!(dist = %state.dist().display(), "no index.html in the dist directory: the app is not built");
    let wants_html = req_headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if !wants_html {
        return Error::AppNotBuilt.into_response();
    }
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fixpath: the app is not built</title></head>\n<body><h1>The Fixpath app is not built yet</h1>\n<p>The helper is running, but it found no <code>{INDEX}</code> in <code>{}</code>.</p>\n<p>Build and serve it with <code>cargo xtask run</code>, or build it with <code>trunk build --release</code> and start <code>fixpath serve --dist DIR</code>.</p>\n</body></html>\n",
        html_escape(&state.dist().display().to_string())
    );
    let mut resp = (StatusCode::INTERNAL_SERVER_ERROR, Html(page)).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The bodies of inline `<script>` elements (those without `src`), exactly as the
/// browser hashes them.
pub(crate) fn inline_scripts(html: &str) -> Vec<&str> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(open) = lower[at..].find("<script") {
        let start = at + open;
        let Some(tag_end) = lower[start..].find('>').map(|i| start + i) else {
            break;
        };
        let tag = &lower[start..tag_end];
        let Some(close) = lower[tag_end..].find("</script").map(|i| tag_end + i) else {
            break;
        };
        let has_src = tag
            .split(|c: char| c.is_whitespace())
            .any(|attr| attr.starts_with("src="));
        if !has_src {
            out.push(&html[tag_end + 1..close]);
        }
        at = close;
    }
    out
}

/// `host` or `host:port` from a Host header, when it is safe to echo into a policy.
fn host_only(req_headers: &HeaderMap) -> Option<String> {
    let host = req_headers.get(header::HOST)?.to_str().ok()?;
    let name = if let Some(rest) = host.strip_prefix('[') {
        let (inner, _) = rest.split_once(']')?;
        if !inner
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return None;
        }
        format!("[{inner}]")
    } else {
        let name = host.split(':').next()?;
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        {
            return None;
        }
        name.to_ascii_lowercase()
    };
    Some(name)
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() {
        return None;
    }
    Some(format!("{scheme}://{authority}"))
}

/// The page's policy. Scripts: our files, the wasm compiler, and the hashes of
/// Trunk's inline module loader. Styles allow inline because Yew writes `style`
/// attributes (the progress bar's width); no script can run from a style.
/// connect-src adds the canary URLs' origins and the alternate ports of the host
/// the page came from, which the app fetches.
pub(crate) fn page_csp(state: &AppState, html: &[u8], req_headers: &HeaderMap) -> String {
    let text = String::from_utf8_lossy(html);
    let mut script = vec!["'self'".to_string(), "'wasm-unsafe-eval'".to_string()];
    for body in inline_scripts(&text) {
        script.push(format!(
            "'sha256-{}'",
            STANDARD.encode(Sha256::digest(body.as_bytes()))
        ));
    }
    let mut connect = vec!["'self'".to_string()];
    for url in &state.config().canary_urls {
        if let Some(o) = origin_of(url) {
            if !connect.contains(&o) {
                connect.push(o);
            }
        }
    }
    if let Some(host) = host_only(req_headers) {
        for port in state.alt_ports() {
            connect.push(format!("http://{host}:{port}"));
        }
    }
    format!(
        "default-src 'self'; script-src {}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src {}; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        script.join(" "),
        connect.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_scripts_only() {
        let html = "<head><script type=\"module\">\nimport init from '/a.js';\n</script><script src=\"/x.js\"></script><SCRIPT>b()</SCRIPT></head>";
        assert_eq!(
            inline_scripts(html),
            vec!["\nimport init from '/a.js';\n", "b()"]
        );
        assert!(inline_scripts("<script>unterminated").is_empty());
    }

    #[test]
    fn hashed_names_are_recognised() {
        assert!(is_hashed_name("/fixpath-web-0123456789abcdef.js"));
        assert!(is_hashed_name("/fixpath-web-0123456789abcdef_bg.wasm"));
        assert!(is_hashed_name("/style-fedcba9876543210.css"));
        assert!(!is_hashed_name("/style.css"));
        assert!(!is_hashed_name("/fixpath-web.js"));
    }

    #[test]
    fn hosts_are_echoed_only_when_plain() {
        let mut h = HeaderMap::new();
        h.insert(
            header::HOST,
            HeaderValue::from_static("Helper.Example:8080"),
        );
        assert_eq!(host_only(&h).as_deref(), Some("helper.example"));
        h.insert(header::HOST, HeaderValue::from_static("[::1]:8080"));
        assert_eq!(host_only(&h).as_deref(), Some("[::1]"));
        h.insert(header::HOST, HeaderValue::from_static("evil; script-src *"));
        assert_eq!(host_only(&h), None);
    }

    #[test]
    fn origins_of_urls() {
        assert_eq!(
            origin_of("https://www.example.com/favicon.ico?x").as_deref(),
            Some("https://www.example.com")
        );
        assert_eq!(origin_of("nope"), None);
    }
}
