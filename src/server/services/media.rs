//! The media library's rows: list, record an upload (after its bytes are
//! stored), delete, and look up what a post carries.
use crate::model::{AppError, MediaView, Permission};
use crate::server::media_store::{self, MediaStore, Prepared};
use crate::server::services::activity::{self, Event};
use crate::server::tenancy::ScopedTx;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    kind: String,
    content_type: String,
    byte_size: i64,
    width: Option<i32>,
    height: Option<i32>,
    original_name: String,
    has_thumbnail: bool,
    created_at: DateTime<Utc>,
}

fn view(slug: &str, r: Row) -> MediaView {
    let base = format!("/w/{slug}/media/{}", r.id);
    MediaView {
        id: r.id,
        kind: r.kind,
        content_type: r.content_type,
        byte_size: r.byte_size,
        width: r.width,
        height: r.height,
        name: r.original_name,
        url: format!("{base}/file"),
        thumb_url: r.has_thumbnail.then(|| format!("{base}/thumb")),
        created_at: r.created_at,
    }
}

const COLUMNS: &str =
    "id, kind, content_type, byte_size, width, height, original_name, has_thumbnail, created_at";

pub async fn list(tx: &mut ScopedTx) -> Result<Vec<MediaView>, AppError> {
    tx.ctx().require(Permission::ViewContent)?;
    let ws = tx.workspace_id();
    let slug = tx.ctx().slug().to_string();
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM media WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC LIMIT 500"
    ))
    .bind(ws)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().map(|r| view(&slug, r)).collect())
}

/// The media attached to the given posts, by post, in order.
pub async fn of_posts(
    tx: &mut ScopedTx,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<MediaView>>, AppError> {
    let ws = tx.workspace_id();
    let slug = tx.ctx().slug().to_string();
    #[derive(sqlx::FromRow)]
    struct Attached {
        post_id: Uuid,
        #[sqlx(flatten)]
        row: Row,
    }
    let rows: Vec<Attached> = sqlx::query_as(
        "SELECT pm.post_id, m.id, m.kind, m.content_type, m.byte_size, m.width, m.height, m.original_name, \
                m.has_thumbnail, m.created_at \
           FROM post_media pm JOIN media m ON m.workspace_id = pm.workspace_id AND m.id = pm.media_id \
          WHERE pm.workspace_id = $1 AND pm.post_id = ANY($2) ORDER BY pm.position, m.id",
    )
    .bind(ws)
    .bind(ids)
    .fetch_all(tx.conn())
    .await?;
    let mut out: HashMap<Uuid, Vec<MediaView>> = HashMap::new();
    for a in rows {
        out.entry(a.post_id).or_default().push(view(&slug, a.row));
    }
    Ok(out)
}

/// Records an upload whose objects are already stored. The caller deletes
/// the objects if this fails.
pub async fn record(tx: &mut ScopedTx, id: Uuid, name: &str, p: &Prepared) -> Result<(), AppError> {
    tx.ctx().require(Permission::EditPosts)?;
    let ws = tx.workspace_id();
    let user = tx.ctx().actor_user()?;
    let name: String = clean_name(name);
    sqlx::query(
        "INSERT INTO media (workspace_id, id, kind, content_type, byte_size, width, height, original_name, \
                            has_thumbnail, uploaded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(ws)
    .bind(id)
    .bind(p.kind.as_str())
    .bind(p.content_type)
    .bind(p.original.len() as i64)
    .bind(p.width.map(|w| w as i32))
    .bind(p.height.map(|h| h as i32))
    .bind(&name)
    .bind(p.thumbnail.is_some())
    .bind(user)
    .execute(tx.conn())
    .await?;
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "media.uploaded",
            "media",
            format!("uploaded {} “{name}”", p.kind.as_str()),
        )
        .object(id),
    )
    .await
}

/// A file name fit to show: no path, no control characters, at most 200 characters.
pub fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() {
        "upload".into()
    } else {
        cleaned
    }
}

/// Deletes a media item (detached from its posts); returns it so the caller
/// can remove its objects after the commit.
pub async fn delete(tx: &mut ScopedTx, id: Uuid) -> Result<(), AppError> {
    tx.ctx().require(Permission::EditPosts)?;
    let name = activity::delete_returning(tx, "media", "original_name", id).await?;
    activity::log(
        tx,
        Event::new(
            "media.deleted",
            "media",
            format!("deleted “{name}” from the media library"),
        )
        .object(id),
    )
    .await
}

/// The kind, type and existence of one item (for serving its bytes).
pub async fn find(tx: &mut ScopedTx, id: Uuid) -> Result<(String, bool), AppError> {
    tx.ctx().require(Permission::ViewContent)?;
    let ws = tx.workspace_id();
    let row: Option<(String, bool)> = sqlx::query_as(
        "SELECT content_type, has_thumbnail FROM media WHERE workspace_id = $1 AND id = $2",
    )
    .bind(ws)
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    row.ok_or(AppError::NotFound)
}

/// Removes an item's objects (after its row is gone, or when recording it failed).
pub async fn remove_objects(store: &MediaStore, workspace: Uuid, id: Uuid) {
    store
        .delete(&media_store::original_key(workspace, id))
        .await;
    store.delete(&media_store::thumb_key(workspace, id)).await;
}
