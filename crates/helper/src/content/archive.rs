//! Every tree version the helper has served, kept in its state directory under
//! the name it is served as (`<id>.<fingerprint>.json`, core's `tree_file`), so a
//! findings link made with any of them opens with its own text, also after the
//! tree changed, was removed, or the helper restarted. Written once per version
//! (a file that exists is never rewritten: same name, same content), atomically.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use fixpath_core::content::{parse_translation_file, parse_tree_file, tree_file};
use fixpath_core::Tree;

/// The archive's folder inside the state directory.
pub(crate) const ARCHIVE_DIR: &str = "trees";

/// Why a version could not be kept.
#[derive(Debug, thiserror::Error)]
#[error("keeping tree versions in {}: {why}", .dir.display())]
pub struct ArchiveError {
    dir: PathBuf,
    #[source]
    why: std::io::Error,
}

/// The archive folder of a state directory.
#[derive(Debug, Clone)]
pub(crate) struct Archive {
    dir: PathBuf,
}

impl Archive {
    pub(crate) fn new(state_dir: &Path) -> Archive {
        Archive {
            dir: state_dir.join(ARCHIVE_DIR),
        }
    }

    /// Keeps `json` (the served form of `tree`) unless that version is kept already.
    pub(crate) fn keep(&self, tree: &Tree, json: &[u8]) -> Result<(), ArchiveError> {
        let err = |why| ArchiveError {
            dir: self.dir.clone(),
            why,
        };
        let path = self.dir.join(tree_file(&tree.id, tree.fingerprint));
        if path.is_file() {
            return Ok(());
        }
        self.write(&path, json).map_err(err)
    }

    /// Writes `json` at `path` through a temporary file renamed into place: a
    /// reader never sees half a file.
    fn write(&self, path: &Path, json: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let mut tmp = tempfile_in(&self.dir)?;
        tmp.1.write_all(json)?;
        tmp.1.sync_all()?;
        std::fs::rename(&tmp.0, path)
    }

    /// Keeps a version's translation (`name`: `translation_file`), replaced when
    /// its words changed: a translation may be edited while its tree stays.
    pub(crate) fn keep_words(&self, name: &str, json: &[u8]) -> Result<(), ArchiveError> {
        let err = |why| ArchiveError {
            dir: self.dir.clone(),
            why,
        };
        let path = self.dir.join(name);
        if std::fs::read(&path).is_ok_and(|kept| kept == json) {
            return Ok(());
        }
        self.write(&path, json).map_err(err)
    }

    /// A kept version (or translation) by its served file name; `None` when the
    /// name is not one or was never kept.
    pub(crate) fn read(&self, name: &str) -> Option<Vec<u8>> {
        // Only names of the form core writes: no separators, no dot segments.
        if parse_tree_file(name).is_none() && parse_translation_file(name).is_none() {
            return None;
        }
        std::fs::read(self.dir.join(name)).ok()
    }

    /// Every kept version that reads back, by file name: what a help-desk code,
    /// which names its version by a few bits only, is read against.
    pub(crate) fn all(&self) -> Vec<Tree> {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut names: Vec<String> = dir
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        names.sort();
        names
            .iter()
            .filter(|n| parse_tree_file(n).is_some())
            .filter_map(|n| serde_json::from_slice(&self.read(n)?).ok())
            .collect()
    }
}

/// A new file in `dir` with a name no other writer picks.
fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let mut noise = [0u8; 8];
    getrandom::fill(&mut noise).map_err(std::io::Error::other)?;
    let name = format!(".tmp-{}", fixpath_core::seal::hex(&noise));
    let path = dir.join(name);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    Ok((path, file))
}
