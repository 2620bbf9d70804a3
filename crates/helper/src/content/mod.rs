//! The content the helper serves: the troubleshooters and the brand, from a
//! content directory (or the trees shipped in the binary), linted, turned into
//! the files the app fetches (the site document, each tree version, the logo;
//! all content-addressed, each compressed once) and the parts the page shell
//! shows before the app starts. A reload builds a new [`Snapshot`] beside the
//! one in service and swaps it in only when everything lints; every tree version
//! served is kept in the [`archive`] so old links keep their text.

pub(crate) mod archive;
pub(crate) mod load;
mod page;
mod watch;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use bytes::Bytes;
use fixpath_core::content::{
    parse_translation_file, parse_tree_file, translation_file, tree_file, Language, Listing,
    ListingWords, Site, CONTENT_PREFIX,
};
use fixpath_core::i18n::Catalog;
use fixpath_core::translation::Translation;
use fixpath_core::{precompress, Tree};
use sha2::{Digest, Sha256};

pub(crate) use archive::ArchiveError;
pub(crate) use load::LoadError;
pub(crate) use load::{is_content_dir, load, Source};
pub(crate) use page::render_page;
pub(crate) use watch::watch;

use crate::config::Config;

/// Why content could not be put in service.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// Writing a tree or the site document as JSON (which cannot fail for these
    /// types; kept typed rather than unwrapped).
    #[error("writing the served content: {0}")]
    Encode(#[from] serde_json::Error),
}

/// A file the helper serves from memory, with its compressed copies (each kept
/// only where it is smaller) and its strong ETag.
#[derive(Debug, Clone)]
pub(crate) struct Blob {
    pub(crate) raw: Bytes,
    pub(crate) brotli: Option<Bytes>,
    pub(crate) gzip: Option<Bytes>,
    pub(crate) content_type: &'static str,
    /// 16 hex digits of the SHA-256 of `raw`.
    pub(crate) digest: String,
}

impl Blob {
    fn new(raw: Vec<u8>, content_type: &'static str) -> Blob {
        let digest = fixpath_core::seal::hex(&Sha256::digest(&raw)[..8]);
        let compressible =
            content_type.starts_with("application/json") || content_type.starts_with("image/svg");
        let kept =
            |encoded: Vec<u8>| precompress::helps(&raw, &encoded).then(|| Bytes::from(encoded));
        let (brotli, gzip) = if compressible {
            (
                kept(precompress::brotli(&raw)),
                kept(precompress::gzip(&raw)),
            )
        } else {
            (None, None)
        };
        Blob {
            raw: Bytes::from(raw),
            brotli,
            gzip,
            content_type,
            digest,
        }
    }
}

const JSON: &str = "application/json";

/// The content in service: everything a request reads, built once per version.
#[derive(Debug)]
pub(crate) struct Snapshot {
    /// Counts the versions put in service by this process (the page cache's key).
    pub(crate) generation: u64,
    pub(crate) site: Site,
    /// Where the site document is served (`/content/site.<digest>.json`).
    pub(crate) site_path: String,
    pub(crate) trees: Vec<Tree>,
    /// Every translation in service, with its tree's id.
    pub(crate) translations: Vec<(String, Translation)>,
    /// Every file of this version by its name under [`CONTENT_PREFIX`].
    files: HashMap<String, Arc<Blob>>,
}

/// One of the app's languages as the helper serves it: what the site document
/// says of it, its catalog (for the page shell's words) and the catalog's file.
pub(crate) struct Shipped {
    pub(crate) language: Language,
    pub(crate) catalog: Catalog,
    name: String,
    blob: Arc<Blob>,
}

