//! The report: posts published per week per workspace, and posts by status; as a view
//! and as CSV.
use super::{post_weeks, weeks};
use crate::model::agency::*;
use crate::model::AppError;
use crate::server::tenancy::AgencyTx;
use chrono::Utc;
use uuid::Uuid;

/// Posts published per week per workspace over the last `WEEKS` weeks, and the posts of
/// every status, summed over what the person may see.
pub async fn report(tx: &mut AgencyTx) -> Result<ReportView, AppError> {
    let today = Utc::now().date_naive();
    let names: Vec<(Uuid, String, String)> = sqlx::query_as(
        "SELECT w.id, w.name, w.slug FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
          WHERE m.user_id = $1",
    )
    .bind(tx.user_id())
    .fetch_all(tx.conn())
    .await?;
    let ids: Vec<Uuid> = names.iter().map(|(id, _, _)| *id).collect();
    let by_ws = post_weeks(tx, &ids, today).await?;
    let mut rows: Vec<ReportRow> = names
        .into_iter()
        .filter_map(|(id, name, slug)| {
            let weeks = by_ws.get(&id)?.clone();
            let total: i64 = weeks.iter().sum();
            (total > 0).then_some(ReportRow {
                name,
                slug,
                weeks,
                total,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    let t: (i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT coalesce(sum(drafts), 0)::bigint, coalesce(sum(awaiting_approval), 0)::bigint, \
                coalesce(sum(scheduled), 0)::bigint, coalesce(sum(publishing), 0)::bigint, \
                coalesce(sum(published), 0)::bigint, coalesce(sum(partially_published), 0)::bigint, \
                coalesce(sum(failed), 0)::bigint \
           FROM workspace_stats WHERE workspace_id = ANY ($1)",
    )
    .bind(&ids)
    .fetch_one(tx.conn())
    .await?;
    Ok(ReportView {
        weeks: weeks(today),
        rows,
        others: None,
        others_count: 0,
        totals: StatusTotals {
            drafts: t.0,
            awaiting_approval: t.1,
            scheduled: t.2,
            publishing: t.3,
            published: t.4,
            partially_published: t.5,
            failed: t.6,
        },
    })
}

/// The report as CSV: one row per workspace, its published posts per week, the total,
/// and (where the person may see them) its posts by status now.
pub fn report_csv(report: &ReportView) -> String {
    let mut out = String::from("workspace,slug");
    for w in &report.weeks {
        out.push_str(&format!(",week of {w}"));
    }
    out.push_str(",published in 12 weeks\r\n");
    for r in &report.rows {
        out.push_str(&csv_field(&r.name));
        out.push(',');
        out.push_str(&csv_field(&r.slug));
        for n in &r.weeks {
            out.push_str(&format!(",{n}"));
        }
        out.push_str(&format!(",{}\r\n", r.total));
    }
    let t = &report.totals;
    out.push_str("\r\nstatus,posts now\r\n");
    for (label, n) in [
        ("draft", t.drafts),
        ("awaiting approval", t.awaiting_approval),
        ("scheduled", t.scheduled),
        ("publishing", t.publishing),
        ("published", t.published),
        ("partially published", t.partially_published),
        ("failed", t.failed),
    ] {
        out.push_str(&format!("{label},{n}\r\n"));
    }
    out
}

/// A CSV field: quoted when it holds a separator, a quote or a line break, and never
/// read as a formula by a spreadsheet (a leading `= + - @` gets a `'`).
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("Acme"), "Acme");
        assert_eq!(csv_field("Acme, Inc"), "\"Acme, Inc\"");
        assert_eq!(csv_field("Say \"hi\""), "\"Say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("-1,2"), "\"'-1,2\"");
    }
}
