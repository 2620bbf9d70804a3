//! base64url without padding (RFC 4648 §5), the alphabet of findings links and
//! seals. Written out because the `base64` crate's general engine is several
//! kilobytes of the app's wasm for two short strings per link; the tests hold this
//! to that crate's answers, strictness included.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Why a string is not base64url.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// One character past a whole group: no byte ends there, so the text was cut.
    Length,
    /// A character outside the alphabet, or unused low bits that are not zero.
    Symbol,
}

/// `bytes` as base64url, no padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

fn value(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// The bytes `text` encodes. Strict, as a canonical encoder writes it: no padding,
/// no whitespace, no stray bits.
pub fn decode(text: &[u8]) -> Result<Vec<u8>, DecodeError> {
    if text.len() % 4 == 1 {
        return Err(DecodeError::Length);
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c).ok_or(DecodeError::Symbol)? << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        let whole = chunk.len() - 1;
        // The bits past the last whole byte must be zero, or two texts would
        // decode to the same bytes.
        if n & (0xff_ffff >> (8 * whole)) != 0 {
            return Err(DecodeError::Symbol);
        }
        out.extend_from_slice(&bytes[..whole]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use proptest::prelude::*;

    #[test]
    fn rfc_4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), enc);
            assert_eq!(decode(enc.as_bytes()), Ok(plain.as_bytes().to_vec()));
        }
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn refuses_what_a_canonical_encoder_never_writes() {
        assert_eq!(decode(b"Zm9vY"), Err(DecodeError::Length));
        assert_eq!(decode(b"Zg=="), Err(DecodeError::Symbol));
        assert_eq!(decode(b"Zh"), Err(DecodeError::Symbol));
        assert_eq!(decode(b"Zm+v"), Err(DecodeError::Symbol));
        assert_eq!(decode(b"Zm v"), Err(DecodeError::Symbol));
    }

    proptest! {
        #[test]
        fn encodes_as_the_base64_crate(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let ours = encode(&bytes);
            prop_assert_eq!(&ours, &URL_SAFE_NO_PAD.encode(&bytes));
            prop_assert_eq!(decode(ours.as_bytes()), Ok(bytes));
        }

        #[test]
        fn accepts_and_refuses_as_the_base64_crate(text in "[A-Za-z0-9_=+/ -]{0,40}") {
            let ours = decode(text.as_bytes());
            let theirs = URL_SAFE_NO_PAD.decode(text.as_bytes());
            prop_assert_eq!(ours.is_ok(), theirs.is_ok());
            if let (Ok(a), Ok(b)) = (&ours, &theirs) {
                prop_assert_eq!(a, b);
            }
            if let Err(base64::DecodeError::InvalidLength(_)) = theirs {
                prop_assert_eq!(ours, Err(DecodeError::Length));
            }
        }
    }
}
