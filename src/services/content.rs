//! The team's content as the helper serves it, fetched at run time: the wasm
//! carries no tree. The site document (the brand and the troubleshooters on
//! offer) is named by the page (`<meta name="fixpath-site">`) and fetched once
//! before the app mounts; each tree version (`content::tree_path(id,
//! fingerprint)`) is fetched when a page first needs it and kept in a
//! [`TreeStore`], one per page, so every later ask for that version shares the
//! same `Rc<Tree>` without a request. (One page at a time waits for a tree, so
//! two fetches of one version never overlap.) Components reach both through
//! [`Content`], a Yew context the root provides (tests provide their own: a
//! store seeded with trees makes no request at all).

use std::cell::RefCell;
use std::rc::Rc;

use fixpath_core::content::{self, Listing, Site};
use fixpath_core::translation::Translation;
use fixpath_core::Tree;
use yew::prelude::*;

use super::answer::use_answer;
use super::http::{self, HttpError};

/// Time allowed for the site document or one tree version.
pub const CONTENT_TIMEOUT_MS: u32 = 10_000;

/// The `<meta>` through which the helper names the site document.
const SITE_META: &str = "meta[name=fixpath-site]";

/// What a page needs of the content: the site, and the trees fetched so far.
/// A handle: clones share the store, and compare equal when they share the
/// same site and store.
#[derive(Clone)]
pub struct Content {
    pub site: Rc<Site>,
    pub trees: TreeStore,
}

impl PartialEq for Content {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.site, &other.site) && self.trees == other.trees
    }
}

impl Content {
    pub fn new(site: Site, trees: TreeStore) -> Self {
        Content {
            site: Rc::new(site),
            trees,
        }
    }

    /// The content as a reader of `lang` sees it (the brand's words and the
    /// list's titles in `lang`), sharing this store of trees.
    pub fn in_lang(&self, lang: &str) -> Content {
        Content {
            site: Rc::new(self.site.in_lang(lang)),
            trees: self.trees.clone(),
        }
    }

    /// The troubleshooter on offer with this id.
    pub fn listing(&self, id: &str) -> Option<&Listing> {
        self.site.trees.iter().find(|l| l.id == id)
    }

    /// The version and fingerprint of the tree with this id as offered now.
    pub fn current(&self, id: &str) -> Option<(u32, u64)> {
        self.listing(id).map(|l| (l.version, l.fingerprint))
    }

    /// The language to ask the tree `id` at `fingerprint` in, for a reader of
    /// `lang`: `None` when the site says there is no such translation (the
    /// version in service lists its translations), so nothing is asked that
    /// would only answer "none".
    pub fn ask_in(&self, id: &str, fingerprint: u64, lang: &str) -> Option<String> {
        match self.listing(id) {
            Some(l) if l.fingerprint == fingerprint => {
                (l.lang != lang && l.translated_into(lang)).then(|| lang.to_string())
            }
            // An older version of a tree written in the reader's language.
            Some(l) if l.lang == lang => None,
            _ => Some(lang.to_string()),
        }
    }
}

/// The page's content, from the nearest [`ContextProvider<Content>`]; outside one
/// (never in the app), an empty site.
#[hook]
pub fn use_content() -> Content {
    use_context::<Content>().unwrap_or_else(|| Content::new(Site::default(), TreeStore::new()))
}

/// A tree version as a page waits for it: `None` while it is fetched, then the
/// tree or why not.
pub type TreeAnswer = Option<Rc<Result<Rc<Tree>, ContentError>>>;

/// The tree `id` at `fingerprint` (`version`) from `store`, in the language
/// `lang` where it is translated into it, and Retry: the answer is `None` while
/// the tree is fetched, then the tree (its `lang` says which language it is
/// in) or why not (`version` `None`: not found, and nothing is asked). Retry
/// asks the store again, which fetches again when the last fetch failed. One
/// hook for every page that shows a tree (it takes the store, as the root,
/// which provides the context, cannot read it).
#[hook]
pub fn use_tree(
    store: TreeStore,
    version: Option<(String, u64, Option<String>)>,
) -> (TreeAnswer, Callback<MouseEvent>) {
    // Bumped by Retry: a new attempt asks again.
    let attempt = use_state(|| 0u32);
    let answer = use_answer((version, *attempt), move |(version, _)| {
        let version = version.clone();
        async move {
            match version {
                Some((id, fp, lang)) => store.get(&id, fp, lang.as_deref()).await,
                None => Err(ContentError::NotFound),
            }
        }
    });
    let retry = Callback::from(move |_| attempt.set(*attempt + 1));
    (answer, retry)
}

