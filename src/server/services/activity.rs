//! The per-workspace activity log.
use crate::model::{ActivityPage, ActivityView, AppError};
use crate::server::db;
use crate::server::tenancy::WorkspaceCtx;
use sqlx::{PgConnection, PgPool};

pub struct Event<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<String>,
    pub summary: String,
    pub detail: serde_json::Value,
}

impl<'a> Event<'a> {
    pub fn new(action: &'a str, object_type: &'a str, summary: impl Into<String>) -> Self {
        Event {
            action,
            object_type,
            object_id: None,
            summary: summary.into(),
            detail: serde_json::json!({}),
        }
    }
    pub fn object(mut self, id: impl ToString) -> Self {
        self.object_id = Some(id.to_string());
        self
    }
    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// Records an event in the same transaction as the change it describes.
pub async fn record(
    conn: &mut PgConnection,
    ctx: &WorkspaceCtx,
    event: Event<'_>,
) -> Result<(), AppError> {
    let actor = ctx.actor();
    let ws = ctx.workspace_id();
    sqlx::query(
        "INSERT INTO activity_log (workspace_id, actor_user_id, actor_key_id, actor_label, \
                                   action, object_type, object_id, summary, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(ws)
    .bind(actor.user_id)
    .bind(actor.key_id)
    .bind(&actor.label)
    .bind(event.action)
    .bind(event.object_type)
    .bind(event.object_id)
    .bind(event.summary)
    .bind(event.detail)
    .execute(conn)
    .await?;
    Ok(())
}

pub const PAGE_SIZE: i64 = 25;

type Row = (i64, String, String, String, chrono::DateTime<chrono::Utc>);

fn view((id, actor, action, summary, created_at): Row) -> ActivityView {
    ActivityView {
        id,
        actor,
        action,
        summary,
        created_at,
    }
}

pub async fn list(
    pool: &PgPool,
    ctx: &WorkspaceCtx,
    page: i64,
    page_size: i64,
) -> Result<ActivityPage, AppError> {
    let page = page.max(1);
    let mut tx = db::begin_scoped(pool, ctx).await?;
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM activity_log WHERE workspace_id = $1")
            .bind(ctx.workspace_id())
            .fetch_one(tx.conn())
            .await?;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, actor_label, action, summary, created_at FROM activity_log \
         WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(ctx.workspace_id())
    .bind(page_size)
    .bind((page - 1) * page_size)
    .fetch_all(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(ActivityPage {
        items: rows.into_iter().map(view).collect(),
        page,
        total_pages: ((total + page_size - 1) / page_size).max(1),
        total_items: total,
    })
}
