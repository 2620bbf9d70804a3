//! The helper's seal as it travels in a findings link: `#/r/<payload>.<seal>`.
//! The seal is an ed25519 signature over [`crate::api::seal_message`] of the
//! payload's SHA-256 digest; this module only carries it (no crypto here).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::b64;

use crate::api;

/// Seal format 1: with the client address the helper saw.
const SEAL_WITH_ADDRESS: u8 = 1;
/// Seal format 2: format 1 without the address field, for findings the user
/// shares without their address. Written only then, so a sealed link that carries
/// an address still reads in a Fixpath that knows only format 1.
const SEAL_WITHOUT_ADDRESS: u8 = 2;
/// Longest key id a token carries.
pub const MAX_KEY_ID: usize = 64;

/// A seal, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealToken {
    pub key_id: String,
    /// Helper time of sealing, Unix ms.
    pub time_ms: u64,
    /// The client address the helper saw, when the seal carries it.
    pub client: Option<IpAddr>,
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

/// What the app asks the helper to seal for the findings it shares, given their
/// client address (`shared.client_address`): the seal carries the client address
/// exactly when the shared findings do, so a link
/// whose findings leave the address out carries it nowhere. (A keyed hash of the
/// address was the other way: it would still single out one client across links,
/// the IPv4 space is small enough to try every address against it, and no one
/// reading the report could check it; so the seal leaves the address out.)
pub fn request_for(digest_hex: String, shared_address: Option<IpAddr>) -> api::SealRequest {
    api::SealRequest {
        digest: digest_hex,
        include_client: shared_address.is_some(),
    }
}

