//! The helper in every language the app speaks: the site document lists each
//! language with its catalog (served immutable), the page shell is rendered in
//! the reader's language (their remembered choice, else `Accept-Language`) with
//! its `lang` and `dir`, words, list and brand, and a tree version's translation
//! is served beside it (a known version without one answers `null`, no error).

mod common;

use std::path::Path;

use axum::body::Body;
use axum::http::StatusCode;
use common::{fixture_in, get, request, send, Fixture};
use fixpath_core::content::{translation_path, Site};
use fixpath_core::i18n::{Catalog, Msg};
use fixpath_core::translation::Translation;

fn example_fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    fixture_on(
        dir,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme"),
    )
}

/// The helper serving `content`, with a built-looking page in `dir/dist`.
fn fixture_on(dir: tempfile::TempDir, content: &Path) -> Fixture {
    let d = dir.path().join("dist");
    std::fs::create_dir_all(&d).unwrap();
    let page =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../index.html"))
            .unwrap();
    std::fs::write(d.join("index.html"), page).unwrap();
    let extra = format!("content = '{}'\n", content.display());
    fixture_in(dir, &extra)
}

/// The page as a reader with these request headers gets it.
async fn shell(f: &Fixture, headers: &[(&str, &str)]) -> (String, Option<String>) {
    let mut req = request("GET", "/", "198.51.100.7");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let answer = send(&f.app, req.body(Body::empty()).unwrap()).await;
    assert_eq!(answer.status, StatusCode::OK);
    let vary = answer
        .headers
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ");
    (answer.text(), Some(vary))
}

