//! How the built app travels: brotli (quality 11) and gzip (level 9), the
//! strongest settings browsers can read, spent once at build time (`cargo xtask
//! compress` writes `X.br` and `X.gz` beside each file) or once per version of
//! the page (the helper compresses `index.html` in memory, since it reads that
//! file itself). One place, so the build and the helper cannot drift.

use std::io::Write;

/// Brotli's highest quality; a browser decodes it as fast as any other.
pub const BROTLI_QUALITY: i32 = 11;
/// Brotli's window, log2 bytes: 4 MiB, the most a browser is bound to accept.
pub const BROTLI_WINDOW: i32 = 22;
/// Gzip's highest level.
pub const GZIP_LEVEL: u32 = 9;

/// The extensions worth compressing: text and wasm. Images, fonts and archives
/// are compressed already.
pub const EXTENSIONS: &[&str] = &[
    "html",
    "js",
    "mjs",
    "css",
    "wasm",
    "svg",
    "json",
    "webmanifest",
    "map",
    "txt",
    "xml",
    "ico",
];

/// The encodings the build writes, with the suffix of their files (as tower-http's
/// `ServeDir` looks for them).
pub const SUFFIXES: &[&str] = &["br", "gz"];

/// Whether a file of this name gets compressed copies (by its extension).
pub fn compressible(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && EXTENSIONS.contains(&ext))
}

/// `bytes` compressed with brotli at [`BROTLI_QUALITY`].
pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: BROTLI_QUALITY,
        lgwin: BROTLI_WINDOW,
        size_hint: bytes.len(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(bytes.len() / 3);
    // Writing to a Vec cannot fail: the encoder's only errors are its writer's.
    match brotli::BrotliCompress(&mut &bytes[..], &mut out, &params) {
        Ok(_) => out,
        Err(_) => unreachable!("brotli into memory failed"),
    }
}

/// `bytes` compressed with gzip at [`GZIP_LEVEL`].
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::new(GZIP_LEVEL),
    );
    match e.write_all(bytes).and_then(|()| e.finish()) {
        Ok(out) => out,
        Err(_) => unreachable!("gzip into memory failed"),
    }
}

/// Whether an encoded copy is worth sending instead of the original: only when
/// it is smaller (tiny files can come out larger).
pub fn helps(raw: &[u8], encoded: &[u8]) -> bool {
    encoded.len() < raw.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn both_encodings_round_trip_and_shrink_text() {
        let text = "<p>What is going wrong?</p>\n".repeat(200);
        let br = brotli(text.as_bytes());
        let gz = gzip(text.as_bytes());
        assert!(helps(text.as_bytes(), &br) && helps(text.as_bytes(), &gz));
        let mut back = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, text.as_bytes());
        back.clear();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, text.as_bytes());
        // A byte or two does not shrink: such a file keeps no copies.
        assert!(!helps(b"x", &brotli(b"x")) && !helps(b"x", &gzip(b"x")));
    }

    #[test]
    fn compressible_by_extension() {
        assert!(compressible("fixpath-web-0123456789abcdef_bg.wasm"));
        assert!(compressible("index.html"));
        assert!(compressible("snippets/x/inline0.js"));
        assert!(!compressible("logo.png"));
        assert!(!compressible("app.js.br"));
        assert!(!compressible("wasm"));
        assert!(!compressible(".js"));
    }
}
