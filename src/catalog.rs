//! The shipped troubleshooters, compiled at build time (see `build.rs`) and
//! built once per page load, then shared.

use std::rc::Rc;

use fixpath_core::Tree;

/// The trees as `build.rs` compiled them from `trees/*.toml`.
fn compiled() -> Vec<Tree> {
    include!(concat!(env!("OUT_DIR"), "/trees.rs"))
}

thread_local! {
    static TREES: Rc<[Rc<Tree>]> = compiled().into_iter().map(Rc::new).collect();
}

/// Every shipped tree, in listing order.
pub fn trees() -> Rc<[Rc<Tree>]> {
    TREES.with(Rc::clone)
}

/// The tree with this id.
pub fn tree(id: &str) -> Option<Rc<Tree>> {
    trees().iter().find(|t| t.id == id).cloned()
}

/// Plain (un-Rc'd) copies for the link decoder, which takes `&[Tree]`.
pub fn plain_trees() -> Vec<Tree> {
    trees().iter().map(|t| Tree::clone(t)).collect()
}
