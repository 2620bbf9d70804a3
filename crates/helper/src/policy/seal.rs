//! The helper's seal: an ed25519 signature over a findings digest, the helper's
//! time and, unless the app asks to leave it out, the client address it saw. The signing key lives in a PKCS#8 PEM file
//! (so `openssl genpkey -algorithm ed25519` makes one too), created with mode 0600
//! on first start; replicas that share the file share the key, and other helpers'
//! public keys can be listed as trusted.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use fixpath_core::api::{seal_message, Keys, PublicKey, Seal};
use sha2::{Digest, Sha256};

/// A key id: the first 8 bytes of SHA-256 of the public key, hex.
pub(crate) fn key_id(public: &[u8; 32]) -> String {
    let d = Sha256::digest(public);
    fixpath_core::seal::hex(&d[..8])
}

/// base64url (no padding) of a 32-byte public key, as `GET /api/v1/keys` lists it.
pub(crate) fn decode_public_key(s: &str) -> Option<[u8; 32]> {
    let bytes = URL_SAFE_NO_PAD.decode(s.trim().as_bytes()).ok()?;
    let arr: [u8; 32] = bytes.try_into().ok()?;
    // Only points on the curve are keys.
    VerifyingKey::from_bytes(&arr).ok()?;
    Some(arr)
}

