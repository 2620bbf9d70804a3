//! The helper's seal as it travels in a findings link: `#/r/<payload>.<seal>`.
//! The seal is an ed25519 signature over [`crate::api::seal_message`] of the
//! payload's SHA-256 digest; this module only carries it (no crypto here).
//!
//! Three formats, base64url of:
//!
//! ```text
//! 1: [1][time ms, u64 BE][key id len][key id][4 | 6][address octets][signature, 64]
//! 2: [2][time ms, u64 BE][key id len][key id][signature, 64]
//! 3: [3][time s, u32 BE][signature, 64]
//! ```
//!
//! Format 3, the one the app writes, is the shortest: it names no key (the
//! verifier tries each of the helper's keys, one or two) and carries no address,
//! since the address it signed is the findings' own `client_address` (none when
//! the findings carry none); so it is written only when the two are the same,
//! and the helper signs whole seconds for it. Formats 1 and 2 are read still.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::b64;

use crate::api;
use crate::i18n::{Msg, Tr};

/// Seal format 1: with the client address the helper saw.
const SEAL_WITH_ADDRESS: u8 = 1;
/// Seal format 2: format 1 without the address field, for findings the user
/// shares without their address.
const SEAL_WITHOUT_ADDRESS: u8 = 2;
/// Seal format 3: time in seconds and the signature, nothing else.
const SEAL_SHORT: u8 = 3;
/// Longest key id a token carries.
pub const MAX_KEY_ID: usize = 64;

/// A seal, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealToken {
    /// Helper time of sealing, Unix ms (whole seconds in format 3).
    pub time_ms: u64,
    pub signature: [u8; 64],
    /// What the token says besides: the key and the address (formats 1 and 2),
    /// or nothing (format 3).
    pub form: SealForm,
}

/// What a seal names besides its time and signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealForm {
    /// Formats 1 and 2: the key that signed it and the client address the helper
    /// saw (format 1), or none (format 2).
    Full {
        key_id: String,
        client: Option<IpAddr>,
    },
    /// Format 3: no key id (try each of the helper's keys) and no address: the
    /// address it signed is the findings' own. Its time is whole seconds that fit
    /// a `u32` (see [`SealToken::shortest_for`]).
    Short,
}

/// Why a seal could not be read. `Display` is English, for logs; people read
/// [`SealError::explain`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the seal is damaged")]
    Corrupt,
    #[error("the seal was made by a newer Fixpath (seal format {0})")]
    UnknownVersion(u8),
}

impl SealError {
    /// Why the seal could not be read, in `tr`'s words (a clause in lower case).
    pub fn explain(&self, tr: Tr) -> String {
        match self {
            Self::Corrupt => tr.t(Msg::FindingsSealDamaged),
            // A format number as written, not as a formatted number.
            Self::UnknownVersion(v) => tr.f(
                Msg::FindingsSealNewerFormat,
                &[("format", (&v.to_string()).into())],
            ),
        }
    }
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
/// the findings do). `in_seal` is the address the seal signed,
/// [`SealToken::client`] (a format-3 seal signed the findings' own, so it never
/// warns). The helper gives addresses in canonical form (an IPv4-mapped IPv6
/// address as IPv4).
pub fn address_warning(
    tr: Tr,
    in_findings: Option<IpAddr>,
    in_seal: Option<IpAddr>,
) -> Option<String> {
    let f = in_findings?;
    let shown = f.to_string();
    match in_seal {
        Some(s) if s == f => None,
        Some(s) => Some(tr.f(
            Msg::FindingsSealAddressDiffers,
            &[
                ("findings", (&shown).into()),
                ("seal", (&s.to_string()).into()),
            ],
        )),
        None => Some(tr.f(
            Msg::FindingsSealAddressUnsealed,
            &[("findings", (&shown).into())],
        )),
    }
}

impl SealToken {
    /// From the helper's JSON answer: the full form, naming key and address.
    pub fn from_api(seal: &api::Seal) -> Result<Self, SealError> {
        let sig = b64::decode(seal.signature.as_bytes()).map_err(|_| SealError::Corrupt)?;
        let signature: [u8; 64] = sig.try_into().map_err(|_| SealError::Corrupt)?;
        if seal.key_id.len() > MAX_KEY_ID {
            return Err(SealError::Corrupt);
        }
        Ok(SealToken {
            time_ms: seal.time_ms,
            signature,
            form: SealForm::Full {
                key_id: seal.key_id.clone(),
                client: seal.client,
            },
        })
    }

