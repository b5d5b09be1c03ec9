//! What a deleted workspace left outside the database (queued by the database itself
//! when the workspace row is deleted, `cleanup_queue`): its media files in the object
//! store, and its social accounts' tokens, still valid at the networks until revoked.
//! Each item is claimed with a backoff (so two workers never take the same one, and a
//! failure is retried later), done, then deleted from the queue.
use crate::server::media_store;
use crate::server::providers::Tokens;
use uuid::Uuid;

use super::*;

/// Tries per item before it is given up (and logged).
pub const CLEANUP_MAX_ATTEMPTS: i32 = 8;

#[derive(sqlx::FromRow)]
struct Item {
    id: i64,
    kind: String,
    workspace_id: Uuid,
    object_id: Uuid,
    platform: Option<String>,
    access_token_enc: Option<Vec<u8>>,
    refresh_token_enc: Option<Vec<u8>>,
    attempts: i32,
}

impl Publisher {
    /// Works through the due part of the queue; returns how many items it finished.
    pub async fn clean_up_deleted(&self) -> anyhow::Result<usize> {
        let items: Vec<Item> = sqlx::query_as(
            "UPDATE cleanup_queue SET attempts = attempts + 1, \
                    next_attempt_at = now() + make_interval(secs => least(30 * power(2, attempts), 3600)) \
              WHERE id IN (SELECT id FROM cleanup_queue WHERE next_attempt_at <= now() \
                            ORDER BY next_attempt_at LIMIT 50 FOR UPDATE SKIP LOCKED) \
              RETURNING id, kind, workspace_id, object_id, platform, access_token_enc, \
                        refresh_token_enc, attempts",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut done = 0;
        for item in items {
            let outcome = match item.kind.as_str() {
                "media" => self.remove_files(&item).await,
                _ => self.revoke_tokens(&item).await,
            };
            let finished = match outcome {
                Ok(()) => {
                    done += 1;
                    true
                }
                Err(e) if item.attempts >= CLEANUP_MAX_ATTEMPTS => {
                    tracing::error!(error = %e, kind = %item.kind, object = %item.object_id,
                        "giving up cleaning up after a deleted workspace");
                    true
                }
                Err(e) => {
                    sqlx::query("UPDATE cleanup_queue SET last_error = $2 WHERE id = $1")
                        .bind(item.id)
                        .bind(e.chars().take(500).collect::<String>())
                        .execute(&self.pool)
                        .await?;
                    false
                }
            };
            if finished {
                sqlx::query("DELETE FROM cleanup_queue WHERE id = $1")
                    .bind(item.id)
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(done)
    }

    async fn remove_files(&self, item: &Item) -> Result<(), String> {
        for key in [
            media_store::original_key(item.workspace_id, item.object_id),
            media_store::thumb_key(item.workspace_id, item.object_id),
        ] {
            self.media
                .try_delete(&key)
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    async fn revoke_tokens(&self, item: &Item) -> Result<(), String> {
        let bound = item.object_id.as_bytes();
        let provider = item.platform.as_deref().and_then(|p| self.providers.get(p));
        let access = item
            .access_token_enc
            .as_deref()
            .and_then(|a| self.cipher.open(a, bound));
        let (Some(provider), Some(access)) = (provider, access) else {
            // Nothing the network would take (an unknown network, or tokens this
            // key cannot open): there is nothing left to revoke here.
            tracing::warn!(account = %item.object_id, "tokens of a deleted workspace could not be revoked");
            return Ok(());
        };
        let tokens = Tokens {
            access,
            refresh: item
                .refresh_token_enc
                .as_deref()
                .and_then(|r| self.cipher.open(r, bound)),
            expires_at: None,
        };
        provider
            .disconnect(&tokens)
            .await
            .map_err(|e| e.to_string())
    }
}
