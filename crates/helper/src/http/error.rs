//! The helper's one error type for HTTP answers: each variant has a status, a stable
//! code and a sentence a person can act on, sent as `{"error":{"code","message"}}`.
//! 5xx answers never carry internals: an internal error's detail rides in the
//! response's extensions ([`Internal`]), and the edge layer logs it and takes it
//! off before the answer leaves, so making a response never logs.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use fixpath_core::api::{ApiError, ErrorBody};

/// Everything the helper's HTTP layer can answer with besides success.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// The request is malformed (missing or bad parameter, bad JSON).
    #[error("{0}")]
    BadRequest(String),
    /// No such endpoint.
    #[error("{0}")]
    NotFound(String),
    /// The endpoint exists but not for this method.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// Admin token missing or wrong.
    #[error("{0}")]
    Unauthorized(String),
    /// A probe or resolve the operator did not configure (name, port).
    #[error("{0}")]
    NotAllowed(String),
    /// A target whose address the range table refuses.
    #[error("{0}")]
    TargetRefused(String),
    /// The request body is too large.
    #[error("the request body is larger than the helper accepts; send less")]
    TooLarge,
    /// Wrong content type for a JSON endpoint.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The body parsed but its values are not acceptable.
    #[error("{0}")]
    Unprocessable(String),
    /// Per-client rate limit.
    #[error("too many requests from your address; try again in {} seconds", retry_secs(*retry_after))]
    RateLimited { retry_after: Duration },
    /// DNS could not answer (not "no such name": that is a normal answer).
    #[error("{0}")]
    DnsFailed(String),
    /// The name leads to no address, so there is nothing to connect to.
    #[error("{0}")]
    NoAddress(String),
    /// The request took longer than the helper allows.
    #[error("the helper took too long to answer; try again in a moment")]
    Timeout,
    /// The app has not been built, so there is nothing to serve.
    #[error("the Fixpath app is not built yet: run `cargo xtask run` (or `trunk build --release`) and reload")]
    AppNotBuilt,
    /// Something failed inside the helper; the detail goes to the log only.
    #[error("internal: {0}")]
    Internal(String),
}

/// Whole seconds, rounded up, at least 1: a client that waits that long gets in.
pub(crate) fn retry_secs(d: Duration) -> u64 {
    (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
}

/// What every internal error tells the client.
pub(crate) const INTERNAL_MESSAGE: &str =
    "the helper hit an unexpected problem; try again, and tell support if it keeps happening";

impl Error {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::NotAllowed(_) | Self::TargetRefused(_) => StatusCode::FORBIDDEN,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::DnsFailed(_) | Self::NoAddress(_) => StatusCode::BAD_GATEWAY,
            Self::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            Self::AppNotBuilt | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable, machine-readable code.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed(_) => "method_not_allowed",
            Self::Unauthorized(_) => "unauthorized",
            Self::NotAllowed(_) => "not_allowed",
            Self::TargetRefused(_) => "target_refused",
            Self::TooLarge => "body_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::Unprocessable(_) => "invalid_value",
            Self::RateLimited { .. } => "rate_limited",
            Self::DnsFailed(_) => "dns_failed",
            Self::NoAddress(_) => "no_address",
            Self::Timeout => "timeout",
            Self::AppNotBuilt => "app_not_built",
            Self::Internal(_) => "internal",
        }
    }

    /// The sentence for the client: never internals on an internal error.
    pub(crate) fn public_message(&self) -> String {
        match self {
            Self::Internal(_) => INTERNAL_MESSAGE.to_string(),
            other => other.to_string(),
        }
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> ApiError {
        ApiError {
            error: ErrorBody {
                code: self.code().to_string(),
                message: self.public_message(),
            },
        }
    }
}

