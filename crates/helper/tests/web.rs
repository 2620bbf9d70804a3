//! The app on the wire: each file in the encoding the client accepts (the build's
//! brotli and gzip copies, the page compressed in memory), `Vary`, an ETag per
//! encoding and 304s; dotfiles never served; no start with the state in dist.

mod common;

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use axum::body::Body;
use axum::http::StatusCode;
use common::*;
use fixpath_core::precompress;
use fixpath_helper::AppState;

/// A browser's Accept-Encoding (Chromium's).
const BROWSER: &str = "gzip, deflate, br, zstd";
const WASM: &str = "/fixpath-web-0123456789abcdef_bg.wasm";

/// Something the size of a real page, compressible like one.
fn page_text() -> String {
    let items: String = (0..40)
        .map(|i| format!("<li><a href=\"#/t/tree-{i}\"><span elementtiming=\"tree-list\">Troubleshooter {i}</span></a></li>"))
        .collect();
    format!("<!doctype html><html><head><script type=\"module\">import init from '/fixpath-web-0123456789abcdef.js';\nawait init();</script></head><body><h1>Fixpath</h1><ul>{items}</ul></body></html>")
}

/// `data`, and its build copies the way `cargo xtask compress` writes them.
fn write_with_copies(file: &Path, data: &[u8]) {
    std::fs::write(file, data).unwrap();
    let name = file.display();
    std::fs::write(format!("{name}.br"), precompress::brotli(data)).unwrap();
    std::fs::write(format!("{name}.gz"), precompress::gzip(data)).unwrap();
}

fn wasm_bytes() -> Vec<u8> {
    let mut v = b"\0asm\x01\0\0\0".to_vec();
    for i in 0..20_000u32 {
        v.extend_from_slice(&(i % 251).to_le_bytes());
    }
    v
}

fn build(f: &Fixture) {
    let dist = f.dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), page_text()).unwrap();
    write_with_copies(&dist.join(&WASM[1..]), &wasm_bytes());
}

async fn fetch(f: &Fixture, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut req = request("GET", path, "198.51.100.7");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    send(&f.app, req.body(Body::empty()).unwrap()).await
}

fn decoded(a: &Answer) -> Vec<u8> {
    let mut out = Vec::new();
    match a.header("content-encoding").as_deref() {
        None => out.extend_from_slice(&a.body),
        Some("br") => {
            brotli::Decompressor::new(&a.body[..], 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(&a.body[..])
                .read_to_end(&mut out)
                .unwrap();
        }
        Some(other) => panic!("unexpected encoding {other}"),
    }
    out
}

fn varies_by_encoding(a: &Answer) -> bool {
    a.headers
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("accept-encoding"))
}

