//! A support team's content at run time: a content directory linted at start
//! (a problem stops the start with file, line, node and message), served as
//! content-addressed files and in the page shell, reloaded on edits (good ones
//! served, bad ones logged while the last good version stays), every version
//! kept so an old link opens with its own text, through the router (`oneshot`),
//! a real socket with the file watcher, and the binary (`SIGHUP`, `lint DIR`,
//! `decode`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use axum::http::StatusCode;
use common::{fixture_in, get, send, Fixture};
use fixpath_core::content::{tree_path, Site};
use fixpath_core::{link, Session, Tree};

const BIN: &str = env!("CARGO_BIN_EXE_fixpath");

/// The example content directory in the repository.
fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme")
}

const TINY: &str = r#"id = "tiny"
title = "Tiny"
symptom = "Something small is wrong."
version = 1
start = "q"

[[node]]
id = "q"
kind = "question"
text = "Is the light on?"
choices = [{ id = "yes", label = "Yes", next = "fine" }, { id = "no", label = "No", next = "off" }]

[[node]]
id = "fine"
kind = "outcome"
result = "resolved"
summary = "All is well."
cause = "none"

[[node]]
id = "off"
kind = "outcome"
result = "escalate"
summary = "The light is off."
cause = "light-off"
"#;

/// A content directory with the tiny tree and a brand, in `dir/content`.
fn content_dir(dir: &Path) -> PathBuf {
    let c = dir.join("content");
    std::fs::create_dir_all(c.join("trees")).unwrap();
    std::fs::write(c.join("trees/tiny.toml"), TINY).unwrap();
    std::fs::write(
        c.join("brand.toml"),
        "name = \"Acme IT\"\ntitle = \"Acme IT help\"\naccent = \"#1f5f3f\"\nlogo = \"logo.svg\"\ncontact = \"Call 0123 456\"\n",
    )
    .unwrap();
    std::fs::write(
        c.join("logo.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>",
    )
    .unwrap();
    c
}

/// A built-looking `index.html` with the shell's markers.
fn dist(dir: &Path) {
    let d = dir.join("dist");
    std::fs::create_dir_all(&d).unwrap();
    let page =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../index.html"))
            .unwrap();
    std::fs::write(d.join("index.html"), page).unwrap();
}

fn with_content() -> (Fixture, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let c = content_dir(dir.path());
    dist(dir.path());
    let extra = format!("content = '{}'\n", c.display());
    (fixture_in(dir, &extra), c)
}

async fn site(f: &Fixture) -> (String, Site) {
    let page = send(&f.app, get("/")).await.text();
    let start = page
        .find("name=\"fixpath-site\" content=\"")
        .expect("the page names its site")
        + 29;
    let path = page[start..].split('"').next().unwrap().to_string();
    let answer = send(&f.app, get(&path)).await;
    assert_eq!(answer.status, StatusCode::OK);
    (path, answer.json())
}

async fn tree_at(f: &Fixture, path: &str) -> (String, Tree) {
    let answer = send(&f.app, get(path)).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.text());
    (
        answer.header("cache-control").unwrap_or_default(),
        answer.json(),
    )
}

