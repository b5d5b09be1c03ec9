//! The Sandbox network: a social network that lives inside this app, so that
//! demos and tests run the real connect → publish → permalink path without
//! the internet. It keeps its own users, one-time authorization codes,
//! tokens (only their digests) and public posts in the `sandbox_*` tables,
//! which stand in for a network's servers: the rest of the app reaches them
//! only through the `Provider` interface and the network's pages
//! (`/sandbox/…`, see `routes`).
//!
//! Posting rules, so failures can be demonstrated: text containing `[fail]`
//! is refused for good, `[down]` meets an outage (try again later), `[slow]`
//! lands at once but is answered only after five seconds.
use super::{
    ConnectError, Lookup, Profile, Provider, PublishError, PublishRequest, Published, Tokens,
};
use crate::server::auth::tokens;
use async_trait::async_trait;
use chrono::{Duration, Utc};
use sqlx::PgPool;

pub const PLATFORM: &str = "sandbox";
const CODE_MINUTES: i64 = 10;
const ACCESS_DAYS: i64 = 60;
const REFRESH_DAYS: i64 = 365;

pub struct Sandbox {
    pool: PgPool,
    public_url: String,
}

impl Sandbox {
    pub fn new(pool: PgPool, public_url: &str) -> Sandbox {
        Sandbox {
            pool,
            public_url: public_url.trim_end_matches('/').to_string(),
        }
    }

    async fn issue(&self, external_id: &str) -> Result<Tokens, sqlx::Error> {
        let access = tokens::new_secret();
        let refresh = tokens::new_secret();
        let expires_at = Utc::now() + Duration::days(ACCESS_DAYS);
        sqlx::query(
            "INSERT INTO sandbox_tokens (token_hash, external_id, kind, expires_at) \
             VALUES ($1, $3, 'access', $4), ($2, $3, 'refresh', now() + make_interval(days => $5))",
        )
        .bind(tokens::digest(&access))
        .bind(tokens::digest(&refresh))
        .bind(external_id)
        .bind(expires_at)
        .bind(REFRESH_DAYS as i32)
        .execute(&self.pool)
        .await?;
        Ok(Tokens {
            access,
            refresh: Some(refresh),
            expires_at: Some(expires_at),
        })
    }

    /// The account a valid token of `kind` belongs to.
    async fn holder(
        &self,
        token: &str,
        kind: &str,
    ) -> Result<Option<(String, String)>, sqlx::Error> {
        sqlx::query_as(
            "SELECT u.external_id, u.handle FROM sandbox_tokens t \
               JOIN sandbox_users u ON u.external_id = t.external_id \
              WHERE t.token_hash = $1 AND t.kind = $2 AND t.revoked_at IS NULL AND t.expires_at > now()",
        )
        .bind(tokens::digest(token))
        .bind(kind)
        .fetch_optional(&self.pool)
        .await
    }

    fn permalink(&self, handle: &str, id: i64) -> String {
        format!("{}/sandbox/{}/posts/{}", self.public_url, handle, id)
    }

    fn profile(&self, external_id: String, handle: String, display_name: String) -> Profile {
        Profile {
            profile_url: Some(format!("{}/sandbox/{}", self.public_url, handle)),
            external_id,
            handle,
            display_name,
            avatar_url: None,
        }
    }
}

fn unavailable(e: sqlx::Error) -> ConnectError {
    tracing::warn!(error = %e, "sandbox network error");
    ConnectError::Unavailable("the Sandbox network did not answer".into())
}

fn no_answer(e: sqlx::Error) -> PublishError {
    tracing::warn!(error = %e, "sandbox network error");
    PublishError::Unknown("the Sandbox network did not answer".into())
}

