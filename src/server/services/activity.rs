//! The per-workspace activity log.
use crate::model::{ActivityPage, ActivityView, AppError, Permission};
use crate::server::tenancy::{ScopedTx, WorkspaceCtx};
use sqlx::PgConnection;

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

/// `record` on a workspace transaction.
pub async fn log(
    tx: &mut crate::server::tenancy::ScopedTx,
    event: Event<'_>,
) -> Result<(), AppError> {
    let (ctx, conn) = tx.parts();
    record(conn, ctx, event).await
}

/// Deletes row `id` of `table` in the workspace in scope and answers what
/// its `column` held, for the activity log (`NotFound` when there is no
/// such row here). `table` and `column` are the caller's constants.
pub async fn delete_returning(
    tx: &mut crate::server::tenancy::ScopedTx,
    table: &'static str,
    column: &'static str,
    id: uuid::Uuid,
) -> Result<String, AppError> {
    let ws = tx.workspace_id();
    let value: Option<String> = sqlx::query_scalar(&format!(
        "DELETE FROM {table} WHERE workspace_id = $1 AND id = $2 RETURNING {column}"
    ))
    .bind(ws)
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    value.ok_or(AppError::NotFound)
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

/// Stands for the email address in `detail.email` inside a stored summary:
/// the list shows the address only to those who may see the team list.
pub const EMAIL: &str = "{email}";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    actor_label: String,
    action: String,
    summary: String,
    email: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
}

fn view(r: Row, show_emails: bool) -> ActivityView {
    let who = match (&r.email, show_emails) {
        (Some(email), true) => email.as_str(),
        _ => "someone",
    };
    ActivityView {
        id: r.id,
        actor: r.actor_label,
        action: r.action,
        summary: r.summary.replace(EMAIL, who),
        created_at: r.created_at,
    }
}

/// Where a page of the log starts: newest first, or just older than / newer
/// than an event id (keyset pagination: no OFFSET, any cursor is one index
/// probe).
#[derive(Debug, Clone, Copy, Default)]
pub enum Cursor {
    #[default]
    Newest,
    Before(i64),
    After(i64),
}

pub async fn list(
    tx: &mut ScopedTx,
    cursor: Cursor,
    page_size: i64,
) -> Result<ActivityPage, AppError> {
    tx.ctx().require(Permission::ViewUsage)?;
    let ws = tx.workspace_id();
    let show_emails = tx.ctx().role().can(Permission::ManageMembers);
    let select = "SELECT id, actor_label, action, summary, detail->>'email' AS email, created_at \
                  FROM activity_log WHERE workspace_id = $1";
    let mut rows: Vec<Row> = match cursor {
        Cursor::Newest => {
            sqlx::query_as(&format!("{select} ORDER BY id DESC LIMIT $2"))
                .bind(ws)
                .bind(page_size)
                .fetch_all(tx.conn())
                .await?
        }
        Cursor::Before(id) => {
            sqlx::query_as(&format!("{select} AND id < $3 ORDER BY id DESC LIMIT $2"))
                .bind(ws)
                .bind(page_size)
                .bind(id)
                .fetch_all(tx.conn())
                .await?
        }
        Cursor::After(id) => {
            let mut up: Vec<Row> =
                sqlx::query_as(&format!("{select} AND id > $3 ORDER BY id ASC LIMIT $2"))
                    .bind(ws)
                    .bind(page_size)
                    .bind(id)
                    .fetch_all(tx.conn())
                    .await?;
            up.reverse();
            up
        }
    };
    if rows.is_empty() && !matches!(cursor, Cursor::Newest) {
        // A stale cursor past either end: show the newest page instead.
        return Box::pin(list(tx, Cursor::Newest, page_size)).await;
    }
    rows.truncate(page_size as usize);
    let (first, last) = match (rows.first(), rows.last()) {
        (Some(f), Some(l)) => (f.id, l.id),
        _ => {
            return Ok(ActivityPage {
                items: Vec::new(),
                newer: None,
                older: None,
            })
        }
    };
    let (has_newer, has_older): (bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM activity_log WHERE workspace_id = $1 AND id > $2), \
                EXISTS (SELECT 1 FROM activity_log WHERE workspace_id = $1 AND id < $3)",
    )
    .bind(ws)
    .bind(first)
    .bind(last)
    .fetch_one(tx.conn())
    .await?;
    Ok(ActivityPage {
        items: rows.into_iter().map(|r| view(r, show_emails)).collect(),
        newer: has_newer.then_some(first),
        older: has_older.then_some(last),
    })
}
