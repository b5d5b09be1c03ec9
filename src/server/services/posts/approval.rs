//! The client approval flow: approve, reject with a comment, the queue.
use super::*;
use crate::model::{AppError, Permission, PostView};
use crate::server::services::activity::{self, Event};
use crate::server::tenancy::ScopedTx;
use chrono_tz::Tz;
use uuid::Uuid;

/// Approves a post awaiting approval: it is scheduled.
pub async fn approve(tx: &mut ScopedTx, id: Uuid) -> Result<(), AppError> {
    tx.ctx().require(Permission::ApprovePosts)?;
    let ws = tx.workspace_id();
    let user = tx.ctx().actor_user()?;
    let done: Option<String> = sqlx::query_scalar(
        "UPDATE posts SET status = 'scheduled', approved_by = $3, approved_at = now(), \
                rejected_by = NULL, rejected_at = NULL, rejection_comment = NULL \
          WHERE workspace_id = $1 AND id = $2 AND status = 'awaiting_approval' RETURNING content",
    )
    .bind(ws)
    .bind(id)
    .bind(user)
    .fetch_optional(tx.conn())
    .await?;
    let content = match done {
        Some(c) => c,
        None => return Err(decision_refused(tx, id).await),
    };
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "post.approved",
            "post",
            format!("approved “{}”", crate::model::excerpt(&content, 60)),
        )
        .object(id),
    )
    .await
}

/// Rejects a post awaiting approval with a comment: back to draft, the
/// comment shown to the author.
pub async fn reject(tx: &mut ScopedTx, id: Uuid, comment: &str) -> Result<(), AppError> {
    tx.ctx().require(Permission::ApprovePosts)?;
    let comment = comment.trim();
    if comment.is_empty() {
        return Err(AppError::field(
            "comment",
            "Tell the author what to change.",
        ));
    }
    if comment.chars().count() > 2000 {
        return Err(AppError::field(
            "comment",
            "A comment is at most 2,000 characters.",
        ));
    }
    if crate::model::validate::multi_line(comment, "Comment").is_err() {
        return Err(AppError::field(
            "comment",
            "The comment must not contain control characters.",
        ));
    }
    let ws = tx.workspace_id();
    let user = tx.ctx().actor_user()?;
    let done: Option<String> = sqlx::query_scalar(
        "UPDATE posts SET status = 'draft', rejected_by = $3, rejected_at = now(), rejection_comment = $4, \
                approved_by = NULL, approved_at = NULL \
          WHERE workspace_id = $1 AND id = $2 AND status = 'awaiting_approval' RETURNING content",
    )
    .bind(ws)
    .bind(id)
    .bind(user)
    .bind(comment)
    .fetch_optional(tx.conn())
    .await?;
    let content = match done {
        Some(c) => c,
        None => return Err(decision_refused(tx, id).await),
    };
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "post.rejected",
            "post",
            format!(
                "sent back “{}”: {comment}",
                crate::model::excerpt(&content, 60)
            ),
        )
        .object(id),
    )
    .await
}

/// Why an approval or rejection changed nothing: not here, or not waiting.
async fn decision_refused(tx: &mut ScopedTx, id: Uuid) -> AppError {
    let ws = tx.workspace_id();
    match sqlx::query_scalar::<_, String>(
        "SELECT status FROM posts WHERE workspace_id = $1 AND id = $2",
    )
    .bind(ws)
    .bind(id)
    .fetch_optional(tx.conn())
    .await
    {
        Ok(Some(_)) => AppError::Conflict("This post is no longer waiting for approval.".into()),
        Ok(None) => AppError::NotFound,
        Err(e) => e.into(),
    }
}

/// Posts waiting for a decision, soonest first.
pub async fn awaiting_approval(tx: &mut ScopedTx, tz: Tz) -> Result<Vec<PostView>, AppError> {
    tx.ctx().require(Permission::ViewContent)?;
    let ws = tx.workspace_id();
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM posts WHERE workspace_id = $1 AND status = 'awaiting_approval' \
         ORDER BY scheduled_at NULLS LAST, id LIMIT 200",
    )
    .bind(ws)
    .fetch_all(tx.conn())
    .await?;
    views(tx, &ids, tz).await
}
