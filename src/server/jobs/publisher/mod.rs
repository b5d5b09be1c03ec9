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
//!
//! `lease` holds steps 1 and 3's bookkeeping (claim, finish, revoking the
//! tokens of disconnected accounts); `attempt` holds step 2 (one target
//! through its provider) and the recording of each result.
mod attempt;
mod cleanup;
mod lease;

use crate::server::crypto::TokenCipher;
use crate::server::media_store::MediaStore;
use crate::server::providers::{MediaLink, Providers};
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
                    if let Err(e) = publisher.clean_up_deleted().await {
                        tracing::warn!(error = %e, "cleaning up after deleted workspaces failed");
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
