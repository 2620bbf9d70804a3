//! The helper's HTTP API as types: every `/api/v1` path and the JSON each endpoint
//! takes and answers. The helper serializes these and the app deserializes them,
//! so the two cannot drift apart.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// Typed endpoints: the only place a path is spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Health,
    Ping,
    WhoAmI,
    Canary,
    Resolve,
    Probe,
    Status,
    Seal,
    Keys,
    Config,
}

impl Endpoint {
    pub const ALL: [Endpoint; 10] = [
        Self::Health,
        Self::Ping,
        Self::WhoAmI,
        Self::Canary,
        Self::Resolve,
        Self::Probe,
        Self::Status,
        Self::Seal,
        Self::Keys,
        Self::Config,
    ];

    /// The absolute path on the helper.
    pub const fn path(self) -> &'static str {
        match self {
            Self::Health => "/api/v1/health",
            Self::Ping => "/api/v1/ping",
            Self::WhoAmI => "/api/v1/whoami",
            Self::Canary => "/api/v1/canary",
            Self::Resolve => "/api/v1/resolve",
            Self::Probe => "/api/v1/probe",
            Self::Status => "/api/v1/status",
            Self::Seal => "/api/v1/seal",
            Self::Keys => "/api/v1/keys",
            Self::Config => "/api/v1/config",
        }
    }
}

/// An HTTP method an endpoint takes. Core names them; the helper maps them onto
/// its HTTP crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    /// The method as HTTP spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }
}

/// What a request costs the helper, which decides the rate-limit bucket it draws
/// from besides the general one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// Answered from memory: the general bucket only.
    General,
    /// Real work (a lookup, a connect, a signature, a write): the checks bucket too.
    Checks,
}

impl Endpoint {
    /// Every method the endpoint takes, with its cost: the one table the helper's
    /// router, its 405 answers, its CORS methods and its rate limits are built from.
    pub const fn methods(self) -> &'static [(Method, Cost)] {
        use Cost::{Checks, General};
        use Method::{Delete, Get, Post, Put};
        match self {
            Self::Resolve | Self::Probe => &[(Get, Checks)],
            Self::Status => &[(Get, General), (Put, Checks), (Delete, Checks)],
            Self::Seal => &[(Post, Checks)],
            Self::Health | Self::Ping | Self::WhoAmI | Self::Canary | Self::Keys | Self::Config => {
                &[(Get, General)]
            }
        }
    }

    /// The endpoint at this absolute path, if any.
    pub fn at(path: &str) -> Option<Endpoint> {
        Self::ALL.into_iter().find(|e| e.path() == path)
    }

    /// What a request with this method costs; `None` for a method the endpoint
    /// does not take. (`HEAD` is asked as `GET`.)
    pub fn cost(self, method: Method) -> Option<Cost> {
        self.methods()
            .iter()
            .find(|(m, _)| *m == method)
            .map(|(_, c)| *c)
    }

    /// The methods as a 405 answer names them: "GET", "POST", "GET, PUT or DELETE".
    pub fn methods_text(self) -> String {
        let names: Vec<&str> = self.methods().iter().map(|(m, _)| m.as_str()).collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            Some((last, _)) => (*last).to_string(),
            None => String::new(),
        }
    }
}

/// The prefix every API path shares (anything else under it is a JSON 404).
pub const API_PREFIX: &str = "/api/v1";

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
}

/// `GET /api/v1/ping`: the helper's clock, for round trips and clock skew.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ping {
    /// Helper time, Unix milliseconds.
    pub time_ms: u64,
}

/// IP address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Ipv4,
    Ipv6,
}

/// `GET /api/v1/whoami`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhoAmI {
    pub address: IpAddr,
    pub family: Family,
    /// Inside one of the operator's office ranges, where no VPN is needed.
    pub in_office: bool,
}

/// `GET /api/v1/canary` answers exactly these bytes as `text/plain; charset=utf-8`.
/// Anything else means something between the browser and the helper changed it.
pub const CANARY_BODY: &str =
    "fixpath canary v1: if this line arrives unchanged, nothing rewrote the helper's answer.\n";

/// `GET /api/v1/resolve?name=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolveQuery {
    pub name: String,
}

/// The answer to a resolve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    /// The name as asked, normalised (lowercase, no trailing dot).
    pub name: String,
    /// Whether the operator lists or allows this name.
    pub known: bool,
    pub addresses: Vec<IpAddr>,
    /// Whether the addresses match the operator's expected ones (`None`: no
    /// expectation configured, or the name is unknown).
    pub matches_expected: Option<bool>,
    /// Names to type instead: for an unknown name the closest known names ("did
    /// you mean"); for an address, the server's name, only where the operator lets
    /// names be shown (`list_server_names`).
    pub did_you_mean: Vec<String>,
    /// What was asked is an IP address (as `IpAddr` reads it; looser forms such as
    /// `127.1` are names here): `Some(true)` when it is a current address of one of
    /// the operator's servers, `Some(false)` when it is none's. `None`: a name.
    pub current_address: Option<bool>,
    /// What the app may give `probe` as `server` for this answer; `None` when the
    /// helper would refuse it, so the app asks nothing it knows will be refused.
    pub probe_target: Option<String>,
    /// The ports the helper probes on `probe_target` (empty without one).
    pub probe_ports: Vec<u16>,
}