/// The app's languages, English first, built once (they are the binary's, not
/// the content's).
pub(crate) fn languages() -> &'static [Shipped] {
    static LANGUAGES: std::sync::OnceLock<Vec<Shipped>> = std::sync::OnceLock::new();
    LANGUAGES.get_or_init(|| {
        Catalog::shipped()
            .into_iter()
            .zip(Catalog::shipped_json())
            .map(|(catalog, (_, json))| {
                let blob = Blob::new(json.as_bytes().to_vec(), JSON);
                let name = format!("ui.{}.{}.json", catalog.lang, blob.digest);
                let language = Language {
                    tag: catalog.lang.clone(),
                    name: catalog.name.clone(),
                    rtl: catalog.rtl,
                    catalog: format!("{CONTENT_PREFIX}{name}"),
                };
                Shipped {
                    language,
                    catalog,
                    name,
                    blob: Arc::new(blob),
                }
            })
            .collect()
    })
}

/// The language to greet a reader in: their remembered choice (the app's
/// `fixpath-lang` cookie), else the best of their `Accept-Language`, else English.
pub(crate) fn greeting_language(cookie: Option<&str>, accept: Option<&str>) -> &'static Shipped {
    let all = languages();
    let tags: Vec<&str> = all.iter().map(|l| l.language.tag.as_str()).collect();
    let chosen = cookie
        .into_iter()
        .flat_map(|c| c.split(';'))
        .filter_map(|kv| kv.trim().strip_prefix(LANG_COOKIE)?.strip_prefix('='))
        .find_map(|tag| tags.iter().position(|t| *t == tag));
    let best = chosen.or_else(|| {
        fixpath_core::i18n::best(
            fixpath_core::i18n::accept_language(accept.unwrap_or("")),
            &tags,
        )
    });
    &all[best.unwrap_or(0)]
}

/// The cookie the app keeps the reader's choice of language in.
pub(crate) const LANG_COOKIE: &str = "fixpath-lang";

impl Snapshot {
    /// Builds the served files from linted content (the logo gets its address,
    /// each tree its JSON).
    fn build(loaded: load::Loaded, generation: u64) -> Result<Snapshot, serde_json::Error> {
        let mut files = HashMap::new();
        let mut brand = loaded.brand;
        brand.logo = match loaded.logo {
            Some(logo) => {
                let blob = Blob::new(logo.bytes, logo.content_type);
                let name = format!("logo.{}.{}", blob.digest, logo.extension);
                files.insert(name.clone(), Arc::new(blob));
                Some(format!("{CONTENT_PREFIX}{name}"))
            }
            None => None,
        };
        for tree in &loaded.trees {
            let json = serde_json::to_vec(tree)?;
            files.insert(
                tree_file(&tree.id, tree.fingerprint),
                Arc::new(Blob::new(json, JSON)),
            );
        }
        let mut listings: Vec<Listing> = loaded.trees.iter().map(Listing::of).collect();
        for (id, t) in &loaded.translations {
            let Some(tree) = loaded.trees.iter().find(|tree| &tree.id == id) else {
                continue;
            };
            let json = serde_json::to_vec(t)?;
            files.insert(
                translation_file(id, tree.fingerprint, &t.lang),
                Arc::new(Blob::new(json, JSON)),
            );
            if let Some(l) = listings.iter_mut().find(|l| &l.id == id) {
                l.translations.push(ListingWords {
                    lang: t.lang.clone(),
                    title: t.title.clone(),
                    symptom: t.symptom.clone(),
                });
            }
        }
        let mut languages_served = Vec::new();
        for l in languages() {
            files.insert(l.name.clone(), l.blob.clone());
            languages_served.push(l.language.clone());
        }
        let site = Site {
            brand,
            trees: listings,
            languages: languages_served,
        };
        let site_blob = Blob::new(serde_json::to_vec(&site)?, JSON);
        let site_name = format!("site.{}.json", site_blob.digest);
        files.insert(site_name.clone(), Arc::new(site_blob));
        Ok(Snapshot {
            generation,
            site,
            site_path: format!("{CONTENT_PREFIX}{site_name}"),
            trees: loaded.trees,
            translations: loaded.translations,
            files,
        })
    }

    /// Whether `other` serves exactly the same files.
    fn same_files(&self, other: &Snapshot) -> bool {
        self.site_path == other.site_path
    }

    /// The current tree with this id.
    pub(crate) fn tree(&self, id: &str) -> Option<&Tree> {
        self.trees.iter().find(|t| t.id == id)
    }

