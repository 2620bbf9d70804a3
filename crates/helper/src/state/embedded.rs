//! The app embedded in a release binary (see the helper's `build.rs`), written
//! once into the helper's state directory so the file server serves it like any
//! built app: `app-<digest>/`, named by the embedded files' digest, so a new
//! release unpacks beside the old one and an unpacked copy is never half written
//! (it is written under a temporary name, then renamed).

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// `(path under the app's folder, bytes)` of every embedded file; empty in
/// development builds.
const FILES: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/embedded_app.rs"));

/// Whether this binary carries the app.
pub fn embedded() -> bool {
    !FILES.is_empty()
}

/// The embedded app as a folder in `state_dir`, unpacked on first use; `None`
/// when this binary carries no app.
pub fn unpack(state_dir: &Path) -> io::Result<Option<PathBuf>> {
    unpack_files(state_dir, FILES)
}

/// `files` as a folder in `state_dir` (see [`unpack`]).
fn unpack_files(state_dir: &Path, files: &[(&str, &[u8])]) -> io::Result<Option<PathBuf>> {
    if files.is_empty() {
        return Ok(None);
    }
    let mut h = Sha256::new();
    for (name, bytes) in files {
        h.update(name.as_bytes());
        h.update([0]);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    let digest = fixpath_core::seal::hex(&h.finalize()[..8]);
    let dir = state_dir.join(format!("app-{digest}"));
    if dir.join(super::dist::INDEX).is_file() {
        return Ok(Some(dir));
    }
    std::fs::create_dir_all(state_dir)?;
    let mut noise = [0u8; 8];
    getrandom::fill(&mut noise).map_err(io::Error::other)?;
    let tmp = state_dir.join(format!(".app-{digest}-{}", fixpath_core::seal::hex(&noise)));
    for (name, bytes) in files {
        // Names come from the build's own folder: relative, no dot segments.
        let path = tmp.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)?;
    }
    match std::fs::rename(&tmp, &dir) {
        Ok(()) => Ok(Some(dir)),
        // Another helper unpacked the same app first: theirs is complete.
        Err(_) if dir.join(super::dist::INDEX).is_file() => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(Some(dir))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &[(&str, &[u8])] = &[("index.html", b"<p>app</p>"), ("x/app.wasm", b"\0asm")];

    #[test]
    fn the_embedded_app_is_unpacked_once_whole_and_beside_other_versions() {
        let state = tempfile::tempdir().unwrap();
        assert_eq!(unpack_files(state.path(), &[]).unwrap(), None);
        let dir = unpack_files(state.path(), APP).unwrap().unwrap();
        assert_eq!(
            std::fs::read(dir.join("index.html")).unwrap(),
            b"<p>app</p>"
        );
        assert_eq!(std::fs::read(dir.join("x/app.wasm")).unwrap(), b"\0asm");
        // Again: the same folder, not rewritten.
        std::fs::write(dir.join("marker"), b"").unwrap();
        assert_eq!(unpack_files(state.path(), APP).unwrap().unwrap(), dir);
        assert!(dir.join("marker").is_file());
        // Another release: another folder; no temporary folder is left behind.
        let other = unpack_files(state.path(), &[("index.html", b"<p>new</p>")])
            .unwrap()
            .unwrap();
        assert_ne!(other, dir);
        let names: Vec<String> = std::fs::read_dir(state.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| n.starts_with("app-")), "{names:?}");
        assert!(!embedded(), "a test build carries no app");
    }
}