/// What the log needs of an internal error, carried in its response's extensions
/// to the edge layer (`http::middleware::Edge`), which logs it with the access
/// line. Never sent: extensions are not part of what goes on the wire.
#[derive(Debug, Clone)]
pub(crate) struct Internal(pub String);

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let mut resp = json_answer(self.status(), &self.body());
        let headers = resp.headers_mut();
        match &self {
            Self::RateLimited { retry_after } => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(retry_secs(*retry_after)),
                );
            }
            Self::Unauthorized(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"fixpath-admin\""),
                );
            }
            _ => {}
        }
        if let Self::Internal(detail) = self {
            resp.extensions_mut().insert(Internal(detail));
        }
        resp
    }
}

/// Headers the layers add to an answer besides its own Content-Type (security
/// headers, CSP, Cache-Control, and one to spare): the map is made this big at
/// once, so adding them never grows it.
const ANSWER_HEADERS: usize = 10;

/// Answers up to this size are serialised on the stack.
const SMALL_ANSWER: usize = 512;

/// What is sent if an answer cannot be serialised (it always can: our own types).
const UNSERIALISABLE: &str = r#"{"error":{"code":"internal","message":"the helper hit an unexpected problem; try again, and tell support if it keeps happening"}}"#;

/// A JSON answer (`application/json`, as axum's `Json` sends it), with room for
/// the headers the layers add.
pub(crate) fn json_answer<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
    // Most answers are small: written on the stack, then copied once into a buffer
    // of their size (a growing Vec would cost more allocations on the way).
    let mut small = [0u8; SMALL_ANSWER];
    let written = {
        let mut rest = &mut small[..];
        serde_json::to_writer(&mut rest, value)
            .ok()
            .map(|()| SMALL_ANSWER - rest.len())
    };
    let serialised = match written {
        Some(n) => Ok(Bytes::copy_from_slice(&small[..n])),
        None => serde_json::to_vec(value).map(Bytes::from),
    };
    let (status, body, failed) = match serialised {
        Ok(body) => (status, Body::from(body), None),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Body::from(UNSERIALISABLE),
            Some(Internal(format!("an answer could not be serialised: {e}"))),
        ),
    };
    let mut headers = HeaderMap::with_capacity(ANSWER_HEADERS);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    *resp.headers_mut() = headers;
    if let Some(detail) = failed {
        resp.extensions_mut().insert(detail);
    }
    resp
}

/// Result type of handlers.
pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_detail() {
        let e = Error::Internal("disk /var/secret full".into());
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.public_message().contains("secret"));
        // The detail is for the edge layer's log, in the extensions only.
        let resp = e.into_response();
        let detail = resp.extensions().get::<Internal>().map(|d| d.0.as_str());
        assert_eq!(detail, Some("disk /var/secret full"));
        assert!(Error::Timeout.into_response().extensions().is_empty());
    }

    #[tokio::test]
    async fn answers_small_and_large_are_whole_json() {
        use http_body_util::BodyExt;
        for len in [0, 10, SMALL_ANSWER - 20, SMALL_ANSWER, 10 * SMALL_ANSWER] {
            let value = serde_json::json!({ "text": "x".repeat(len) });
            let resp = json_answer(StatusCode::CREATED, &value);
            assert_eq!(resp.status(), StatusCode::CREATED);
            assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/json");
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(body, serde_json::to_vec(&value).unwrap(), "{len}");
        }
    }

    #[test]
    fn the_fallback_body_is_the_internal_error() {
        let body: ApiError = serde_json::from_str(UNSERIALISABLE).unwrap();
        assert_eq!(body.error.code, "internal");
        assert_eq!(body.error.message, INTERNAL_MESSAGE);
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let resp = Error::RateLimited {
            retry_after: Duration::from_millis(1_200),
        }
        .into_response();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(resp.headers()[header::RETRY_AFTER], "2");
        let resp = Error::RateLimited {
            retry_after: Duration::from_millis(10),
        }
        .into_response();
        assert_eq!(resp.headers()[header::RETRY_AFTER], "1");
    }
}
