//! The app's one way of reading JSON: the browser parses it (`JSON.parse`, or
//! `Response.json`) and a reader per type takes the parsed value apart
//! ([`FromJson`]), so neither a JSON parser nor serde's machinery ships in the
//! wasm. Everything the app reads goes through here: the helper's answers, the
//! site document and every tree version, each read as the helper writes it with
//! serde (browser tests round-trip every type through serde_json). Every reader
//! refuses what the helper would never send.
//!
//! Measured for issue 14 (the design proposed `serde-wasm-bindgen`): the release
//! app as `trunk build --release --offline` builds it (wasm-opt as `index.html`
//! sets it), the `.wasm` raw / brotli 11, and the JS glue (brotli):
//! - trees embedded at build time (git HEAD before this change): 405,873 /
//!   140,712 (glue 7,154 brotli);
//! - everything read here, by [`FromJson`]: 399,597 / 139,997 (glue 7,239);
//! - the same app with every read (trees, the site, every helper answer) by
//!   serde-wasm-bindgen 0.6: 455,780 / 157,749 (glue 7,678).
//!
//! serde-wasm-bindgen costs 18,191 bytes more on the wire (serde's derived
//! visitors and its error machinery, for each type): a cold visit of 167,784
//! bytes against a budget of 150,000. So the app keeps this one reader, and no
//! serde code ships in the wasm; browser tests check every type reads exactly
//! what serde_json writes.

use std::net::IpAddr;

use fixpath_core::api::{
    Announcement, ApiError, ErrorBody, Family, Keys, Ping, Probe, ProbeStatus, PublicConfig,
    PublicKey, Resolved, Seal, SealRequest, Severity, Status, WhoAmI,
};
use fixpath_core::catalog::{Check, Platforms};
use fixpath_core::content::{
    Brand, BrandWords, Language, Listing, ListingWords, Site, Ticket, TicketNumber,
};
use fixpath_core::i18n::{Catalog, Message, Plural};
use fixpath_core::model::{hex64, Choice, Node, NodeKind, PerOutcome, Resolution, SkipRule, Tree};
use fixpath_core::translation::{NodeWords, Translation};
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
        self.get(key)?.as_u16()
    }

    fn u32(&self, key: &str) -> Option<u32> {
        self.get(key)?.as_u32()
    }

    fn hex64(&self, key: &str) -> Option<u64> {
        self.get(key)?.as_hex64()
    }

    fn opt_string(&self, key: &str) -> Option<Option<String>> {
        self.optional(key, Field::as_string)
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

    /// A whole number JSON.parse read exactly (at most 2^53).
    fn as_u64(&self) -> Option<u64> {
        let n = self.0.as_f64()?;
        (n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_992.0).then_some(n as u64)
    }

    fn as_u8(&self) -> Option<u8> {
        u8::try_from(self.as_u64()?).ok()
    }

    fn as_u16(&self) -> Option<u16> {
        u16::try_from(self.as_u64()?).ok()
    }

    fn as_u32(&self) -> Option<u32> {
        u32::try_from(self.as_u64()?).ok()
    }

    /// A whole number JSON.parse read exactly (within ±2^53).
    fn as_i64(&self) -> Option<i64> {
        let n = self.0.as_f64()?;
        (n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_992.0).then_some(n as i64)
    }

    /// A fingerprint: 16 hex digits (a JavaScript number cannot hold 64 bits).
    fn as_hex64(&self) -> Option<u64> {
        hex64::parse(&self.as_string()?)
    }

    fn member<T>(&self, key: &str, read: impl Fn(&Field) -> Option<T>) -> Option<T> {
        read(&self.get(key)?)
    }

    /// An enum as serde writes it by default: a unit variant as its name, any
    /// other as an object whose member of that name holds its fields. `names`:
    /// the enum's variants; the answer is the index of the one found.
    fn variant(&self, names: &[&str]) -> Option<(usize, Field)> {
        let unit = self.0.as_string();
        names.iter().enumerate().find_map(|(i, name)| match &unit {
            Some(s) => (s == name).then(|| (i, Field(JsValue::UNDEFINED))),
            None => self.get(name).filter(|f| f.0.is_object()).map(|f| (i, f)),
        })
    }

    /// `None` for an absent or `null` member, as serde reads an `Option`.
    fn optional<T>(&self, key: &str, read: impl Fn(&Field) -> Option<T>) -> Option<Option<T>> {
        self.get(key)?.optional_value(read)
    }

    /// This value as an `Option`: `null` is none.
    fn optional_value<T>(&self, read: impl Fn(&Field) -> Option<T>) -> Option<Option<T>> {
        if self.0.is_undefined() || self.0.is_null() {
            Some(None)
        } else {
            read(self).map(Some)
        }
    }

    /// A list serde leaves out when empty (`skip_serializing_if`, or an older
    /// helper's document): absent reads as empty.
    fn list_or_empty<T>(&self, key: &str, read: impl Fn(&Field) -> Option<T>) -> Option<Vec<T>> {
        match self.get(key) {
            Some(f) if !f.0.is_undefined() && !f.0.is_null() => self.list(key, read),
            _ => Some(Vec::new()),
        }
    }

    fn list<T>(&self, key: &str, read: impl Fn(&Field) -> Option<T>) -> Option<Vec<T>> {
        let a: Array = self.get(key)?.0.dyn_into().ok()?;
        // A plain loop: an iterator collected into `Option<Vec<_>>` costs some
        // kilobytes of wasm more, once per element type.
        let mut out = Vec::with_capacity(a.length() as usize);
        for i in 0..a.length() {
            out.push(read(&Field(a.get(i)))?);
        }
        Some(out)
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
            probe_ports: v.list("probe_ports", Field::as_u16)?,
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
            alt_ports: v.list("alt_ports", Field::as_u16)?,
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

impl FromJson for Site {
    fn from_json(v: &Field) -> Option<Self> {
        Some(Site {
            brand: v.member("brand", Brand::from_json)?,
            trees: v.list("trees", Listing::from_json)?,
            languages: v.list_or_empty("languages", |l| {
                Some(Language {
                    tag: l.string("tag")?,
                    name: l.string("name")?,
                    rtl: l.bool("rtl")?,
                    catalog: l.string("catalog")?,
                })
            })?,
        })
    }
}

impl FromJson for Catalog {
    fn from_json(v: &Field) -> Option<Self> {
        let messages = v.list("m", |m| match m.as_string() {
            Some(text) => Some(Message::Text(text)),
            None => {
                let forms: &Object = m.0.dyn_ref()?;
                let keys = Object::keys(forms);
                let mut out = Vec::with_capacity(keys.length() as usize);
                for i in 0..keys.length() {
                    let key = keys.get(i).as_string()?;
                    out.push((Plural::parse(&key)?, m.string(&key)?));
                }
                Some(Message::Plural(out))
            }
        })?;
        Catalog::new(
            v.string("lang")?,
            v.string("name")?,
            v.bool("rtl")?,
            messages,
        )
    }
}

/// `null` as none (a tree version with no translation in that language).
impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: &Field) -> Option<Self> {
        if v.0.is_null() {
            Some(None)
        } else {
            T::from_json(v).map(Some)
        }
    }
}

