//! Build script of the core: the list of shipped trees, written from `trees/` (every
//! `*.toml` file there, by file name, as `fixpath lint trees` picks them), so a tree
//! ships by being in the directory and no hand-kept list can leave one out.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        panic!("cargo sets CARGO_MANIFEST_DIR for build scripts");
    };
    let dir = manifest.join("../../trees");
    // A directory is watched whole: a file added, changed or removed reruns this.
    println!("cargo:rerun-if-changed={}", dir.display());
    let dir = match dir.canonicalize() {
        Ok(d) => d,
        Err(e) => panic!("the trees directory {}: {e}", dir.display()),
    };
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) => panic!("reading {}: {e}", dir.display()),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = String::from("[\n");
    for f in &files {
        let (Some(name), Some(path)) = (f.file_name().and_then(|n| n.to_str()), f.to_str()) else {
            panic!("a tree file's path is not UTF-8: {}", f.display());
        };
        let _ = writeln!(out, "    ({name:?}, include_str!({path:?})),");
    }
    out.push_str("]\n");
    let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        panic!("cargo sets OUT_DIR for build scripts");
    };
    if let Err(e) = std::fs::write(out_dir.join("shipped.rs"), out) {
        panic!("writing the list of shipped trees: {e}");
    }
}
