//! Build script of the app: compiles the shipped trees (linted, index-linked) into
//! Rust source, so the wasm carries them ready to use and no TOML parser ships.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=trees");
    let trees = fixpath_core::shipped::trees();
    // A shipped tree that fails lint is left out by `shipped::trees`; at build time
    // that is an error, so a broken tree never reaches users silently.
    if trees.len() != fixpath_core::shipped::SOURCES.len() {
        for (name, src) in fixpath_core::shipped::SOURCES {
            for p in fixpath_core::lint::lint(src) {
                println!("cargo:warning=trees/{name}: {p}");
            }
        }
        panic!("a shipped tree does not lint clean: run `fixpath lint trees`");
    }
    let Some(out) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        panic!("cargo sets OUT_DIR for build scripts");
    };
    let code = fixpath_core::codegen::trees_expr(&trees);
    if let Err(e) = std::fs::write(out.join("trees.rs"), code) {
        panic!("writing the compiled trees: {e}");
    }
}
