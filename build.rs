//! Build script of the app: compiles the shipped trees (every `trees/*.toml`,
//! linted, index-linked) into Rust source, so the wasm carries them ready to use
//! and no TOML parser ships. A tree that does not lint stops the build with its
//! problems, printed as `fixpath lint` prints them.

use std::path::PathBuf;

fn main() {
    // The core's build script lists the directory; this one reruns with it.
    println!("cargo:rerun-if-changed=trees");
    let trees = match fixpath_core::shipped::compile() {
        Ok(trees) => trees,
        Err(failed) => {
            for (file, problems) in &failed {
                for p in problems {
                    eprintln!("{}", p.in_file(format_args!("trees/{file}")));
                }
            }
            let files: Vec<&str> = failed.iter().map(|(f, _)| *f).collect();
            eprintln!(
                "trees that do not lint clean cannot ship: {}",
                files.join(", ")
            );
            // The problems are the message: a panic would bury them under its own.
            std::process::exit(1);
        }
    };
    let Some(out) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        panic!("cargo sets OUT_DIR for build scripts");
    };
    let code = fixpath_core::codegen::trees_expr(&trees);
    if let Err(e) = std::fs::write(out.join("trees.rs"), code) {
        panic!("writing the compiled trees: {e}");
    }
}
