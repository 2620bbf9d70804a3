//! The `/api/v1` handlers: health, ping, whoami, canary, resolve, probe, status,
//! seal, keys and config. Types come from `fixpath_core::api`, shared with the app.

use std::borrow::Cow;
use std::fmt;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use fixpath_core::api::{
    Announcement, Family, Health, Keys, Ping, Probe, PublicConfig, Resolved, Seal, SealRequest,
    SetStatus, Status, WhoAmI, CANARY_BODY,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use subtle::ConstantTimeEq;

use crate::http::client::ClientAddr;
use crate::http::error::{Error, Result};
use crate::net::names::{self, Target};
use crate::net::probe::ProbeError;
use crate::net::servers::Server;
use crate::policy::status::MAX_MESSAGE;
use crate::state::{now_ms, AppState};

// ---------------------------------------------------------------------------------
// Extractors whose rejections are the helper's JSON errors.

/// Query string parameters taken as text, so every problem gets a helpful message:
/// the raw query, decoded pair by pair when asked (nothing is copied unless it was
/// percent-encoded). A repeated key means its last value, as in a map.
pub(crate) struct Params(String);

impl Params {
    fn pairs(&self) -> form_urlencoded::Parse<'_> {
        form_urlencoded::parse(self.0.as_bytes())
    }

    /// The last value given for `key`.
    fn get(&self, key: &str) -> Option<Cow<'_, str>> {
        self.pairs()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v)
            .last()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> std::result::Result<Self, Self::Rejection> {
        Ok(Params(parts.uri.query().unwrap_or_default().to_string()))
    }
}

/// A JSON body, with JSON errors for a wrong content type, bad JSON or a body too large.
pub(crate) struct J<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for J<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        match Json::<T>::from_request(req, state).await {
            Ok(j) => Ok(J(j.0)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

fn json_rejection(e: JsonRejection) -> Error {
    match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Error::TooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Error::UnsupportedMediaType(
            "send the body as JSON with Content-Type: application/json".into(),
        ),
        StatusCode::UNPROCESSABLE_ENTITY => Error::Unprocessable(e.body_text()),
        _ => Error::BadRequest(e.body_text()),
    }
}

/// JSON answer (every API answer is also `Cache-Control: no-store`, set by the
/// API layer).
fn json<T: Serialize>(value: T) -> Response {
    crate::http::error::json_answer(StatusCode::OK, &value)
}

// ---------------------------------------------------------------------------------
// Endpoints.

pub(crate) async fn health() -> Response {
    json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// The request's `Origin` header, taken without copying the other headers.
pub(crate) struct Origin(pub Option<HeaderValue>);

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> std::result::Result<Self, Self::Rejection> {
        Ok(Origin(parts.headers.get(header::ORIGIN).cloned()))
    }
}

/// The helper's clock, for round trips and skew. Allowed cross-origin callers may
/// read its Resource Timing (Timing-Allow-Origin).
pub(crate) async fn ping(State(state): State<AppState>, Origin(origin): Origin) -> Response {
    let mut resp = json(Ping { time_ms: now_ms() });
    if let Some(origin) = origin.filter(|o| allowed_origin(&state, o)) {
        resp.headers_mut()
            .insert(HeaderName::from_static("timing-allow-origin"), origin);
    }
    resp
}

/// Whether the operator allows this `Origin`.
fn allowed_origin(state: &AppState, origin: &HeaderValue) -> bool {
    let Some(text) = origin.to_str().ok().map(str::to_ascii_lowercase) else {
        return false;
    };
    state.config().http.cors_origins.contains(&text)
}

pub(crate) async fn whoami(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
) -> Response {
    let family = if addr.is_ipv4() {
        Family::Ipv4
    } else {
        Family::Ipv6
    };
    let in_office = state
        .config()
        .office_ranges
        .iter()
        .any(|r| r.contains(&addr));
    json(WhoAmI {
        address: addr,
        family,
        in_office,
    })
}

/// A fixed body: anything else arriving at the browser was changed on the way.
/// `no-transform` asks honest proxies not to touch it.
pub(crate) async fn canary() -> Response {
    let mut resp = (StatusCode::OK, CANARY_BODY).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-transform"),
    );
    resp
}