    /// The site as a reader of `lang` sees it: the page shell's brand and list.
    pub(crate) fn site_in(&self, lang: &str) -> Site {
        self.site.in_lang(lang)
    }
}

/// What a content file request finds.
#[derive(Debug, Clone)]
pub(crate) enum Found {
    /// The very file named: immutable, cache it for ever.
    Exact(Arc<Blob>),
    /// A tree version this helper never had, of a tree it serves now: the current
    /// version, which names its own fingerprint; not to be cached.
    Current(Arc<Blob>),
}

/// How many earlier versions' site documents and logos stay servable: a page
/// loaded just before a reload still finds the files it names.
const RECENT: usize = 8;

/// The content in service, and how to reload it.
pub struct Content {
    source: Source,
    archive: archive::Archive,
    /// The servers the config lists, for the probe-port warning on every load.
    config: Config,
    current: RwLock<Arc<Snapshot>>,
    recent: Mutex<VecDeque<(String, Arc<Blob>)>>,
    /// One reload at a time (the watcher and SIGHUP may ask together).
    reloading: Mutex<()>,
    /// Reloads refused for problems since start: the version in service stayed.
    refused: AtomicU64,
}

impl Content {
    /// Loads and lints the configured content, keeps its tree versions, and puts
    /// it in service; any problem stops here (the start fails with it).
    pub fn open(config: &Config) -> Result<Content, ContentError> {
        Self::open_with(config, true)
    }

    /// Loads the configured content to read links against it (`decode`): the
    /// archive is read, never written.
    pub fn for_reading(config: &Config) -> Result<Content, ContentError> {
        Self::open_with(config, false)
    }

    fn open_with(config: &Config, keep: bool) -> Result<Content, ContentError> {
        let source = match &config.content {
            Some(dir) => Source::Dir(dir.clone()),
            None => Source::Shipped,
        };
        let state_dir = config
            .status_file
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default();
        let archive = archive::Archive::new(&state_dir);
        let snapshot = if keep {
            let s = Self::build(&source, &archive, 1)?;
            Self::warn_unlisted_ports(config, &s);
            s
        } else {
            Snapshot::build(load(&source)?, 1)?
        };
        Ok(Content {
            source,
            archive,
            config: config.clone(),
            current: RwLock::new(Arc::new(snapshot)),
            recent: Mutex::new(VecDeque::new()),
            reloading: Mutex::new(()),
            refused: AtomicU64::new(0),
        })
    }

    /// Loads, lints and builds a version, keeping its trees in the archive.
    fn build(
        source: &Source,
        archive: &archive::Archive,
        generation: u64,
    ) -> Result<Snapshot, ContentError> {
        let loaded = load(source)?;
        let snapshot = Snapshot::build(loaded, generation)?;
        for tree in &snapshot.trees {
            let name = tree_file(&tree.id, tree.fingerprint);
            if let Some(blob) = snapshot.files.get(&name) {
                archive.keep(tree, &blob.raw)?;
            }
        }
        for (id, t) in &snapshot.translations {
            let Some(tree) = snapshot.tree(id) else {
                continue;
            };
            let name = translation_file(id, tree.fingerprint, &t.lang);
            if let Some(blob) = snapshot.files.get(&name) {
                archive.keep_words(&name, &blob.raw)?;
            }
        }
        Ok(snapshot)
    }

    /// Tells the operator about probes of ports a server does not list, once per
    /// version put in service.
    fn warn_unlisted_ports(config: &Config, snapshot: &Snapshot) {
        for (server, port) in config.unlisted_tree_ports(&snapshot.trees) {
            tracing::warn!(
                server,
                port,
                "a troubleshooter probes this port, which the server's `ports` do not list: that check will not run for this server"
            );
        }
    }

    /// Where the content comes from.
    pub(crate) fn source(&self) -> &Source {
        &self.source
    }