/// `GET /api/v1/probe?server=&port=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeQuery {
    pub server: String,
    pub port: u16,
}

/// What a TCP connect from the helper found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeStatus {
    Open,
    Refused,
    Timeout,
}

/// The answer to a probe: status and timing only, never bytes from the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    pub server: String,
    pub port: u16,
    pub status: ProbeStatus,
    /// Connect time in milliseconds, when the connect finished either way.
    pub connect_ms: Option<u64>,
    /// Served from the short-lived cache.
    pub cached: bool,
}

/// How serious an announcement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Outage,
}

/// The operator's announcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    pub message: String,
    pub severity: Severity,
    /// When it was set, Unix milliseconds.
    pub since_ms: u64,
}

/// `GET /api/v1/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub announcement: Option<Announcement>,
}

/// `PUT /api/v1/status` (admin bearer token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetStatus {
    pub message: String,
    pub severity: Severity,
}

/// `POST /api/v1/seal`: a SHA-256 digest of the findings payload, lowercase hex,
/// and whether the seal is to carry the client address the helper sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealRequest {
    pub digest: String,
    /// `false` when the user left their address out of the findings: the seal
    /// then carries none either. Absent means `true`, as before the field existed.
    #[serde(default = "yes")]
    pub include_client: bool,
}

fn yes() -> bool {
    true
}

impl SealRequest {
    /// The address a seal for this request carries, given the one the helper sees.
    pub fn client(&self, seen: IpAddr) -> Option<IpAddr> {
        self.include_client.then_some(seen)
    }
}

/// The helper's seal: an ed25519 signature over [`seal_message`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    pub key_id: String,
    /// Helper time of sealing, Unix milliseconds.
    pub time_ms: u64,
    /// The client address the helper saw; `null` when asked to leave it out.
    pub client: Option<IpAddr>,
    /// base64url (no padding) of the 64-byte signature.
    pub signature: String,
}

/// The exact bytes a seal signs; both sides build them with this function. A seal
/// without an address signs another first line, so neither kind of signature can
/// be passed off as the other.
pub fn seal_message(digest_hex: &str, time_ms: u64, client: Option<IpAddr>) -> Vec<u8> {
    match client {
        Some(c) => format!("fixpath-seal-v1\n{digest_hex}\n{time_ms}\n{c}\n"),
        None => format!("fixpath-seal-v2\n{digest_hex}\n{time_ms}\n"),
    }
    .into_bytes()
}

/// One public key of the helper's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKey {
    pub key_id: String,
    /// base64url (no padding) of the 32-byte ed25519 public key.
    pub public_key: String,
}

/// `GET /api/v1/keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keys {
    pub keys: Vec<PublicKey>,
}

/// `GET /api/v1/config`: the operator's public, non-secret settings for the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicConfig {
    /// Public URLs the app fetches with `mode: "no-cors"` for `internet.canary`.
    pub canary_urls: Vec<String>,
    /// Extra ports on which the helper answers `ping`.
    pub alt_ports: Vec<u16>,
}

/// Every error the helper answers: `{"error":{"code":"...","message":"..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: ErrorBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable, machine-readable: `not_found`, `rate_limited`, `target_refused`, ...
    pub code: String,
    /// A sentence a person can act on.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_is_found_at_its_path_and_nowhere_else() {
        for e in Endpoint::ALL {
            assert_eq!(Endpoint::at(e.path()), Some(e));
            assert!(e.path().starts_with(API_PREFIX));
            assert!(!e.methods().is_empty(), "{e:?} takes no method");
        }
        assert_eq!(Endpoint::at("/api/v1"), None);
        assert_eq!(Endpoint::at("/api/v1/ping/"), None);
    }

    #[test]
    fn methods_and_costs_read_from_the_table() {
        assert_eq!(Endpoint::Status.methods_text(), "GET, PUT or DELETE");
        assert_eq!(Endpoint::Seal.methods_text(), "POST");
        assert_eq!(Endpoint::Ping.methods_text(), "GET");
        assert_eq!(Endpoint::Status.cost(Method::Get), Some(Cost::General));
        assert_eq!(Endpoint::Status.cost(Method::Put), Some(Cost::Checks));
        assert_eq!(Endpoint::Probe.cost(Method::Get), Some(Cost::Checks));
        assert_eq!(Endpoint::Ping.cost(Method::Post), None);
    }
}