fn required<'a>(
    params: &'a Params,
    key: &str,
    example: fmt::Arguments<'_>,
) -> Result<Cow<'a, str>> {
    params
        .get(key)
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| Error::BadRequest(format!("give the `{key}` parameter, like ?{example}")))
}

fn known_names(state: &AppState) -> impl Iterator<Item = String> + '_ {
    state.config().servers.iter().map(|s| s.target.to_string())
}

fn did_you_mean(state: &AppState, target: &Target) -> Vec<String> {
    let known: Vec<String> = known_names(state).collect();
    names::closest(&target.to_string(), known.iter().map(String::as_str))
}

/// Refuses any parameter but `only`: the record types (A and AAAA) and the DNS
/// servers are the operator's choice, so a `type=` or `server=` must not look as if
/// it had been obeyed.
fn only_param(params: &Params, only: &str) -> Result<()> {
    match params.pairs().map(|(k, _)| k).find(|k| k != only) {
        None => Ok(()),
        Some(k) => Err(Error::BadRequest(format!(
            "this endpoint takes only `{only}`, not `{}`: it asks for A and AAAA records, of the DNS servers the operator configured",
            k.chars().take(20).collect::<String>()
        ))),
    }
}

pub(crate) async fn resolve(State(state): State<AppState>, params: Params) -> Result<Response> {
    only_param(&params, "name")?;
    let raw = required(&params, "name", format_args!("name=vpn.example.com"))?;
    let target = names::parse_target(&raw).map_err(|e| Error::BadRequest(e.to_string()))?;
    let cfg = state.config();
    // Only what `IpAddr` reads counts as a typed address: a VPN client may take
    // `127.1` for a name, so it is answered as one, in the words it was typed in.
    let typed = names::strict_address(&raw);
    let name = match (&target, typed) {
        (Target::Ip(_), None) => raw.trim().to_ascii_lowercase(),
        _ => target.to_string(),
    };
    // The name a person typed may say who they are or where they work: hashed.
    tracing::info!(name = %state.log_name(&name), allowed = cfg.name_allowed(&target), "resolve");
    if let (Some(addr), None) = (typed, cfg.server(&target)) {
        return Ok(json(typed_address(&state, name, addr).await));
    }
    if !cfg.name_allowed(&target) {
        return Ok(json(Resolved {
            did_you_mean: did_you_mean(&state, &target),
            name,
            known: false,
            addresses: Vec::new(),
            matches_expected: None,
            current_address: None,
            probe_target: None,
            probe_ports: Vec::new(),
        }));
    }
    let addresses = state
        .resolver()
        .resolve(&target)
        .await
        .map_err(|e| Error::DnsFailed(format!("could not look up {name}: {e}")))?;
    let server = cfg.server(&target);
    let matches_expected = server
        .filter(|s| !s.expected.is_empty())
        .map(|s| !addresses.is_empty() && addresses.iter().all(|a| s.expected.contains(a)));
    // What the probe would refuse is not offered: not a listed server, no address,
    // or an address the range table refuses.
    let probe_ports = server
        .filter(|_| !addresses.is_empty() && addresses.iter().all(|a| probe_allowed(cfg, *a)))
        .map(|s| s.ports.clone());
    Ok(json(Resolved {
        probe_target: probe_ports.is_some().then(|| name.clone()),
        probe_ports: probe_ports.unwrap_or_default(),
        name,
        known: true,
        addresses,
        matches_expected,
        did_you_mean: Vec::new(),
        current_address: None,
    }))
}

fn probe_allowed(cfg: &crate::config::Config, a: std::net::IpAddr) -> bool {
    crate::net::ranges::judge(a, &cfg.allow_addresses).is_ok()
}

/// The server `addr` is a current address of: one of its `expected` addresses or,
/// for a server with none listed, one its name leads to now. Probed at `addr`, as
/// the person's VPN client connects there.
async fn server_at(state: &AppState, addr: std::net::IpAddr) -> Option<&Server> {
    let servers = &state.config().servers;
    if let Some(s) = servers.iter().find(|s| s.expected.contains(&addr)) {
        return Some(s);
    }
    for s in servers.iter().filter(|s| s.expected.is_empty()) {
        if let Ok(found) = state.resolver().resolve(&s.target).await {
            if found.contains(&addr) {
                return Some(s);
            }
        }
    }
    None
}

