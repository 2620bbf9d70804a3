//! The page shell with the content in service: the built `index.html` with the
//! brand's title, name, logo and accent, the live troubleshooter list, and the
//! address of the site document the app reads (named and preloaded, so it loads
//! beside the wasm). Everything the first paint shows comes from the snapshot.

use fixpath_core::content::{html_escape, shell_brand, shell_list};
use fixpath_core::i18n::Msg;

use super::{Shipped, Snapshot};

/// Where the brand goes in `index.html` (its content is Fixpath's own).
const BRAND_OPEN: &str = "<fixpath-brand>";
const BRAND_CLOSE: &str = "</fixpath-brand>";
/// Where the list goes.
const LIST: &str = "<fixpath-list></fixpath-list>";
const TITLE_OPEN: &str = "<title>";
const TITLE_CLOSE: &str = "</title>";
/// The `<meta>` the app reads the site document's address from.
pub(crate) const SITE_META: &str = "fixpath-site";
/// The `<meta>` that names the catalog of the language the shell is in.
pub(crate) const UI_META: &str = "fixpath-ui";
/// The page's root as built: its language is put in here.
const HTML_OPEN: &str = "<html lang=\"en\">";
/// Words of the shell: `<fixpath-t key="app.tagline">English</fixpath-t>`.
const WORDS_OPEN: &str = "<fixpath-t key=\"";
const WORDS_CLOSE: &str = "</fixpath-t>";

/// `template` (the built `index.html`) with the snapshot's content in place, in
/// `lang`: the root's `lang` and `dir`, the shell's words, the list's titles, and
/// the catalog named and preloaded for the app. A marker the page lacks is left
/// alone (a page built before content existed).
pub(crate) fn render_page(template: &str, snap: &Snapshot, lang: &Shipped) -> String {
    let site = snap.site_in(&lang.language.tag);
    let brand = &site.brand;
    let tag = html_escape(&lang.language.tag);
    let dir = if lang.language.rtl { "rtl" } else { "ltr" };
    let mut page = template.replacen(
        HTML_OPEN,
        &format!("<html lang=\"{tag}\" dir=\"{dir}\">"),
        1,
    );
    // Each `<fixpath-t key="K">…</fixpath-t>` becomes message K (a key the
    // catalogs lack keeps the built text).
    let mut from = 0;
    while let Some(open) = page[from..].find(WORDS_OPEN).map(|i| i + from) {
        let Some(close) = page[open..].find(WORDS_CLOSE).map(|i| i + open) else {
            break;
        };
        let inner = &page[open + WORDS_OPEN.len()..close];
        let words = inner
            .split_once("\">")
            .map(|(key, built)| match Msg::by_key(key) {
                Some(m) => html_escape(lang.catalog.text(m)),
                None => built.to_string(),
            });
        let words = words.unwrap_or_default();
        page.replace_range(open..close + WORDS_CLOSE.len(), &words);
        from = open + words.len();
    }
    if let (Some(open), Some(close)) = (page.find(TITLE_OPEN), page.find(TITLE_CLOSE)) {
        if open < close {
            let mut head = format!(
                "<meta name=\"{SITE_META}\" content=\"{0}\"><link rel=\"preload\" href=\"{0}\" as=\"fetch\" crossorigin=\"anonymous\"><meta name=\"{UI_META}\" content=\"{1}\"><link rel=\"preload\" href=\"{1}\" as=\"fetch\" crossorigin=\"anonymous\">",
                html_escape(&snap.site_path),
                html_escape(&lang.language.catalog),
            );
            if let Some(accent) = &brand.accent {
                // Checked as `#rrggbb` at load: nothing here can end the element.
                head.push_str(&format!("<style>:root{{--accent:{accent}}}</style>"));
            }
            let end = close + TITLE_CLOSE.len();
            page.replace_range(
                open..end,
                &format!(
                    "{TITLE_OPEN}{}{TITLE_CLOSE}{head}",
                    html_escape(&brand.title)
                ),
            );
        }
    }
    if let (Some(open), Some(close)) = (page.find(BRAND_OPEN), page.find(BRAND_CLOSE)) {
        if open < close {
            page.replace_range(open..close + BRAND_CLOSE.len(), &shell_brand(brand));
        }
    }
    page.replacen(LIST, &shell_list(&site.trees), 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::load::{load, Source};

    const TEMPLATE: &str = "<html><head><title>Fixpath — guided checks</title><link rel=stylesheet href=/s.css></head><body><header class=site><fixpath-brand><span class=brand>Fixpath</span></fixpath-brand></header><fixpath-list></fixpath-list></body></html>";

    #[test]
    fn the_shell_shows_the_brand_the_list_and_names_the_site_document() {
        let mut loaded = load(&Source::Shipped).unwrap();
        loaded.brand.name = "Acme <IT>".into();
        loaded.brand.title = "Acme help".into();
        loaded.brand.accent = Some("#0b5cad".into());
        let snap = Snapshot::build(loaded, 1).unwrap();
        let page = render_page(TEMPLATE, &snap, &crate::content::languages()[0]);
        assert!(
            page.contains(
                "<title>Acme help</title><meta name=\"fixpath-site\" content=\"/content/site."
            ),
            "{page}"
        );
        assert!(page.contains(&format!(
            "<link rel=\"preload\" href=\"{}\" as=\"fetch\" crossorigin=\"anonymous\">",
            snap.site_path
        )));
        assert!(page.contains("<style>:root{--accent:#0b5cad}</style>"));
        assert!(
            page.contains("<span class=\"brand\">Acme &lt;IT&gt;</span>"),
            "{page}"
        );
        assert!(!page.contains("fixpath-brand") && !page.contains("fixpath-list"));
        for t in &snap.trees {
            assert!(page.contains(&format!("href=\"#/t/{}\"", t.id)));
        }
    }

    #[test]
    fn a_page_without_markers_is_served_as_built() {
        let snap = Snapshot::build(load(&Source::Shipped).unwrap(), 1).unwrap();
        assert_eq!(
            render_page("<p>old</p>", &snap, &crate::content::languages()[0]),
            "<p>old</p>"
        );
    }
}
