//! Keeps the walk in this tab's sessionStorage, so a reload or a slip of the
//! finger loses nothing. The link codec is the storage format.

use fixpath_core::{link, Session, Tree};

fn key(tree_id: &str) -> String {
    format!("fixpath.walk.{tree_id}")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// Saves the walk (best effort: private modes may refuse storage).
pub fn save(session: &Session) {
    if let Some(s) = storage() {
        let _ = s.set_item(&key(&session.tree_id), &link::encode(session));
    }
}

/// The version of this tree the walk saved in this tab was made with: a reload in
/// the middle of a walk carries on with it, even after the team changed the tree
/// (the helper keeps every version it served, so it is still there to fetch).
pub fn saved_version(tree_id: &str) -> Option<u64> {
    let saved = storage()?.get_item(&key(tree_id)).ok()??;
    link::decode_session(&saved).ok().map(|s| s.fingerprint)
}

/// The saved walk for this tree, if one is there, was made with this very
/// version of it and still fits it.
pub fn load(tree: &Tree) -> Option<Session> {
    let saved = storage()?.get_item(&key(&tree.id)).ok()??;
    let session = link::decode_session(&saved).ok()?;
    let same = session.tree_id == tree.id && session.fingerprint == tree.fingerprint;
    (same && session.validate(tree).is_ok()).then_some(session)
}
