//! The publishing worker, as the jobs role. Runs inside `postroom serve` by
//! default and as `postroom worker` for separate scaling; any number may run.
//!
//! One post at a time:
//! 1. **claim** in a short transaction: the next due post (`FOR UPDATE SKIP
//!    LOCKED`, so workers never wait for each other) becomes `publishing`
//!    with a lease; each target still to do gets an idempotency key
//!    (`attempt_key`) and `processing`. Commit — no row lock is held across
//!    a network call.
//! 2. **publish** each target through its provider with that key. A target
//!    still `processing` from an attempt whose worker died (lease expired)
//!    is first looked up by its key: landed → recorded as published; not
//!    found → published now with the same key; the network cannot tell →
//!    failed "may have been published", for a person to decide.
//! 3. **record** each result in its own statement, guarded by the attempt's
//!    key, then **finish** the post: published, partially published, failed,
//!    or back to scheduled with backoff when a network asked to try later.
use crate::model::with_signature;
use crate::server::crypto::TokenCipher;
use crate::server::media_store::MediaStore;
use crate::server::providers::{
    Lookup, MediaLink, Provider, Providers, PublishError, PublishRequest, Published, Tokens,
};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Tries per post before a transient failure becomes final.
pub const MAX_ATTEMPTS: i32 = 5;
/// How long a claim lasts before another worker may recover the post.
pub const LEASE_SECS: f64 = 120.0;
pub const MAY_HAVE_PUBLISHED: &str =
    "The network did not confirm whether this attempt was published, and it cannot be asked. \
     It may have been published: check the account before retrying.";

#[derive(Clone)]
pub struct Publisher {
    pub pool: PgPool,
    pub providers: Providers,
    pub cipher: TokenCipher,
    /// Signs the links networks fetch a post's files from.
    pub media: MediaStore,
    pub public_url: String,
}

/// Seconds before attempt `n + 1` after `n` attempts: 30 s, 1, 2, 4 min… capped at 1 h.
pub fn backoff_secs(attempts: i32) -> i64 {
    let exp = attempts.clamp(1, 8) - 1;
    (30i64 << exp).min(3600)
}

/// Starts the worker loop; `poll` is how long it sleeps when nothing is due.
pub fn spawn(publisher: Publisher, poll: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match publisher.run_due().await {
                Ok(0) => {
                    if let Err(e) = publisher.revoke_disconnected().await {
                        tracing::warn!(error = %e, "revoking disconnected accounts failed");
                    }
                    tokio::time::sleep(poll).await;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "publishing pass failed");
                    tokio::time::sleep(poll).await;
                }
            }
        }
    })
}

/// A claimed post and the targets this attempt handles.
#[derive(Debug)]
pub struct Claimed {
    pub workspace_id: Uuid,
    pub post_id: Uuid,
    pub text: String,
    pub media: Vec<MediaLink>,
    pub lease_until: DateTime<Utc>,
    pub targets: Vec<ClaimedTarget>,
}

#[derive(Debug, sqlx::FromRow)]
pub struct ClaimedTarget {
    pub account_id: Uuid,
    pub platform: String,
    pub external_id: String,
    pub account_status: String,
    pub access_token_enc: Option<Vec<u8>>,
    pub refresh_token_enc: Option<Vec<u8>>,
    pub attempt_key: Uuid,
    /// Left `processing` by an attempt whose outcome was never recorded.
    pub recover: bool,
}

enum Kind {
    Unauthorized,
    Other,
}

enum Outcome {
    Published(Published),
    /// Not published; retry later with a new key.
    Retry(String),
    /// Unknown; keep the key and look it up next time.
    Unknown(String),
    Failed(String),
    Unauthorized(String),
}

impl Publisher {
    /// Publishes every due post; returns how many it handled.
    pub async fn run_due(&self) -> anyhow::Result<usize> {
        let mut n = 0;
        while let Some(claimed) = self.claim().await? {
            self.publish_claimed(claimed).await?;
            n += 1;
        }
        Ok(n)
    }

