//! `cargo xtask compress [DIR]`, Trunk's post-build hook: brotli and gzip copies
//! (`X.br`, `X.gz`) beside every compressible file of the build, which `fixpath
//! serve` sends to clients that accept them. DIR defaults to Trunk's staging
//! directory (`TRUNK_STAGING_DIR`), so every `trunk build` yields them. The
//! settings and the file types are `fixpath_core::precompress`'s.

use std::path::{Path, PathBuf};

use fixpath_core::precompress;

use crate::Result;

/// One file's copies: the sizes written (`None`: not worth it).
#[derive(Debug)]
pub struct Compressed {
    pub raw: usize,
    pub br: Option<usize>,
    pub gz: Option<usize>,
}

/// The command: compresses DIR (or Trunk's staging directory).
pub fn compress(args: &[String]) -> Result {
    let dir = match args {
        [dir] => PathBuf::from(dir),
        [] => std::env::var_os("TRUNK_STAGING_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .ok_or(
                "compress: give a directory (Trunk's post-build hook passes TRUNK_STAGING_DIR)",
            )?,
        _ => return Err("usage: cargo xtask compress [DIR]".into()),
    };
    let done = compress_dir(&dir)?;
    let sum = |f: fn(&Compressed) -> usize| done.iter().map(f).sum::<usize>();
    let raw = sum(|c| c.raw);
    let br = sum(|c| c.br.unwrap_or(c.raw));
    let gz = sum(|c| c.gz.unwrap_or(c.raw));
    println!(
        "xtask: compressed {} files in {}: {raw} bytes, {br} brotli, {gz} gzip",
        done.len(),
        dir.display()
    );
    Ok(())
}

/// Every compressible file under `dir` (dot entries aside), compressed in
/// parallel; a copy that would not be smaller is not written, and an old one of
/// that name is removed, so a rerun leaves no stale copy.
pub fn compress_dir(dir: &Path) -> Result<Vec<Compressed>> {
    let mut files = Vec::new();
    collect(dir, &mut files)?;
    files.sort();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = files.len().div_ceil(threads).max(1);
    let results: Vec<Result<Compressed>> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(|p| one(p)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec![Err("compress: a worker panicked".into())])
            })
            .collect()
    });
    results.into_iter().collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("reading {}: {e}", dir.display()))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        if kind.is_dir() {
            collect(&path, out)?;
        } else if kind.is_file() && precompress::compressible(&name) {
            out.push(path);
        }
    }
    Ok(())
}

fn one(path: &Path) -> Result<Compressed> {
    let raw = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let mut sizes = [None, None];
    for (i, (suffix, encode)) in precompress::SUFFIXES
        .iter()
        .zip([
            precompress::brotli as fn(&[u8]) -> Vec<u8>,
            precompress::gzip,
        ])
        .enumerate()
    {
        let mut name = path.as_os_str().to_os_string();
        name.push(".");
        name.push(suffix);
        let copy = PathBuf::from(name);
        let encoded = encode(&raw);
        if precompress::helps(&raw, &encoded) {
            std::fs::write(&copy, &encoded)
                .map_err(|e| format!("writing {}: {e}", copy.display()))?;
            sizes[i] = Some(encoded.len());
        } else if let Err(e) = std::fs::remove_file(&copy) {
            if e.kind() != std::io::ErrorKind::NotFound {
                return Err(format!("removing {}: {e}", copy.display()));
            }
        }
    }
    Ok(Compressed {
        raw: raw.len(),
        br: sizes[0],
        gz: sizes[1],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_beside_compressible_files_only_when_smaller() {
        let dir = std::env::temp_dir().join(format!("xtask-compress-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("snippets")).unwrap();
        std::fs::create_dir_all(dir.join(".hidden")).unwrap();
        let page = "<p>What is going wrong?</p>\n".repeat(100);
        std::fs::write(dir.join("index.html"), &page).unwrap();
        std::fs::write(dir.join("snippets/a.js"), page.replace('p', "q")).unwrap();
        std::fs::write(dir.join("tiny.css"), "a{}").unwrap();
        std::fs::write(dir.join("tiny.css.gz"), "stale").unwrap();
        std::fs::write(dir.join("logo.png"), &page).unwrap();
        std::fs::write(dir.join(".hidden/b.js"), &page).unwrap();
        let done = compress_dir(&dir).unwrap();
        assert_eq!(done.len(), 3, "{done:?}");
        for f in ["index.html", "snippets/a.js"] {
            for s in ["br", "gz"] {
                let copy = std::fs::read(dir.join(format!("{f}.{s}"))).unwrap();
                assert!(copy.len() < page.len() / 10, "{f}.{s}");
            }
        }
        // Three bytes do not shrink: no copies, and the stale one is gone.
        assert!(!dir.join("tiny.css.br").exists());
        assert!(!dir.join("tiny.css.gz").exists());
        assert!(!dir.join("logo.png.br").exists());
        assert!(!dir.join(".hidden/b.js.br").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
