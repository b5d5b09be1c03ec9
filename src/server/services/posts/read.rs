//! Posts as views: the row, its labels, targets (with results) and media.
use crate::model::MediaView;
use crate::model::{AppError, LabelView, Permission, PostStatus, PostView, TargetView};
use crate::server::services::{media, zones};
use crate::server::tenancy::ScopedTx;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct PostRow {
    id: Uuid,
    content: String,
    status: String,
    scheduled_at: Option<DateTime<Utc>>,
    signature_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    created_by: Option<String>,
    approved_by: Option<String>,
    rejected_by: Option<String>,
    rejection_comment: Option<String>,
    last_error: Option<String>,
    signature_text: Option<String>,
}

const POST_SELECT: &str = "SELECT p.id, p.content, p.status, p.scheduled_at, p.signature_id, p.created_at, \
        cu.name AS created_by, au.name AS approved_by, ru.name AS rejected_by, p.rejection_comment, p.last_error, \
        sg.body AS signature_text \
   FROM posts p \
   LEFT JOIN signatures sg ON sg.workspace_id = p.workspace_id AND sg.id = p.signature_id \
   LEFT JOIN users cu ON cu.id = p.created_by \
   LEFT JOIN users au ON au.id = p.approved_by \
   LEFT JOIN users ru ON ru.id = p.rejected_by";

#[derive(sqlx::FromRow)]
struct PostLabelRow {
    post_id: Uuid,
    id: Uuid,
    name: String,
    color: String,
}

#[derive(sqlx::FromRow)]
struct TargetRow {
    post_id: Uuid,
    account_id: Uuid,
    platform: String,
    handle: String,
    account_status: String,
    status: String,
    permalink: Option<String>,
    error: Option<String>,
}

/// Labels of the given posts, by post.
pub async fn labels_of(
    tx: &mut ScopedTx,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<LabelView>>, AppError> {
    let ws = tx.workspace_id();
    let rows: Vec<PostLabelRow> = sqlx::query_as(
        "SELECT pl.post_id, l.id, l.name, l.color FROM post_labels pl \
           JOIN labels l ON l.workspace_id = pl.workspace_id AND l.id = pl.label_id \
          WHERE pl.workspace_id = $1 AND pl.post_id = ANY($2) ORDER BY lower(l.name)",
    )
    .bind(ws)
    .bind(ids)
    .fetch_all(tx.conn())
    .await?;
    let mut out: HashMap<Uuid, Vec<LabelView>> = HashMap::new();
    for r in rows {
        out.entry(r.post_id).or_default().push(LabelView {
            id: r.id,
            name: r.name,
            color: r.color,
        });
    }
    Ok(out)
}

/// Target accounts (and their results) of the given posts, by post.
pub async fn targets_of(
    tx: &mut ScopedTx,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<TargetView>>, AppError> {
    let ws = tx.workspace_id();
    let rows: Vec<TargetRow> = sqlx::query_as(
        "SELECT t.post_id, t.account_id, a.platform, a.handle, a.status AS account_status, t.status, \
                t.permalink, t.error \
           FROM post_targets t \
           JOIN social_accounts a ON a.workspace_id = t.workspace_id AND a.id = t.account_id \
          WHERE t.workspace_id = $1 AND t.post_id = ANY($2) ORDER BY a.platform, lower(a.handle)",
    )
    .bind(ws)
    .bind(ids)
    .fetch_all(tx.conn())
    .await?;
    let mut out: HashMap<Uuid, Vec<TargetView>> = HashMap::new();
    for r in rows {
        out.entry(r.post_id).or_default().push(TargetView {
            account_id: r.account_id,
            platform: r.platform,
            handle: r.handle,
            account_status: r.account_status,
            status: r.status,
            permalink: r.permalink,
            error: r.error,
        });
    }
    Ok(out)
}

fn to_view(
    r: PostRow,
    tz: Tz,
    labels: &mut HashMap<Uuid, Vec<LabelView>>,
    targets: &mut HashMap<Uuid, Vec<TargetView>>,
    media: &mut HashMap<Uuid, Vec<MediaView>>,
) -> PostView {
    let (local_date, local_time) = r
        .scheduled_at
        .map(|at| zones::date_time_strings(at, tz))
        .unwrap_or_default();
    PostView {
        id: r.id,
        status: PostStatus::parse(&r.status).unwrap_or(PostStatus::Draft),
        content: r.content,
        scheduled_at: r.scheduled_at,
        local_date,
        local_time,
        signature_id: r.signature_id,
        signature_text: r.signature_text,
        labels: labels.remove(&r.id).unwrap_or_default(),
        targets: targets.remove(&r.id).unwrap_or_default(),
        media: media.remove(&r.id).unwrap_or_default(),
        created_by: r.created_by,
        created_at: r.created_at,
        approved_by: r.approved_by,
        rejected_by: r.rejected_by,
        rejection_comment: r.rejection_comment,
        last_error: r.last_error,
    }
}

/// Posts by id, in the given order, as full views (times in `tz`).
pub async fn views(tx: &mut ScopedTx, ids: &[Uuid], tz: Tz) -> Result<Vec<PostView>, AppError> {
    let ws = tx.workspace_id();
    let rows: Vec<PostRow> = sqlx::query_as(&format!(
        "{POST_SELECT} WHERE p.workspace_id = $1 AND p.id = ANY($2)"
    ))
    .bind(ws)
    .bind(ids)
    .fetch_all(tx.conn())
    .await?;
    let mut labels = labels_of(tx, ids).await?;
    let mut targets = targets_of(tx, ids).await?;
    let mut files = media::of_posts(tx, ids).await?;
    let mut by_id: HashMap<Uuid, PostView> = rows
        .into_iter()
        .map(|r| (r.id, to_view(r, tz, &mut labels, &mut targets, &mut files)))
        .collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

pub async fn get(tx: &mut ScopedTx, id: Uuid, tz: Tz) -> Result<PostView, AppError> {
    tx.ctx().require(Permission::ViewContent)?;
    views(tx, &[id], tz).await?.pop().ok_or(AppError::NotFound)
}
