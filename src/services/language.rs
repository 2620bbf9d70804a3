//! The reader's language: which one to speak (their remembered choice, else the
//! best of the browser's languages, as the helper picked for the page shell),
//! fetching its catalog (content-addressed; the shell preloads the one it is in),
//! remembering a choice (the `fixpath-lang` cookie, which the helper also reads
//! to render the shell in it), and putting the language on the page (`lang`,
//! `dir`).

use fixpath_core::content::{Language, Site};
use fixpath_core::i18n::{best, Catalog};
use wasm_bindgen::JsCast;

use super::content::{ContentError, CONTENT_TIMEOUT_MS};
use super::http;

/// The cookie the reader's choice is kept in (the helper reads the same name).
const COOKIE: &str = "fixpath-lang";
/// A year: a choice of language outlives the visit.
const COOKIE_MAX_AGE_S: u32 = 365 * 24 * 3600;

fn html_document() -> Option<web_sys::HtmlDocument> {
    web_sys::window()?.document()?.dyn_into().ok()
}

/// The language the reader chose before, if the site still speaks it.
fn remembered(site: &Site) -> Option<&Language> {
    let cookies = html_document()?.cookie().ok()?;
    cookies
        .split(';')
        .filter_map(|kv| kv.trim().strip_prefix(COOKIE)?.strip_prefix('='))
        .find_map(|tag| site.language(tag))
}

/// The browser's languages, most wanted first.
fn browser_languages() -> Vec<String> {
    let Some(nav) = web_sys::window().map(|w| w.navigator()) else {
        return Vec::new();
    };
    let list = nav.languages();
    let mut out: Vec<String> = (0..list.length())
        .filter_map(|i| list.get(i).as_string())
        .collect();
    if out.is_empty() {
        out.extend(nav.language());
    }
    out
}

/// The language to speak: the remembered choice, else the best match of the
/// browser's languages (`i18n::best`, the helper's rule too), else the first.
pub fn wanted(site: &Site) -> Option<&Language> {
    if let Some(l) = remembered(site) {
        return Some(l);
    }
    let wanted = browser_languages();
    let tags = site.tags();
    let i = best(wanted.iter().map(String::as_str), &tags).unwrap_or(0);
    site.languages.get(i)
}

/// Fetches a language's catalog.
pub async fn load(language: &Language) -> Result<Catalog, ContentError> {
    Ok(http::get_document(&language.catalog, CONTENT_TIMEOUT_MS).await?)
}

/// Remembers the reader's choice, for this app and for the helper's page shell.
pub fn remember(tag: &str) {
    if let Some(d) = html_document() {
        let _ = d.set_cookie(&format!(
            "{COOKIE}={tag}; path=/; max-age={COOKIE_MAX_AGE_S}; SameSite=Lax"
        ));
    }
}

/// Puts the language on the page: `<html lang dir>`, so the browser picks fonts,
/// hyphenation and the direction of the whole layout.
pub fn apply(catalog: &Catalog) {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element());
    if let Some(root) = root {
        let _ = root.set_attribute("lang", &catalog.lang);
        let _ = root.set_attribute("dir", if catalog.rtl { "rtl" } else { "ltr" });
    }
}
