//! Builds the axum router: pages, server functions, static files, and the
//! session and CSRF layers.
use crate::app::{shell, App};
use crate::server::{
    auth::{csrf, ratelimit::LoginLimiter, sessions},
    config::Config,
    state::AppState,
};
use axum::{
    body::Body,
    extract::{Request, State},
    http::header,
    middleware,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};
use sqlx::PgPool;
use std::sync::Arc;
use tower_http::{compression::CompressionLayer, set_header::SetResponseHeaderLayer};

pub fn leptos_options(cfg: &Config) -> LeptosOptions {
    let conf = get_configuration(None)
        .or_else(|_| get_configuration(Some("Cargo.toml")))
        .expect("leptos configuration (run via cargo-leptos or from the project root)");
    let mut options = conf.leptos_options;
    if let Ok(addr) = cfg.site_addr.parse() {
        options.site_addr = addr;
    }
    options
}

pub fn build_state(cfg: Config, pool: PgPool, leptos_options: LeptosOptions) -> AppState {
    let routes = generate_route_list(App);
    AppState {
        leptos_options,
        routes: Arc::new(routes),
        pool,
        login_limiter: LoginLimiter::new(cfg.login_attempts_per_ip, cfg.login_attempts_per_email),
        config: Arc::new(cfg),
    }
}

/// Runs a server function. Its errors leave server_fn as a 500 carrying the
/// JSON `AppError`; here they get their real status (404 for another
/// tenant's workspace, 401, 403, 400…).
async fn server_fn_handler(State(state): State<AppState>, req: Request<Body>) -> Response {
    let res = handle_server_fns_with_context(move || provide_context(state.clone()), req)
        .await
        .into_response();
    if res.status() != axum::http::StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<crate::model::AppError>(&bytes) {
        parts.status = crate::server::error::status_of(&err);
    }
    Response::from_parts(parts, Body::from(bytes))
}

async fn page_handler(State(state): State<AppState>, req: Request<Body>) -> Response {
    let options = state.leptos_options.clone();
    let handler = leptos_axum::render_route_with_context(
        (*state.routes).clone(),
        {
            let state = state.clone();
            move || provide_context(state.clone())
        },
        move || shell(options.clone()),
    );
    handler(State(state), req).await.into_response()
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
    Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/api/{*fn_name}",
            get(server_fn_handler).post(server_fn_handler),
        )
        .leptos_routes_with_handler(routes, get(page_handler))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            sessions::layer,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), csrf::layer))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            header::HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            header::HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            header::HeaderValue::from_static("DENY"),
        ))
        .layer(CompressionLayer::new())
        .with_state(state)
}
