//! Posts: compose (validate, save as draft or schedule), edit, delete,
//! duplicate, reschedule, and the client approval flow.
//!
//! * `read` — posts as views (labels, targets and their results, media);
//! * `compose` — the composer's form: checked field by field, then saved;
//! * `changes` — reschedule, delete, duplicate;
//! * `approval` — approve, reject, the queue.
mod approval;
mod changes;
mod compose;
mod read;

pub use approval::{approve, awaiting_approval, reject};
pub use changes::{delete, duplicate, reschedule};
pub use compose::save;
pub use read::{get, labels_of, targets_of, views};

use crate::model::{AppError, PostStatus};
use crate::server::services::zones;
use crate::server::tenancy::ScopedTx;
use chrono_tz::Tz;

pub const CONTENT_MAX: usize = 10_000;

/// The workspace settings posts depend on.
pub struct PostingRules {
    pub zone: Tz,
    pub zone_name: String,
    pub require_approval: bool,
}

pub async fn rules(tx: &mut ScopedTx) -> Result<PostingRules, AppError> {
    let ws = tx.workspace_id();
    let (zone_name, require_approval): (String, bool) =
        sqlx::query_as("SELECT timezone, require_approval FROM workspaces WHERE id = $1")
            .bind(ws)
            .fetch_one(tx.conn())
            .await?;
    Ok(PostingRules {
        zone: zones::zone_or_utc(&zone_name),
        zone_name,
        require_approval,
    })
}

/// The status a post takes when someone schedules it.
fn scheduled_status(rules: &PostingRules) -> PostStatus {
    if rules.require_approval {
        PostStatus::AwaitingApproval
    } else {
        PostStatus::Scheduled
    }
}

/// The status of post `id` in the workspace in scope, its row locked for
/// the rest of the transaction (`NotFound` when there is no such post here).
async fn lock_status(tx: &mut ScopedTx, id: uuid::Uuid) -> Result<PostStatus, AppError> {
    let ws = tx.workspace_id();
    let status: Option<String> = sqlx::query_scalar(
        "SELECT status FROM posts WHERE workspace_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(ws)
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    status
        .and_then(|s| PostStatus::parse(&s))
        .ok_or(AppError::NotFound)
}

/// Why a post cannot be changed any more.
fn not_editable(status: PostStatus) -> AppError {
    AppError::Conflict(match status {
        PostStatus::Publishing => {
            "This post is being published right now and cannot be changed.".into()
        }
        _ => format!(
            "This post is {} and can no longer be edited. Duplicate it to post again.",
            status.label().to_lowercase()
        ),
    })
}

/// Waiting to be published (what "scheduled posts" counts).
fn is_active(s: PostStatus) -> bool {
    matches!(
        s,
        PostStatus::AwaitingApproval | PostStatus::Scheduled | PostStatus::Publishing
    )
}
