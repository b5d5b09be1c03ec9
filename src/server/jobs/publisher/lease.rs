//! Steps 1 and 3: claim a due post under a lease, settle it from its
//! targets, and revoke the tokens of disconnected accounts.
use crate::model::with_signature;
use crate::server::providers::{MediaLink, Tokens};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::*;

/// A disconnected account whose tokens are still here.
type Disconnected = (Uuid, Uuid, String, Option<Vec<u8>>, Option<Vec<u8>>);

impl Publisher {
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

    /// Settles the post from its targets, if this worker still holds the lease.
    pub(super) async fn finish(&self, claimed: &Claimed) -> anyhow::Result<()> {
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
        let rows: Vec<Disconnected> = sqlx::query_as(
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
