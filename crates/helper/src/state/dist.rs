//! What the dist directory must not hold: the helper serves every file in it, so
//! a start whose secrets or state live there is refused.

use std::path::{Component, Path, PathBuf};

use super::StartError;
use crate::config::Config;

/// The app's entry file in the dist directory.
pub const INDEX: &str = "index.html";

/// Refuses a dist directory that holds the helper's state: the file server would
/// hand out the seal's private key (`seal.key_file`) or the announcement's
/// directory (`status.file`). Paths are compared resolved (absolute, symlinks
/// followed where they exist), since neither needs to exist yet.
pub(crate) fn refuse_dist_holding_state(dist: &Path, config: &Config) -> Result<(), StartError> {
    let dist_at = resolved(dist);
    let holds = |file: &Path| {
        let parent = file.parent().filter(|p| !p.as_os_str().is_empty());
        let dir = resolved(parent.unwrap_or(Path::new(".")));
        dir.starts_with(&dist_at).then_some(dir)
    };
    // Every file that holds a secret, with the setting that names it.
    let secrets = [
        Some((
            config.seal.key_file.as_path(),
            "the seal's private key",
            "seal.key_file",
        )),
        config
            .admin_token_file
            .as_deref()
            .map(|f| (f, "the admin token", "admin.token_file")),
        config.source.as_deref().map(|f| {
            (
                f,
                "the configuration file (which can hold the admin token)",
                "--config",
            )
        }),
    ];
    for (file, what, key) in secrets.into_iter().flatten() {
        if let Some(dir) = holds(file) {
            return Err(StartError::DistHoldsSecret {
                dist: dist.to_path_buf(),
                what,
                file: file.to_path_buf(),
                key,
                dir,
            });
        }
    }
    if let Some(dir) = holds(&config.status_file) {
        return Err(StartError::DistHoldsState {
            dist: dist.to_path_buf(),
            dir,
            status_file: config.status_file.clone(),
        });
    }
    Ok(())
}

/// `p` made absolute, its longest existing ancestor canonicalized (symlinks,
/// `..`), and the rest, which does not exist yet, folded by hand.
fn resolved(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    let mut out = loop {
        if let Ok(canon) = existing.canonicalize() {
            break canon;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                existing = parent;
            }
            _ => break PathBuf::new(),
        }
    };
    for c in rest.into_iter().rev() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}