/// Why the content could not be had.
#[derive(Debug, Clone, PartialEq)]
pub enum ContentError {
    /// The helper has no tree of that id (it answered 404), or the id cannot be
    /// one (it would not make a content address); asking again will not help.
    NotFound,
    /// The page names no site document: it was not served by `fixpath serve`.
    NoSite,
    /// Not fetched or not readable; worth another try.
    Failed(HttpError),
}

impl ContentError {
    /// Why, for the user, in the page's language: said as the fetch's own reason
    /// (a tree the helper does not have answered 404). A page that names no
    /// site never shows this: the shell gives way to its own sentence instead.
    pub fn explain(&self) -> String {
        match self {
            Self::NotFound | Self::NoSite => HttpError::Status(404, None).explain(),
            Self::Failed(e) => e.explain(),
        }
    }
}

impl From<HttpError> for ContentError {
    fn from(e: HttpError) -> Self {
        match e {
            HttpError::Status(404, _) => Self::NotFound,
            e => Self::Failed(e),
        }
    }
}

/// The site document's address, as the page names it.
pub fn site_address() -> Option<String> {
    let meta = web_sys::window()?
        .document()?
        .query_selector(SITE_META)
        .ok()??;
    meta.get_attribute("content").filter(|c| !c.is_empty())
}

/// Fetches and reads the site document the page names (the page preloads it,
/// so this is usually answered at once).
pub async fn load_site() -> Result<Site, ContentError> {
    let url = site_address().ok_or(ContentError::NoSite)?;
    Ok(http::get_document(&url, CONTENT_TIMEOUT_MS).await?)
}

/// The tree versions of one page, keyed by id and fingerprint: each fetched once,
/// then shared as one `Rc<Tree>`; a fetch that failed is made again by the next
/// who asks.
#[derive(Clone)]
pub struct TreeStore(Rc<Store>);

struct Store {
    /// Prefixed to every tree's path (`""`: this page's origin).
    base: String,
    /// Each version in its own language.
    trees: RefCell<Vec<Rc<Tree>>>,
    /// Each version as shown in another language: translated, or the version
    /// itself when the helper has no such translation (asked once).
    shown: RefCell<Vec<(String, Rc<Tree>)>>,
}

impl PartialEq for TreeStore {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Default for TreeStore {
    fn default() -> Self {
        Self::new()
    }
}

impl TreeStore {
    /// An empty store fetching from this page's origin.
    pub fn new() -> Self {
        Self::with_base("")
    }

    /// An empty store fetching from `base` (an origin, no trailing slash).
    pub fn with_base(base: &str) -> Self {
        TreeStore(Rc::new(Store {
            base: base.to_string(),
            trees: RefCell::new(Vec::new()),
            shown: RefCell::new(Vec::new()),
        }))
    }

    /// A store that already holds these trees, each under its own id and
    /// fingerprint: asking for them makes no request.
    pub fn seeded(trees: impl IntoIterator<Item = Tree>) -> Self {
        let store = Self::new();
        for t in trees {
            store.insert(t);
        }
        store
    }

    /// Keeps `tree` under its id and fingerprint.
    pub fn insert(&self, tree: Tree) {
        self.0.trees.borrow_mut().push(Rc::new(tree));
    }

    /// Keeps `words` as the translation of its tree's version (tests seed
    /// translations as they seed trees).
    pub fn insert_translation(&self, id: &str, fingerprint: u64, words: &Translation) {
        if let Some(tree) = self.kept(&(id.to_string(), fingerprint)) {
            let shown = Rc::new(tree.translated(words));
            self.0.shown.borrow_mut().push((words.lang.clone(), shown));
        }
    }