/// For a file and for the page (`/` and an app path): br for a browser, gzip for a
/// gzip-only client, identity for the rest; the same bytes once decoded, `Vary`
/// on each, and three different ETags.
#[tokio::test]
async fn each_client_gets_the_encoding_it_accepts() {
    let f = fixture("");
    build(&f);
    let page = page_text().into_bytes();
    for (path, original, min_saving) in [
        (WASM, wasm_bytes(), 2),
        ("/", page.clone(), 2),
        ("/r/deep/link", page.clone(), 2),
    ] {
        let mut tags = Vec::new();
        for (accept, expected) in [
            (Some(BROWSER), Some("br")),
            (Some("gzip"), Some("gzip")),
            (Some("br;q=0.5, gzip;q=0.8"), Some("gzip")),
            (Some("br;q=0, gzip;q=0"), None),
            (Some("deflate, zstd"), None),
            (None, None),
        ] {
            let headers: Vec<(&str, &str)> =
                accept.map(|a| ("accept-encoding", a)).into_iter().collect();
            let a = fetch(&f, path, &headers).await;
            assert_eq!(a.status, StatusCode::OK, "{path} {accept:?}");
            assert_eq!(
                a.header("content-encoding").as_deref(),
                expected,
                "{path} {accept:?}"
            );
            assert!(varies_by_encoding(&a), "{path} {accept:?}: {:?}", a.headers);
            assert_eq!(decoded(&a), original, "{path} {accept:?}");
            if expected.is_some() {
                assert!(
                    a.body.len() * min_saving < original.len(),
                    "{path} {accept:?}: {} of {}",
                    a.body.len(),
                    original.len()
                );
            }
            assert_eq!(
                a.header("content-length"),
                Some(a.body.len().to_string()),
                "{path} {accept:?}"
            );
            let tag = a.header("etag").expect("an ETag");
            if !tags.iter().any(|(e, _)| *e == expected) {
                tags.push((expected, tag));
            } else {
                assert!(
                    tags.contains(&(expected, tag)),
                    "{path}: same encoding, same tag"
                );
            }
        }
        assert_eq!(tags.len(), 3, "{path}: {tags:?}");
        let mut distinct: Vec<&String> = tags.iter().map(|(_, t)| t).collect();
        distinct.dedup();
        assert_eq!(distinct.len(), 3, "{path}: one ETag per encoding: {tags:?}");
    }
    // The page keeps its policy and caching whatever its encoding.
    let a = fetch(&f, "/", &[("accept-encoding", BROWSER)]).await;
    assert!(a
        .header("content-security-policy")
        .is_some_and(|c| c.contains("script-src 'self'")));
    assert_eq!(a.header("cache-control").as_deref(), Some("no-cache"));
    assert_eq!(
        a.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    let a = fetch(&f, WASM, &[("accept-encoding", BROWSER)]).await;
    assert_eq!(
        a.header("content-type").as_deref(),
        Some("application/wasm")
    );
    assert_eq!(
        a.header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
}

/// A file without build copies (an older build) still goes out, as it is.
#[tokio::test]
async fn a_file_without_copies_goes_out_as_it_is() {
    let f = fixture("");
    build(&f);
    let dist = f.dir.path().join("dist");
    std::fs::write(
        dist.join("style-0123456789abcdef.css"),
        "a{color:red}".repeat(50),
    )
    .unwrap();
    let a = fetch(
        &f,
        "/style-0123456789abcdef.css",
        &[("accept-encoding", BROWSER)],
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header("content-encoding"), None);
    assert!(varies_by_encoding(&a));
    assert!(a.header("etag").is_some_and(|t| t.ends_with("-id\"")));
}

/// If-None-Match with the tag of the encoding received: 304 with the validators;
/// with another encoding's tag, or after the file changed: the full answer.
#[tokio::test]
async fn each_encoding_revalidates_with_its_own_tag() {
    let f = fixture("");
    build(&f);
    for path in [WASM, "/", "/index.html", "/some/app/path"] {
        let br = fetch(&f, path, &[("accept-encoding", BROWSER)]).await;
        let gz = fetch(&f, path, &[("accept-encoding", "gzip")]).await;
        let (br_tag, gz_tag) = (br.header("etag").unwrap(), gz.header("etag").unwrap());
        let again = fetch(
            &f,
            path,
            &[("accept-encoding", BROWSER), ("if-none-match", &br_tag)],
        )
        .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.body.is_empty(), "{path}");
        assert_eq!(again.header("etag"), Some(br_tag.clone()), "{path}");
        assert!(varies_by_encoding(&again), "{path}");
        assert!(again.header("cache-control").is_some(), "{path}");
        // A list, and the weak form, match too (If-None-Match compares weakly).
        let list = format!("\"nope\", W/{gz_tag}");
        let again = fetch(
            &f,
            path,
            &[("accept-encoding", "gzip"), ("if-none-match", &list)],
        )
        .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        // The gzip copy's tag does not validate the brotli answer.
        let other = fetch(
            &f,
            path,
            &[("accept-encoding", BROWSER), ("if-none-match", &gz_tag)],
        )
        .await;
        assert_eq!(other.status, StatusCode::OK, "{path}");
        assert_eq!(other.header("content-encoding").as_deref(), Some("br"));
        assert_eq!(other.body, br.body, "{path}");
        // If-None-Match rules over If-Modified-Since (RFC 9110 13.2.2).
        let other = fetch(
            &f,
            path,
            &[
                ("accept-encoding", BROWSER),
                ("if-none-match", &gz_tag),
                ("if-modified-since", "Fri, 01 Jan 2100 00:00:00 GMT"),
            ],
        )
        .await;
        assert_eq!(other.status, StatusCode::OK, "{path}");
    }
    // If-Modified-Since alone still works for files.
    let a = fetch(
        &f,
        WASM,
        &[
            ("accept-encoding", BROWSER),
            ("if-modified-since", "Fri, 01 Jan 2100 00:00:00 GMT"),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_MODIFIED);
    assert!(a.header("etag").is_some_and(|t| t.ends_with("-br\"")));
    let a = fetch(
        &f,
        WASM,
        &[("if-modified-since", "Thu, 01 Jan 1970 00:00:00 GMT")],
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);

    // A rebuilt page: new bytes, new tags, and the old tag no longer validates.
    let old = fetch(&f, "/", &[("accept-encoding", BROWSER)]).await;
    let old_tag = old.header("etag").unwrap();
    let changed = page_text().replace("Fixpath", "Fixpath, rebuilt");
    std::fs::write(f.dir.path().join("dist/index.html"), &changed).unwrap();
    let new = fetch(
        &f,
        "/",
        &[("accept-encoding", BROWSER), ("if-none-match", &old_tag)],
    )
    .await;
    assert_eq!(new.status, StatusCode::OK);
    assert_ne!(new.header("etag"), Some(old_tag));
    assert_eq!(decoded(&new), changed.as_bytes());
}

/// Dotfiles and dot directories are never served, however the path is written;
/// the answer is a 404, not the page.
#[tokio::test]
async fn dotfiles_are_never_served() {
    let f = fixture("");
    build(&f);
    let dist = f.dir.path().join("dist");
    // What a `--dist .` would expose: a state directory, an env file, a repository.
    std::fs::create_dir_all(dist.join(".fixpath")).unwrap();
    std::fs::write(
        dist.join(".fixpath/seal.key"),
        "-----BEGIN PRIVATE KEY-----\nsecret\n",
    )
    .unwrap();
    std::fs::write(dist.join(".env"), "TOKEN=secret\n").unwrap();
    std::fs::create_dir_all(dist.join("sub/.git")).unwrap();
    std::fs::write(dist.join("sub/.git/config"), "secret\n").unwrap();
    write_with_copies(
        &dist.join(".fixpath/seal.key.txt"),
        b"secret secret secret secret",
    );
    for path in [
        "/.fixpath/seal.key",
        "/.fixpath/seal.key.txt",
        "/%2efixpath/seal.key",
        "/%2Efixpath%2Fseal.key",
        "/.env",
        "/sub/.git/config",
        "/./.env",
        "/sub/../.env",
        "/.fixpath/",
    ] {
        for accept in [BROWSER, "identity"] {
            let a = fetch(&f, path, &[("accept-encoding", accept)]).await;
            assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
            assert!(!decoded(&a).windows(6).any(|w| w == b"secret"), "{path}");
            assert!(!a.text().contains("Fixpath"), "{path}: not the page either");
            assert_eq!(a.code(), "not_found", "{path}");
        }
    }
    // Names that merely contain a dot are files like any other.
    let a = fetch(&f, WASM, &[]).await;
    assert_eq!(a.status, StatusCode::OK);
}

/// A dist directory holding the seal key (or the status file's directory) stops
/// the start, with a message naming the key, before any key is written.
#[test]
fn no_start_when_dist_holds_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("site");
    std::fs::create_dir_all(&dist).unwrap();
    let key = dist.join(".fixpath/seal.key");
    let cfg = config(
        dir.path(),
        &format!("[seal]\nkey_file = '{}'\n", key.display()),
    );
    let err = AppState::new(cfg, dist.clone())
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("seal.key_file"), "{err}");
    assert!(err.contains(&key.display().to_string()), "{err}");
    assert!(err.contains("private key"), "{err}");
    assert!(!key.exists(), "no key was made inside dist");

    // The same dist written another way (relative parts, a symlink) is still it.
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&dist, &link).unwrap();
    let cfg = config(
        dir.path(),
        &format!("[seal]\nkey_file = '{}/x/../seal.key'\n", link.display()),
    );
    let err = AppState::new(cfg, dir.path().join("site/./"))
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("seal.key_file"), "{err}");

    // The announcement's directory inside dist.
    let cfg = config(
        dir.path(),
        &format!("[status]\nfile = '{}/state/status.json'\n", dist.display()),
    );
    let err = AppState::new(cfg, dist.clone())
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("status.file"), "{err}");

    // The admin token's file inside dist.
    let token = dist.join("admin.token");
    std::fs::write(&token, "a-long-enough-admin-token-for-tests-0123456789\n").unwrap();
    let cfg = config(
        dir.path(),
        &format!("[admin]\ntoken_file = '{}'\n", token.display()),
    );
    let err = AppState::new(cfg, dist.clone())
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("admin.token_file"), "{err}");
    assert!(err.contains("admin token"), "{err}");
    std::fs::remove_file(&token).unwrap();

    // The configuration file itself inside dist (it can hold the admin token).
    let file = dist.join("fixpath.toml");
    std::fs::write(&file, config_text(dir.path(), "")).unwrap();
    let cfg = fixpath_helper::Config::load(&file).expect("a valid config");
    let err = AppState::new(cfg, dist.clone())
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("--config"), "{err}");
    assert!(err.contains(&file.display().to_string()), "{err}");
    std::fs::remove_file(&file).unwrap();

    // Beside dist, not in it: starts (a sibling whose name starts like dist's too).
    let cfg = config(
        dir.path(),
        &format!(
            "[seal]\nkey_file = '{}/site-state/seal.key'\n",
            dir.path().display()
        ),
    );
    assert!(AppState::new(cfg, dist).is_ok());
}