    /// Step 1: claim the next due post (or one whose lease ran out).
    pub async fn claim(&self) -> anyhow::Result<Option<Claimed>> {
        let mut tx = self.pool.begin().await?;
        let post: Option<(Uuid, Uuid, String, Option<Uuid>)> = sqlx::query_as(
            "SELECT workspace_id, id, content, signature_id FROM posts \
              WHERE (status = 'scheduled' AND coalesce(next_attempt_at, scheduled_at) <= now()) \
                 OR (status = 'publishing' AND lease_until <= now()) \
              ORDER BY coalesce(next_attempt_at, scheduled_at), id \
              LIMIT 1 FOR UPDATE SKIP LOCKED",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some((ws, post_id, content, signature_id)) = post else {
            return Ok(None);
        };
        let lease_until: DateTime<Utc> = sqlx::query_scalar(
            "UPDATE posts SET status = 'publishing', attempts = attempts + 1, \
                    lease_until = now() + make_interval(secs => $3) \
              WHERE workspace_id = $1 AND id = $2 RETURNING lease_until",
        )
        .bind(ws)
        .bind(post_id)
        .bind(LEASE_SECS)
        .fetch_one(&mut *tx)
        .await?;
        let signature: Option<String> = match signature_id {
            Some(sid) => {
                sqlx::query_scalar(
                    "SELECT body FROM signatures WHERE workspace_id = $1 AND id = $2",
                )
                .bind(ws)
                .bind(sid)
                .fetch_optional(&mut *tx)
                .await?
            }
            None => None,
        };
        // Fresh targets get a new key; ones left `processing` keep theirs.
        let targets: Vec<ClaimedTarget> = sqlx::query_as(
            "WITH prior AS ( \
               SELECT account_id, status = 'processing' AS recover FROM post_targets \
                WHERE workspace_id = $1 AND post_id = $2 AND status IN ('pending', 'processing') \
                FOR UPDATE), \
             marked AS ( \
               UPDATE post_targets t SET status = 'processing', attempts = t.attempts + 1, \
                      attempt_key = CASE WHEN prior.recover THEN t.attempt_key ELSE gen_random_uuid() END \
                 FROM prior WHERE t.workspace_id = $1 AND t.post_id = $2 AND t.account_id = prior.account_id \
               RETURNING t.account_id, t.attempt_key, prior.recover) \
             SELECT m.account_id, a.platform, a.external_id, a.status AS account_status, \
                    a.access_token_enc, a.refresh_token_enc, m.attempt_key, m.recover \
               FROM marked m JOIN social_accounts a ON a.workspace_id = $1 AND a.id = m.account_id",
        )
        .bind(ws)
        .bind(post_id)
        .fetch_all(&mut *tx)
        .await?;
        let files: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT m.id, m.content_type FROM post_media pm \
               JOIN media m ON m.workspace_id = pm.workspace_id AND m.id = pm.media_id \
              WHERE pm.workspace_id = $1 AND pm.post_id = $2 ORDER BY pm.position, m.id",
        )
        .bind(ws)
        .bind(post_id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let expires = Utc::now().timestamp() + 3600;
        let media = files
            .into_iter()
            .map(|(id, content_type)| MediaLink {
                url: format!(
                    "{}{}",
                    self.public_url,
                    self.media.signed_path(ws, id, expires)
                ),
                content_type,
            })
            .collect();
        Ok(Some(Claimed {
            workspace_id: ws,
            post_id,
            media,
            text: with_signature(&content, signature.as_deref()),
            lease_until,
            targets,
        }))
    }

    /// Steps 2 and 3 for a claimed post.
    pub async fn publish_claimed(&self, claimed: Claimed) -> anyhow::Result<()> {
        for target in &claimed.targets {
            let outcome = self.attempt(&claimed, target).await;
            self.record(&claimed, target, outcome).await?;
        }
        self.finish(&claimed).await
    }

    fn tokens(&self, t: &ClaimedTarget) -> Option<Tokens> {
        let bound = t.account_id.as_bytes();
        let access = self.cipher.open(t.access_token_enc.as_deref()?, bound)?;
        let refresh = t
            .refresh_token_enc
            .as_deref()
            .and_then(|r| self.cipher.open(r, bound));
        Some(Tokens {
            access,
            refresh,
            expires_at: None,
        })
    }

    async fn attempt(&self, claimed: &Claimed, t: &ClaimedTarget) -> Outcome {
        let Some(provider) = self.providers.get(&t.platform) else {
            return Outcome::Failed(format!("{} cannot publish from this server.", t.platform));
        };
        let key = t.attempt_key.to_string();
        if t.account_status != "connected" {
            // Still ask about an attempt in flight before giving up on it.
            if !t.recover {
                return Outcome::Failed(format!(
                    "The account is {}: reconnect it and publish again.",
                    t.account_status
                ));
            }
        }
        let Some(tokens) = self.tokens(t) else {
            return Outcome::Unauthorized(
                "The account's access could not be read: reconnect the account.".into(),
            );
        };
        if t.recover {
            match provider.lookup(&tokens, &t.external_id, &key).await {
                Ok(Lookup::Landed(p)) => return Outcome::Published(p),
                Ok(Lookup::NotFound) if t.account_status == "connected" => {}
                Ok(Lookup::NotFound) => {
                    return Outcome::Failed(format!(
                        "The account is {}: reconnect it and publish again.",
                        t.account_status
                    ))
                }
                Ok(Lookup::Unsupported) => return Outcome::Failed(MAY_HAVE_PUBLISHED.into()),
                Err(e) => return Outcome::Unknown(e.to_string()),
            }
        }
        publish_with(provider.as_ref(), &tokens, &t.external_id, claimed, &key).await
    }

    async fn record(
        &self,
        claimed: &Claimed,
        t: &ClaimedTarget,
        outcome: Outcome,
    ) -> anyhow::Result<()> {
        let (ws, post, account, key) = (
            claimed.workspace_id,
            claimed.post_id,
            t.account_id,
            t.attempt_key,
        );
        let outcome_kind = match &outcome {
            Outcome::Unauthorized(_) => Kind::Unauthorized,
            _ => Kind::Other,
        };
        let guard =
            "WHERE workspace_id = $1 AND post_id = $2 AND account_id = $3 AND attempt_key = $4 \
                     AND status = 'processing'";
        match outcome {
            Outcome::Published(p) => {
                sqlx::query(&format!(
                    "UPDATE post_targets SET status = 'published', external_post_id = $5, permalink = $6, \
                            published_at = now(), error = NULL {guard}"
                ))
                .bind(ws)
                .bind(post)
                .bind(account)
                .bind(key)
                .bind(&p.external_post_id)
                .bind(&p.permalink)
                .execute(&self.pool)
                .await?;
                sqlx::query(
                    "UPDATE social_accounts SET last_published_at = now(), last_error = NULL \
                      WHERE workspace_id = $1 AND id = $2",
                )
                .bind(ws)
                .bind(account)
                .execute(&self.pool)
                .await?;
            }
            Outcome::Retry(msg) => {
                sqlx::query(&format!(
                    "UPDATE post_targets SET status = 'pending', attempt_key = NULL, error = $5 {guard}"
                ))
                .bind(ws)
                .bind(post)
                .bind(account)
                .bind(key)
                .bind(&msg)
                .execute(&self.pool)
                .await?;
            }
            Outcome::Unknown(msg) => {
                // Stays `processing` with its key: the next attempt looks it up.
                sqlx::query(&format!("UPDATE post_targets SET error = $5 {guard}"))
                    .bind(ws)
                    .bind(post)
                    .bind(account)
                    .bind(key)
                    .bind(&msg)
                    .execute(&self.pool)
                    .await?;
            }
            Outcome::Failed(msg) | Outcome::Unauthorized(msg) => {
                let expired = matches!(outcome_kind, Kind::Unauthorized);
                sqlx::query(&format!(
                    "UPDATE post_targets SET status = 'failed', error = $5 {guard}"
                ))
                .bind(ws)
                .bind(post)
                .bind(account)
                .bind(key)
                .bind(&msg)
                .execute(&self.pool)
                .await?;
                sqlx::query(
                    "UPDATE social_accounts SET last_error = $3, \
                            status = CASE WHEN $4 AND status = 'connected' THEN 'expired' ELSE status END \
                      WHERE workspace_id = $1 AND id = $2",
                )
                .bind(ws)
                .bind(account)
                .bind(&msg)
                .bind(expired)
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// Settles the post from its targets, if this worker still holds the lease.
    async fn finish(&self, claimed: &Claimed) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        let held: Option<i32> = sqlx::query_scalar(
            "SELECT attempts FROM posts WHERE workspace_id = $1 AND id = $2 \
                AND status = 'publishing' AND lease_until = $3 FOR UPDATE",
        )
        .bind(claimed.workspace_id)
        .bind(claimed.post_id)
        .bind(claimed.lease_until)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(attempts) = held else {
            // Another worker took over after our lease ran out; it settles the post.
            return Ok(());
        };
        let counts: Vec<(String, i64, Option<String>)> = sqlx::query_as(
            "SELECT status, count(*), min(error) FROM post_targets \
              WHERE workspace_id = $1 AND post_id = $2 GROUP BY status",
        )
        .bind(claimed.workspace_id)
        .bind(claimed.post_id)
        .fetch_all(&mut *tx)
        .await?;
        let n = |s: &str| counts.iter().find(|c| c.0 == s).map(|c| c.1).unwrap_or(0);
        let err = |s: &str| counts.iter().find(|c| c.0 == s).and_then(|c| c.2.clone());
        let (published, failed, open) =
            (n("published"), n("failed"), n("pending") + n("processing"));
        let (status, next_attempt, error) = if open > 0 && attempts < MAX_ATTEMPTS {
            (
                "scheduled",
                Some(backoff_secs(attempts)),
                err("pending").or(err("processing")),
            )
        } else if open > 0 {
            // Out of tries: what is still open fails now.
            sqlx::query(
                "UPDATE post_targets SET status = 'failed', \
                        error = coalesce(error, 'The network kept failing; gave up after several tries.') \
                  WHERE workspace_id = $1 AND post_id = $2 AND status IN ('pending', 'processing')",
            )
            .bind(claimed.workspace_id)
            .bind(claimed.post_id)
            .execute(&mut *tx)
            .await?;
            let status = if published > 0 {
                "partially_published"
            } else {
                "failed"
            };
            (
                status,
                None,
                err("pending").or(err("processing")).or(err("failed")),
            )
        } else if failed == 0 {
            ("published", None, None)
        } else if published > 0 {
            ("partially_published", None, err("failed"))
        } else {
            ("failed", None, err("failed"))
        };
        sqlx::query(
            "UPDATE posts SET status = $3, lease_until = NULL, last_error = $4, \
                    next_attempt_at = CASE WHEN $5::bigint IS NULL THEN NULL ELSE now() + make_interval(secs => $5::bigint) END, \
                    published_at = CASE WHEN $3 IN ('published', 'partially_published') THEN now() ELSE published_at END \
              WHERE workspace_id = $1 AND id = $2",
        )
        .bind(claimed.workspace_id)
        .bind(claimed.post_id)
        .bind(status)
        .bind(error)
        .bind(next_attempt)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Revokes, on the network's side, the tokens of accounts people have
    /// disconnected, then wipes them here.
    pub async fn revoke_disconnected(&self) -> anyhow::Result<usize> {
        let rows: Vec<(Uuid, Uuid, String, Option<Vec<u8>>, Option<Vec<u8>>)> = sqlx::query_as(
            "SELECT workspace_id, id, platform, access_token_enc, refresh_token_enc FROM social_accounts \
              WHERE status = 'disconnected' AND access_token_enc IS NOT NULL LIMIT 100",
        )
        .fetch_all(&self.pool)
        .await?;
        let n = rows.len();
        for (ws, id, platform, access, refresh) in rows {
            let bound = id.as_bytes();
            if let (Some(provider), Some(access)) = (
                self.providers.get(&platform),
                access.as_deref().and_then(|a| self.cipher.open(a, bound)),
            ) {
                let tokens = Tokens {
                    access,
                    refresh: refresh.as_deref().and_then(|r| self.cipher.open(r, bound)),
                    expires_at: None,
                };
                if let Err(e) = provider.disconnect(&tokens).await {
                    tracing::warn!(error = %e, "token revocation failed; wiping the tokens anyway");
                }
            }
            sqlx::query(
                "UPDATE social_accounts SET access_token_enc = NULL, refresh_token_enc = NULL \
                  WHERE workspace_id = $1 AND id = $2 AND status = 'disconnected'",
            )
            .bind(ws)
            .bind(id)
            .execute(&self.pool)
            .await?;
        }
        Ok(n)
    }
}

async fn publish_with(
    provider: &dyn Provider,
    tokens: &Tokens,
    external_id: &str,
    claimed: &Claimed,
    key: &str,
) -> Outcome {
    let req = PublishRequest {
        external_id: external_id.to_string(),
        text: claimed.text.clone(),
        idempotency_key: key.to_string(),
        media: claimed.media.clone(),
    };
    match provider.publish(tokens, &req).await {
        Ok(p) => Outcome::Published(p),
        Err(PublishError::Transient(m)) => Outcome::Retry(m),
        Err(PublishError::Unknown(m)) => Outcome::Unknown(m),
        Err(PublishError::Permanent(m)) => Outcome::Failed(m),
        Err(PublishError::Unauthorized(m)) => Outcome::Unauthorized(m),
    }
}

/// For `serve`, `postroom worker` and tests: a publisher on the jobs pool.
pub fn new(pool: PgPool, public_url: &str, cipher: TokenCipher, media: MediaStore) -> Publisher {
    Publisher {
        providers: Providers::builtin(pool.clone(), public_url),
        pool,
        cipher,
        media,
        public_url: public_url.trim_end_matches('/').to_string(),
    }
}

pub type Shared = Arc<Publisher>;