#[async_trait]
impl Provider for Sandbox {
    fn platform(&self) -> &'static str {
        PLATFORM
    }

    fn authorize_url(&self, state: &str, redirect_uri: &str, _pkce: Option<&str>) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", "postroom")
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", state)
            .finish();
        format!("{}/sandbox/oauth/authorize?{query}", self.public_url)
    }

    async fn exchange(
        &self,
        code: &str,
        redirect_uri: &str,
        _pkce: Option<&str>,
    ) -> Result<(Profile, Tokens), ConnectError> {
        let grant: Option<(String, String, String)> = sqlx::query_as(
            "WITH used AS (DELETE FROM sandbox_grants WHERE code_hash = $1 RETURNING external_id, redirect_uri, expires_at) \
             SELECT u.external_id, u.handle, u.display_name FROM used JOIN sandbox_users u USING (external_id) \
              WHERE used.redirect_uri = $2 AND used.expires_at > now()",
        )
        .bind(tokens::digest(code))
        .bind(redirect_uri)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        let (external_id, handle, display_name) = grant.ok_or_else(|| {
            ConnectError::Refused("the authorization code is invalid or has expired".into())
        })?;
        let tokens = self.issue(&external_id).await.map_err(unavailable)?;
        Ok((self.profile(external_id, handle, display_name), tokens))
    }

    async fn refresh(&self, refresh_token: &str) -> Result<Tokens, ConnectError> {
        let (external_id, _) = self
            .holder(refresh_token, "refresh")
            .await
            .map_err(unavailable)?
            .ok_or_else(|| ConnectError::Refused("the refresh token is not valid".into()))?;
        self.issue(&external_id).await.map_err(unavailable)
    }

    async fn publish(
        &self,
        tokens: &Tokens,
        req: &PublishRequest,
    ) -> Result<Published, PublishError> {
        let (external_id, handle) = self
            .holder(&tokens.access, "access")
            .await
            .map_err(no_answer)?
            .ok_or_else(|| {
                PublishError::Unauthorized(
                    "Sandbox no longer accepts this account's token; reconnect the account".into(),
                )
            })?;
        if external_id != req.external_id {
            return Err(PublishError::Unauthorized(
                "the token belongs to another Sandbox account".into(),
            ));
        }
        if req.text.contains("[down]") {
            return Err(PublishError::Transient(
                "Sandbox is down for maintenance (503); try again later".into(),
            ));
        }
        if req.text.contains("[fail]") {
            return Err(PublishError::Permanent(
                "Sandbox refused the post: it contains [fail]".into(),
            ));
        }
        if crate::model::char_count(&req.text) > 1000 {
            return Err(PublishError::Permanent(
                "Sandbox refused the post: longer than 1,000 characters".into(),
            ));
        }
        // Idempotent: the same key returns the post it made the first time.
        let id: i64 = sqlx::query_scalar(
            "WITH made AS (INSERT INTO sandbox_posts (external_id, idempotency_key, content, media) \
                           VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id) \
             SELECT id FROM made UNION ALL \
             SELECT id FROM sandbox_posts WHERE idempotency_key = $2 AND external_id = $1 LIMIT 1",
        )
        .bind(&external_id)
        .bind(&req.idempotency_key)
        .bind(&req.text)
        .bind(serde_json::to_value(&req.media).unwrap_or_default())
        .fetch_one(&self.pool)
        .await
        .map_err(no_answer)?;
        if req.text.contains("[slow]") {
            // The post has landed; the answer takes its time (a worker killed
            // now never hears it — the crash test uses this).
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        }
        Ok(Published {
            external_post_id: id.to_string(),
            permalink: self.permalink(&handle, id),
        })
    }

    async fn lookup(
        &self,
        _tokens: &Tokens,
        external_id: &str,
        idempotency_key: &str,
    ) -> Result<Lookup, PublishError> {
        let found: Option<(i64, String)> = sqlx::query_as(
            "SELECT p.id, u.handle FROM sandbox_posts p JOIN sandbox_users u USING (external_id) \
              WHERE p.idempotency_key = $1 AND p.external_id = $2",
        )
        .bind(idempotency_key)
        .bind(external_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(no_answer)?;
        Ok(match found {
            Some((id, handle)) => Lookup::Landed(Published {
                external_post_id: id.to_string(),
                permalink: self.permalink(&handle, id),
            }),
            None => Lookup::NotFound,
        })
    }

    async fn disconnect(&self, tokens: &Tokens) -> Result<(), ConnectError> {
        let mut digests = vec![tokens::digest(&tokens.access)];
        if let Some(r) = &tokens.refresh {
            digests.push(tokens::digest(r));
        }
        sqlx::query("UPDATE sandbox_tokens SET revoked_at = now() WHERE token_hash = ANY($1)")
            .bind(&digests)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

/// The network's own side of the consent screen: the person (already
/// "signed in" to Sandbox as the handle they type) grants access; Sandbox
/// mints a one-time code and sends them back to `redirect_uri`.
pub async fn grant(
    pool: &PgPool,
    handle: &str,
    display_name: &str,
    redirect_uri: &str,
) -> Result<String, sqlx::Error> {
    let external_id: String = sqlx::query_scalar(
        "INSERT INTO sandbox_users (external_id, handle, display_name) \
         VALUES (lpad((floor(random() * 1e9))::bigint::text, 9, '0'), $1, $2) \
         ON CONFLICT (handle) DO UPDATE SET display_name = EXCLUDED.display_name \
         RETURNING external_id",
    )
    .bind(handle)
    .bind(display_name)
    .fetch_one(pool)
    .await?;
    let code = tokens::new_secret();
    sqlx::query(
        "INSERT INTO sandbox_grants (code_hash, external_id, redirect_uri, expires_at) \
         VALUES ($1, $2, $3, now() + make_interval(mins => $4))",
    )
    .bind(tokens::digest(&code))
    .bind(&external_id)
    .bind(redirect_uri)
    .bind(CODE_MINUTES as i32)
    .execute(pool)
    .await?;
    Ok(code)
}

/// A public Sandbox post, as its permalink page shows it.
pub async fn public_post(
    pool: &PgPool,
    handle: &str,
    id: i64,
) -> Result<Option<(String, String, chrono::DateTime<Utc>, i32)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.display_name, p.content, p.created_at, jsonb_array_length(p.media) FROM sandbox_posts p \
           JOIN sandbox_users u USING (external_id) WHERE p.id = $1 AND u.handle = $2",
    )
    .bind(id)
    .bind(handle)
    .fetch_optional(pool)
    .await
}