impl FromJson for Translation {
    fn from_json(v: &Field) -> Option<Self> {
        Some(Translation {
            lang: v.string("lang")?,
            title: v.string("title")?,
            symptom: v.string("symptom")?,
            nodes: v.list("nodes", |n| {
                Some(NodeWords {
                    text: n.opt_string("text")?,
                    help: n.opt_string("help")?,
                    summary: n.opt_string("summary")?,
                    choices: n.list_or_empty("choices", Field::as_string)?,
                })
            })?,
        })
    }
}

impl FromJson for Brand {
    fn from_json(v: &Field) -> Option<Self> {
        Some(Brand {
            name: v.string("name")?,
            title: v.string("title")?,
            accent: v.opt_string("accent")?,
            logo: v.opt_string("logo")?,
            contact: v.opt_string("contact")?,
            ticket: v.optional("ticket", |t| {
                Some(Ticket {
                    url: t.opt_string("url")?,
                    email: t.opt_string("email")?,
                    number: t.optional("number", |n| {
                        Some(TicketNumber {
                            label: n.string("label")?,
                            pattern: n.opt_string("pattern")?,
                            example: n.opt_string("example")?,
                        })
                    })?,
                })
            })?,
            words: v.list_or_empty("words", |w| {
                Some(BrandWords {
                    lang: w.string("lang")?,
                    title: w.opt_string("title")?,
                    contact: w.opt_string("contact")?,
                    ticket_label: w.opt_string("ticket_label")?,
                })
            })?,
        })
    }
}