    /// The token to put on a link whose findings carry `findings_address`:
    /// format 3 when it says the same as this one (the address it signed is the
    /// findings' own, and its time is whole seconds that fit), else this one.
    pub fn shortest_for(self, findings_address: Option<IpAddr>) -> SealToken {
        let whole = self.time_ms.is_multiple_of(1000) && self.time_ms / 1000 <= u64::from(u32::MAX);
        match &self.form {
            SealForm::Full { client, .. } if whole && *client == findings_address => SealToken {
                form: SealForm::Short,
                ..self
            },
            _ => self,
        }
    }

    /// The seal format this token is written in (1, 2 or 3).
    pub fn format(&self) -> u8 {
        match &self.form {
            SealForm::Full {
                client: Some(_), ..
            } => SEAL_WITH_ADDRESS,
            SealForm::Full { client: None, .. } => SEAL_WITHOUT_ADDRESS,
            SealForm::Short => SEAL_SHORT,
        }
    }

    /// The key the token names; `None` in format 3, where the verifier tries each
    /// of the helper's keys.
    pub fn key_id(&self) -> Option<&str> {
        match &self.form {
            SealForm::Full { key_id, .. } => Some(key_id),
            SealForm::Short => None,
        }
    }

    /// The client address the seal signed, for findings that carry
    /// `findings_address`: the one the token carries, or in format 3 the
    /// findings' own.
    pub fn client(&self, findings_address: Option<IpAddr>) -> Option<IpAddr> {
        match &self.form {
            SealForm::Full { client, .. } => *client,
            SealForm::Short => findings_address,
        }
    }

    /// The exact bytes the signature covers, for a payload digest (lowercase hex)
    /// of findings that carry `findings_address`.
    pub fn message(&self, digest_hex: &str, findings_address: Option<IpAddr>) -> Vec<u8> {
        api::seal_message(digest_hex, self.time_ms, self.client(findings_address))
    }

