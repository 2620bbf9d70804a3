//! The helper's seal as it travels in a findings link: `#/r/<payload>.<seal>`.
//! The seal is an ed25519 signature over [`crate::api::seal_message`] of the
//! payload's SHA-256 digest; this module only carries it (no crypto here).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::b64;

use crate::api;

/// Version byte of the seal token.
const SEAL_VERSION: u8 = 1;
/// Longest key id a token carries.
pub const MAX_KEY_ID: usize = 64;

/// A seal, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealToken {
    pub key_id: String,
    /// Helper time of sealing, Unix ms.
    pub time_ms: u64,
    /// The client address the helper saw.
    pub client: IpAddr,
    pub signature: [u8; 64],
}

/// Why a seal could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the seal is damaged")]
    Corrupt,
    #[error("the seal was made by a newer Fixpath (seal format {0})")]
    UnknownVersion(u8),
}

impl SealToken {
    /// From the helper's JSON answer.
    pub fn from_api(seal: &api::Seal) -> Result<Self, SealError> {
        let sig = b64::decode(seal.signature.as_bytes()).map_err(|_| SealError::Corrupt)?;
        let signature: [u8; 64] = sig.try_into().map_err(|_| SealError::Corrupt)?;
        if seal.key_id.len() > MAX_KEY_ID {
            return Err(SealError::Corrupt);
        }
        Ok(SealToken {
            key_id: seal.key_id.clone(),
            time_ms: seal.time_ms,
            client: seal.client,
            signature,
        })
    }

    /// The exact bytes the signature covers, for a payload digest (lowercase hex).
    pub fn message(&self, digest_hex: &str) -> Vec<u8> {
        api::seal_message(digest_hex, self.time_ms, self.client)
    }

    /// Compact form: version, time (u64 BE), key id (len + bytes), address (4 or 6
    /// tag + bytes), signature (64), then base64url.
    pub fn encode(&self) -> String {
        let mut b = Vec::with_capacity(100);
        b.push(SEAL_VERSION);
        b.extend_from_slice(&self.time_ms.to_be_bytes());
        let id = self.key_id.as_bytes();
        let id = &id[..id.len().min(MAX_KEY_ID)];
        b.push(id.len() as u8);
        b.extend_from_slice(id);
        match self.client {
            IpAddr::V4(a) => {
                b.push(4);
                b.extend_from_slice(&a.octets());
            }
            IpAddr::V6(a) => {
                b.push(6);
                b.extend_from_slice(&a.octets());
            }
        }
        b.extend_from_slice(&self.signature);
        b64::encode(&b)
    }

    /// Reads a token; never panics.
    pub fn decode(s: &str) -> Result<Self, SealError> {
        let b = b64::decode(s.trim().as_bytes()).map_err(|_| SealError::Corrupt)?;
        let mut r = Reader(&b);
        let v = r.byte()?;
        if v != SEAL_VERSION {
            return Err(SealError::UnknownVersion(v));
        }
        let time: [u8; 8] = r.take(8)?.try_into().map_err(|_| SealError::Corrupt)?;
        let id_len = usize::from(r.byte()?);
        if id_len > MAX_KEY_ID {
            return Err(SealError::Corrupt);
        }
        let key_id = std::str::from_utf8(r.take(id_len)?)
            .map_err(|_| SealError::Corrupt)?
            .to_string();
        let client = match r.byte()? {
            4 => {
                let o: [u8; 4] = r.take(4)?.try_into().map_err(|_| SealError::Corrupt)?;
                IpAddr::V4(Ipv4Addr::from(o))
            }
            6 => {
                let o: [u8; 16] = r.take(16)?.try_into().map_err(|_| SealError::Corrupt)?;
                IpAddr::V6(Ipv6Addr::from(o))
            }
            _ => return Err(SealError::Corrupt),
        };
        let signature: [u8; 64] = r.take(64)?.try_into().map_err(|_| SealError::Corrupt)?;
        if !r.0.is_empty() {
            return Err(SealError::Corrupt);
        }
        Ok(SealToken {
            key_id,
            time_ms: u64::from_be_bytes(time),
            client,
            signature,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, SealError> {
        let (first, rest) = self.0.split_first().ok_or(SealError::Corrupt)?;
        self.0 = rest;
        Ok(*first)
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], SealError> {
        if self.0.len() < n {
            return Err(SealError::Corrupt);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
}

/// The seal part of a link or fragment (`…/r/<payload>.<seal>`), if any.
pub fn seal_of(input: &str) -> Option<&str> {
    let tail = input.trim().rsplit('/').next()?;
    let (_, seal) = tail.split_once('.')?;
    (!seal.is_empty()).then_some(seal)
}

/// Lowercase hex of bytes (digests).
pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(client: IpAddr) -> SealToken {
        SealToken {
            key_id: "k1abcd".into(),
            time_ms: 1_764_000_000_000,
            client,
            signature: [7; 64],
        }
    }

    #[test]
    fn round_trips_both_families() {
        for c in ["203.0.113.5", "2001:db8::1"] {
            let t = token(c.parse().unwrap());
            assert_eq!(SealToken::decode(&t.encode()), Ok(t));
        }
    }

    #[test]
    fn refuses_damage_without_panicking() {
        let enc = token("203.0.113.5".parse().unwrap()).encode();
        for cut in 0..enc.len() {
            let _ = SealToken::decode(&enc[..cut]);
        }
        assert_eq!(SealToken::decode("!!"), Err(SealError::Corrupt));
        assert_eq!(
            SealToken::decode(&b64::encode(&[9u8; 90])),
            Err(SealError::UnknownVersion(9))
        );
        let mut long = enc.clone();
        long.push_str("AA");
        assert!(SealToken::decode(&long).is_err());
    }

    #[test]
    fn finds_the_seal_in_a_link() {
        assert_eq!(seal_of("https://x.example/#/r/AbC.SeAl"), Some("SeAl"));
        assert_eq!(seal_of("#/r/AbC"), None);
        assert_eq!(seal_of("AbC.Zz"), Some("Zz"));
        assert_eq!(seal_of("AbC."), None);
        assert_eq!(hex(&[0, 15, 255]), "000fff");
    }
}
