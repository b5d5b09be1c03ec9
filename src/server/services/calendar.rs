//! The calendar (month and week, in the workspace's zone, UTC or the
//! viewer's) and the filtered list of posts with keyset pagination.
use crate::model::{
    excerpt, AppError, CalendarDay, CalendarMode, CalendarPost, CalendarView, LabelView,
    LegendEntry, Permission, PostFilter, PostListItem, PostListView, PostStatus, TargetView,
};
use crate::server::services::{accounts, labels, posts, zones};
use crate::server::tenancy::ScopedTx;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

/// The zone to show: `""`/`workspace` → the workspace's, `UTC`, or an IANA
/// name (the viewer's, sent by the browser). Unknown names fall back to the
/// workspace's zone.
pub fn choose_zone(choice: &str, workspace_zone: &str) -> (Tz, String, String) {
    let ws = zones::zone_or_utc(workspace_zone);
    match choice.trim() {
        "" | "workspace" => (ws, ws.name().to_string(), "workspace".into()),
        "UTC" | "utc" => (Tz::UTC, "UTC".into(), "utc".into()),
        other => match zones::parse(other) {
            Some(tz) => (tz, tz.name().to_string(), "local".into()),
            None => (ws, ws.name().to_string(), "workspace".into()),
        },
    }
}

/// A post on the calendar with what its chip shows: label names and colour
/// (labels by name) and the distinct platforms it goes to — one statement.
#[derive(sqlx::FromRow)]
struct CalRow {
    id: Uuid,
    content: String,
    status: String,
    scheduled_at: Option<DateTime<Utc>>,
    label_names: Vec<String>,
    /// The colour of the first label by name.
    color: Option<String>,
    platforms: Vec<String>,
}

fn monday_on_or_before(d: NaiveDate) -> NaiveDate {
    d - Duration::days(d.weekday().num_days_from_monday() as i64)
}

pub async fn calendar(
    tx: &mut ScopedTx,
    mode: CalendarMode,
    date: &str,
    zone_choice: &str,
) -> Result<CalendarView, AppError> {
    tx.ctx().require(Permission::ViewContent)?;
    let ws = tx.workspace_id();
    let rules = posts::rules(tx).await?;
    let (tz, zone, zone_choice) = choose_zone(zone_choice, &rules.zone_name);
    let today = zones::today(tz);
    let anchor = zones::date_param(date, "date")?.unwrap_or(today);
    let (first, days, title, prev, next, in_range): (
        NaiveDate,
        i64,
        String,
        NaiveDate,
        NaiveDate,
        Box<dyn Fn(NaiveDate) -> bool + Send + Sync>,
    ) = match mode {
        CalendarMode::Week => {
            let start = monday_on_or_before(anchor);
            let end = start + Duration::days(6);
            let title = if start.month() == end.month() {
                format!("{} – {}", start.format("%-d"), end.format("%-d %B %Y"))
            } else {
                format!("{} – {}", start.format("%-d %b"), end.format("%-d %b %Y"))
            };
            (
                start,
                7,
                title,
                start - Duration::days(7),
                start + Duration::days(7),
                Box::new(|_| true),
            )
        }
        _ => {
            let month_start = anchor.with_day(1).expect("day 1");
            let start = monday_on_or_before(month_start);
            let next_month = (month_start + Duration::days(32))
                .with_day(1)
                .expect("day 1");
            let prev_month = (month_start - Duration::days(1))
                .with_day(1)
                .expect("day 1");
            let (m, y) = (month_start.month(), month_start.year());
            (
                start,
                42,
                month_start.format("%B %Y").to_string(),
                prev_month,
                next_month,
                Box::new(move |d: NaiveDate| d.month() == m && d.year() == y),
            )
        }
    };
    let from = zones::day_start(first, tz);
    let to = zones::day_start(first + Duration::days(days), tz);
    let rows: Vec<CalRow> = sqlx::query_as(
        "SELECT p.id, p.content, p.status, p.scheduled_at, \
                coalesce(lb.names, '{}') AS label_names, lb.color, \
                ARRAY(SELECT DISTINCT a.platform FROM post_targets t \
                        JOIN social_accounts a ON a.workspace_id = t.workspace_id AND a.id = t.account_id \
                       WHERE t.workspace_id = p.workspace_id AND t.post_id = p.id \
                       ORDER BY a.platform) AS platforms \
           FROM posts p \
           CROSS JOIN LATERAL ( \
                SELECT array_agg(l.name ORDER BY lower(l.name), l.id) AS names, \
                       (array_agg(l.color ORDER BY lower(l.name), l.id))[1] AS color \
                  FROM post_labels pl \
                  JOIN labels l ON l.workspace_id = pl.workspace_id AND l.id = pl.label_id \
                 WHERE pl.workspace_id = p.workspace_id AND pl.post_id = p.id) lb \
          WHERE p.workspace_id = $1 AND p.scheduled_at >= $2 AND p.scheduled_at < $3 \
          ORDER BY p.scheduled_at, p.id LIMIT 2000",
    )
    .bind(ws)
    .bind(from)
    .bind(to)
    .fetch_all(tx.conn())
    .await?;
    let mut cal_days: Vec<CalendarDay> = (0..days)
        .map(|i| {
            let d = first + Duration::days(i);
            CalendarDay {
                date: d.format("%Y-%m-%d").to_string(),
                day: d.day(),
                weekday: d.format("%a").to_string(),
                in_range: in_range(d),
                is_today: d == today,
                posts: Vec::new(),
            }
        })
        .collect();
    for r in rows {
        let Some(at) = r.scheduled_at else { continue };
        let local = zones::local(at, tz);
        let idx = (local.date() - first).num_days();
        let Some(day) = usize::try_from(idx).ok().and_then(|i| cal_days.get_mut(i)) else {
            continue;
        };
        day.posts.push(CalendarPost {
            id: r.id.to_string(),
            excerpt: excerpt(&r.content, 80),
            status: PostStatus::parse(&r.status).unwrap_or(PostStatus::Draft),
            time: local.format("%H:%M").to_string(),
            date: local.format("%Y-%m-%d").to_string(),
            hour: local.hour(),
            color: r.color,
            label_names: r.label_names,
            platforms: r.platforms,
        });
    }
    let can_edit = tx.ctx().role().can(Permission::EditPosts);
    let labels = labels::list_labels(tx)
        .await?
        .into_iter()
        .map(|l| LegendEntry {
            name: l.name,
            color: l.color,
        })
        .collect();
    Ok(CalendarView {
        mode,
        zone,
        zone_choice,
        workspace_zone: rules.zone_name,
        title,
        date: anchor.format("%Y-%m-%d").to_string(),
        prev: prev.format("%Y-%m-%d").to_string(),
        next: next.format("%Y-%m-%d").to_string(),
        today: today.format("%Y-%m-%d").to_string(),
        days: cal_days,
        can_edit,
        labels,
    })
}

