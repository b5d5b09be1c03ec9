//! The dashboard's first screen: needs you, the client cards and usage.
use super::{memberships, needs, post_weeks};
use crate::model::agency::*;
use crate::model::{AppError, Role};
use crate::server::config::BillingMode;
use crate::server::services::usage::{self, Usage};
use crate::server::tenancy::AgencyTx;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use uuid::Uuid;

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
pub(super) struct AccountsRow {
    pub(super) accounts: i64,
    pub(super) expired: i64,
    pub(super) expiring: i64,
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
    let mut needs: Vec<NeedItem> = rows
        .iter()
        .flat_map(|r| {
            needs::of_workspace(
                r,
                accounts.get(&r.id).copied().unwrap_or_default(),
                approvals.get(&r.id).copied().unwrap_or((0, 0)),
                invitations.get(&r.id).copied(),
            )
        })
        .collect();

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
            needs.extend(needs::of_limits(&view, owner == me, first));
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
    needs::sort(&mut needs);

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