/// A typed address: one of a server's current addresses counts as that server (the
/// name is safer, says the app); any other is no server's, perhaps a saved one gone
/// stale. Names are given only where the operator lets them be shown: an address
/// is no near miss of a name, so naming the server would tell it to anyone.
async fn typed_address(state: &AppState, name: String, addr: std::net::IpAddr) -> Resolved {
    let cfg = state.config();
    let shown = |s: &Server| match &s.target {
        Target::Host(h) if cfg.list_server_names => Some(h.clone()),
        _ => None,
    };
    match server_at(state, addr).await {
        Some(s) => {
            let probe = probe_allowed(cfg, addr);
            Resolved {
                name,
                known: true,
                addresses: vec![addr],
                matches_expected: (!s.expected.is_empty()).then_some(true),
                did_you_mean: shown(s).into_iter().collect(),
                current_address: Some(true),
                probe_target: probe.then(|| addr.to_string()),
                probe_ports: if probe { s.ports.clone() } else { Vec::new() },
            }
        }
        None => Resolved {
            name,
            known: false,
            addresses: Vec::new(),
            matches_expected: None,
            did_you_mean: cfg.servers.iter().filter_map(shown).take(3).collect(),
            current_address: Some(false),
            probe_target: None,
            probe_ports: Vec::new(),
        },
    }
}

pub(crate) async fn probe(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    params: Params,
) -> Result<Response> {
    let raw = required(&params, "server", format_args!("server=vpn.example.com"))?;
    let target = names::parse_target(&raw).map_err(|e| Error::BadRequest(e.to_string()))?;
    let port_text = required(&params, "port", format_args!("port=443"))?;
    let port: u16 = port_text
        .trim()
        .parse()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| {
            Error::BadRequest(format!(
                "`port` must be a TCP port number (1 to 65535), not `{}`",
                port_text.chars().take(20).collect::<String>()
            ))
        })?;
    let name = target.to_string();
    tracing::info!(server = %state.log_name(&name), port, "probe");
    // Counted before the allow list is consulted: asking about many ports that are
    // not configured is a sweep too.
    state
        .sweeps()
        .check(client, &name, port)
        .map_err(|retry_after| Error::RateLimited { retry_after })?;
    // A server's current address, typed (strictly) instead of its name, is probed
    // at that address with the server's ports.
    let at_address = match (state.config().server(&target), names::strict_address(&raw)) {
        (None, Some(addr)) => server_at(&state, addr).await.map(|s| Server {
            target: Target::Ip(addr),
            ..s.clone()
        }),
        _ => None,
    };
    let Some(server) = state.config().server(&target).or(at_address.as_ref()) else {
        let hint = match did_you_mean(&state, &target).first() {
            Some(s) => format!(" Did you mean {s}?"),
            None => String::new(),
        };
        return Err(Error::NotAllowed(format!(
            "{target} is not one of the VPN servers the helper may check.{hint}"
        )));
    };
    if !server.ports.contains(&port) {
        let allowed: Vec<String> = server.ports.iter().map(u16::to_string).collect();
        return Err(Error::NotAllowed(format!(
            "the helper does not check port {port} on {target}; it checks {}",
            allowed.join(", ")
        )));
    }
    let (result, cached) = state.prober().probe(state.resolver(), server, port).await;
    match result {
        Ok(outcome) => Ok(json(Probe {
            server: name,
            port,
            status: outcome.status,
            connect_ms: outcome.connect_ms,
            cached,
        })),
        Err(ProbeError::Refused { address, why }) => Err(Error::TargetRefused(format!(
            "{target} leads to {address}, {}; the helper does not connect there unless the operator lists that exact address under targets.allow_addresses",
            why.describe()
        ))),
        Err(ProbeError::NoAddress) => Err(Error::NoAddress(format!(
            "{target} does not lead to any address right now, so there is nothing to connect to"
        ))),
        Err(ProbeError::Dns(e)) => Err(Error::DnsFailed(format!(
            "could not look up {target}: {e}"
        ))),
    }
}

