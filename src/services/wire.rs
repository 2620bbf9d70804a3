//! Reading the helper's JSON answers with the browser's own `JSON.parse`: a JSON
//! parser and serde's machinery would be a fifth of the wasm bundle, for a dozen
//! small, flat answers. Every reader refuses what the helper would never send.

use std::net::IpAddr;

use fixpath_core::api::{
    Announcement, ApiError, ErrorBody, Family, Keys, Ping, Probe, ProbeStatus, PublicConfig,
    PublicKey, Resolved, Seal, SealRequest, Severity, Status, WhoAmI,
};
use js_sys::{Array, Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};

/// A helper answer that can be read from parsed JSON; `None` when it does not fit.
pub trait FromJson: Sized {
    fn from_json(v: &Field) -> Option<Self>;
}

/// Parses `text` as JSON (`None` when it is not JSON).
pub fn parse_json(text: &str) -> Option<Field> {
    JSON::parse(text).ok().map(Field)
}

/// Parses `text` as JSON and reads a `T` from it.
pub fn parse<T: FromJson>(text: &str) -> Option<T> {
    T::from_json(&parse_json(text)?)
}

/// The body of a seal request, as JSON.
pub fn seal_request(req: &SealRequest) -> Option<String> {
    let o = Object::new();
    Reflect::set(&o, &"digest".into(), &req.digest.as_str().into()).ok()?;
    Reflect::set(&o, &"include_client".into(), &req.include_client.into()).ok()?;
    JSON::stringify(&o).ok()?.as_string()
}

/// One parsed JSON value.
pub struct Field(JsValue);

impl Field {
    /// The member `key` of an object (`undefined` when absent).
    fn get(&self, key: &str) -> Option<Field> {
        if !self.0.is_object() || Array::is_array(&self.0) {
            return None;
        }
        Reflect::get(&self.0, &key.into()).ok().map(Field)
    }

    fn string(&self, key: &str) -> Option<String> {
        self.get(key)?.0.as_string()
    }

    fn bool(&self, key: &str) -> Option<bool> {
        self.get(key)?.0.as_bool()
    }

    fn u64(&self, key: &str) -> Option<u64> {
        self.get(key)?.as_u64()
    }

    fn u16(&self, key: &str) -> Option<u16> {
        u16::try_from(self.u64(key)?).ok()
    }

    fn ip(&self, key: &str) -> Option<IpAddr> {
        self.get(key)?.as_ip()
    }

    // Readers of a value itself, named so every list and option of that kind shares
    // one instance of `list` and `optional`.
    fn as_string(&self) -> Option<String> {
        self.0.as_string()
    }

    fn as_ip(&self) -> Option<IpAddr> {
        self.as_string()?.parse().ok()
    }

    fn as_bool(&self) -> Option<bool> {
        self.0.as_bool()
    }

    fn as_port(&self) -> Option<u16> {
        u16::try_from(self.as_u64()?).ok()
    }

    /// A whole number JSON.parse read exactly (at most 2^53).
    fn as_u64(&self) -> Option<u64> {
        let n = self.0.as_f64()?;
        (n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_992.0).then_some(n as u64)
    }

    /// `None` for an absent or `null` member, as serde reads an `Option`.
    fn optional<T>(&self, key: &str, read: impl Fn(&Field) -> Option<T>) -> Option<Option<T>> {
        let f = self.get(key)?;
        if f.0.is_undefined() || f.0.is_null() {
            Some(None)
        } else {
            read(&f).map(Some)
        }
    }

    fn list<T>(&self, key: &str, read: impl Fn(&Field) -> Option<T>) -> Option<Vec<T>> {
        let a: Array = self.get(key)?.0.dyn_into().ok()?;
        a.iter().map(|v| read(&Field(v))).collect()
    }
}

impl FromJson for Ping {
    fn from_json(v: &Field) -> Option<Self> {
        Some(Ping {
            time_ms: v.u64("time_ms")?,
        })
    }
}

impl FromJson for WhoAmI {
    fn from_json(v: &Field) -> Option<Self> {
        Some(WhoAmI {
            address: v.ip("address")?,
            family: match v.string("family")?.as_str() {
                "ipv4" => Family::Ipv4,
                "ipv6" => Family::Ipv6,
                _ => return None,
            },
            in_office: v.bool("in_office")?,
        })
    }
}

impl FromJson for Resolved {
    fn from_json(v: &Field) -> Option<Self> {
        Some(Resolved {
            name: v.string("name")?,
            known: v.bool("known")?,
            addresses: v.list("addresses", Field::as_ip)?,
            matches_expected: v.optional("matches_expected", Field::as_bool)?,
            did_you_mean: v.list("did_you_mean", Field::as_string)?,
            current_address: v.optional("current_address", Field::as_bool)?,
            probe_target: v.optional("probe_target", Field::as_string)?,
            probe_ports: v.list("probe_ports", Field::as_port)?,
        })
    }
}

impl FromJson for Probe {
    fn from_json(v: &Field) -> Option<Self> {
        Some(Probe {
            server: v.string("server")?,
            port: v.u16("port")?,
            status: match v.string("status")?.as_str() {
                "open" => ProbeStatus::Open,
                "refused" => ProbeStatus::Refused,
                "timeout" => ProbeStatus::Timeout,
                _ => return None,
            },
            connect_ms: v.optional("connect_ms", Field::as_u64)?,
            cached: v.bool("cached")?,
        })
    }
}

impl FromJson for Status {
    fn from_json(v: &Field) -> Option<Self> {
        let announcement = v.optional("announcement", |a| {
            Some(Announcement {
                message: a.string("message")?,
                severity: match a.string("severity")?.as_str() {
                    "info" => Severity::Info,
                    "warning" => Severity::Warning,
                    "outage" => Severity::Outage,
                    _ => return None,
                },
                since_ms: a.u64("since_ms")?,
            })
        })?;
        Some(Status { announcement })
    }
}

impl FromJson for Seal {
    fn from_json(v: &Field) -> Option<Self> {
        Some(Seal {
            key_id: v.string("key_id")?,
            time_ms: v.u64("time_ms")?,
            client: v.optional("client", Field::as_ip)?,
            signature: v.string("signature")?,
        })
    }
}

impl FromJson for Keys {
    fn from_json(v: &Field) -> Option<Self> {
        Some(Keys {
            keys: v.list("keys", |k| {
                Some(PublicKey {
                    key_id: k.string("key_id")?,
                    public_key: k.string("public_key")?,
                })
            })?,
        })
    }
}

impl FromJson for PublicConfig {
    fn from_json(v: &Field) -> Option<Self> {
        Some(PublicConfig {
            canary_urls: v.list("canary_urls", Field::as_string)?,
            alt_ports: v.list("alt_ports", Field::as_port)?,
        })
    }
}

impl FromJson for ApiError {
    fn from_json(v: &Field) -> Option<Self> {
        let e = v.get("error")?;
        Some(ApiError {
            error: ErrorBody {
                code: e.string("code")?,
                message: e.string("message")?,
            },
        })
    }
}