/// A plain warning when the address in the findings is not one the helper saw
/// when it sealed them: another address (another network, or findings sealed by
/// someone else), or none at all (anyone can have such findings sealed without an
/// address; the app never does, since its seal carries the address exactly when
/// the findings do). The helper gives addresses in canonical form (an IPv4-mapped
/// IPv6 address as IPv4).
pub fn address_warning(in_findings: Option<IpAddr>, in_seal: Option<IpAddr>) -> Option<String> {
    let f = in_findings?;
    match in_seal {
        Some(s) if s == f => None,
        Some(s) => Some(format!(
            "These findings name the address {f}, but our helper saw {s} when it sealed them."
        )),
        None => Some(format!(
            "These findings name the address {f}, but the seal carries none: our helper did not vouch for it."
        )),
    }
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

    /// Compact form: version, time (u64 BE), key id (len + bytes), in format 1 the
    /// address (4 or 6 tag + bytes), signature (64), then base64url.
    pub fn encode(&self) -> String {
        let mut b = Vec::with_capacity(100);
        b.push(match self.client {
            Some(_) => SEAL_WITH_ADDRESS,
            None => SEAL_WITHOUT_ADDRESS,
        });
        b.extend_from_slice(&self.time_ms.to_be_bytes());
        let id = self.key_id.as_bytes();
        let id = &id[..id.len().min(MAX_KEY_ID)];
        b.push(id.len() as u8);
        b.extend_from_slice(id);
        match self.client {
            None => {}
            Some(IpAddr::V4(a)) => {
                b.push(4);
                b.extend_from_slice(&a.octets());
            }
            Some(IpAddr::V6(a)) => {
                b.push(6);
                b.extend_from_slice(&a.octets());
            }
        }
        b.extend_from_slice(&self.signature);
        b64::encode(&b)
    }

    /// Reads a token of either format; never panics.
    pub fn decode(s: &str) -> Result<Self, SealError> {
        let b = b64::decode(s.trim().as_bytes()).map_err(|_| SealError::Corrupt)?;
        let mut r = Reader(&b);
        let v = r.byte()?;
        if v != SEAL_WITH_ADDRESS && v != SEAL_WITHOUT_ADDRESS {
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
        let client = if v == SEAL_WITHOUT_ADDRESS {
            None
        } else {
            Some(match r.byte()? {
                4 => {
                    let o: [u8; 4] = r.take(4)?.try_into().map_err(|_| SealError::Corrupt)?;
                    IpAddr::V4(Ipv4Addr::from(o))
                }
                6 => {
                    let o: [u8; 16] = r.take(16)?.try_into().map_err(|_| SealError::Corrupt)?;
                    IpAddr::V6(Ipv6Addr::from(o))
                }
                _ => return Err(SealError::Corrupt),
            })
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
    use crate::engine::Session;

    fn token(client: Option<IpAddr>) -> SealToken {
        SealToken {
            key_id: "k1abcd".into(),
            time_ms: 1_764_000_000_000,
            client,
            signature: [7; 64],
        }
    }

    #[test]
    fn round_trips_both_families_and_no_address() {
        for c in [Some("203.0.113.5"), Some("2001:db8::1"), None] {
            let t = token(c.map(|c| c.parse().unwrap()));
            assert_eq!(SealToken::decode(&t.encode()), Ok(t));
        }
    }

    #[test]
    fn a_seal_with_an_address_is_format_1_byte_for_byte() {
        // The layout of format 1, as links made before format 2 carry it.
        let mut want = vec![1u8];
        want.extend_from_slice(&1_764_000_000_000u64.to_be_bytes());
        want.push(6);
        want.extend_from_slice(b"k1abcd");
        want.extend_from_slice(&[4, 203, 0, 113, 5]);
        want.extend_from_slice(&[7; 64]);
        let t = token(Some("203.0.113.5".parse().unwrap()));
        assert_eq!(t.encode(), b64::encode(&want));
        assert_eq!(SealToken::decode(&b64::encode(&want)), Ok(t));
    }

    #[test]
    fn a_seal_without_an_address_is_format_2_and_has_no_address_field() {
        let mut want = vec![2u8];
        want.extend_from_slice(&1_764_000_000_000u64.to_be_bytes());
        want.push(6);
        want.extend_from_slice(b"k1abcd");
        want.extend_from_slice(&[7; 64]);
        assert_eq!(token(None).encode(), b64::encode(&want));
        // Format 2 with an address field after the key id is damage.
        let mut with_field = want.clone();
        with_field.splice(16..16, [4, 203, 0, 113, 5]);
        assert_eq!(
            SealToken::decode(&b64::encode(&with_field)),
            Err(SealError::Corrupt)
        );
    }

    #[test]
    fn the_two_formats_sign_different_messages() {
        let d = "ab".repeat(32);
        let with = token(Some("203.0.113.5".parse().unwrap())).message(&d);
        let without = token(None).message(&d);
        assert!(with.starts_with(b"fixpath-seal-v1\n"));
        assert!(without.starts_with(b"fixpath-seal-v2\n"));
        assert!(!String::from_utf8(without).unwrap().contains("203.0.113.5"));
    }

    #[test]
    fn refuses_damage_without_panicking() {
        for client in [Some("203.0.113.5".parse().unwrap()), None] {
            let enc = token(client).encode();
            for cut in 0..enc.len() {
                assert!(SealToken::decode(&enc[..cut]).is_err());
            }
            let mut long = enc.clone();
            long.push_str("AA");
            assert!(SealToken::decode(&long).is_err());
        }
        assert_eq!(SealToken::decode("!!"), Err(SealError::Corrupt));
        assert_eq!(
            SealToken::decode(&b64::encode(&[9u8; 90])),
            Err(SealError::UnknownVersion(9))
        );
    }

    #[test]
    fn the_seal_carries_an_address_exactly_when_the_shared_findings_do() {
        let mut s = Session {
            tree_id: "t".into(),
            fingerprint: 1,
            tree_version: 1,
            started_ms: 0,
            entries: Vec::new(),
            notes: String::new(),
            server_name: Some("vpn.example.com".into()),
            client_address: Some("203.0.113.5".parse().unwrap()),
            ticket: None,
        };
        assert!(request_for("d".into(), s.shared(true, true).client_address).include_client);
        assert!(!request_for("d".into(), s.shared(false, true).client_address).include_client);
        s.client_address = None;
        assert!(!request_for("d".into(), s.shared(true, false).client_address).include_client);
    }

    #[test]
    fn an_address_the_seal_does_not_carry_is_flagged() {
        let a: IpAddr = "203.0.113.5".parse().unwrap();
        let b: IpAddr = "198.51.100.9".parse().unwrap();
        assert_eq!(address_warning(Some(a), Some(a)), None);
        assert_eq!(address_warning(None, Some(a)), None);
        assert_eq!(address_warning(None, None), None);
        assert_eq!(
            address_warning(Some(a), None).as_deref(),
            Some("These findings name the address 203.0.113.5, but the seal carries none: our helper did not vouch for it.")
        );
        assert_eq!(
            address_warning(Some(a), Some(b)).as_deref(),
            Some("These findings name the address 203.0.113.5, but our helper saw 198.51.100.9 when it sealed them.")
        );
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
