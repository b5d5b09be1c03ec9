//! The agency dashboard: one person's view across every workspace they belong to, read
//! in an `AgencyTx`. Each query names the person's workspaces (their memberships) so that
//! it reads by index; PostgreSQL decides which of those rows exist for the caller — the
//! workspaces where the session's user holds a membership whose role may see them
//! (`migrations/…_agency_scope.sql`). The Rust code only narrows and arranges.
//!
//! Every figure comes from the rollups (`workspace_stats`, `workspace_post_days`,
//! `workspace_post_weeks`), the usage counters, or an index on the few rows that need
//! attention (failed posts, posts awaiting approval, accounts, invitations) — never from
//! scanning posts.
mod feed;
mod needs;
mod overview;
mod report;

pub use feed::feed;
pub use overview::{overview, OverviewQuery};
pub use report::{report, report_csv};

use crate::model::agency::WEEKS;
use crate::model::AppError;
use crate::server::tenancy::AgencyTx;
use chrono::{Datelike, Duration, NaiveDate};
use std::collections::HashMap;
use uuid::Uuid;

/// A workspace of the person's, with what its card shows.
#[derive(sqlx::FromRow)]
struct MembershipRow {
    id: Uuid,
    name: String,
    slug: String,
    logo_url: Option<String>,
    primary_color: Option<String>,
    role: String,
    is_personal: bool,
    /// The stats row (NULL where the role may not see it: CLIENT).
    awaiting_approval: Option<i32>,
    failed: Option<i32>,
    partially_published: Option<i32>,
    members: Option<i32>,
}

async fn memberships(tx: &mut AgencyTx) -> Result<Vec<MembershipRow>, AppError> {
    let user = tx.user_id();
    Ok(sqlx::query_as(
        "SELECT w.id, w.name, w.slug, w.logo_url, w.primary_color, m.role, w.is_personal, \
                s.awaiting_approval, s.failed, s.partially_published, s.members \
           FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
           LEFT JOIN workspace_stats s ON s.workspace_id = w.id \
          WHERE m.user_id = $1 ORDER BY lower(w.name), w.slug",
    )
    .bind(user)
    .fetch_all(tx.conn())
    .await?)
}

/// The weeks of the sparkline and the report: the Monday of the current week (UTC) and
/// the `WEEKS - 1` before it, oldest first.
pub fn weeks(today: NaiveDate) -> Vec<NaiveDate> {
    let monday = today - Duration::days(today.weekday().num_days_from_monday() as i64);
    (0..WEEKS)
        .rev()
        .map(|k| monday - Duration::weeks(k as i64))
        .collect()
}

/// Published per week (`weeks(today)`, oldest first) for each of `ids`, from
/// `workspace_post_weeks`: 12 small rows per workspace.
async fn post_weeks(
    tx: &mut AgencyTx,
    ids: &[Uuid],
    today: NaiveDate,
) -> Result<HashMap<Uuid, Vec<i64>>, AppError> {
    let weeks = weeks(today);
    let rows: Vec<(Uuid, NaiveDate, i32)> = sqlx::query_as(
        "SELECT workspace_id, week, published FROM workspace_post_weeks \
          WHERE workspace_id = ANY ($1) AND week >= $2",
    )
    .bind(ids)
    .bind(weeks[0])
    .fetch_all(tx.conn())
    .await?;
    let mut out: HashMap<Uuid, Vec<i64>> = HashMap::new();
    for (ws, week, n) in rows {
        if let Some(k) = weeks.iter().position(|w| *w == week) {
            out.entry(ws).or_insert_with(|| vec![0; WEEKS])[k] += n as i64;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_end_with_this_monday() {
        let wed = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        let w = weeks(wed);
        assert_eq!(w.len(), WEEKS);
        assert_eq!(w[WEEKS - 1], NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
        assert_eq!(w[0], NaiveDate::from_ymd_opt(2026, 9, 21).unwrap());
        let mon = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(weeks(mon)[WEEKS - 1], mon);
    }
}
