//! Builds the axum router: pages, server functions (`server_fns`), static
//! files, and the session, CSRF and security-header layers.
use crate::app::{shell, App};
use crate::server::{
    ai_routes,
    auth::{csrf, ratelimit::LoginLimiter, sessions},
    config::Config,
    connect_routes, media_routes, security_headers, server_fns,
    state::AppState,
    static_files,
};
use axum::{
    body::Body,
    extract::{Request, State},
    http::StatusCode,
    middleware,
    response::{IntoResponse, Response},
    routing::{any, get},
    Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use sqlx::PgPool;
use std::sync::Arc;
use tower_http::compression::CompressionLayer;

pub fn leptos_options(cfg: &Config) -> LeptosOptions {
    let conf = get_configuration(None)
        .or_else(|_| get_configuration(Some("Cargo.toml")))
        .expect("leptos configuration (run via cargo-leptos or from the project root)");
    let mut options = conf.leptos_options;
    if let Ok(addr) = cfg.site_addr.parse() {
        options.site_addr = addr;
    }
    if std::env::var_os("LEPTOS_HASH_FILES").is_none() {
        // cargo-leptos tells the server it starts; a binary started by hand
        // (`target/release/postroom serve`) learns it from the hash file the
        // build wrote next to it. Without this its pages would name
        // `/pkg/postroom.wasm`, which a hash-files build does not have.
        options.hash_files = hash_file_next_to_exe(&options.hash_file);
    }
    options
}

fn hash_file_next_to_exe(hash_file: &str) -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(hash_file)))
        .is_some_and(|path| path.is_file())
}

/// The app's route list, generated once per process.
///
/// Generating it runs the whole app with resource loading suppressed through a
/// *process-wide* flag (`leptos_server::SuppressResourceLoad`): a resource
/// first polled by any page render while it is set never resolves, and that
/// page hangs (leptos-rs/leptos#4773). A server builds its state once before it
/// serves, but the integration tests start many apps in one process, and one
/// test's route generation used to hang another test's page view. So the list
/// is made once, before any app serves, and shared.
pub fn route_list() -> Arc<Vec<AxumRouteListing>> {
    static ROUTES: std::sync::OnceLock<Arc<Vec<AxumRouteListing>>> = std::sync::OnceLock::new();
    ROUTES
        .get_or_init(|| Arc::new(generate_route_list(App)))
        .clone()
}

pub fn build_state(
    cfg: Config,
    pool: PgPool,
    auth: crate::server::tenancy::AuthPool,
    leptos_options: LeptosOptions,
) -> AppState {
    let routes = route_list();
    let login_limiter = LoginLimiter::new(cfg.login_attempts_per_ip, cfg.login_attempts_per_email);
    login_limiter.spawn_cleanup();
    let ai_limiter = crate::server::auth::person_limit::PersonLimiter::new(
        cfg.ai_drafts_per_minute,
        cfg.ai_drafts_at_once,
    );
    ai_limiter.spawn_cleanup();
    let upload_limiter = crate::server::auth::person_limit::PersonLimiter::new(
        cfg.uploads_per_minute,
        cfg.uploads_at_once,
    );
    upload_limiter.spawn_cleanup();
    let cipher = crate::server::crypto::TokenCipher::from_config(&cfg.token_key)
        .unwrap_or_else(|e| panic!("token_key: {e}"));
    let providers = crate::server::providers::Providers::builtin(pool.clone(), &cfg.public_url);
    let media = media_store(&cfg).unwrap_or_else(|e| panic!("media store: {e}"));
    let ai = crate::server::ai::AiClient::from_config(&cfg);
    AppState {
        ai,
        media,
        providers,
        cipher,
        leptos_options,
        routes,
        pool,
        auth,
        login_limiter,
        ai_limiter,
        upload_limiter,
        forge_authorization: None,
        config: Arc::new(cfg),
    }
}

/// The media store from configuration; its signed links use a key derived
/// from `token_key` (a per-process key when that is empty).
pub fn media_store(cfg: &Config) -> anyhow::Result<crate::server::media_store::MediaStore> {
    use sha2::{Digest, Sha256};
    let key = if cfg.token_key.trim().is_empty() {
        crate::server::auth::tokens::new_secret().into_bytes()
    } else {
        Sha256::digest(format!("postroom media links:{}", cfg.token_key.trim()).as_bytes()).to_vec()
    };
    crate::server::media_store::MediaStore::from_config(&cfg.media_store_url, &cfg.media_dir, key)
}