pub(crate) async fn status_get(State(state): State<AppState>) -> Response {
    json(Status {
        announcement: state.status().get().await,
    })
}

/// Checks `Authorization: Bearer <token>` in constant time (over digests, so not
/// even the length is compared openly).
fn require_admin(state: &AppState, headers: &HeaderMap) -> Result<()> {
    use sha2::{Digest, Sha256};
    let Some(expected) = state.config().admin_token.as_deref() else {
        return Err(Error::Unauthorized(
            "changing the announcement is turned off: the operator has set no admin.token".into(),
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .ok_or_else(|| {
            Error::Unauthorized("send the admin token as Authorization: Bearer <token>".into())
        })?;
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    if bool::from(a.as_slice().ct_eq(b.as_slice())) {
        Ok(())
    } else {
        Err(Error::Unauthorized("the admin token is wrong".into()))
    }
}

/// The admin token checked, as an extractor that reads only the headers: handlers
/// take it before their body, so a request without the token is refused (401)
/// before its body is read or judged.
pub(crate) struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        require_admin(state, &parts.headers).map(|()| Admin)
    }
}

pub(crate) async fn status_put(
    State(state): State<AppState>,
    _admin: Admin,
    body: J<SetStatus>,
) -> Result<Response> {
    let J(set) = body;
    let message = set.message.trim().to_string();
    if message.is_empty() {
        return Err(Error::Unprocessable(
            "the announcement's `message` is empty; to clear it, send DELETE".into(),
        ));
    }
    if message.chars().count() > MAX_MESSAGE {
        return Err(Error::Unprocessable(format!(
            "the announcement is too long: at most {MAX_MESSAGE} characters"
        )));
    }
    if message.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::Unprocessable(
            "the announcement may not contain control characters".into(),
        ));
    }
    let announcement = Announcement {
        message,
        severity: set.severity,
        since_ms: now_ms(),
    };
    state
        .status()
        .set(Some(announcement.clone()))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    tracing::info!(severity = ?announcement.severity, "announcement set");
    Ok(json(Status {
        announcement: Some(announcement),
    }))
}

pub(crate) async fn status_delete(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Response> {
    state
        .status()
        .set(None)
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    tracing::info!("announcement cleared");
    Ok(json(Status { announcement: None }))
}

pub(crate) async fn seal(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    body: J<SealRequest>,
) -> Result<Response> {
    let J(req) = body;
    if !crate::policy::seal::valid_digest(&req.digest) {
        return Err(Error::Unprocessable(
            "`digest` must be the SHA-256 of the findings payload as 64 lowercase hex digits"
                .into(),
        ));
    }
    // Without the address when the user left it out of the findings (see
    // `fixpath_core::seal::request_for`): the link then carries it nowhere.
    let seal: Seal = state
        .signer()
        .seal(&req.digest, now_ms(), req.client(client));
    Ok(json(seal))
}

pub(crate) async fn keys(State(state): State<AppState>) -> Response {
    let keys: &Keys = state.signer().keys();
    json(keys)
}

/// `GET /api/v1/config`: what the app may know of the operator's settings.
#[derive(Debug, Serialize)]
struct PublicConfigOut {
    #[serde(flatten)]
    base: PublicConfig,
    /// How many VPN servers the operator lists.
    known_servers: usize,
    /// Their names, only when the operator opts in (`list_server_names`).
    #[serde(skip_serializing_if = "Option::is_none")]
    server_names: Option<Vec<String>>,
}

pub(crate) async fn public_config(State(state): State<AppState>) -> Response {
    let cfg = state.config();
    json(PublicConfigOut {
        base: PublicConfig {
            canary_urls: cfg.canary_urls.clone(),
            alt_ports: state.alt_ports(),
        },
        known_servers: cfg.servers.len(),
        server_names: cfg.list_server_names.then(|| known_names(&state).collect()),
    })
}

/// Anything under `/api` that is not an endpoint.
pub(crate) async fn not_found(req: Request) -> Error {
    let path: String = req.uri().path().chars().take(100).collect();
    Error::NotFound(format!(
        "there is no API endpoint at {path}; the helper's endpoints are under {}/",
        fixpath_core::api::API_PREFIX
    ))
}
