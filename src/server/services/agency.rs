//! The agency dashboard: one person's view across every workspace they belong to, read
//! in an `AgencyTx`. No query here names the person's workspaces or roles to filter by:
//! each reads its table whole and PostgreSQL admits the rows of the workspaces where the
//! session's user holds a membership whose role may see them
//! (`migrations/…_agency_scope.sql`). The Rust code only arranges what came back.
//!
//! Every figure comes from the rollups (`workspace_stats`, `workspace_post_days`,
//! `workspace_post_weeks`), the
//! usage counters, or an index on the few rows that need attention (failed posts, posts
//! awaiting approval, accounts, invitations) — never from scanning posts.
use crate::model::agency::*;
use crate::model::{AppError, Role};
use crate::server::config::BillingMode;
use crate::server::services::usage::{self, Usage};
use crate::server::tenancy::AgencyTx;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
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

/// Posts waiting to go out in the next 7 days and published in the last 30, for the
/// cards shown (`ids`: a page of them), from `workspace_post_days`.
async fn near_days(
    tx: &mut AgencyTx,
    ids: &[Uuid],
    today: NaiveDate,
) -> Result<HashMap<Uuid, (i64, i64)>, AppError> {
    let rows: Vec<(Uuid, i64, i64)> = sqlx::query_as(
        "SELECT workspace_id, \
                coalesce(sum(scheduled) FILTER (WHERE day >= $2), 0)::bigint, \
                coalesce(sum(published) FILTER (WHERE day <= $2), 0)::bigint \
           FROM workspace_post_days \
          WHERE workspace_id = ANY ($1) AND day > $2 - 30 AND day < $2 + 7 \
          GROUP BY workspace_id",
    )
    .bind(ids)
    .bind(today)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().map(|(w, a, b)| (w, (a, b))).collect())
}

#[derive(sqlx::FromRow, Default, Clone, Copy)]
struct AccountsRow {
    accounts: i64,
    expired: i64,
    expiring: i64,
}

async fn accounts(tx: &mut AgencyTx, ids: &[Uuid]) -> Result<HashMap<Uuid, AccountsRow>, AppError> {
    let rows: Vec<(Uuid, i64, i64, i64)> = sqlx::query_as(
        "SELECT workspace_id, \
                count(*) FILTER (WHERE status <> 'disconnected'), \
                count(*) FILTER (WHERE status = 'expired' \
                                    OR (status = 'connected' AND token_expires_at <= now())), \
                count(*) FILTER (WHERE status = 'connected' AND token_expires_at > now() \
                                   AND token_expires_at <= now() + interval '7 days') \
           FROM social_accounts WHERE workspace_id = ANY ($1) GROUP BY workspace_id",
    )
    .bind(ids)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(ws, accounts, expired, expiring)| {
            (
                ws,
                AccountsRow {
                    accounts,
                    expired,
                    expiring,
                },
            )
        })
        .collect())
}

/// Posts awaiting approval whose time has passed, per workspace (of `ids`).
async fn overdue_approvals(
    tx: &mut AgencyTx,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, i64>, AppError> {
    let rows: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT workspace_id, count(*) FROM posts \
          WHERE workspace_id = ANY ($1) AND status = 'awaiting_approval' AND scheduled_at < now() \
          GROUP BY workspace_id",
    )
    .bind(ids)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().collect())
}

/// Posts awaiting approval per workspace of `ids` (those whose stats the person may not
/// read: where they are a CLIENT, asked to approve).
async fn waiting_approvals(
    tx: &mut AgencyTx,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, i64>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT workspace_id, count(*) FROM posts \
          WHERE workspace_id = ANY ($1) AND status = 'awaiting_approval' GROUP BY workspace_id",
    )
    .bind(ids)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().collect())
}

/// Open invitations that expire within 48 hours, per workspace (managers only).
async fn expiring_invitations(
    tx: &mut AgencyTx,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, i64>, AppError> {
    let rows: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT workspace_id, count(*) FROM invitations \
          WHERE workspace_id = ANY ($1) AND accepted_at IS NULL AND revoked_at IS NULL \
            AND expires_at > now() AND expires_at <= now() + interval '48 hours' \
          GROUP BY workspace_id",
    )
    .bind(ids)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().collect())
}

#[derive(sqlx::FromRow)]
struct UsageRow {
    workspace_id: Uuid,
    owner_id: Uuid,
    owner_name: String,
    #[sqlx(flatten)]
    usage: Usage,
}

