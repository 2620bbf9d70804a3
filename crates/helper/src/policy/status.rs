//! The operator's announcement, kept in a JSON file so a restart keeps it. Writes
//! go to a temporary file that is renamed over the old one, so a crash never leaves
//! half a file; reads notice when another replica sharing the file changed it.

use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::SystemTime;

use fixpath_core::api::{Announcement, Status};

/// Longest announcement accepted, in characters.
pub(crate) const MAX_MESSAGE: usize = 500;

/// Why the announcement could not be read or kept.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error("status.file {path}: not a Fixpath status file ({why}); fix or remove it", path = .0.display(), why = .1)]
    NotAStatusFile(PathBuf, #[source] serde_json::Error),
    #[error("status.file {path}: cannot read it: {why}", path = .0.display(), why = .1)]
    Unreadable(PathBuf, #[source] std::io::Error),
    #[error("status.file {path}: {why}", path = .0.display(), why = .1)]
    Write(PathBuf, #[source] std::io::Error),
    #[error("cannot encode the announcement: {0}")]
    Encode(#[source] serde_json::Error),
    #[error("the status writer stopped: {0}")]
    Writer(#[source] tokio::task::JoinError),
}

struct Loaded {
    announcement: Option<Announcement>,
    /// The file's modification time when it was read (None: no file).
    mtime: Option<SystemTime>,
}

/// The announcement and the file behind it.
pub(crate) struct StatusStore {
    path: PathBuf,
    current: RwLock<Loaded>,
    write: tokio::sync::Mutex<()>,
}

fn read_file(path: &Path) -> Result<Loaded, StatusError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let status: Status = serde_json::from_slice(&bytes)
                .map_err(|e| StatusError::NotAStatusFile(path.to_path_buf(), e))?;
            let mtime = std::fs::metadata(path).and_then(|m| m.modified()).ok();
            Ok(Loaded {
                announcement: status.announcement,
                mtime,
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Loaded {
            announcement: None,
            mtime: None,
        }),
        Err(e) => Err(StatusError::Unreadable(path.to_path_buf(), e)),
    }
}

impl StatusStore {
    /// Opens the store; a file that exists but cannot be read stops the helper.
    pub(crate) fn open(path: &Path) -> Result<StatusStore, StatusError> {
        let loaded = read_file(path)?;
        Ok(StatusStore {
            path: path.to_path_buf(),
            current: RwLock::new(loaded),
            write: tokio::sync::Mutex::new(()),
        })
    }

    /// The announcement now, re-reading the file when another writer changed it.
    pub(crate) async fn get(&self) -> Option<Announcement> {
        let on_disk = tokio::fs::metadata(&self.path)
            .await
            .and_then(|m| m.modified())
            .ok();
        {
            let cur = self.current.read().unwrap_or_else(|p| p.into_inner());
            if cur.mtime == on_disk {
                return cur.announcement.clone();
            }
        }
        let path = self.path.clone();
        match tokio::task::spawn_blocking(move || read_file(&path)).await {
            Ok(Ok(loaded)) => {
                let a = loaded.announcement.clone();
                *self.current.write().unwrap_or_else(|p| p.into_inner()) = loaded;
                a
            }
            // A file half-way through someone's edit: keep answering what we had.
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "status file unreadable; keeping the last announcement");
                let cur = self.current.read().unwrap_or_else(|p| p.into_inner());
                cur.announcement.clone()
            }
            Err(e) => {
                tracing::error!(error = %e, "status reader failed");
                let cur = self.current.read().unwrap_or_else(|p| p.into_inner());
                cur.announcement.clone()
            }
        }
    }

    /// Replaces (or with `None` clears) the announcement, on disk first.
    pub(crate) async fn set(&self, announcement: Option<Announcement>) -> Result<(), StatusError> {
        let _one_writer = self.write.lock().await;
        let mut body = serde_json::to_vec_pretty(&Status {
            announcement: announcement.clone(),
        })
        .map_err(StatusError::Encode)?;
        body.push(b'\n');
        let path = self.path.clone();
        let mtime = tokio::task::spawn_blocking(move || write_atomically(&path, &body))
            .await
            .map_err(StatusError::Writer)??;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Loaded {
            announcement,
            mtime,
        };
        Ok(())
    }
}

/// Writes `body` to `path` through a temporary file in the same directory.
fn write_atomically(path: &Path, body: &[u8]) -> Result<Option<SystemTime>, StatusError> {
    use std::io::Write;
    let ctx = |e: std::io::Error| StatusError::Write(path.to_path_buf(), e);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(ctx)?;
    }
    // Unique per writer, also between stores of one process (replicas in tests).
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(format!(".tmp-{}-{n}", std::process::id()));
    let tmp = PathBuf::from(tmp_name);
    {
        let mut f = std::fs::File::create(&tmp).map_err(ctx)?;
        f.write_all(body).map_err(ctx)?;
        f.sync_all().map_err(ctx)?;
    }
    std::fs::rename(&tmp, path).map_err(ctx)?;
    Ok(std::fs::metadata(path).and_then(|m| m.modified()).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use fixpath_core::api::Severity;

    #[tokio::test]
    async fn survives_a_reopen_and_refuses_a_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/status.json");
        let store = StatusStore::open(&path).unwrap();
        assert_eq!(store.get().await, None);
        let a = Announcement {
            message: "VPN down".into(),
            severity: Severity::Warning,
            since_ms: 5,
        };
        store.set(Some(a.clone())).await.unwrap();
        assert_eq!(StatusStore::open(&path).unwrap().get().await, Some(a));
        // Only the file itself is left: no temporary files.
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );

        std::fs::write(&path, "{not json").unwrap();
        let err = StatusStore::open(&path).err().unwrap().to_string();
        assert!(err.contains("status.file"), "{err}");
    }
}