#[tokio::test]
async fn the_content_directory_is_served_branded_and_content_addressed() {
    let (f, _) = with_content();
    let page = send(&f.app, get("/")).await.text();
    assert!(page.contains("<title>Acme IT help</title>"), "{page}");
    assert!(page.contains("<style>:root{--accent:#1f5f3f}</style>"));
    assert!(page.contains("Acme IT</span>") && page.contains("class=\"logo\""));
    assert!(
        page.contains("href=\"#/t/tiny\""),
        "the live list is in the shell"
    );
    assert!(!page.contains("vpn-error-800"), "the shipped trees are not");

    let (site_path, site) = site(&f).await;
    let answer = send(&f.app, get(&site_path)).await;
    assert_eq!(
        answer.header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(site.brand.name, "Acme IT");
    assert_eq!(site.brand.contact.as_deref(), Some("Call 0123 456"));
    let logo = site.brand.logo.clone().expect("a logo address");
    let answer = send(&f.app, get(&logo)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.header("content-type").as_deref(),
        Some("image/svg+xml")
    );
    assert_eq!(site.trees.len(), 1);

    let listing = &site.trees[0];
    let (cache, tree) = tree_at(&f, &listing.path()).await;
    assert_eq!(cache, "public, max-age=31536000, immutable");
    assert_eq!(tree.fingerprint, listing.fingerprint);
    assert_eq!(
        tree.compute_fingerprint(),
        tree.fingerprint,
        "the JSON is the whole version"
    );

    // Compressed for a browser, and 304 for a copy it has.
    let req = common::request("GET", &listing.path(), "198.51.100.7")
        .header("accept-encoding", "gzip, br")
        .body(axum::body::Body::empty())
        .unwrap();
    let answer = send(&f.app, req).await;
    assert_eq!(answer.header("content-encoding").as_deref(), Some("br"));
    let etag = answer.header("etag").unwrap();
    let req = common::request("GET", &listing.path(), "198.51.100.7")
        .header("accept-encoding", "gzip, br")
        .header("if-none-match", &etag)
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(send(&f.app, req).await.status, StatusCode::NOT_MODIFIED);

    // A version never served, of a tree served now: the current one, not cached.
    let (cache, current) = tree_at(&f, &tree_path("tiny", 42)).await;
    assert_eq!(cache, "no-store");
    assert_eq!(current.fingerprint, listing.fingerprint);
    // Anything else is not there.
    for missing in [
        tree_path("nothing", 42),
        "/content/site.0000000000000000.json".into(),
        "/content/..%2fseal.key".into(),
        "/content/tiny.json".into(),
    ] {
        assert_eq!(
            send(&f.app, get(&missing)).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

#[tokio::test]
async fn without_a_content_directory_the_shipped_trees_are_served_as_fixpaths() {
    let dir = tempfile::tempdir().unwrap();
    dist(dir.path());
    let f = fixture_in(dir, "");
    let page = send(&f.app, get("/")).await.text();
    assert!(page.contains("<title>Fixpath — guided checks</title>"));
    assert!(
        !page.contains("--accent:"),
        "Fixpath's own accent is the stylesheet's"
    );
    let (_, site) = site(&f).await;
    let ids: Vec<&str> = site.trees.iter().map(|t| t.id.as_str()).collect();
    let shipped: Vec<String> = fixpath_core::shipped::trees()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ids, shipped);
    assert_eq!(site.brand, fixpath_core::content::Brand::default());
    for t in &site.trees {
        assert!(page.contains(&format!("href=\"#/t/{}\"", t.id)));
        let (_, tree) = tree_at(&f, &t.path()).await;
        assert_eq!(tree.title, t.title);
    }
}

#[tokio::test]
async fn an_edit_is_served_a_broken_one_is_not_and_old_versions_stay() {
    let (f, c) = with_content();
    let (_, before) = site(&f).await;
    let old = before.trees[0].clone();
    let (_, old_tree) = tree_at(&f, &old.path()).await;

    // A link made with the first version.
    let session = Session::start(&old_tree, 1_795_000_000_000);
    let payload = link::encode(&session);

    // A sentence changed on disk: a new version, the old one still served.
    let file = c.join("trees/tiny.toml");
    std::fs::write(&file, TINY.replace("Is the light on?", "Is the lamp lit?")).unwrap();
    assert!(f.state.content().reload().expect("a good edit loads"));
    let (_, after) = site(&f).await;
    let new = after.trees[0].clone();
    assert_ne!(new.fingerprint, old.fingerprint);
    assert!(send(&f.app, get("/")).await.text().contains("#/t/tiny"));
    let (_, new_tree) = tree_at(&f, &new.path()).await;
    assert!(format!("{:?}", new_tree.nodes).contains("Is the lamp lit?"));
    let (cache, kept) = tree_at(&f, &old.path()).await;
    assert_eq!(cache, "public, max-age=31536000, immutable");
    assert_eq!(kept, old_tree, "the old version, word for word");
    let d = link::decode(&payload, std::slice::from_ref(&kept)).unwrap();
    assert!(!d.tree_changed);
    let en = fixpath_helper::cli::Words::english();
    let note = d.version_note(en.tr(), Some((new.version, new.fingerprint)));
    assert!(note.contains("has changed since"), "{note}");

    // A broken edit: the reload says why, and the good version stays in service.
    std::fs::write(&file, TINY.replace("next = \"off\"", "next = \"nowhere\"")).unwrap();
    let err = f
        .state
        .content()
        .reload()
        .expect_err("a broken edit is refused")
        .to_string();
    assert!(
        err.contains("tiny.toml:") && err.contains("node `q`") && err.contains("nowhere"),
        "{err}"
    );
    let (_, still) = site(&f).await;
    assert_eq!(still, after);

    // The same content again changes nothing.
    std::fs::write(&file, TINY.replace("Is the light on?", "Is the lamp lit?")).unwrap();
    assert!(!f.state.content().reload().unwrap());

    // A removed tree: gone from the list, its versions still open links.
    std::fs::write(
        c.join("trees/other.toml"),
        TINY.replace("\"tiny\"", "\"other\""),
    )
    .unwrap();
    std::fs::remove_file(&file).unwrap();
    assert!(f.state.content().reload().unwrap());
    let (_, gone) = site(&f).await;
    assert_eq!(
        gone.trees.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        ["other"]
    );
    let (_, kept) = tree_at(&f, &old.path()).await;
    assert_eq!(kept, old_tree);

    // Kept on disk, under the name it is served as.
    let archive = f.dir.path().join("trees");
    for fp in [old.fingerprint, new.fingerprint] {
        assert!(archive
            .join(fixpath_core::content::tree_file("tiny", fp))
            .is_file());
    }
}

#[tokio::test]
async fn a_running_helper_serves_an_edit_within_two_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let c = content_dir(dir.path());
    dist(dir.path());
    let extra = common::loopback(&format!("content = '{}'\n", c.display()));
    let f = fixture_in(dir, &extra);
    let running = common::serve(&f).await;
    let fetch = || async {
        let a = common::http(running.addr, "GET", "/", &[], b"").await;
        a.text()
    };
    assert!(fetch().await.contains("Tiny"));
    let edited = std::time::Instant::now();
    std::fs::write(
        c.join("trees/tiny.toml"),
        TINY.replace("title = \"Tiny\"", "title = \"Tiny, edited\""),
    )
    .unwrap();
    loop {
        if fetch().await.contains("Tiny, edited") {
            break;
        }
        assert!(
            edited.elapsed() < Duration::from_secs(2),
            "the edit was not served within 2 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A broken edit is not served; the last good version stays.
    std::fs::write(c.join("trees/tiny.toml"), "id = \"tiny\"\nbroken = [\n").unwrap();
    let content = f.state.content().clone();
    common::wait_until("the watcher to refuse the broken edit", || {
        content.refused_reloads() > 0
    })
    .await;
    assert!(fetch().await.contains("Tiny, edited"));
    running.shutdown().await;
}

#[test]
fn a_problem_stops_the_start_with_file_line_node_and_message() {
    let dir = tempfile::tempdir().unwrap();
    let c = content_dir(dir.path());
    std::fs::write(
        c.join("trees/tiny.toml"),
        TINY.replace("next = \"off\"", "next = \"nowhere\""),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--port", "0", "--content"])
        .arg(&c)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let file = c.join("trees/tiny.toml");
    assert!(
        err.contains(&format!("{}:11: node `q`:", file.display())) && err.contains("nowhere"),
        "{err}"
    );
}

#[test]
fn lint_reads_a_content_directory_and_the_example_is_clean() {
    let out = Command::new(BIN)
        .arg("lint")
        .arg(example())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let c = content_dir(dir.path());
    std::fs::write(c.join("brand.toml"), "accent = \"#eeeeee\"\n").unwrap();
    let out = Command::new(BIN).arg("lint").arg(&c).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("brand.toml:1:") && text.contains("WCAG AA"),
        "{text}"
    );
    assert!(text.contains("1 tree, 1 problem in 1 file"), "{text}");
}

#[cfg(unix)]
#[tokio::test]
async fn sighup_reloads_and_decode_reads_kept_versions() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let c = content_dir(dir.path());
    let config = dir.path().join("fixpath.toml");
    std::fs::write(
        &config,
        common::config_text(dir.path(), &format!("content = '{}'\n", c.display())),
    )
    .unwrap();
    let mut child = tokio::process::Command::new(BIN)
        .args(["serve", "--port", "0", "--config"])
        .arg(&config)
        .current_dir(dir.path())
        .env("FIXPATH_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut err = BufReader::new(child.stderr.take().unwrap()).lines();
    tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(l) = out.next_line().await.unwrap() {
            if l.starts_with("Fixpath is running at") {
                break;
            }
        }
    })
    .await
    .expect("the helper starts");
    let pid = child.id().unwrap().to_string();
    assert!(Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap()
        .success());
    tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(l) = err.next_line().await.unwrap() {
            if l.contains("SIGHUP: reloading the content") {
                break;
            }
        }
    })
    .await
    .expect("SIGHUP asks for a reload");
    assert!(
        child.try_wait().unwrap().is_none(),
        "SIGHUP does not stop the helper"
    );
    let _ = child.kill().await;

    // A link made with the first version, decoded after the tree changed: its text.
    let first = Tree::from_toml(TINY).unwrap();
    let mut session = Session::start(&first, 1_795_000_000_000);
    session.answer(&first, 0, 1_795_000_001_000).unwrap();
    session.ticket = Some("INC0012345".into());
    let payload = link::encode(&session);
    std::fs::write(
        c.join("trees/tiny.toml"),
        TINY.replace("Is the light on?", "Is the lamp lit?"),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["decode", "--config"])
        .arg(&config)
        .arg(&payload)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("shown here as it was then; it has changed since"),
        "{text}"
    );
    assert!(
        text.contains("Is the light on?"),
        "the words of the version it was made with: {text}"
    );
    assert!(text.contains("Ticket number: INC0012345"), "{text}");
}