async fn usage_rows(tx: &mut AgencyTx) -> Result<Vec<UsageRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT workspace_id, owner_id, owner_name, plan_code, plan_name, cycle_start, cycle_end, \
                max_workspaces, max_social_accounts, max_members, ai_credits_monthly, monthly_posts, \
                scheduled_posts, schedule_horizon_days, workspaces_owned, pooled_scheduled, \
                pooled_posts, pooled_accounts, pooled_ai_credits, ws_scheduled, ws_posts, \
                ws_accounts, ws_ai_credits, people, trial_ends_at, own_plan_name \
           FROM app_agency_usage()",
    )
    .fetch_all(tx.conn())
    .await?)
}

/// The person's own plan now, and their trial.
#[derive(sqlx::FromRow)]
struct OwnPlan {
    plan_code: String,
    plan_name: String,
    max_workspaces: i32,
    workspaces_owned: i64,
    own_plan_name: Option<String>,
    trial_plan: Option<String>,
    trial_ends_at: Option<DateTime<Utc>>,
}

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

/// What the dashboard's first screen needs besides the feed and the report.
pub struct OverviewQuery<'a> {
    pub text: &'a str,
    pub sort: CardSort,
    pub page: usize,
    pub all_needs: bool,
    /// The workspace the person used last.
    pub last: Option<Uuid>,
}

