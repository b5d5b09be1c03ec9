//! Static files: the browser bundle under `/pkg` (wasm, JS, CSS) and the
//! copied `public/` assets, from the site root cargo-leptos builds.
//!
//! * Precompressed: a release build made with `--precompress` puts `.br` and
//!   `.gz` next to every file; the one matching `Accept-Encoding` is sent as is
//!   (with `Content-Encoding`), so `CompressionLayer` — which skips responses
//!   that already have an encoding — never compresses these twice.
//! * Cached: content-hashed names (`hash-files`: `postroom.<hash>.wasm`) never
//!   change content, so they are `immutable` for a year; anything else is
//!   revalidated (`no-cache`, answered with 304 when unchanged).
//!
//! Dynamic responses (pages, server functions) get `no-store` from
//! [`no_store_by_default`]: they carry per-user data.
use crate::app::shell;
use crate::server::{security_headers, state::AppState};
use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};
use leptos::config::LeptosOptions;
use tower::ServiceExt;
use tower_http::services::ServeDir;

pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub const REVALIDATE: &str = "no-cache";
pub const NO_STORE: &str = "no-store";

/// The router's fallback: a static file if one matches, else the app's 404
/// page (rendered like any page, with the CSP nonce).
pub async fn fallback(State(state): State<AppState>, req: Request<Body>) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        let res = serve_file(&state.leptos_options, file_request(&req)).await;
        if res.status() != StatusCode::NOT_FOUND {
            return res;
        }
    }
    // leptos' handler looks the file up once more (cheap, 404s only) and then
    // renders the not-found page through the shell.
    let error_page = leptos_axum::file_and_error_handler_with_context::<AppState, _>(
        security_headers::provide_nonce,
        shell,
    );
    error_page(req.uri().clone(), State(state), req).await
}

/// The request without its body (kept for the 404 page).
fn file_request(req: &Request<Body>) -> Request<Body> {
    let mut file_req = Request::new(Body::empty());
    *file_req.method_mut() = req.method().clone();
    *file_req.uri_mut() = req.uri().clone();
    // Accept-Encoding picks the precompressed variant; the conditional and
    // range headers give 304s and partial content.
    *file_req.headers_mut() = req.headers().clone();
    file_req
}

async fn serve_file(options: &LeptosOptions, file_req: Request<Body>) -> Response {
    let hashed = is_content_hashed(file_req.uri().path(), &options.site_pkg_dir);
    let served = ServeDir::new(&*options.site_root)
        .precompressed_br()
        .precompressed_gzip()
        // No index files: a directory is not a page (and must not redirect).
        .append_index_html_on_directories(false)
        .oneshot(file_req)
        .await;
    let mut res = match served {
        Ok(res) => res.map(Body::new),
        Err(never) => match never {},
    };
    let status = res.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let cache = if hashed { IMMUTABLE } else { REVALIDATE };
        let headers = res.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        // The bytes depend on Accept-Encoding (a .br, a .gz, or the file).
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res.into_response()
}

/// `/pkg/name.<hash>.ext`, the names cargo-leptos gives with `hash-files`:
/// the hash is the file's MD5 in unpadded URL-safe base64 (22 characters).
/// Only under the pkg dir, which cargo-leptos alone writes.
fn is_content_hashed(path: &str, pkg_dir: &str) -> bool {
    let pkg_dir = pkg_dir.trim_matches('/');
    let Some(name) = path
        .strip_prefix('/')
        .and_then(|p| p.strip_prefix(pkg_dir))
        .and_then(|p| p.strip_prefix('/'))
    else {
        return false;
    };
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && !parts[0].is_empty()
        && !name.contains('/')
        && parts[parts.len() - 2].len() == 22
        && parts[parts.len() - 2]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Every response without its own `Cache-Control` (pages, redirects, server
/// functions, errors) is `no-store`: HTML names this build's hashed files and
/// carries the signed-in person's data, so no cache may keep it.
pub async fn no_store_by_default(mut res: Response) -> Response {
    res.headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static(NO_STORE));
    res
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn only_cargo_leptos_hashed_names_in_pkg_are_immutable() {
        let hash = "AbCdEfGhIjKlMnOpQr-_9z";
        assert!(is_content_hashed(
            &format!("/pkg/postroom.{hash}.wasm"),
            "pkg"
        ));
        assert!(is_content_hashed(
            &format!("/pkg/postroom.{hash}.js"),
            "/pkg/"
        ));
        assert!(is_content_hashed(
            &format!("/pkg/postroom_bg.wasm.d.{hash}.ts"),
            "pkg"
        ));
        assert!(!is_content_hashed("/pkg/postroom.wasm", "pkg"));
        assert!(!is_content_hashed(&format!("/favicon.{hash}.svg"), "pkg"));
        assert!(!is_content_hashed(
            &format!("/pkg/sub/postroom.{hash}.js"),
            "pkg"
        ));
        assert!(!is_content_hashed(
            &format!("/pkgx/postroom.{hash}.js"),
            "pkg"
        ));
        assert!(!is_content_hashed(
            "/pkg/postroom.AbCdEfGhIjKlMnOpQr+/9z.js",
            "pkg"
        ));
        assert!(!is_content_hashed("/pkg/postroom.short.js", "pkg"));
        assert!(!is_content_hashed(&format!("/pkg/.{hash}.js"), "pkg"));
    }
}
