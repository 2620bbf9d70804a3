//! The troubleshooters shipped with Fixpath, embedded so the app and the helper
//! carry the same trees without any I/O.

use crate::model::Tree;

/// `(file name, TOML source)` of every shipped tree, in the order the home page lists them.
pub const SOURCES: &[(&str, &str)] = &[
    (
        "vpn-error-800.toml",
        include_str!("../../../trees/vpn-error-800.toml"),
    ),
    (
        "device-manager-code-28.toml",
        include_str!("../../../trees/device-manager-code-28.toml"),
    ),
];

/// Every shipped tree, compiled. Shipped trees are linted in CI, so a tree that
/// fails here is left out rather than taking the app down.
pub fn trees() -> Vec<Tree> {
    SOURCES
        .iter()
        .filter_map(|(_, src)| Tree::from_toml(src).ok())
        .collect()
}