async fn page_handler(State(state): State<AppState>, req: Request<Body>) -> Response {
    // `/w/%00` would otherwise reach the database as a slug and fail there: a path
    // with a control character names no page (404); a query with one is bad input.
    if has_control_chars(req.uri().path()) {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    }
    if has_control_chars(req.uri().query().unwrap_or("")) {
        return (StatusCode::BAD_REQUEST, "Bad request").into_response();
    }
    let options = state.leptos_options.clone();
    // The outcome of a form posted without JavaScript, for `use_form_action`.
    let flash = req
        .extensions()
        .get::<crate::server::flash::TakenFlash>()
        .cloned()
        .unwrap_or_default();
    let handler = leptos_axum::render_route_with_context(
        (*state.routes).clone(),
        {
            let state = state.clone();
            move || {
                provide_context(state.clone());
                provide_context(flash.clone());
                security_headers::provide_nonce();
            }
        },
        move || shell(options.clone()),
    );
    // One transaction for the whole view (see `tenancy::RequestTx`): the
    // page's server functions share it; it commits once the page is rendered.
    let page_tx = crate::server::tenancy::RequestTx::default();
    let mut req = req;
    req.extensions_mut().insert(page_tx.clone());
    let res = handler(State(state), req).await.into_response();
    // Every route renders in `SsrMode::Async`: the body is complete once
    // collected, and so is every resource that used the transaction.
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 16 << 20).await;
    page_tx.finish().await;
    match bytes {
        Ok(bytes) => Response::from_parts(parts, Body::from(bytes)),
        Err(e) => {
            tracing::error!(error = %e, "page render failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A page path or query that decodes to control characters names no page.
fn has_control_chars(raw: &str) -> bool {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut rest = raw.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        let escaped = (b == b'%')
            .then(|| tail.get(..2))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match escaped {
            Some(decoded) => {
                bytes.push(decoded);
                rest = &tail[2..];
            }
            None => {
                bytes.push(b);
                rest = tail;
            }
        }
    }
    String::from_utf8_lossy(&bytes)
        .chars()
        .any(char::is_control)
}

async fn healthz(State(state): State<AppState>) -> Response {
    match sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(&state.pool)
        .await
    {
        Ok(_) => "ok".into_response(),
        Err(_) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "database unavailable",
        )
            .into_response(),
    }
}

pub fn router(state: AppState) -> Router {
    let routes = (*state.routes).clone();
    let policy = security_headers::Policy::new(&state);
    Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/agency/report.csv",
            get(crate::server::agency_routes::report_csv),
        )
        .route(
            "/w/{slug}/accounts/connect/{platform}",
            get(connect_routes::start),
        )
        .route(
            "/connect/{platform}/callback",
            get(connect_routes::callback),
        )
        .route(
            "/sandbox/oauth/authorize",
            get(connect_routes::sandbox_consent).post(connect_routes::sandbox_decide),
        )
        .route(
            "/sandbox/{handle}/posts/{id}",
            get(connect_routes::sandbox_post),
        )
        .route(
            "/w/{slug}/media",
            axum::routing::post(media_routes::upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::server::media_store::UPLOAD_BODY_MAX,
            )),
        )
        .route("/w/{slug}/media/{id}/{part}", get(media_routes::serve))
        .route("/w/{slug}/ai/draft", axum::routing::post(ai_routes::draft))
        .route(
            "/media/{ws}/{id}/{expires}/{sig}",
            get(media_routes::signed),
        )
        .route(
            "/api/{*fn_name}",
            // Any method: the handler answers 405 for a server function
            // called with one it is not registered with.
            any(server_fns::handler),
        )
        .leptos_routes_with_handler(routes, get(page_handler))
        // Static files (precompressed, cache headers), else the 404 page.
        .fallback(static_files::fallback)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            sessions::layer,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), csrf::layer))
        .layer(middleware::map_response(static_files::no_store_by_default))
        // Pages and server-function answers; precompressed static files already
        // carry Content-Encoding, which this layer leaves alone.
        .layer(CompressionLayer::new())
        // Outermost, so refusals by the layers above carry the headers too.
        .layer(middleware::from_fn_with_state(
            policy,
            security_headers::layer,
        ))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    #[test]
    fn page_uris_with_control_characters_are_spotted() {
        let bad = super::has_control_chars;
        assert!(bad("/w/%00"));
        assert!(bad("/w/acme?x=%0A"));
        assert!(bad("/w/%C2%85"));
        assert!(!bad("/w/acme/settings?page=2"));
        assert!(!bad("/w/caf%C3%A9"));
        assert!(!bad("/w/100%"));
        assert!(!bad("/w/%zz"));
    }
}