    /// Compact form (see the module's description), then base64url. A format-3
    /// token's time is written in whole seconds (at most `u32::MAX`).
    pub fn encode(&self) -> String {
        let mut b = Vec::with_capacity(100);
        b.push(self.format());
        match &self.form {
            SealForm::Short => {
                let secs = u32::try_from(self.time_ms / 1000).unwrap_or(u32::MAX);
                b.extend_from_slice(&secs.to_be_bytes());
            }
            SealForm::Full { key_id, client } => {
                b.extend_from_slice(&self.time_ms.to_be_bytes());
                let id = key_id.as_bytes();
                let id = &id[..id.len().min(MAX_KEY_ID)];
                b.push(id.len() as u8);
                b.extend_from_slice(id);
                match client {
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
            }
        }
        b.extend_from_slice(&self.signature);
        b64::encode(&b)
    }

    /// Reads a token of any format; never panics.
    pub fn decode(s: &str) -> Result<Self, SealError> {
        let b = b64::decode(s.trim().as_bytes()).map_err(|_| SealError::Corrupt)?;
        let mut r = Reader(&b);
        let v = r.byte()?;
        let (time_ms, form) = match v {
            SEAL_SHORT => {
                let time: [u8; 4] = r.take(4)?.try_into().map_err(|_| SealError::Corrupt)?;
                (u64::from(u32::from_be_bytes(time)) * 1000, SealForm::Short)
            }
            SEAL_WITH_ADDRESS | SEAL_WITHOUT_ADDRESS => {
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
                            let o: [u8; 4] =
                                r.take(4)?.try_into().map_err(|_| SealError::Corrupt)?;
                            IpAddr::V4(Ipv4Addr::from(o))
                        }
                        6 => {
                            let o: [u8; 16] =
                                r.take(16)?.try_into().map_err(|_| SealError::Corrupt)?;
                            IpAddr::V6(Ipv6Addr::from(o))
                        }
                        _ => return Err(SealError::Corrupt),
                    })
                };
                (u64::from_be_bytes(time), SealForm::Full { key_id, client })
            }
            v => return Err(SealError::UnknownVersion(v)),
        };
        let signature: [u8; 64] = r.take(64)?.try_into().map_err(|_| SealError::Corrupt)?;
        if !r.0.is_empty() {
            return Err(SealError::Corrupt);
        }
        Ok(SealToken {
            time_ms,
            signature,
            form,
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
            time_ms: 1_764_000_000_000,
            signature: [7; 64],
            form: SealForm::Full {
                key_id: "k1abcd".into(),
                client,
            },
        }
    }

    #[test]
    fn round_trips_both_families_and_no_address_in_every_format() {
        for c in [Some("203.0.113.5"), Some("2001:db8::1"), None] {
            let c = c.map(|c| c.parse().unwrap());
            let t = token(c);
            assert_eq!(SealToken::decode(&t.encode()), Ok(t.clone()));
            let short = t.shortest_for(c);
            assert_eq!(short.format(), 3);
            assert_eq!(SealToken::decode(&short.encode()), Ok(short));
        }
    }

    #[test]
    fn format_3_is_time_in_seconds_and_the_signature_byte_for_byte() {
        let a: IpAddr = "203.0.113.5".parse().unwrap();
        let mut want = vec![3u8];
        want.extend_from_slice(&1_764_000_000u32.to_be_bytes());
        want.extend_from_slice(&[7; 64]);
        let short = token(Some(a)).shortest_for(Some(a));
        assert_eq!(short.encode(), b64::encode(&want));
        assert_eq!(short.encode().len(), 92);
        assert_eq!(short.key_id(), None);
        // It signed the findings' own address, whatever they carry.
        assert_eq!(short.client(Some(a)), Some(a));
        assert_eq!(short.client(None), None);
        let d = "ab".repeat(32);
        assert_eq!(short.message(&d, Some(a)), token(Some(a)).message(&d, None));
        assert_eq!(short.message(&d, None), token(None).message(&d, Some(a)));
        // A token that names its key and address keeps them.
        let full = token(Some(a));
        assert_eq!(full.key_id(), Some("k1abcd"));
        assert_eq!(full.client(None), Some(a));
        // Cut, or one byte too many, is damage.
        for len in 0..want.len() {
            assert_eq!(SealToken::decode(&b64::encode(&want[..len])).ok(), None);
        }
        want.push(0);
        assert_eq!(
            SealToken::decode(&b64::encode(&want)),
            Err(SealError::Corrupt)
        );
    }

    #[test]
    fn format_3_is_written_only_when_it_says_the_same() {
        let a: IpAddr = "203.0.113.5".parse().unwrap();
        let b: IpAddr = "198.51.100.9".parse().unwrap();
        // Another address than the findings', or none where they have one (or the
        // other way round): the token must say which, so it stays format 1 or 2.
        for (seal, findings) in [(Some(a), Some(b)), (None, Some(a)), (Some(a), None)] {
            let t = token(seal);
            assert_eq!(t.clone().shortest_for(findings), t);
        }
        // A time that is not whole seconds, or past a u32 of them, too.
        for time_ms in [1_764_000_000_001, (u64::from(u32::MAX) + 1) * 1000] {
            let t = SealToken {
                time_ms,
                ..token(None)
            };
            assert_eq!(t.clone().shortest_for(None), t);
        }
        let last = SealToken {
            time_ms: u64::from(u32::MAX) * 1000,
            ..token(None)
        }
        .shortest_for(None);
        assert_eq!(SealToken::decode(&last.encode()), Ok(last));
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
        let with = token(Some("203.0.113.5".parse().unwrap())).message(&d, None);
        let without = token(None).message(&d, None);
        assert!(with.starts_with(b"fixpath-seal-v1\n"));
        assert!(without.starts_with(b"fixpath-seal-v2\n"));
        assert!(!String::from_utf8(without).unwrap().contains("203.0.113.5"));
    }

    #[test]
    fn refuses_damage_without_panicking() {
        let a = "203.0.113.5".parse().ok();
        for t in [token(a), token(None), token(a).shortest_for(a)] {
            let enc = t.encode();
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
            lang: None,
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
        crate::i18n::testing::en(|tr| {
            assert_eq!(address_warning(tr, Some(a), Some(a)), None);
            assert_eq!(address_warning(tr, None, Some(a)), None);
            assert_eq!(address_warning(tr, None, None), None);
            assert_eq!(
                address_warning(tr, Some(a), None).as_deref(),
                Some("These findings name the address 203.0.113.5, but the seal carries none: our helper did not vouch for it.")
            );
            assert_eq!(
                address_warning(tr, Some(a), Some(b)).as_deref(),
                Some("These findings name the address 203.0.113.5, but our helper saw 198.51.100.9 when it sealed them.")
            );
        });
    }

    #[test]
    fn seal_errors_for_people() {
        crate::i18n::testing::en(|tr| {
            assert_eq!(
                SealError::Corrupt.explain(tr),
                SealError::Corrupt.to_string()
            );
            assert_eq!(
                SealError::UnknownVersion(9).explain(tr),
                "the seal was made by a newer Fixpath (seal format 9)"
            );
        });
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
