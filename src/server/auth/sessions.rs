//! Server-side sessions in Postgres. The cookie holds a random id; the table
//! holds only its hash. Sessions expire when idle and at an absolute limit.
use super::tokens;
use crate::model::AppError;
use crate::server::config::Config;
use crate::server::tenancy::{Principal, SessionDigest};
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap},
    middleware::Next,
    response::Response,
};
use chrono::{Duration, Utc};
use cookie::{Cookie, SameSite};
use sqlx::{PgConnection, PgPool};
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

impl SessionUser {
    pub fn principal(&self) -> Principal {
        Principal::user(
            self.id,
            self.name.clone(),
            SessionDigest::new(self.token_hash.clone()),
        )
    }
}

/// A fresh session secret and its digest; the digest is what the database sees.
pub fn new_token() -> (String, SessionDigest) {
    let token = tokens::new_secret();
    let digest = SessionDigest::new(tokens::digest(&token));
    (token, digest)
}

/// Inserts the session row for `digest` into a transaction that presents that
/// digest (`tenancy::begin_new_session`): the `sessions_own` policy admits
/// nothing else.
pub async fn insert(
    conn: &mut PgConnection,
    cfg: &Config,
    user_id: Uuid,
    digest: &SessionDigest,
    user_agent: Option<&str>,
    ip: Option<String>,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, expires_at, idle_timeout, user_agent, ip) \
         VALUES ($1, $2, $3, make_interval(hours => $4), $5, $6)",
    )
    .bind(digest.bytes())
    .bind(user_id)
    .bind(Utc::now() + Duration::days(cfg.session_absolute_days))
    .bind(i32::try_from(cfg.session_idle_hours).unwrap_or(i32::MAX))
    .bind(user_agent.map(|s| s.chars().take(300).collect::<String>()))
    .bind(ip)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends the session whose digest the caller holds.
pub async fn destroy(pool: &PgPool, token_hash: &[u8]) -> Result<(), AppError> {
    sqlx::query("SELECT auth_end_session($1)")
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

/// The user behind a session cookie, if the session is valid. One statement
/// (`auth_resolve_session`), which also refreshes `last_seen_at` at most once
/// a minute.
pub async fn resolve(pool: &PgPool, token: &str) -> Result<Option<SessionUser>, AppError> {
    if token.len() > 128 {
        return Ok(None);
    }
    let hash = tokens::digest(token);
    let row: Option<(Uuid, String, String, Option<Uuid>)> = sqlx::query_as(
        "SELECT user_id, email, name, last_workspace_id FROM auth_resolve_session($1)",
    )
    .bind(&hash)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(id, email, name, last_workspace_id)| SessionUser {
        id,
        email,
        name,
        last_workspace_id,
        token_hash: hash,
    }))
}

/// Resolves the session cookie (if any) into `Option<SessionUser>` in the
/// request extensions. Static files skip the lookup. A page view that
/// carries a form flash cookie (`server::flash`) takes the flash in the same
/// statement, puts it in the extensions (`TakenFlash`) and clears the cookie.
pub async fn layer(
    State(state): State<crate::server::state::AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    use crate::server::flash;
    let path = req.uri().path();
    let is_static =
        path.starts_with("/pkg/") || path == "/favicon.ico" || path.starts_with("/assets/");
    let mut user: Option<SessionUser> = None;
    let flash_key = (!is_static && *req.method() == axum::http::Method::GET)
        .then(|| flash::key_from_headers(req.headers()))
        .flatten();
    if !is_static {
        let token = token_from_headers(req.headers());
        match (token, &flash_key) {
            (Some(token), None) => match resolve(&state.pool, &token).await {
                Ok(found) => user = found,
                Err(e) => tracing::warn!(error = %e, "session lookup failed"),
            },
            (token, Some(key)) => {
                match resolve_with_flash(&state.pool, token.as_deref(), key).await {
                    Ok((found, sealed)) => {
                        user = found;
                        let taken = sealed.and_then(|s| flash::open(&state, key, &s));
                        req.extensions_mut().insert(flash::TakenFlash(taken));
                    }
                    Err(e) => tracing::warn!(error = %e, "session lookup failed"),
                }
            }
            (None, None) => {}
        }
    }
    req.extensions_mut().insert(user);
    let mut res = next.run(req).await;
    if flash_key.is_some() {
        if let Ok(v) = header::HeaderValue::from_str(&flash::clear_cookie(&state)) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// `resolve` and taking the form flash `flash_key` names, in one statement:
/// a page view after a form post costs no extra round trip.
async fn resolve_with_flash(
    pool: &PgPool,
    token: Option<&str>,
    flash_key: &str,
) -> Result<(Option<SessionUser>, Option<Vec<u8>>), AppError> {
    let hash = token.filter(|t| t.len() <= 128).map(tokens::digest);
    type Row = (
        Option<Uuid>,
        Option<String>,
        Option<String>,
        Option<Uuid>,
        Option<Vec<u8>>,
    );
    let row: Row = sqlx::query_as(
        "SELECT r.user_id, r.email, r.name, r.last_workspace_id, f.payload \
           FROM (SELECT app_take_flash($2, $1) AS payload) f \
           LEFT JOIN LATERAL auth_resolve_session($1) r ON true \
          LIMIT 1",
    )
    .bind(hash.as_deref())
    .bind(tokens::digest(flash_key))
    .fetch_one(pool)
    .await?;
    let (id, email, name, last_workspace_id, payload) = row;
    let user = match (id, email, name, hash) {
        (Some(id), Some(email), Some(name), Some(token_hash)) => Some(SessionUser {
            id,
            email,
            name,
            last_workspace_id,
            token_hash,
        }),
        _ => None,
    };
    Ok((user, payload))
}

/// Removes expired sessions; run periodically by the jobs role, which can
/// see dead sessions only.
pub async fn purge_expired(jobs: &PgPool) -> Result<u64, AppError> {
    let done = sqlx::query(
        "DELETE FROM sessions WHERE expires_at <= now() OR last_seen_at + idle_timeout <= now()",
    )
    .execute(jobs)
    .await?;
    Ok(done.rows_affected())
}