/// `fixpath serve --dist .` with the default state directory (`.fixpath`) in the
/// same directory: exits at once, naming the key.
#[tokio::test]
async fn serve_with_dist_dot_refuses_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_fixpath"))
        .args(["serve", "--port", "0", "--dist", "."])
        .current_dir(dir.path())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the helper stopped at once instead of serving")
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("seal.key_file"), "{stderr}");
    assert!(stderr.contains(".fixpath/seal.key"), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("running at"));
    assert!(!dir.path().join(".fixpath/seal.key").exists());
}

/// Over a real loopback socket (hyper's HTTP/1.1, as a browser meets it): the
/// wasm and the page arrive brotli-encoded with their validators, and a
/// revalidation is a bodiless 304.
#[tokio::test]
async fn over_a_socket_the_app_arrives_compressed() {
    let f = fixture("[listen]\naddress = \"127.0.0.1\"\nport = 0\nalt_ports = []\n");
    build(&f);
    let running = fixpath_helper::server::start(f.state.clone(), Some(0))
        .await
        .expect("the helper starts");
    for (path, original) in [(WASM, wasm_bytes()), ("/", page_text().into_bytes())] {
        let a = http(
            running.addr,
            "GET",
            path,
            &[("Accept-Encoding", BROWSER)],
            b"",
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert_eq!(
            a.header("content-encoding").as_deref(),
            Some("br"),
            "{path}"
        );
        assert!(varies_by_encoding(&a), "{path}");
        assert_eq!(decoded(&a), original, "{path}");
        assert!(a.body.len() * 2 < original.len(), "{path}");
        let tag = a.header("etag").unwrap();
        let again = http(
            running.addr,
            "GET",
            path,
            &[("Accept-Encoding", BROWSER), ("If-None-Match", &tag)],
            b"",
        )
        .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.body.is_empty(), "{path}");
        assert_eq!(again.header("etag"), Some(tag), "{path}");
    }
    running.shutdown().await;
}
