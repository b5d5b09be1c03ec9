//! Changes to a post after it was composed: reschedule, delete, duplicate.
use super::*;
use crate::model::{AppError, Permission, PostStatus};
use crate::server::config::BillingMode;
use crate::server::services::activity::{self, Event};
use crate::server::services::{usage, zones};
use crate::server::tenancy::ScopedTx;
use chrono::Utc;
use uuid::Uuid;

/// Moves a post to another date and time (the calendar's drag and drop).
pub async fn reschedule(
    tx: &mut ScopedTx,
    id: Uuid,
    date: &str,
    time: &str,
    billing: BillingMode,
) -> Result<(), AppError> {
    tx.ctx().require(Permission::EditPosts)?;
    let ws = tx.workspace_id();
    let row: Option<(String, bool)> = sqlx::query_as(
        "SELECT status, approved_by IS NOT NULL FROM posts WHERE workspace_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(ws)
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    let (status, approved) = row.ok_or(AppError::NotFound)?;
    let status = PostStatus::parse(&status).ok_or(AppError::Internal)?;
    if !status.editable() {
        return Err(not_editable(status));
    }
    let rules = rules(tx).await?;
    let at = match (zones::parse_date(date), zones::parse_time(time)) {
        (None, _) => return Err(AppError::field("date", "Pick a date (YYYY-MM-DD).")),
        (_, None) => return Err(AppError::field("time", "Pick a time (HH:MM).")),
        (Some(d), Some(t)) => zones::to_utc(d, t, rules.zone).ok_or_else(|| {
            AppError::field(
                "time",
                format!("That time does not exist in {}.", rules.zone_name),
            )
        })?,
    };
    if status != PostStatus::Draft && at <= Utc::now() {
        return Err(AppError::field(
            "date",
            "That time is in the past. Pick a time in the future.",
        ));
    }
    // What a client approved is the post's text, media and signature, not its time:
    // an approved post keeps its approval when it moves. Others are scheduled as the
    // composer would (for approval, where the workspace requires it).
    let keeps_approval = approved && status == PostStatus::Scheduled;
    let new_status = match status {
        PostStatus::Draft => PostStatus::Draft,
        PostStatus::Scheduled if keeps_approval => PostStatus::Scheduled,
        PostStatus::Failed | PostStatus::Scheduled | PostStatus::AwaitingApproval => {
            scheduled_status(&rules)
        }
        other => other,
    };
    if is_active(new_status) {
        let was = is_active(status);
        usage::check_schedule(tx, billing, Some(at), !was, was).await?;
    }
    sqlx::query(
        "UPDATE posts SET scheduled_at = $3, status = $4, \
                approved_by = CASE WHEN $5 THEN approved_by END, \
                approved_at = CASE WHEN $5 THEN approved_at END, \
                attempts = 0, next_attempt_at = NULL, last_error = NULL \
          WHERE workspace_id = $1 AND id = $2",
    )
    .bind(ws)
    .bind(id)
    .bind(at)
    .bind(new_status.as_str())
    .bind(keeps_approval)
    .execute(tx.conn())
    .await?;
    if status == PostStatus::Failed {
        sqlx::query(
            "UPDATE post_targets SET status = 'pending', attempt_key = NULL, error = NULL \
              WHERE workspace_id = $1 AND post_id = $2 AND status = 'failed'",
        )
        .bind(ws)
        .bind(id)
        .execute(tx.conn())
        .await?;
    }
    let (d, t) = zones::date_time_strings(at, rules.zone);
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "post.rescheduled",
            "post",
            format!("moved a post to {d} {t} ({})", rules.zone_name),
        )
        .object(id),
    )
    .await
}

pub async fn delete(tx: &mut ScopedTx, id: Uuid) -> Result<(), AppError> {
    tx.ctx().require(Permission::EditPosts)?;
    let status = lock_status(tx, id).await?;
    if status == PostStatus::Publishing {
        return Err(not_editable(status));
    }
    let content = activity::delete_returning(tx, "posts", "content", id).await?;
    activity::log(
        tx,
        Event::new(
            "post.deleted",
            "post",
            format!("deleted “{}”", crate::model::excerpt(&content, 60)),
        )
        .object(id),
    )
    .await
}

/// A new draft with the same text, accounts (still connected), labels and signature.
pub async fn duplicate(tx: &mut ScopedTx, id: Uuid) -> Result<Uuid, AppError> {
    tx.ctx().require(Permission::EditPosts)?;
    let ws = tx.workspace_id();
    let user = tx.ctx().actor_user()?;
    let new_id = Uuid::new_v4();
    let content: Option<String> = sqlx::query_scalar(
        "INSERT INTO posts (workspace_id, id, content, status, signature_id, created_by) \
         SELECT workspace_id, $3, content, 'draft', signature_id, $4 FROM posts WHERE workspace_id = $1 AND id = $2 \
         RETURNING content",
    )
    .bind(ws)
    .bind(id)
    .bind(new_id)
    .bind(user)
    .fetch_optional(tx.conn())
    .await?;
    let content = content.ok_or(AppError::NotFound)?;
    sqlx::query(
        "INSERT INTO post_targets (workspace_id, post_id, account_id) \
         SELECT t.workspace_id, $3, t.account_id FROM post_targets t \
           JOIN social_accounts a ON a.workspace_id = t.workspace_id AND a.id = t.account_id \
          WHERE t.workspace_id = $1 AND t.post_id = $2 AND a.status = 'connected'",
    )
    .bind(ws)
    .bind(id)
    .bind(new_id)
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "INSERT INTO post_labels (workspace_id, post_id, label_id) \
         SELECT workspace_id, $3, label_id FROM post_labels WHERE workspace_id = $1 AND post_id = $2",
    )
    .bind(ws)
    .bind(id)
    .bind(new_id)
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "INSERT INTO post_media (workspace_id, post_id, media_id, position) \
         SELECT workspace_id, $3, media_id, position FROM post_media WHERE workspace_id = $1 AND post_id = $2",
    )
    .bind(ws)
    .bind(id)
    .bind(new_id)
    .execute(tx.conn())
    .await?;
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "post.duplicated",
            "post",
            format!(
                "duplicated “{}” as a new draft",
                crate::model::excerpt(&content, 60)
            ),
        )
        .object(new_id),
    )
    .await?;
    Ok(new_id)
}