pub const LIST_PAGE: i64 = 25;

/// Cursor: the sort key of the last row shown (`micros:uuid`).
fn encode_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    format!("{}:{}", at.timestamp_micros(), id)
}

fn decode_cursor(s: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (micros, id) = s.split_once(':')?;
    Some((
        DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        Uuid::parse_str(id).ok()?,
    ))
}

/// A post in the list with its labels (by name) and targets (by platform and
/// handle), read in the same statement as the post.
#[derive(sqlx::FromRow)]
struct ListRow {
    id: Uuid,
    content: String,
    status: String,
    scheduled_at: Option<DateTime<Utc>>,
    sort_at: DateTime<Utc>,
    labels: sqlx::types::Json<Vec<LabelView>>,
    targets: sqlx::types::Json<Vec<TargetView>>,
}

/// Posts newest first (by scheduled time, or creation for unscheduled
/// drafts), filtered; 25 a page, continued by a keyset cursor.
pub async fn list(
    tx: &mut ScopedTx,
    filter: &PostFilter,
    zone_choice: &str,
) -> Result<PostListView, AppError> {
    tx.ctx().require(Permission::ViewContent)?;
    let ws = tx.workspace_id();
    let rules = posts::rules(tx).await?;
    let (tz, zone, _) = choose_zone(zone_choice, &rules.zone_name);
    let status = PostStatus::parse(filter.status.trim()).map(|s| s.as_str().to_string());
    let label = Uuid::parse_str(filter.label.trim()).ok();
    let account = Uuid::parse_str(filter.account.trim()).ok();
    let from = zones::date_param(&filter.from, "from")?.map(|d| zones::day_start(d, tz));
    let to =
        zones::date_param(&filter.to, "to")?.map(|d| zones::day_start(d + Duration::days(1), tz));
    let cursor = decode_cursor(filter.after.trim());
    let rows: Vec<ListRow> = sqlx::query_as(
        "SELECT p.id, p.content, p.status, p.scheduled_at, coalesce(p.scheduled_at, p.created_at) AS sort_at, \
                coalesce((SELECT json_agg(json_build_object('id', l.id, 'name', l.name, 'color', l.color) \
                                          ORDER BY lower(l.name), l.id) \
                            FROM post_labels pl \
                            JOIN labels l ON l.workspace_id = pl.workspace_id AND l.id = pl.label_id \
                           WHERE pl.workspace_id = p.workspace_id AND pl.post_id = p.id), '[]') AS labels, \
                coalesce((SELECT json_agg(json_build_object('account_id', t.account_id, 'platform', a.platform, \
                                            'handle', a.handle, 'account_status', a.status, 'status', t.status, \
                                            'permalink', t.permalink, 'error', t.error) \
                                          ORDER BY a.platform, lower(a.handle), a.id) \
                            FROM post_targets t \
                            JOIN social_accounts a ON a.workspace_id = t.workspace_id AND a.id = t.account_id \
                           WHERE t.workspace_id = p.workspace_id AND t.post_id = p.id), '[]') AS targets \
           FROM posts p \
          WHERE p.workspace_id = $1 \
            AND ($2::text IS NULL OR p.status = $2) \
            AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM post_labels pl WHERE pl.workspace_id = p.workspace_id \
                                              AND pl.post_id = p.id AND pl.label_id = $3)) \
            AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM post_targets t WHERE t.workspace_id = p.workspace_id \
                                              AND t.post_id = p.id AND t.account_id = $4)) \
            AND ($5::timestamptz IS NULL OR coalesce(p.scheduled_at, p.created_at) >= $5) \
            AND ($6::timestamptz IS NULL OR coalesce(p.scheduled_at, p.created_at) < $6) \
            AND ($7::timestamptz IS NULL OR (coalesce(p.scheduled_at, p.created_at), p.id) < ($7, $8)) \
          ORDER BY coalesce(p.scheduled_at, p.created_at) DESC, p.id DESC \
          LIMIT $9",
    )
    .bind(ws)
    .bind(status)
    .bind(label)
    .bind(account)
    .bind(from)
    .bind(to)
    .bind(cursor.map(|c| c.0))
    .bind(cursor.map(|c| c.1))
    .bind(LIST_PAGE + 1)
    .fetch_all(tx.conn())
    .await?;
    let more = rows.len() as i64 > LIST_PAGE;
    let rows: Vec<ListRow> = rows.into_iter().take(LIST_PAGE as usize).collect();
    let next = more
        .then(|| rows.last().map(|r| encode_cursor(r.sort_at, r.id)))
        .flatten();
    let items = rows
        .into_iter()
        .map(|r| PostListItem {
            id: r.id,
            excerpt: excerpt(&r.content, 140),
            status: PostStatus::parse(&r.status).unwrap_or(PostStatus::Draft),
            scheduled_at: r.scheduled_at,
            when: r
                .scheduled_at
                .map(|at| {
                    zones::local(at, tz)
                        .format("%a %-d %b %Y, %H:%M")
                        .to_string()
                })
                .unwrap_or_else(|| "Not scheduled".into()),
            labels: r.labels.0,
            targets: r.targets.0,
        })
        .collect();
    let labels = labels::list_labels(tx).await?;
    let accounts = accounts::list(tx).await?;
    Ok(PostListView {
        items,
        next,
        labels,
        accounts,
        today: zones::today(tz).format("%Y-%m-%d").to_string(),
        zone,
        can_edit: tx.ctx().role().can(Permission::EditPosts),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_junk_is_ignored() {
        let at = DateTime::from_timestamp_micros(1_780_000_000_123_456).unwrap();
        let id = Uuid::new_v4();
        assert_eq!(decode_cursor(&encode_cursor(at, id)), Some((at, id)));
        assert_eq!(decode_cursor("junk"), None);
        assert_eq!(decode_cursor("12:nope"), None);
    }

    #[test]
    fn zone_choices() {
        assert_eq!(choose_zone("", "Europe/Paris").1, "Europe/Paris");
        assert_eq!(choose_zone("utc", "Europe/Paris").1, "UTC");
        assert_eq!(choose_zone("America/New_York", "UTC").2, "local");
        assert_eq!(choose_zone("Not/AZone", "Asia/Tokyo").1, "Asia/Tokyo");
    }
}
