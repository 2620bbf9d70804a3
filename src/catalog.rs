//! The shipped troubleshooters, compiled once per page load and shared.

use std::rc::Rc;

use fixpath_core::Tree;

thread_local! {
    static TREES: Rc<[Rc<Tree>]> = fixpath_core::shipped::trees().into_iter().map(Rc::new).collect();
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
