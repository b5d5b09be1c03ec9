//! Step 2: each target through its provider with the attempt's idempotency
//! key (looked up first when an earlier attempt's outcome is unknown), and
//! each result recorded under that key.
use crate::server::providers::{Lookup, Provider, PublishError, PublishRequest, Published, Tokens};

use super::*;

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

    /// Records one target's outcome — only while this worker still holds the post's
    /// lease: a worker whose lease ran out (another has taken the post over, with the
    /// same idempotency keys) records nothing, so it can never overwrite the next
    /// attempt's result. The post row is locked (FOR SHARE) under the lease for the
    /// length of the write, so a take-over waits for it.
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
        let mut tx = self.pool.begin().await?;
        let held: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM posts WHERE workspace_id = $1 AND id = $2 \
                AND status = 'publishing' AND lease_until = $3 FOR SHARE",
        )
        .bind(ws)
        .bind(post)
        .bind(claimed.lease_until)
        .fetch_optional(&mut *tx)
        .await?;
        if held.is_none() {
            tracing::warn!(%post, "lease lost before recording a result; the next attempt records it");
            return Ok(());
        }
        let guard =
            "WHERE workspace_id = $1 AND post_id = $2 AND account_id = $3 AND attempt_key = $4 \
                     AND status = 'processing'";
        let (set, msg) = match &outcome {
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
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE social_accounts SET last_published_at = now(), last_error = NULL \
                      WHERE workspace_id = $1 AND id = $2",
                )
                .bind(ws)
                .bind(account)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                return Ok(());
            }
            Outcome::Retry(msg) => ("status = 'pending', attempt_key = NULL, error = $5", msg),
            // Stays `processing` with its key: the next attempt looks it up.
            Outcome::Unknown(msg) => ("error = $5", msg),
            Outcome::Failed(msg) | Outcome::Unauthorized(msg) => {
                ("status = 'failed', error = $5", msg)
            }
        };
        sqlx::query(&format!("UPDATE post_targets SET {set} {guard}"))
            .bind(ws)
            .bind(post)
            .bind(account)
            .bind(key)
            .bind(msg)
            .execute(&mut *tx)
            .await?;
        if matches!(outcome, Outcome::Failed(_) | Outcome::Unauthorized(_)) {
            sqlx::query(
                "UPDATE social_accounts SET last_error = $3, \
                        status = CASE WHEN $4 AND status = 'connected' THEN 'expired' ELSE status END \
                  WHERE workspace_id = $1 AND id = $2",
            )
            .bind(ws)
            .bind(account)
            .bind(msg)
            .bind(matches!(outcome, Outcome::Unauthorized(_)))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
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
