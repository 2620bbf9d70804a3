//! Sealing a findings payload with the helper, and checking a seal in the browser
//! with WebCrypto (SHA-256 and Ed25519): no crypto crate in the wasm bundle.

use std::net::IpAddr;

use fixpath_core::api::{Endpoint, Keys, Seal};
use fixpath_core::b64;
use fixpath_core::seal::{hex, request_for, SealToken};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::http::{self, HttpError};
use super::wire;

const SEAL_TIMEOUT_MS: u32 = 3_000;

/// What checking a link's seal found.
#[derive(Debug, Clone, PartialEq)]
pub enum SealCheck {
    /// The helper sealed exactly this payload.
    Sealed(SealToken),
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
/// shared findings carry one (`shared_address`).
pub async fn request(payload: &str, shared_address: Option<IpAddr>) -> Result<SealToken, String> {
    let digest = digest_hex(payload)
        .await
        .ok_or_else(|| "this browser cannot compute the digest".to_string())?;
    let body = wire::seal_request(&request_for(digest, shared_address))
        .ok_or_else(|| "this browser cannot write the request".to_string())?;
    let (seal, _) = http::post_json::<Seal>(Endpoint::Seal, &body, SEAL_TIMEOUT_MS)
        .await
        .map_err(|e| e.explain())?;
    SealToken::from_api(&seal).map_err(|e| e.to_string())
}

/// Checks a link's seal against the helper's public keys.
pub async fn check(payload: &str, seal: Option<&str>) -> SealCheck {
    let Some(seal) = seal else {
        return SealCheck::NotSealed;
    };
    let Ok(token) = SealToken::decode(seal) else {
        return SealCheck::Mismatch;
    };
    let keys = match http::get_json::<Keys>(Endpoint::Keys, &[], SEAL_TIMEOUT_MS).await {
        Ok((k, _)) => k,
        Err(e) => return SealCheck::CannotCheck(HttpError::explain(&e)),
    };
    let Some(key) = keys.keys.iter().find(|k| k.key_id == token.key_id) else {
        return SealCheck::UnknownKey(token.key_id);
    };
    let Ok(raw) = b64::decode(key.public_key.as_bytes()) else {
        return SealCheck::CannotCheck("the helper's key is damaged".into());
    };
    let Some(digest) = digest_hex(payload).await else {
        return SealCheck::CannotCheck("this browser cannot compute the digest".into());
    };
    match verify(&raw, &token.signature, &token.message(&digest)).await {
        Some(true) => SealCheck::Sealed(token),
        Some(false) => SealCheck::Mismatch,
        None => SealCheck::CannotCheck("this browser cannot check Ed25519 signatures".into()),
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