/// A findings digest as the app sends it: SHA-256, 64 lowercase hex digits.
pub(crate) fn valid_digest(d: &str) -> bool {
    d.len() == 64
        && d.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Why the seal's key could not be had at start.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("seal.key_file {path}: cannot read it: {why}", path = .0.display(), why = .1)]
    Unreadable(PathBuf, #[source] std::io::Error),
    #[error("seal.key_file {path}: not an ed25519 private key in PKCS#8 PEM ({why}); remove it to have a new one made", path = .0.display(), why = .1)]
    NotAKey(PathBuf, #[source] ed25519_dalek::pkcs8::Error),
    #[error("seal.key_file {path}: {why}", path = .0.display(), why = .1)]
    Write(PathBuf, #[source] std::io::Error),
    #[error("no randomness for a new seal key: {0}")]
    NoRandomness(#[source] getrandom::Error),
    #[error("cannot encode the seal key: {0}")]
    Encode(#[source] ed25519_dalek::pkcs8::Error),
}

/// The signing key and the public keys the helper vouches for.
pub struct Signer {
    key: SigningKey,
    key_id: String,
    keys: Keys,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the private key.
        f.debug_struct("Signer")
            .field("key_id", &self.key_id)
            .finish()
    }
}

impl Signer {
    pub fn from_key(key: SigningKey, trusted: &[[u8; 32]]) -> Signer {
        let public = key.verifying_key().to_bytes();
        let own_id = key_id(&public);
        let mut list = vec![PublicKey {
            key_id: own_id.clone(),
            public_key: URL_SAFE_NO_PAD.encode(public),
        }];
        for t in trusted {
            let id = key_id(t);
            if !list.iter().any(|k| k.key_id == id) {
                list.push(PublicKey {
                    key_id: id,
                    public_key: URL_SAFE_NO_PAD.encode(t),
                });
            }
        }
        Signer {
            key,
            key_id: own_id,
            keys: Keys { keys: list },
        }
    }

    /// Loads the key file, or creates it (mode 0600) when it does not exist.
    pub fn load_or_create(path: &Path, trusted: &[[u8; 32]]) -> Result<Signer, SealError> {
        let key = match std::fs::read_to_string(path) {
            Ok(pem) => read_key(path, &pem)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key(path)?,
            Err(e) => return Err(SealError::Unreadable(path.to_path_buf(), e)),
        };
        Ok(Signer::from_key(key, trusted))
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Signs a digest with the helper's time and the client address, if any. The
    /// time is rounded down to a whole second, which is what the shortest seal a
    /// link carries (format 3, `fixpath_core::seal`) can say: the seal names the
    /// time it signed, so the link reproduces the signed message exactly.
    pub fn seal(&self, digest_hex: &str, time_ms: u64, client: Option<IpAddr>) -> Seal {
        let time_ms = time_ms - time_ms % 1000;
        let sig = self.key.sign(&seal_message(digest_hex, time_ms, client));
        Seal {
            key_id: self.key_id.clone(),
            time_ms,
            client,
            signature: URL_SAFE_NO_PAD.encode(sig.to_bytes()),
        }
    }

    /// Own key first, then the trusted ones.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }
}

fn read_key(path: &Path, pem: &str) -> Result<SigningKey, SealError> {
    warn_if_readable_by_others(path);
    SigningKey::from_pkcs8_pem(pem).map_err(|e| SealError::NotAKey(path.to_path_buf(), e))
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(m) = std::fs::metadata(path) {
        if m.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                file = %path.display(),
                "the seal key file is readable by other users; run chmod 600 on it"
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

/// Makes a new key and publishes it at `path` only if no file is there yet: written
/// to a private temporary file, then hard-linked into place (which fails if another
/// replica got there first, in which case its key is used).
fn create_key(path: &Path) -> Result<SigningKey, SealError> {
    let ctx = |e: std::io::Error| SealError::Write(path.to_path_buf(), e);
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(SealError::NoRandomness)?;
    let key = SigningKey::from_bytes(&seed);
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(SealError::Encode)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(ctx)?;
    }
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        fixpath_core::seal::hex(&seed[..4])
    ));
    let tmp = std::path::PathBuf::from(tmp_name);
    write_private(&tmp, pem.as_bytes()).map_err(ctx)?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            tracing::info!(file = %path.display(), key_id = %key_id(&key.verifying_key().to_bytes()), "created a new seal key");
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let pem = std::fs::read_to_string(path).map_err(ctx)?;
            read_key(path, &pem)
        }
        Err(e) => Err(ctx(e)),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signature, Verifier};

    #[test]
    fn a_new_key_file_is_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/seal.key");
        let a = Signer::load_or_create(&path, &[]).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let b = Signer::load_or_create(&path, &[]).unwrap();
        assert_eq!(a.key_id(), b.key_id());
        // No temporary files left behind.
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
    }

    #[test]
    fn a_seal_verifies_and_one_changed_byte_breaks_it() {
        let signer = Signer::from_key(SigningKey::from_bytes(&[7; 32]), &[]);
        let digest = "ab".repeat(32);
        let client: IpAddr = "198.51.100.9".parse().unwrap();
        let public = decode_public_key(&signer.keys().keys[0].public_key).unwrap();
        let vk = VerifyingKey::from_bytes(&public).unwrap();
        for client in [Some(client), None] {
            let seal = signer.seal(&digest, 1_764_000_000_999, client);
            // Whole seconds, rounded down, as a format-3 token carries them.
            assert_eq!(seal.time_ms, 1_764_000_000_000);
            let sig_bytes: [u8; 64] = URL_SAFE_NO_PAD
                .decode(&seal.signature)
                .unwrap()
                .try_into()
                .unwrap();
            let sig = Signature::from_bytes(&sig_bytes);
            let msg = seal_message(&digest, seal.time_ms, client);
            assert!(vk.verify(&msg, &sig).is_ok());
            let mut changed = msg.clone();
            changed[20] ^= 1;
            assert!(vk.verify(&changed, &sig).is_err());
        }
    }

    #[test]
    fn trusted_keys_are_listed_after_our_own_once() {
        let other = SigningKey::from_bytes(&[9; 32]).verifying_key().to_bytes();
        let own = SigningKey::from_bytes(&[7; 32]);
        let own_pub = own.verifying_key().to_bytes();
        let s = Signer::from_key(own, &[other, other, own_pub]);
        assert_eq!(s.keys().keys.len(), 2);
        assert_eq!(s.keys().keys[1].key_id, key_id(&other));
    }

    #[test]
    fn digests_must_be_sha256_hex() {
        assert!(valid_digest(&"0f".repeat(32)));
        assert!(!valid_digest(&"0F".repeat(32)));
        assert!(!valid_digest("abc"));
        assert!(!valid_digest(&"zz".repeat(32)));
    }

    #[test]
    fn a_damaged_key_file_stops_the_start_naming_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seal.key");
        std::fs::write(&path, "not a key").unwrap();
        let err = Signer::load_or_create(&path, &[]).unwrap_err().to_string();
        assert!(err.contains("seal.key_file"), "{err}");
    }

    #[test]
    fn replicas_starting_together_end_up_with_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seal.key");
        let ids: Vec<String> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| Signer::load_or_create(&path, &[]).unwrap().key_id))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
