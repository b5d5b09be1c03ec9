//! The activity feed across the person's workspaces.
use crate::model::agency::*;
use crate::model::AppError;
use crate::server::tenancy::AgencyTx;
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    name: String,
    slug: String,
    actor_label: String,
    summary: String,
    action: String,
    created_at: DateTime<Utc>,
}

/// The feed: the newest events across the workspaces whose activity the person sees,
/// optionally of one workspace (`slug`) and one kind (an object type of
/// `ACTIVITY_KINDS`), older than `before`. Each workspace's newest rows come by its own
/// index (a bounded probe per workspace), then merge.
///
/// A `slug` that is not one of the person's workspaces (with a role that sees activity)
/// is `NotFound`, as everywhere; `checked = false` skips that check (the tenancy matrix's
/// "Rust checks off"), leaving it to the database, which then shows nothing.
pub async fn feed(
    tx: &mut AgencyTx,
    slug: Option<&str>,
    kind: Option<&str>,
    before: Option<i64>,
    checked: bool,
) -> Result<FeedPage, AppError> {
    let kind = kind.filter(|k| ACTIVITY_KINDS.iter().any(|(v, _)| v == k));
    let workspaces: Vec<(String, String)> = sqlx::query_as(
        "SELECT w.slug, w.name FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
          WHERE m.user_id = $1 AND m.role <> 'CLIENT' ORDER BY lower(w.name), w.slug",
    )
    .bind(tx.user_id())
    .fetch_all(tx.conn())
    .await?;
    if let Some(s) = slug {
        if checked && !workspaces.iter().any(|(w, _)| w.eq_ignore_ascii_case(s)) {
            return Err(AppError::NotFound);
        }
    }
    let limit = (ACTIVITY_PER_PAGE + 1) as i64;
    let kind_clause = if kind.is_some() {
        "AND a.object_type = $4"
    } else {
        "AND $4::text IS NULL"
    };
    let sql = format!(
        "SELECT a.id, w.name, w.slug, a.actor_label, a.summary, a.action, a.created_at \
           FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
           CROSS JOIN LATERAL (SELECT * FROM activity_log a \
                                WHERE a.workspace_id = w.id AND a.id < $2 {kind_clause} \
                                ORDER BY a.id DESC LIMIT $3) a \
          WHERE m.user_id = $5 AND m.role <> 'CLIENT' \
            AND ($1::text IS NULL OR w.slug = $1) \
          ORDER BY a.id DESC LIMIT $3"
    );
    let mut rows: Vec<EventRow> = sqlx::query_as(&sql)
        .bind(slug.map(str::to_ascii_lowercase))
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .bind(kind)
        .bind(tx.user_id())
        .fetch_all(tx.conn())
        .await?;
    let older = (rows.len() as i64 == limit).then(|| {
        rows.pop();
        rows.last().map(|r| r.id)
    });
    Ok(FeedPage {
        items: rows
            .into_iter()
            .map(|r| AgencyEvent {
                id: r.id,
                workspace: r.name,
                slug: r.slug,
                actor: r.actor_label,
                summary: r.summary,
                action: r.action,
                created_at: r.created_at,
            })
            .collect(),
        older: older.flatten(),
        any: !workspaces.is_empty(),
        workspaces: if workspaces.len() <= FEED_FILTER_MENU {
            workspaces
        } else {
            Vec::new()
        },
    })
}