pub async fn overview(
    tx: &mut AgencyTx,
    billing: BillingMode,
    q: OverviewQuery<'_>,
) -> Result<AgencyView, AppError> {
    let today = Utc::now().date_naive();
    // Every query below names the person's workspaces so that it reads by index; the
    // policies decide which of their rows exist for this person.
    let rows = memberships(tx).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let unseen_stats: Vec<Uuid> = rows
        .iter()
        .filter(|r| r.awaiting_approval.is_none())
        .map(|r| r.id)
        .collect();
    let weeks = post_weeks(tx, &ids, today).await?;
    let accounts = accounts(tx, &ids).await?;
    let overdue = overdue_approvals(tx, &ids).await?;
    let waiting = waiting_approvals(tx, &unseen_stats).await?;
    let approvals: HashMap<Uuid, (i64, i64)> = rows
        .iter()
        .map(|r| {
            let all = r
                .awaiting_approval
                .map(i64::from)
                .or_else(|| waiting.get(&r.id).copied())
                .unwrap_or(0);
            (r.id, (all, overdue.get(&r.id).copied().unwrap_or(0)))
        })
        .collect();
    let invitations = expiring_invitations(tx, &ids).await?;
    let usage_rows = usage_rows(tx).await?;
    let own: OwnPlan = sqlx::query_as(
        "SELECT o.plan_code, o.plan_name, o.max_workspaces, o.workspaces_owned, o.own_plan_name, \
                u.trial_plan, u.trial_ends_at \
           FROM app_own_plan() o, users u WHERE u.id = $1",
    )
    .bind(tx.user_id())
    .fetch_one(tx.conn())
    .await?;
    let cloud = billing == BillingMode::Cloud;
    let trial = match (&own.trial_plan, own.trial_ends_at) {
        (Some(t), Some(ends)) if cloud && *t == own.plan_code && ends > Utc::now() => {
            Some(usage::trial(
                &own.plan_name,
                ends,
                own.own_plan_name.as_deref().unwrap_or("Starter"),
            ))
        }
        _ => None,
    };

    // Needs you, per workspace.
    let mut needs: Vec<NeedItem> = Vec::new();
    for r in &rows {
        let role = Role::parse(&r.role).unwrap_or(Role::Viewer);
        let base = format!("/w/{}", r.slug);
        let item =
            |kind: NeedKind, count: i64, text: String, action: &str, href: String| NeedItem {
                kind,
                workspace: r.name.clone(),
                slug: r.slug.clone(),
                text,
                action: action.to_string(),
                href,
                count,
            };
        let failed = r.failed.unwrap_or(0) as i64;
        let partial = r.partially_published.unwrap_or(0) as i64;
        if failed > 0 {
            needs.push(item(
                NeedKind::FailedPosts,
                failed + partial,
                format!("{} failed to publish", posts(failed)),
                "Review failed posts",
                format!("{base}/posts?status=failed"),
            ));
        } else if partial > 0 {
            needs.push(item(
                NeedKind::FailedPosts,
                partial,
                format!("{} reached only some of their accounts", posts(partial)),
                "Review them",
                format!("{base}/posts?status=partially_published"),
            ));
        }
        let acc = accounts.get(&r.id).copied().unwrap_or_default();
        if acc.expired > 0 {
            needs.push(item(
                NeedKind::AccountsExpired,
                acc.expired,
                format!("{} expired", connections(acc.expired)),
                "Reconnect",
                format!("{base}/accounts"),
            ));
        }
        if acc.expiring > 0 {
            needs.push(item(
                NeedKind::AccountsExpiring,
                acc.expiring,
                format!("{} within 7 days", expires(acc.expiring)),
                "Reconnect",
                format!("{base}/accounts"),
            ));
        }
        let (waiting, late) = approvals.get(&r.id).copied().unwrap_or((0, 0));
        let whose = if role == Role::Client { "your" } else { "" };
        if late > 0 {
            needs.push(item(
                NeedKind::ApprovalsOverdue,
                late,
                format!(
                    "{} awaiting {}approval {} past {} time",
                    posts(late),
                    if whose.is_empty() {
                        String::new()
                    } else {
                        format!("{whose} ")
                    },
                    if late == 1 { "is" } else { "are" },
                    if late == 1 { "its" } else { "their" }
                ),
                "Open approvals",
                format!("{base}/approvals"),
            ));
        }
        if waiting - late > 0 {
            let n = waiting - late;
            needs.push(item(
                NeedKind::ApprovalsWaiting,
                n,
                format!(
                    "{} {} for {}approval",
                    posts(n),
                    if n == 1 { "waits" } else { "wait" },
                    if whose.is_empty() {
                        String::new()
                    } else {
                        format!("{whose} ")
                    },
                ),
                "Open approvals",
                format!("{base}/approvals"),
            ));
        }
        if let Some(&n) = invitations.get(&r.id) {
            needs.push(item(
                NeedKind::InvitationsExpiring,
                n,
                format!(
                    "{} {} within 48 hours",
                    plural(n, "invitation", "invitations"),
                    if n == 1 { "expires" } else { "expire" }
                ),
                "Resend or revoke",
                format!("{base}/settings/team"),
            ));
        }
    }

    // Usage, per owner; limits at 80 % and more join "needs you".
    let names: HashMap<Uuid, (&str, &str)> = rows
        .iter()
        .map(|r| (r.id, (r.name.as_str(), r.slug.as_str())))
        .collect();
    let mut by_owner: Vec<(Uuid, String, Vec<&UsageRow>)> = Vec::new();
    for u in &usage_rows {
        match by_owner.iter_mut().find(|(o, _, _)| *o == u.owner_id) {
            Some((_, _, list)) => list.push(u),
            None => by_owner.push((u.owner_id, u.owner_name.clone(), vec![u])),
        }
    }
    // The person's own plan first, then the others by owner name.
    let me = tx.user_id();
    by_owner.sort_by(|a, b| (a.0 != me, &a.1).cmp(&(b.0 != me, &b.1)));
    let mut usage_views = Vec::new();
    for (owner, owner_name, list) in by_owner {
        let mut view = usage::view_of(&list[0].usage, billing);
        // Pooled figures only: each workspace's share is in `shares`.
        for m in &mut view.meters {
            m.workspace = None;
        }
        let mut shares: Vec<WorkspaceShare> = list
            .iter()
            .filter_map(|u| {
                let (name, slug) = names.get(&u.workspace_id)?;
                Some(WorkspaceShare {
                    name: name.to_string(),
                    slug: slug.to_string(),
                    posts: u.usage.ws_posts as i64,
                    scheduled: u.usage.ws_scheduled as i64,
                    accounts: u.usage.ws_accounts as i64,
                    ai_credits: u.usage.ws_ai_credits as i64,
                })
            })
            .collect();
        shares.sort_by(|a, b| {
            (b.posts + b.scheduled, b.accounts)
                .cmp(&(a.posts + a.scheduled, a.accounts))
                .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
        });
        let title = if owner == me {
            "Your plan".to_string()
        } else {
            format!("{owner_name}'s plan")
        };
        if let Some(first) = shares.iter().min_by_key(|s| s.name.to_lowercase()) {
            for m in &view.meters {
                let kind = match m.level() {
                    "full" => NeedKind::LimitReached,
                    "warn" => NeedKind::LimitNear,
                    _ => continue,
                };
                let (Some(limit), Some(pct)) = (m.limit, m.percent()) else {
                    continue;
                };
                needs.push(NeedItem {
                    kind,
                    workspace: first.name.clone(),
                    slug: first.slug.clone(),
                    text: format!(
                        "{}: {} of {limit} on {} {} plan ({pct} %)",
                        m.label,
                        m.pooled,
                        if owner == me { "your" } else { "the owner's" },
                        view.plan
                    ),
                    action: "See usage".into(),
                    href: format!("/w/{}/usage", first.slug),
                    count: pct as i64,
                });
            }
        }
        let total = shares.len();
        shares.truncate(10);
        usage_views.push(OwnerUsage {
            title,
            usage: view,
            shares,
            total,
        });
    }
    needs.sort_by(|a, b| {
        (a.kind, -a.count, a.workspace.to_lowercase()).cmp(&(
            b.kind,
            -b.count,
            b.workspace.to_lowercase(),
        ))
    });

    // The cards.
    let mut need_count: HashMap<&str, (i64, NeedKind)> = HashMap::new();
    for n in &needs {
        let e = need_count.entry(n.slug.as_str()).or_insert((0, n.kind));
        e.0 += 1;
        e.1 = e.1.min(n.kind);
    }
    let text = q.text.trim().to_lowercase();
    let mut cards: Vec<(ClientCard, NeedKind, Uuid)> = rows
        .iter()
        .filter(|r| {
            text.is_empty()
                || r.name.to_lowercase().contains(&text)
                || r.slug.contains(text.as_str())
        })
        .map(|r| {
            let role = Role::parse(&r.role).unwrap_or(Role::Viewer);
            let acc = accounts.get(&r.id).copied().unwrap_or_default();
            let (needs_n, worst) = need_count
                .get(r.slug.as_str())
                .copied()
                .unwrap_or((0, NeedKind::LimitNear));
            let health = if acc.accounts == 0 {
                Health::None
            } else if acc.expired > 0 {
                Health::Expired
            } else if acc.expiring > 0 {
                Health::Expiring
            } else {
                Health::Fine
            };
            (
                ClientCard {
                    name: r.name.clone(),
                    slug: r.slug.clone(),
                    initials: crate::model::initials(&r.name),
                    logo_url: r.logo_url.clone(),
                    primary_color: r.primary_color.clone(),
                    role,
                    accounts: acc.accounts,
                    health,
                    // Filled below for the page shown.
                    scheduled_next_7: 0,
                    published_last_30: 0,
                    failed: r.failed.map(|f| f as i64),
                    awaiting: approvals.get(&r.id).map_or(0, |a| a.0),
                    members: r.members.map(|m| m as i64),
                    spark: weeks.get(&r.id).cloned().unwrap_or_else(|| vec![0; WEEKS]),
                    needs: needs_n,
                },
                worst,
                r.id,
            )
        })
        .collect();
    match q.sort {
        CardSort::Name => {} // already by name
        CardSort::Needs => cards.sort_by(|(a, ka, _), (b, kb, _)| {
            ((a.needs == 0), *ka, -a.needs).cmp(&((b.needs == 0), *kb, -b.needs))
        }),
        // Published over the sparkline's 12 weeks.
        CardSort::Activity => cards.sort_by_key(|(c, _, _)| -c.spark.iter().sum::<i64>()),
    }
    let cards_total = cards.len();
    let pages = cards_total.div_ceil(CARDS_PER_PAGE).max(1);
    let page = q.page.clamp(1, pages);
    let shown: Vec<(ClientCard, Uuid)> = cards
        .into_iter()
        .skip((page - 1) * CARDS_PER_PAGE)
        .take(CARDS_PER_PAGE)
        .map(|(c, _, id)| (c, id))
        .collect();
    let shown_ids: Vec<Uuid> = shown.iter().map(|(_, id)| *id).collect();
    let near = near_days(tx, &shown_ids, today).await?;
    let cards: Vec<ClientCard> = shown
        .into_iter()
        .map(|(mut c, id)| {
            let (next, last) = near.get(&id).copied().unwrap_or((0, 0));
            c.scheduled_next_7 = next;
            c.published_last_30 = last;
            c
        })
        .collect();
    let needs_total = needs.len();
    if !q.all_needs {
        needs.truncate(NEEDS_SHOWN);
    }
    Ok(AgencyView {
        user_name: String::new(),
        user_initials: String::new(),
        user_email: String::new(),
        workspaces: rows.len(),
        first_run: rows.iter().all(|r| r.is_personal),
        needs,
        needs_total,
        cards,
        cards_total,
        page,
        pages,
        query: q.text.trim().to_string(),
        sort: q.sort,
        usage: usage_views,
        trial,
        can_create: !cloud || own.workspaces_owned < own.max_workspaces as i64,
        last: q.last.and_then(|id| {
            rows.iter()
                .find(|r| r.id == id)
                .map(|r| (r.name.clone(), r.slug.clone()))
        }),
    })
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
fn posts(n: i64) -> String {
    plural(n, "post", "posts")
}
fn connections(n: i64) -> String {
    plural(n, "account connection", "account connections")
}
fn expires(n: i64) -> String {
    format!(
        "{} {}",
        connections(n),
        if n == 1 { "expires" } else { "expire" }
    )
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
    fn weeks_end_with_this_monday() {
        let wed = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        let w = weeks(wed);
        assert_eq!(w.len(), WEEKS);
        assert_eq!(w[WEEKS - 1], NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
        assert_eq!(w[0], NaiveDate::from_ymd_opt(2026, 9, 21).unwrap());
        let mon = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(weeks(mon)[WEEKS - 1], mon);
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("Acme"), "Acme");
        assert_eq!(csv_field("Acme, Inc"), "\"Acme, Inc\"");
        assert_eq!(csv_field("Say \"hi\""), "\"Say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("-1,2"), "\"'-1,2\"");
    }
}
