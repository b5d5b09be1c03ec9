//! The bundle is served precompressed and cached by its hashed name; pages
//! name the hashed files and are never cached.
use crate::common::TestApp;
use reqwest::{header, Client, StatusCode};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::path::{Path, PathBuf};

/// 22 characters of URL-safe base64, like cargo-leptos' MD5 hashes.
const HASH: &str = "Zm9vYmFyYmF6cXV4LXRlc3";

/// A site root like a `hash-files` + `--precompress` release build: the
/// three bundle files under hashed names, `.br`/`.gz` next to the wasm (with
/// distinct bytes, so the test sees which file was sent), an unhashed asset,
/// and the hash file that `HydrationScripts`/`HashedStylesheet` read.
struct Site {
    root: PathBuf,
}

impl Site {
    fn new() -> Site {
        let root = std::env::temp_dir().join(format!(
            "postroom-site-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        let pkg = root.join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        let write = |p: &Path, bytes: &[u8]| std::fs::write(p, bytes).unwrap();
        write(
            &pkg.join(format!("postroom.{HASH}.wasm")),
            b"\0asm raw wasm bytes",
        );
        write(
            &pkg.join(format!("postroom.{HASH}.wasm.br")),
            b"brotli bytes",
        );
        write(&pkg.join(format!("postroom.{HASH}.wasm.gz")), b"gzip bytes");
        write(
            &pkg.join(format!("postroom.{HASH}.js")),
            b"export default function(){}",
        );
        write(&pkg.join(format!("postroom.{HASH}.css")), b"body{margin:0}");
        write(
            &root.join("favicon.svg"),
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        );
        write(
            &root.join("hash.txt"),
            format!("js: {HASH}\nwasm: {HASH}\ncss: {HASH}\n").as_bytes(),
        );
        Site { root }
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

async fn spawn(pool_opts: PgPoolOptions, opts: PgConnectOptions, site: &Site) -> TestApp {
    let root = site.root.to_str().unwrap().to_string();
    TestApp::spawn_with_options(pool_opts, opts, move |o| {
        o.site_root = root.clone().into();
        // cargo-leptos sets it at build time; `cargo test` builds without it.
        o.output_name = "postroom".into();
        o.hash_files = true;
        // An absolute path: leptos joins it to the binary's directory.
        o.hash_file = format!("{root}/hash.txt").into();
    })
    .await
}

async fn get(client: &Client, url: &str, accept_encoding: Option<&str>) -> reqwest::Response {
    let mut req = client.get(url);
    if let Some(enc) = accept_encoding {
        req = req.header(header::ACCEPT_ENCODING, enc);
    }
    req.send().await.unwrap()
}

fn h<'a>(res: &'a reqwest::Response, name: header::HeaderName) -> Option<&'a str> {
    res.headers().get(name).map(|v| v.to_str().unwrap())
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

#[sqlx::test]
async fn the_hashed_wasm_is_sent_precompressed_and_cached_for_a_year(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let site = Site::new();
    let app = spawn(pool_opts, opts, &site).await;
    let client = app.client();
    let url = format!("{}/pkg/postroom.{HASH}.wasm", app.base);

    let br = get(&client, &url, Some("gzip, deflate, br")).await;
    assert_eq!(br.status(), StatusCode::OK);
    assert_eq!(h(&br, header::CONTENT_ENCODING), Some("br"));
    assert_eq!(h(&br, header::CONTENT_TYPE), Some("application/wasm"));
    assert_eq!(h(&br, header::CACHE_CONTROL), Some(IMMUTABLE));
    assert!(
        h(&br, header::VARY).is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")),
        "{:?}",
        br.headers()
    );
    // Sent as built: not compressed a second time by the compression layer.
    assert_eq!(br.bytes().await.unwrap().as_ref(), b"brotli bytes");

    let gz = get(&client, &url, Some("gzip")).await;
    assert_eq!(h(&gz, header::CONTENT_ENCODING), Some("gzip"));
    assert_eq!(h(&gz, header::CACHE_CONTROL), Some(IMMUTABLE));
    assert_eq!(gz.bytes().await.unwrap().as_ref(), b"gzip bytes");

    let plain = get(&client, &url, None).await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(h(&plain, header::CONTENT_ENCODING), None);
    assert_eq!(h(&plain, header::CACHE_CONTROL), Some(IMMUTABLE));
    assert_eq!(
        plain.bytes().await.unwrap().as_ref(),
        b"\0asm raw wasm bytes"
    );

    // The CSP and other security headers are still on.
    let js = get(
        &client,
        &format!("{}/pkg/postroom.{HASH}.js", app.base),
        Some("br"),
    )
    .await;
    assert_eq!(js.status(), StatusCode::OK);
    assert_eq!(h(&js, header::CACHE_CONTROL), Some(IMMUTABLE));
    assert_eq!(h(&js, header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"));
}

#[sqlx::test]
async fn unhashed_files_are_revalidated_and_a_revalidation_is_a_304(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let site = Site::new();
    let app = spawn(pool_opts, opts, &site).await;
    let client = app.client();
    let url = format!("{}/favicon.svg", app.base);
    let first = get(&client, &url, None).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(h(&first, header::CACHE_CONTROL), Some("no-cache"));
    let modified = h(&first, header::LAST_MODIFIED)
        .expect("last-modified")
        .to_string();
    let again = client
        .get(&url)
        .header(header::IF_MODIFIED_SINCE, modified)
        .send()
        .await
        .unwrap();
    // Not the not-found page: the browser keeps its copy.
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(h(&again, header::CACHE_CONTROL), Some("no-cache"));

    // A file that is not there is the app's 404 page, which is not cached.
    let missing = get(
        &client,
        &format!("{}/pkg/postroom.wasm", app.base),
        Some("br"),
    )
    .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(h(&missing, header::CACHE_CONTROL), Some("no-store"));
    assert!(h(&missing, header::CONTENT_TYPE).is_some_and(|t| t.starts_with("text/html")));
}

#[sqlx::test]
async fn pages_name_the_hashed_files_are_not_cached_and_are_compressed(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let site = Site::new();
    let app = spawn(pool_opts, opts, &site).await;
    let client = app.client();
    let url = format!("{}/login", app.base);

    let page = get(&client, &url, None).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(h(&page, header::CACHE_CONTROL), Some("no-store"));
    let html = page.text().await.unwrap();
    for file in [
        format!("/pkg/postroom.{HASH}.js"),
        format!("/pkg/postroom.{HASH}.wasm"),
        format!("/pkg/postroom.{HASH}.css"),
    ] {
        assert!(html.contains(&file), "{file} not named in {html}");
    }
    assert!(!html.contains("/pkg/postroom.css"), "{html}");

    let gz = get(&client, &url, Some("gzip")).await;
    assert_eq!(gz.status(), StatusCode::OK);
    assert_eq!(h(&gz, header::CONTENT_ENCODING), Some("gzip"));
    assert_eq!(h(&gz, header::CACHE_CONTROL), Some("no-store"));
    assert!(
        h(&gz, header::VARY).is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
    );
}
