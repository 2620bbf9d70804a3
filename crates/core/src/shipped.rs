//! The troubleshooters shipped with Fixpath, embedded so the app and the helper
//! carry the same trees without any I/O: every `trees/*.toml`, listed from the
//! directory by the core's build script (`build.rs`).

use crate::lint::Problem;
use crate::model::Tree;

// `SOURCES`: `(file name, TOML source)` of every tree in `trees/`, by file name
// (the order the home page lists them in); `TRANSLATIONS`: the same of every
// translation beside them (`NAME.LANG.toml`).
include!(concat!(env!("OUT_DIR"), "/shipped.rs"));

/// Every shipped tree, compiled; or, for each file that does not lint clean, its
/// name and its problems (the app's build script prints them and stops).
pub fn compile() -> Result<Vec<Tree>, Vec<(&'static str, Vec<Problem>)>> {
    let mut trees = Vec::with_capacity(SOURCES.len());
    let mut failed = Vec::new();
    for (name, src) in SOURCES {
        match Tree::from_toml(src) {
            Ok(t) => trees.push(t),
            Err(problems) => failed.push((*name, problems)),
        }
    }
    if failed.is_empty() {
        Ok(trees)
    } else {
        Err(failed)
    }
}

/// Every shipped tree that compiles. The app's build refuses a tree that does not
/// (see [`compile`]), so at run time this leaves one out rather than fail.
pub fn trees() -> Vec<Tree> {
    SOURCES
        .iter()
        .filter_map(|(_, src)| Tree::from_toml(src).ok())
        .collect()
}