    /// The version in service.
    pub(crate) fn current(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Reads the content again and puts it in service when it lints clean;
    /// otherwise the version in service stays. `Ok(true)` when the files changed.
    pub fn reload(&self) -> Result<bool, ContentError> {
        let _one = self.reloading.lock().unwrap_or_else(|e| e.into_inner());
        let old = self.current();
        let new = match Self::build(&self.source, &self.archive, old.generation + 1) {
            Ok(new) => new,
            Err(e) => {
                self.refused.fetch_add(1, Ordering::Relaxed);
                return Err(e);
            }
        };
        if new.same_files(&old) {
            return Ok(false);
        }
        Self::warn_unlisted_ports(&self.config, &new);
        {
            let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            for (name, blob) in &old.files {
                // Tree versions and their translations stay reachable through the archive.
                if parse_tree_file(name).is_none() && parse_translation_file(name).is_none() {
                    recent.push_back((name.clone(), blob.clone()));
                }
            }
            while recent.len() > RECENT * 2 {
                recent.pop_front();
            }
        }
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(new);
        Ok(true)
    }

    /// How many reloads were refused for problems since start (each left the
    /// version in service as it was).
    pub fn refused_reloads(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// The content file with this name (the path after [`CONTENT_PREFIX`]) when
    /// it is in memory: in service, or among the last versions' site documents
    /// and logos.
    pub(crate) fn in_memory(&self, name: &str) -> Option<Arc<Blob>> {
        if let Some(blob) = self.current().files.get(name) {
            return Some(blob.clone());
        }
        self.recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, blob)| blob.clone())
    }

    /// The content file with this name: in memory, else a kept tree version
    /// (read from disk), else the current version of the tree it names.
    pub(crate) fn file(&self, name: &str) -> Option<Found> {
        if let Some(blob) = self.in_memory(name) {
            return Some(Found::Exact(blob));
        }
        if let Some((id, fingerprint, _)) = parse_translation_file(name) {
            if let Some(json) = self.archive.read(name) {
                return Some(Found::Exact(Arc::new(Blob::new(json, JSON))));
            }
            // A version this helper knows, not translated into that language: a
            // plain "none", so the report of an old link asks without an error.
            let known = self
                .current()
                .tree(id)
                .is_some_and(|t| t.fingerprint == fingerprint)
                || self.archive.read(&tree_file(id, fingerprint)).is_some();
            return known.then(|| Found::Current(Arc::new(Blob::new(b"null".to_vec(), JSON))));
        }
        let (id, _) = parse_tree_file(name)?;
        if let Some(json) = self.archive.read(name) {
            return Some(Found::Exact(Arc::new(Blob::new(json, JSON))));
        }
        let now = self.current();
        let tree = now.tree(id)?;
        now.files
            .get(&tree_file(&tree.id, tree.fingerprint))
            .map(|b| Found::Current(b.clone()))
    }

    /// A tree version in service or from the archive, parsed: for `decode`.
    pub(crate) fn tree_version(&self, id: &str, fingerprint: u64) -> Option<Tree> {
        if let Some(t) = self
            .current()
            .tree(id)
            .filter(|t| t.fingerprint == fingerprint)
        {
            return Some(t.clone());
        }
        let name = tree_file(id, fingerprint);
        match self.file(&name)? {
            Found::Exact(blob) => serde_json::from_slice(&blob.raw).ok(),
            Found::Current(_) => None,
        }
    }

    /// A tree version's translation into `lang`, in service or kept: for `decode`.
    pub(crate) fn translation(
        &self,
        id: &str,
        fingerprint: u64,
        lang: &str,
    ) -> Option<Translation> {
        match self.file(&translation_file(id, fingerprint, lang))? {
            Found::Exact(blob) => serde_json::from_slice(&blob.raw).ok(),
            Found::Current(_) => None,
        }
    }

    /// The trees in service, then every other kept version: for `decode` of a
    /// help-desk code.
    pub(crate) fn every_version(&self) -> Vec<Tree> {
        let mut trees = self.current().trees.clone();
        for kept in self.archive.all() {
            if !trees
                .iter()
                .any(|t| t.id == kept.id && t.fingerprint == kept.fingerprint)
            {
                trees.push(kept);
            }
        }
        trees
    }
}
