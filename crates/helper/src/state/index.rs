//! `index.html` as the helper serves it, held in memory: the built page with the
//! content in service put in (`content::render_page`) and its compressed copies,
//! built once per version of the file (its length and modification time) and of
//! the content, so a busy helper neither rereads nor recompresses it.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::body::Bytes;
use fixpath_core::precompress;
use sha2::{Digest, Sha256};

use crate::content::{render_page, Shipped, Snapshot};

/// `index.html` as served, in each encoding, built once per version of the file.
pub(crate) struct IndexPage {
    stamp: Option<(u64, SystemTime)>,
    /// The content version put in.
    generation: u64,
    /// The language it is in.
    lang: &'static str,
    raw: Bytes,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
    /// The first 64 bits of the page's SHA-256, in hex: the ETags' common part.
    digest: String,
}

impl IndexPage {
    /// Compresses `raw` (a copy is kept only where it is smaller).
    pub(crate) fn new(
        raw: Vec<u8>,
        stamp: Option<(u64, SystemTime)>,
        generation: u64,
        lang: &'static str,
    ) -> IndexPage {
        let kept =
            |encoded: Vec<u8>| precompress::helps(&raw, &encoded).then(|| Bytes::from(encoded));
        let brotli = kept(precompress::brotli(&raw));
        let gzip = kept(precompress::gzip(&raw));
        let digest = Sha256::digest(&raw)[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        IndexPage {
            stamp,
            generation,
            lang,
            raw: Bytes::from(raw),
            brotli,
            gzip,
            digest,
        }
    }

    /// The page as written.
    pub(crate) fn raw(&self) -> &Bytes {
        &self.raw
    }

    /// The page compressed with brotli, where that is smaller.
    pub(crate) fn brotli(&self) -> Option<&Bytes> {
        self.brotli.as_ref()
    }

    /// The page compressed with gzip, where that is smaller.
    pub(crate) fn gzip(&self) -> Option<&Bytes> {
        self.gzip.as_ref()
    }

    /// The first 64 bits of the page's SHA-256, in hex: its ETags' common part.
    pub(crate) fn digest(&self) -> &str {
        &self.digest
    }
}

/// The last `IndexPage` built in each language, reused while the file's length
/// and modification time and the content stay the same.
#[derive(Default)]
pub(crate) struct IndexCache {
    pages: Mutex<Vec<Arc<IndexPage>>>,
}

impl IndexCache {
    /// The page for the file now at `file` with `content` put in, in `lang`: the
    /// cached one, or a new one.
    pub(crate) async fn page(
        &self,
        file: &Path,
        content: Arc<Snapshot>,
        lang: &'static Shipped,
    ) -> std::io::Result<Arc<IndexPage>> {
        let meta = tokio::fs::metadata(file).await?;
        let stamp = meta.modified().ok().map(|m| (meta.len(), m));
        let tag = lang.language.tag.as_str();
        if let Some(page) = self
            .current(tag)
            .filter(|p| stamp.is_some() && p.stamp == stamp && p.generation == content.generation)
        {
            return Ok(page);
        }
        let raw = tokio::fs::read(file).await?;
        let page = tokio::task::spawn_blocking(move || {
            // A page that is not UTF-8 is served as built.
            let raw = match String::from_utf8(raw) {
                Ok(text) => render_page(&text, &content, lang).into_bytes(),
                Err(e) => e.into_bytes(),
            };
            IndexPage::new(raw, stamp, content.generation, tag)
        })
        .await
        .map(Arc::new)
        .map_err(std::io::Error::other)?;
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.retain(|p| p.lang != tag);
        pages.push(page.clone());
        Ok(page)
    }

    fn current(&self, lang: &str) -> Option<Arc<IndexPage>> {
        self.pages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|p| p.lang == lang)
            .cloned()
    }
}