    /// The tree `id` at `fingerprint`, in `lang` when that is not its own and
    /// the helper has it translated (else in its own): fetched once each.
    pub async fn get(
        &self,
        id: &str,
        fingerprint: u64,
        lang: Option<&str>,
    ) -> Result<Rc<Tree>, ContentError> {
        let tree = self.version(id, fingerprint).await?;
        let Some(lang) = lang.filter(|l| *l != tree.lang) else {
            return Ok(tree);
        };
        let shown = |s: &RefCell<Vec<(String, Rc<Tree>)>>| {
            s.borrow()
                .iter()
                .find(|(l, t)| l == lang && t.id == id && t.fingerprint == fingerprint)
                .map(|(_, t)| Rc::clone(t))
        };
        if let Some(t) = shown(&self.0.shown) {
            return Ok(t);
        }
        let path = content::translation_path(&tree.id, tree.fingerprint, lang);
        let words: Option<Translation> =
            http::get_document(&format!("{}{path}", self.0.base), CONTENT_TIMEOUT_MS).await?;
        if let Some(t) = shown(&self.0.shown) {
            return Ok(t);
        }
        // A translation of another shape than this version's (never from a
        // helper that linted it) is not used: the tree shows in its own words.
        let t = match words {
            Some(w) if w.nodes.len() == tree.nodes.len() => Rc::new(tree.translated(&w)),
            _ => Rc::clone(&tree),
        };
        self.0
            .shown
            .borrow_mut()
            .push((lang.to_string(), Rc::clone(&t)));
        Ok(t)
    }

    /// The tree `id` at `fingerprint` in its own language: the one already
    /// fetched, else a fetch (a fetch that failed is made again, so Retry is
    /// just asking again).
    async fn version(&self, id: &str, fingerprint: u64) -> Result<Rc<Tree>, ContentError> {
        let key = (id.to_string(), fingerprint);
        if let Some(t) = self.kept(&key) {
            return Ok(t);
        }
        // An id that makes no content address is no tree the helper has: it is
        // not asked (it would answer 404, an error in the console).
        let path = address(id, fingerprint).ok_or(ContentError::NotFound)?;
        let tree: Tree =
            http::get_document(&format!("{}{path}", self.0.base), CONTENT_TIMEOUT_MS).await?;
        // Kept under the version asked for (the helper may answer an unknown
        // version with the current one), unless another fetch was quicker.
        if let Some(t) = self.kept(&key) {
            return Ok(t);
        }
        let tree = Rc::new(tree);
        if tree.id == key.0 && tree.fingerprint == key.1 {
            self.0.trees.borrow_mut().push(Rc::clone(&tree));
        }
        Ok(tree)
    }

    fn kept(&self, (id, fingerprint): &(String, u64)) -> Option<Rc<Tree>> {
        self.0
            .trees
            .borrow()
            .iter()
            .find(|t| t.id == *id && t.fingerprint == *fingerprint)
            .cloned()
    }
}

/// Where the tree `id` at `fingerprint` is served; `None` for an id the helper
/// cannot have (the core's rule for tree file names: lowercase letters, digits
/// and dashes), so a link's tree id never makes any other path.
fn address(id: &str, fingerprint: u64) -> Option<String> {
    let fits = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    fits.then(|| content::tree_path(id, fingerprint))
}

/// The page shell could not become the app: its list gives way to the shell's
/// own sentence and "Try again" link (the helper wrote both in the reader's
/// language, so they need no catalog), which calls `retry`; the shell stays as
/// it is otherwise, so the page still reads as the team's.
pub fn shell_failed(retry: impl Fn() + 'static) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let (Some(list), Some(error)) = (
        document.query_selector("#shell ul.trees").ok().flatten(),
        document
            .query_selector("#shell .shell-error")
            .ok()
            .flatten(),
    ) else {
        return;
    };
    let _ = list.set_attribute("hidden", "");
    let _ = error.remove_attribute("hidden");
    let link = error.query_selector("a:not([data-armed])").ok().flatten();
    if let Some(link) = link {
        // Armed once: a retry that fails again shows the same link, which
        // already calls `retry`.
        let _ = link.set_attribute("data-armed", "");
        // Not passive (gloo's default), so the click can be kept from following
        // the link, which would reload the page.
        let options = gloo_events::EventListenerOptions::enable_prevent_default();
        let listener =
            gloo_events::EventListener::new_with_options(&link, "click", options, move |e| {
                e.prevent_default();
                retry();
            });
        // The link lives as long as the page.
        listener.forget();
    }
}
