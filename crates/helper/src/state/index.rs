//! `index.html` as the helper serves it, held in memory: the page and its
//! compressed copies, built once per version of the file (its length and
//! modification time), so a busy helper neither rereads nor recompresses it.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::body::Bytes;
use fixpath_core::precompress;
use sha2::{Digest, Sha256};

/// `index.html` as served, in each encoding, built once per version of the file.
pub(crate) struct IndexPage {
    stamp: Option<(u64, SystemTime)>,
    raw: Bytes,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
    /// The first 64 bits of the page's SHA-256, in hex: the ETags' common part.
    digest: String,
}

impl IndexPage {
    /// Compresses `raw` (a copy is kept only where it is smaller).
    pub(crate) fn new(raw: Vec<u8>, stamp: Option<(u64, SystemTime)>) -> IndexPage {
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

/// The last `IndexPage` built, reused while the file's length and modification
/// time stay the same.
#[derive(Default)]
pub(crate) struct IndexCache {
    page: Mutex<Option<Arc<IndexPage>>>,
}

impl IndexCache {
    /// The page for the file now at `file`: the cached one, or a new one.
    pub(crate) async fn page(&self, file: &Path) -> std::io::Result<Arc<IndexPage>> {
        let meta = tokio::fs::metadata(file).await?;
        let stamp = meta.modified().ok().map(|m| (meta.len(), m));
        if let Some(page) = self
            .current()
            .filter(|p| stamp.is_some() && p.stamp == stamp)
        {
            return Ok(page);
        }
        let raw = tokio::fs::read(file).await?;
        let page = tokio::task::spawn_blocking(move || IndexPage::new(raw, stamp))
            .await
            .map(Arc::new)
            .map_err(std::io::Error::other)?;
        *self.page.lock().unwrap_or_else(|e| e.into_inner()) = Some(page.clone());
        Ok(page)
    }

    fn current(&self) -> Option<Arc<IndexPage>> {
        self.page.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
