//! Server-side sessions in Postgres. The cookie holds a random id; the table
//! holds only its hash. Sessions expire when idle and at an absolute limit.
use super::tokens;
use crate::model::AppError;
use crate::server::config::Config;
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap},
    middleware::Next,
    response::Response,
};
use chrono::{Duration, Utc};
use cookie::{Cookie, SameSite};
use sqlx::PgPool;
use uuid::Uuid;

pub const COOKIE: &str = "postroom_session";

/// The signed-in user of a request, put into request extensions by `layer`.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub last_workspace_id: Option<Uuid>,
    pub token_hash: Vec<u8>,
}

pub async fn create(
    pool: &PgPool,
    cfg: &Config,
    user_id: Uuid,
    user_agent: Option<&str>,
    ip: Option<String>,
) -> Result<String, AppError> {
    let token = tokens::new_secret();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, expires_at, user_agent, ip) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tokens::digest(&token))
    .bind(user_id)
    .bind(Utc::now() + Duration::days(cfg.session_absolute_days))
    .bind(user_agent.map(|s| s.chars().take(300).collect::<String>()))
    .bind(ip)
    .execute(pool)
    .await?;
    Ok(token)
}

pub async fn destroy(pool: &PgPool, token_hash: &[u8]) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(())
}

pub fn set_cookie(cfg: &Config, token: &str) -> String {
    Cookie::build((COOKIE, token.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(cfg.secure_cookies())
        .max_age(cookie::time::Duration::days(cfg.session_absolute_days))
        .build()
        .to_string()
}

pub fn clear_cookie(cfg: &Config) -> String {
    Cookie::build((COOKIE, ""))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(cfg.secure_cookies())
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

pub fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| Cookie::split_parse(v.to_string()))
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE && !c.value().is_empty())
        .map(|c| c.value().to_string())
}

pub async fn resolve(
    pool: &PgPool,
    cfg: &Config,
    token: &str,
) -> Result<Option<SessionUser>, AppError> {
    let hash = tokens::digest(token);
    let idle_cutoff = Utc::now() - Duration::hours(cfg.session_idle_hours);
    let row: Option<(Uuid, String, String, Option<Uuid>, bool)> = sqlx::query_as(
        "SELECT u.id, u.email::text, u.name, u.last_workspace_id, \
                s.last_seen_at < now() - interval '60 seconds' \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > now() AND s.last_seen_at > $2",
    )
    .bind(&hash)
    .bind(idle_cutoff)
    .fetch_optional(pool)
    .await?;
    let Some((id, email, name, last_workspace_id, stale)) = row else {
        return Ok(None);
    };
    if stale {
        sqlx::query("UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1")
            .bind(&hash)
            .execute(pool)
            .await?;
    }
    Ok(Some(SessionUser {
        id,
        email,
        name,
        last_workspace_id,
        token_hash: hash,
    }))
}

/// Resolves the session cookie (if any) into `Option<SessionUser>` in the
/// request extensions. Static files skip the lookup.
pub async fn layer(
    State(state): State<crate::server::state::AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let is_static =
        path.starts_with("/pkg/") || path == "/favicon.ico" || path.starts_with("/assets/");
    let mut user: Option<SessionUser> = None;
    if !is_static {
        if let Some(token) = token_from_headers(req.headers()) {
            match resolve(&state.pool, &state.config, &token).await {
                Ok(found) => user = found,
                Err(e) => tracing::warn!(error = %e, "session lookup failed"),
            }
        }
    }
    req.extensions_mut().insert(user);
    next.run(req).await
}

/// Removes expired sessions; run periodically.
pub async fn purge_expired(pool: &PgPool, cfg: &Config) -> Result<u64, AppError> {
    let idle_cutoff = Utc::now() - Duration::hours(cfg.session_idle_hours);
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= now() OR last_seen_at <= $1")
        .bind(idle_cutoff)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
