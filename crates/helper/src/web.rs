//! Serving the built app (Trunk's `dist/`): files as they are, every other non-API
//! path answered with `index.html` (the app routes in the fragment, so any path is a
//! way in), and a clear answer instead of a crash when the app is not built. The
//! page's Content-Security-Policy allows exactly the inline scripts in `index.html`
//! (by SHA-256 hash, computed from the file served), so no 'unsafe-inline' script.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::error::Error;
use crate::state::AppState;

/// The app's entry file in the dist directory.
pub const INDEX: &str = "index.html";

/// Cache-Control for Trunk's content-hashed files: the name changes with the content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache-Control for everything else: always revalidate, so a rebuilt app is seen.
const REVALIDATE: &str = "no-cache";

/// Serves a file from dist, or the app's index for any other path.
pub async fn app_or_file(State(state): State<AppState>, req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Error::MethodNotAllowed(format!(
            "{} is not accepted here; the app's pages are read with GET",
            req.method()
        ))
        .into_response();
    }
    let path = req.uri().path();
    if path == "/" || path == "/index.html" {
        return index(&state, req.headers()).await;
    }
    let immutable = is_hashed_name(path);
    let headers = req.headers().clone();
    let served = ServeDir::new(state.dist())
        .append_index_html_on_directories(false)
        .oneshot(req)
        .await;
    match served {
        Ok(resp) if resp.status().is_success() || resp.status() == StatusCode::NOT_MODIFIED => {
            let mut resp = resp.map(Body::new);
            let cc = if immutable { IMMUTABLE } else { REVALIDATE };
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static(cc));
            resp
        }
        Ok(resp) if resp.status() == StatusCode::RANGE_NOT_SATISFIABLE => resp.map(Body::new),
        // Not a file: the app's router decides what the path means.
        Ok(_) => index(&state, &headers).await,
        Err(never) => match never {},
    }
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

/// `index.html` with its CSP, or the "not built" answer.
async fn index(state: &AppState, req_headers: &HeaderMap) -> Response {
    let file = state.dist().join(INDEX);
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let csp = page_csp(state, &bytes, req_headers);
            let mut resp = (StatusCode::OK, Body::from(bytes)).into_response();
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
            match HeaderValue::from_str(&csp) {
                Ok(v) => {
                    h.insert(header::CONTENT_SECURITY_POLICY, v);
                }
                Err(_) => {
                    return Error::Internal("CSP is not a valid header value".into())
                        .into_response()
                }
            }
            resp
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => not_built(state, req_headers),
        Err(e) => Error::Internal(format!("reading {}: {e}", file.display())).into_response(),
    }
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
pub fn inline_scripts(html: &str) -> Vec<&str> {
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
pub fn page_csp(state: &AppState, html: &[u8], req_headers: &HeaderMap) -> String {
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