fn meta(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" content=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

async fn site(f: &Fixture) -> Site {
    let (page, _) = shell(f, &[]).await;
    send(&f.app, get(&meta(&page, "fixpath-site"))).await.json()
}

#[tokio::test]
async fn the_site_lists_every_language_and_each_catalog_is_served() {
    let f = example_fixture();
    let site = site(&f).await;
    let tags: Vec<&str> = site.languages.iter().map(|l| l.tag.as_str()).collect();
    assert_eq!(tags[0], "en", "English first");
    for want in ["de", "fr", "es", "ar"] {
        assert!(tags.contains(&want), "{tags:?}");
    }
    assert!(site.language("ar").unwrap().rtl);
    assert!(!site.language("fr").unwrap().rtl);
    for l in &site.languages {
        let answer = send(&f.app, get(&l.catalog)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", l.catalog);
        assert_eq!(
            answer.header("cache-control").as_deref(),
            Some("public, max-age=31536000, immutable")
        );
        let json: serde_json::Value = answer.json();
        assert_eq!(json["lang"], l.tag.as_str());
        assert_eq!(
            json["m"].as_array().unwrap().len(),
            fixpath_core::i18n::KEYS.len()
        );
    }
    // The example's tree is listed with its four translations, and the brand's words.
    let listing = &site.trees[0];
    let mut langs: Vec<&str> = listing
        .translations
        .iter()
        .map(|w| w.lang.as_str())
        .collect();
    langs.sort();
    assert_eq!(langs, ["ar", "de", "es", "fr"]);
    let mut words: Vec<&str> = site.brand.words.iter().map(|w| w.lang.as_str()).collect();
    words.sort();
    assert_eq!(words, ["ar", "de", "es", "fr"]);
}

#[tokio::test]
async fn the_shell_is_in_the_readers_language() {
    let f = example_fixture();
    let site = site(&f).await;
    let shipped = Catalog::shipped();
    let fr = shipped.iter().find(|c| c.lang == "fr").unwrap();
    let (page, vary) = shell(&f, &[("accept-language", "fr-CA,fr;q=0.9,en;q=0.5")]).await;
    assert!(page.contains("<html lang=\"fr\" dir=\"ltr\">"), "{page}");
    assert!(vary.unwrap().contains("Accept-Language"));
    assert!(
        page.contains(&fixpath_core::content::html_escape(
            fr.text(Msg::AppHomeTitle)
        )),
        "{page}"
    );
    assert!(!page.contains("fixpath-t"), "every marker replaced");
    let fr_listing = site.trees[0]
        .translations
        .iter()
        .find(|w| w.lang == "fr")
        .unwrap();
    assert!(
        page.contains(&fixpath_core::content::html_escape(&fr_listing.title)),
        "the list in French"
    );
    let fr_brand = site.brand.words.iter().find(|w| w.lang == "fr").unwrap();
    assert!(
        page.contains(&fixpath_core::content::html_escape(
            fr_brand.title.as_deref().unwrap()
        )),
        "the tab's title in French"
    );
    assert_eq!(
        meta(&page, "fixpath-ui"),
        site.language("fr").unwrap().catalog,
        "the French catalog is named and preloaded"
    );
    assert!(page.contains(&format!(
        "<link rel=\"preload\" href=\"{}\"",
        site.language("fr").unwrap().catalog
    )));

    let (page, _) = shell(&f, &[("accept-language", "ar")]).await;
    assert!(page.contains("<html lang=\"ar\" dir=\"rtl\">"));
    // A remembered choice wins over the browser's languages.
    let (page, _) = shell(
        &f,
        &[
            ("accept-language", "ar"),
            ("cookie", "other=1; fixpath-lang=de"),
        ],
    )
    .await;
    assert!(page.contains("<html lang=\"de\" dir=\"ltr\">"));
    // A language the app does not speak: English.
    let (page, _) = shell(&f, &[("accept-language", "ja, ko;q=0.5")]).await;
    assert!(page.contains("<html lang=\"en\" dir=\"ltr\">"));
    assert_eq!(
        meta(&page, "fixpath-ui"),
        site.language("en").unwrap().catalog
    );
}

#[tokio::test]
async fn translations_are_served_beside_their_version() {
    let f = example_fixture();
    let site = site(&f).await;
    let l = &site.trees[0];
    let path = translation_path(&l.id, l.fingerprint, "fr");
    let answer = send(&f.app, get(&path)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.header("cache-control").as_deref(),
        Some("no-cache"),
        "words may change under one name"
    );
    let t: Translation = answer.json();
    assert_eq!(t.lang, "fr");
    assert_eq!(
        t.title,
        l.translations
            .iter()
            .find(|w| w.lang == "fr")
            .unwrap()
            .title
    );
    // A version the helper has, in a language it has no translation into: `null`.
    let answer = send(&f.app, get(&translation_path(&l.id, l.fingerprint, "pt"))).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.text(), "null");
    // A version it never had: not found.
    let answer = send(
        &f.app,
        get(&translation_path(&l.id, l.fingerprint ^ 1, "fr")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    // Kept in the archive with the version, for old links.
    let kept = f.dir.path().join("trees").join(format!(
        "{}.{}.fr.json",
        l.id,
        fixpath_core::model::hex64::text(l.fingerprint)
    ));
    assert!(kept.is_file(), "{} is kept", kept.display());
}

/// Copies the example content into a temporary directory, to edit.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[tokio::test]
async fn translations_reload_with_the_content_and_a_bad_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme"),
        &content,
    );
    let f = fixture_on(dir, &content);
    let file = content.join("trees/wifi-connected-no-internet.fr.toml");
    let src = std::fs::read_to_string(&file).unwrap();
    let title_line = src
        .lines()
        .find(|l| l.starts_with("title = "))
        .unwrap()
        .to_string();

    // A good edit of the words alone: served at once, the tree's version unchanged.
    let before = site(&f).await;
    std::fs::write(
        &file,
        src.replace(&title_line, "title = \"Wi-Fi sans Internet\""),
    )
    .unwrap();
    assert!(f.state.content().reload().expect("a good edit loads"));
    let after = site(&f).await;
    assert_eq!(
        after.trees[0].fingerprint, before.trees[0].fingerprint,
        "words are no new version"
    );
    let fr = after.trees[0]
        .translations
        .iter()
        .find(|w| w.lang == "fr")
        .unwrap();
    assert_eq!(fr.title, "Wi-Fi sans Internet");

    // A translation that lost a node: refused, the last good one stays.
    let first_node = src.find("[node.").unwrap();
    let next_node = first_node + 1 + src[first_node + 1..].find("[node.").unwrap();
    let broken = format!("{}{}", &src[..first_node], &src[next_node..]);
    std::fs::write(&file, broken).unwrap();
    let err = f
        .state
        .content()
        .reload()
        .expect_err("a missing node is refused");
    assert!(err.to_string().contains("is not translated"), "{err}");
    let still = site(&f).await;
    assert_eq!(
        still.trees[0]
            .translations
            .iter()
            .find(|w| w.lang == "fr")
            .unwrap()
            .title,
        "Wi-Fi sans Internet"
    );
}

/// `fixpath decode` in the reader's language: a link made in French reads in
/// English with the tree's English words and a line saying the user saw
/// French, and with `--lang fr` in French words, the tree's too.
#[test]
fn decode_reads_a_french_link_in_either_language() {
    use fixpath_core::{link, Session, Tree};
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme");
    let tree_src =
        std::fs::read_to_string(example.join("trees/wifi-connected-no-internet.toml")).unwrap();
    let tree = Tree::from_toml(&tree_src).unwrap();
    let fr_src =
        std::fs::read_to_string(example.join("trees/wifi-connected-no-internet.fr.toml")).unwrap();
    let fr = fixpath_core::translation::lint_translation(&tree, "fr", &fr_src).unwrap();
    let mut session = Session::start(&tree, 1_780_000_000_000);
    session.lang = Some("fr".into());
    let payload = link::encode(&session);
    let state = tempfile::tempdir().unwrap();
    let config = state.path().join("fixpath.toml");
    std::fs::write(&config, common::config_text(state.path(), "")).unwrap();
    let decode = |lang: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_fixpath"))
            .args(["decode", "--config"])
            .arg(&config)
            .arg("--content")
            .arg(&example)
            .args(["--lang", lang, &payload])
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("LANG")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let en = decode("en");
    assert!(en.contains(&tree.title), "{en}");
    assert!(en.contains("The user saw these steps in Français."), "{en}");
    let in_fr = decode("fr");
    assert!(
        in_fr.contains(&fr.title),
        "the tree's French words: {in_fr}"
    );
    assert!(!in_fr.contains(&tree.title), "{in_fr}");
}
