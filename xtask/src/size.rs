//! Transfer size of the built app (raw, gzip, brotli) and its budget, which CI
//! enforces. Sizes are exact, so CI can check them.

use std::io::Write;
use std::path::Path;

/// The budget: most brotli bytes the app's wasm, js, css and html may add up to.
/// `cargo xtask test` fails above it. The "150 KB" read the strict way
/// (150,000 bytes, not 150 KiB), so the app is within it whichever is meant.
pub const GOAL_BROTLI: usize = 150_000;

/// Sizes of one file.
#[derive(Debug, Clone)]
pub struct FileSize {
    pub name: String,
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

fn gzip(bytes: &[u8]) -> usize {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = e.write_all(bytes);
    e.finish().map(|v| v.len()).unwrap_or(bytes.len())
}

fn brotli(bytes: &[u8]) -> usize {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    match brotli::BrotliCompress(&mut &bytes[..], &mut out, &params) {
        Ok(_) => out.len(),
        Err(_) => bytes.len(),
    }
}

/// Every wasm, js, css and html file in `dist`.
pub fn measure(dist: &Path) -> Result<Vec<FileSize>, String> {
    let mut files = Vec::new();
    let entries =
        std::fs::read_dir(dist).map_err(|e| format!("reading {}: {e}", dist.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "wasm" | "js" | "css" | "html") {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        files.push(FileSize {
            name: entry.file_name().to_string_lossy().into_owned(),
            raw: bytes.len(),
            gzip: gzip(&bytes),
            brotli: brotli(&bytes),
        });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// Fails when the brotli total is over budget; prints the figures either way.
pub fn check_budget(dist: &Path) -> Result<(), String> {
    let files = measure(dist)?;
    if !files.iter().any(|f| f.name.ends_with(".wasm")) {
        return Err(format!(
            "no .wasm in {}: the app was not built",
            dist.display()
        ));
    }
    let total: usize = files.iter().map(|f| f.brotli).sum();
    for f in &files {
        println!(
            "xtask: size {:<40} raw {:>8}  gzip {:>7}  brotli {:>7}",
            f.name, f.raw, f.gzip, f.brotli
        );
    }
    println!("xtask: size total brotli {total} bytes (budget {GOAL_BROTLI})");
    if total > GOAL_BROTLI {
        return Err(format!(
            "the app is {total} bytes brotli, {} over its budget of {GOAL_BROTLI}: see BENCHMARKS.md for what costs most",
            total - GOAL_BROTLI
        ));
    }
    Ok(())
}
