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

/// The saved walk for this tree, if one is there and still fits the tree.
pub fn load(tree: &Tree) -> Option<Session> {
    let saved = storage()?.get_item(&key(&tree.id)).ok()??;
    let decoded = link::decode(&saved, std::slice::from_ref(tree)).ok()?;
    (!decoded.tree_changed && decoded.fits.is_ok()).then_some(decoded.session)
}