impl FromJson for Listing {
    fn from_json(v: &Field) -> Option<Self> {
        // Numbers first: a refusal then has fewer strings to drop.
        let version = v.u32("version")?;
        let fingerprint = v.hex64("fingerprint")?;
        Some(Listing {
            id: v.string("id")?,
            title: v.string("title")?,
            symptom: v.string("symptom")?,
            version,
            fingerprint,
            lang: v.opt_string("lang")?.unwrap_or_else(|| "en".to_string()),
            translations: v.list_or_empty("translations", |w| {
                Some(ListingWords {
                    lang: w.string("lang")?,
                    title: w.string("title")?,
                    symptom: w.string("symptom")?,
                })
            })?,
        })
    }
}

impl FromJson for Tree {
    fn from_json(v: &Field) -> Option<Self> {
        // A tree version opens with what its listing says (one reader for both).
        let start = v.u16("start")?;
        let Listing {
            id,
            title,
            symptom,
            version,
            fingerprint,
            lang,
            ..
        } = Listing::from_json(v)?;
        Some(Tree {
            nodes: v.list("nodes", |n| {
                Some(Node {
                    id: n.string("id")?,
                    line: 0,
                    kind: n.member("kind", node_kind)?,
                })
            })?,
            id,
            title,
            symptom,
            lang,
            version,
            start,
            fingerprint,
        })
    }
}

fn node_kind(v: &Field) -> Option<NodeKind> {
    let (tag, k) = v.variant(&["question", "check", "advice", "outcome"])?;
    Some(match tag {
        0 => NodeKind::Question {
            text: k.string("text")?,
            help: k.opt_string("help")?,
            choices: k.list("choices", |c| {
                Some(Choice {
                    id: c.string("id")?,
                    label: c.string("label")?,
                    next: c.u16("next")?,
                })
            })?,
            answered_by: k.optional("answered_by", |r| {
                Some(SkipRule {
                    check: r.u16("check")?,
                    choice: r.member("choice", |p| {
                        per_outcome(p, |f| f.optional_value(Field::as_u8))
                    })?,
                })
            })?,
        },
        1 => NodeKind::Check {
            check: k.member("check", check)?,
            text: k.string("text")?,
            next: k.member("next", |p| per_outcome(p, Field::as_u16))?,
        },
        2 => NodeKind::Advice {
            text: k.string("text")?,
            help: k.opt_string("help")?,
            fixed: k.u16("fixed")?,
            not_fixed: k.u16("not_fixed")?,
        },
        _ => NodeKind::Outcome {
            result: Resolution::parse(&k.string("result")?)?,
            summary: k.string("summary")?,
            cause: k.string("cause")?,
            help: k.opt_string("help")?,
        },
    })
}

fn per_outcome<T>(v: &Field, read: impl Fn(&Field) -> Option<T>) -> Option<PerOutcome<T>> {
    Some(PerOutcome {
        pass: v.member("pass", &read)?,
        warn: v.member("warn", &read)?,
        fail: v.member("fail", &read)?,
        unknown: v.member("unknown", &read)?,
    })
}

fn check(v: &Field) -> Option<Check> {
    // In `Check`'s order, as serde names them (lowercase).
    const NAMES: [&str; 11] = [
        "browseronline",
        "helperping",
        "clockskew",
        "captiveportal",
        "internetcanary",
        "egressaltports",
        "platform",
        "clientaddress",
        "serverresolve",
        "serverprobe",
        "operatorstatus",
    ];
    let (tag, p) = v.variant(&NAMES)?;
    let platforms = |key: &str| p.member(key, Field::as_u8).map(Platforms::from_bits);
    Some(match tag {
        0 => Check::BrowserOnline,
        1 => Check::HelperPing {
            count: p.member("count", Field::as_u8)?,
            warn_ms: p.member("warn_ms", Field::as_i64)?,
        },
        2 => Check::ClockSkew {
            max_skew_s: p.member("max_skew_s", Field::as_i64)?,
        },
        3 => Check::CaptivePortal,
        4 => Check::InternetCanary,
        5 => Check::EgressAltPorts,
        6 => Check::Platform {
            pass: platforms("pass")?,
            warn: platforms("warn")?,
        },
        7 => Check::ClientAddress,
        8 => Check::ServerResolve,
        9 => Check::ServerProbe {
            port: p.u16("port")?,
        },
        _ => Check::OperatorStatus,
    })
}
