//! Sealing a findings payload with the helper, and checking a seal in the browser
//! with WebCrypto (SHA-256 and Ed25519): no crypto crate in the wasm bundle. The
//! app writes the shortest seal (format 3: no key id, no address), so checking one
//! tries each key the helper lists, with the address the findings carry.

use std::net::IpAddr;

use fixpath_core::api::{Endpoint, Keys, Seal};
use fixpath_core::b64;
use fixpath_core::link;
use fixpath_core::seal::{hex, request_for, SealToken};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::http::{self, HttpError};
use super::wire;
use crate::i18n::{t, Msg};

const SEAL_TIMEOUT_MS: u32 = 3_000;

/// A seal with what it vouches for spelled out: the key that made it (for a
/// format-3 token, the one it verified with; when sealing, the helper's answer),
/// when, and the client address it signed (for format 3, the findings' own).
#[derive(Debug, Clone, PartialEq)]
pub struct Sealed {
    pub key_id: String,
    /// Helper time of sealing, Unix ms (whole seconds).
    pub time_ms: u64,
    pub client: Option<IpAddr>,
    /// The token as the link carries it.
    pub token: SealToken,
}

impl Sealed {
    /// The seal part of the link (`<payload>.<seal>`).
    pub fn encode(&self) -> String {
        self.token.encode()
    }
}

/// What checking a link's seal found.
#[derive(Debug, Clone, PartialEq)]
pub enum SealCheck {
    /// The helper sealed exactly this payload.
    Sealed(Sealed),
    /// The link carries no seal.
    NotSealed,
    /// A seal is there but does not fit the payload: the findings were changed.
    Mismatch,
    /// The seal names a key the helper does not list.
    UnknownKey(String),
    /// The seal could not be checked (helper unreachable, no WebCrypto Ed25519).
    CannotCheck(String),
}

fn subtle() -> Option<web_sys::SubtleCrypto> {
    Some(web_sys::window()?.crypto().ok()?.subtle())
}

/// SHA-256 of the payload, lowercase hex.
pub async fn digest_hex(payload: &str) -> Option<String> {
    let promise = subtle()?
        .digest_with_str_and_u8_array("SHA-256", payload.as_bytes())
        .ok()?;
    let buf = JsFuture::from(promise).await.ok()?;
    Some(hex(&js_sys::Uint8Array::new(&buf).to_vec()))
}

/// Asks the helper to seal the payload, with the client address only when the
/// shared findings carry one (`shared_address`); the token is the shortest that
/// says the same (format 3 when the helper saw the findings' address).
pub async fn request(payload: &str, shared_address: Option<IpAddr>) -> Result<Sealed, String> {
    let digest = digest_hex(payload)
        .await
        .ok_or_else(|| t(Msg::AppSealNoDigest))?;
    let body = wire::seal_request(&request_for(digest, shared_address))
        .ok_or_else(|| t(Msg::AppSealNoRequest))?;
    let (seal, _) = http::post_json::<Seal>(Endpoint::Seal, &body, SEAL_TIMEOUT_MS)
        .await
        .map_err(|e| e.explain())?;
    let token = SealToken::from_api(&seal).map_err(|e| crate::i18n::with(|tr| e.explain(tr)))?;
    Ok(Sealed {
        key_id: seal.key_id,
        time_ms: seal.time_ms,
        client: seal.client,
        token: token.shortest_for(shared_address),
    })
}

/// Checks a link's seal against the helper's public keys: the one it names, or
/// for a format-3 seal (none named) each the helper lists, one or two.
pub async fn check(payload: &str, seal: Option<&str>) -> SealCheck {
    let Some(seal) = seal else {
        return SealCheck::NotSealed;
    };
    let Ok(token) = SealToken::decode(seal) else {
        return SealCheck::Mismatch;
    };
    // The address a format-3 seal signed is the one the findings carry.
    let findings = link::decode_session(payload)
        .ok()
        .and_then(|s| s.client_address);
    let keys = match http::get_json::<Keys>(Endpoint::Keys, &[], SEAL_TIMEOUT_MS).await {
        Ok((k, _)) => k,
        Err(e) => return SealCheck::CannotCheck(HttpError::explain(&e)),
    };
    let candidates: Vec<_> = match token.key_id() {
        Some(id) => match keys.keys.iter().find(|k| k.key_id == id) {
            Some(k) => vec![k],
            None => return SealCheck::UnknownKey(id.to_string()),
        },
        None => keys.keys.iter().collect(),
    };
    if candidates.is_empty() {
        return SealCheck::CannotCheck(t(Msg::AppSealNoKeys));
    }
    let Some(digest) = digest_hex(payload).await else {
        return SealCheck::CannotCheck(t(Msg::AppSealNoDigest));
    };
    let message = token.message(&digest, findings);
    // Why no key could be tried, if one could not.
    let mut cannot = None;
    for key in candidates {
        let Ok(raw) = b64::decode(key.public_key.as_bytes()) else {
            cannot = Some(Msg::AppSealBadKey);
            continue;
        };
        match verify(&raw, &token.signature, &message).await {
            Some(true) => {
                return SealCheck::Sealed(Sealed {
                    key_id: key.key_id.clone(),
                    time_ms: token.time_ms,
                    client: token.client(findings),
                    token,
                })
            }
            Some(false) => {}
            None => cannot = Some(Msg::AppSealNoEd25519),
        }
    }
    match cannot {
        Some(why) => SealCheck::CannotCheck(t(why)),
        None => SealCheck::Mismatch,
    }
}

async fn verify(public_key: &[u8], signature: &[u8], message: &[u8]) -> Option<bool> {
    let subtle = subtle()?;
    let key_data = js_sys::Uint8Array::from(public_key);
    let usages = js_sys::Array::of1(&"verify".into());
    let key = JsFuture::from(
        subtle
            .import_key_with_str("raw", &key_data, "Ed25519", false, &usages)
            .ok()?,
    )
    .await
    .ok()?
    .dyn_into::<web_sys::CryptoKey>()
    .ok()?;
    let ok = JsFuture::from(
        subtle
            .verify_with_str_and_u8_array_and_u8_array("Ed25519", &key, signature, message)
            .ok()?,
    )
    .await
    .ok()?;
    ok.as_bool()
}
