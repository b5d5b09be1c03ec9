//! Plans, limits and usage meters (SPEC §3). Limits are per owner account,
//! pooled across the workspaces it owns; the counters are kept by the
//! database (`migrations/…_plans.sql`). In `cloud` billing mode a gated
//! action first locks its owner's usage row (`app_lock_owner_usage()`, in the
//! transaction that does the work, so concurrent requests cannot overshoot),
//! then compares the counters with the plan. `self-hosted` skips every check;
//! the meters still show use.
use crate::model::{AppError, Permission, UsageMeter, UsageView};
use crate::server::config::BillingMode;
use crate::server::tenancy::{ScopedTx, UserTx};
use chrono::{DateTime, Duration, Utc};

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct Usage {
    pub plan_code: String,
    pub plan_name: String,
    pub cycle_start: DateTime<Utc>,
    pub cycle_end: DateTime<Utc>,
    pub max_workspaces: i32,
    pub max_social_accounts: i32,
    pub max_members: i32,
    pub ai_credits_monthly: i32,
    pub monthly_posts: i32,
    pub scheduled_posts: i32,
    pub schedule_horizon_days: i32,
    pub workspaces_owned: i64,
    pub pooled_scheduled: i64,
    pub pooled_posts: i64,
    pub pooled_accounts: i64,
    pub pooled_ai_credits: i64,
    pub ws_scheduled: i32,
    pub ws_posts: i32,
    pub ws_accounts: i32,
    pub ws_ai_credits: i32,
    /// Distinct people across the owner's workspaces (pending invitations included).
    pub people: i64,
    /// When the owner's trial ends (while it gives a better plan than their own).
    pub trial_ends_at: Option<DateTime<Utc>>,
    /// The owner's own plan, which applies after the trial.
    pub own_plan_name: Option<String>,
}

/// The use and plan of the owner of the workspace in scope.
pub async fn current(tx: &mut ScopedTx) -> Result<Usage, AppError> {
    sqlx::query_as("SELECT plan_code, plan_name, cycle_start, cycle_end, max_workspaces, max_social_accounts, \
                           max_members, ai_credits_monthly, monthly_posts, scheduled_posts, schedule_horizon_days, \
                           workspaces_owned, pooled_scheduled, pooled_posts, pooled_accounts, pooled_ai_credits, \
                           ws_scheduled, ws_posts, ws_accounts, ws_ai_credits, people, trial_ends_at, own_plan_name \
                    FROM app_usage()")
        .fetch_optional(tx.conn())
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn lock(tx: &mut ScopedTx) -> Result<Usage, AppError> {
    let owner: Option<uuid::Uuid> = sqlx::query_scalar("SELECT app_lock_owner_usage()")
        .fetch_one(tx.conn())
        .await?;
    owner.ok_or(AppError::NotFound)?;
    current(tx).await
}

fn limit_error(
    code: &str,
    metric: &str,
    (one, many): (&str, &str),
    plan: &str,
    limit: i64,
    used: i64,
) -> AppError {
    let what = if limit == 1 { one } else { many };
    AppError::PlanLimit {
        code: code.into(),
        metric: metric.into(),
        message: format!(
            "Your {plan} plan allows {limit} {what}, and {used} {} in use. Upgrade the plan, or free some up, to do this.",
            if used == 1 { "is" } else { "are" }
        ),
        limit,
        used,
    }
}

/// Before a post is scheduled (or moved): `newly_active` when it was not
/// waiting to be published before, `counted` when it already counts in this
/// cycle's posts.
pub async fn check_schedule(
    tx: &mut ScopedTx,
    billing: BillingMode,
    at: Option<DateTime<Utc>>,
    newly_active: bool,
    counted: bool,
) -> Result<(), AppError> {
    if billing == BillingMode::SelfHosted {
        return Ok(());
    }
    let u = lock(tx).await?;
    if let Some(at) = at {
        let horizon = Utc::now() + Duration::days(u.schedule_horizon_days as i64);
        if at > horizon {
            return Err(AppError::PlanLimit {
                code: "SCHEDULE_HORIZON_REACHED".into(),
                metric: "scheduleHorizonDays".into(),
                message: format!(
                    "Your {} plan schedules at most {} days ahead. Pick an earlier date or upgrade the plan.",
                    u.plan_name, u.schedule_horizon_days
                ),
                limit: u.schedule_horizon_days as i64,
                used: (at - Utc::now()).num_days(),
            });
        }
    }
    if newly_active {
        if u.pooled_scheduled >= u.scheduled_posts as i64 {
            return Err(limit_error(
                "SCHEDULED_POST_LIMIT_REACHED",
                "scheduledPosts",
                ("scheduled post at a time", "scheduled posts at a time"),
                &u.plan_name,
                u.scheduled_posts as i64,
                u.pooled_scheduled,
            ));
        }
        if !counted && u.pooled_posts >= u.monthly_posts as i64 {
            return Err(limit_error(
                "POST_LIMIT_REACHED",
                "monthlyPosts",
                ("post a month", "posts a month"),
                &u.plan_name,
                u.monthly_posts as i64,
                u.pooled_posts,
            ));
        }
    }
    Ok(())
}

/// Before a new social account is connected.
pub async fn check_account(tx: &mut ScopedTx, billing: BillingMode) -> Result<(), AppError> {
    if billing == BillingMode::SelfHosted {
        return Ok(());
    }
    let u = lock(tx).await?;
    if u.pooled_accounts >= u.max_social_accounts as i64 {
        return Err(limit_error(
            "CONNECTIONS_OVER_LIMIT",
            "socialAccounts",
            ("connected social account", "connected social accounts"),
            &u.plan_name,
            u.max_social_accounts as i64,
            u.pooled_accounts,
        ));
    }
    Ok(())
}

/// Before inviting `email`: a person new to the owner's workspaces (members
/// and pending invitations, across all of them) takes a seat.
pub async fn check_invite(
    tx: &mut ScopedTx,
    billing: BillingMode,
    email: &str,
) -> Result<(), AppError> {
    if billing == BillingMode::SelfHosted {
        return Ok(());
    }
    lock(tx).await?;
    let (people, known, max, plan_name): (i64, bool, i32, String) =
        sqlx::query_as("SELECT people, known, max_members, plan_name FROM app_owner_people($1)")
            .bind(email)
            .fetch_optional(tx.conn())
            .await?
            .ok_or(AppError::NotFound)?;
    if !known && people >= max as i64 {
        return Err(limit_error(
            "MEMBER_LIMIT_REACHED",
            "members",
            (
                "person across its workspaces (pending invitations included)",
                "people across its workspaces (pending invitations included)",
            ),
            &plan_name,
            max as i64,
            people,
        ));
    }
    Ok(())
}

/// Before an ownership transfer: the new owner's plan must have room for one
/// more workspace.
pub async fn check_transfer(
    tx: &mut ScopedTx,
    billing: BillingMode,
    to: uuid::Uuid,
) -> Result<(), AppError> {
    if billing == BillingMode::SelfHosted {
        return Ok(());
    }
    let row: Option<(String, i32, i64)> = sqlx::query_as(
        "SELECT plan_name, max_workspaces, workspaces_owned FROM app_transfer_capacity($1)",
    )
    .bind(to)
    .fetch_optional(tx.conn())
    .await?;
    let (plan_name, max, owned) = row.ok_or(AppError::NotFound)?;
    if owned >= max as i64 {
        return Err(AppError::PlanLimit {
            code: "WORKSPACE_LIMIT_REACHED".into(),
            metric: "workspaces".into(),
            message: format!(
                "The new owner's {plan_name} plan allows {max} workspaces and they own {owned}: they need to upgrade before taking this one over."
            ),
            limit: max as i64,
            used: owned,
        });
    }
    Ok(())
}

/// Before the session's user creates a workspace (they will own it).
pub async fn check_workspace(tx: &mut UserTx, billing: BillingMode) -> Result<(), AppError> {
    if billing == BillingMode::SelfHosted {
        return Ok(());
    }
    sqlx::query("SELECT app_lock_owner_usage()")
        .execute(tx.conn())
        .await?;
    let (plan_name, max, owned): (String, i32, i64) =
        sqlx::query_as("SELECT plan_name, max_workspaces, workspaces_owned FROM app_own_plan()")
            .fetch_one(tx.conn())
            .await?;
    if owned >= max as i64 {
        return Err(limit_error(
            "WORKSPACE_LIMIT_REACHED",
            "workspaces",
            ("workspace", "workspaces"),
            &plan_name,
            max as i64,
            owned,
        ));
    }
    Ok(())
}

fn meter(label: &str, workspace: Option<i64>, pooled: i64, limit: Option<i64>) -> UsageMeter {
    UsageMeter {
        label: label.into(),
        workspace,
        pooled,
        limit,
    }
}

/// The usage page: this workspace's own use and the owner's pooled total
/// against each cap (no caps in self-hosted mode).
pub async fn view(tx: &mut ScopedTx, billing: BillingMode) -> Result<UsageView, AppError> {
    tx.ctx().require(Permission::ViewUsage)?;
    let u = current(tx).await?;
    Ok(view_of(&u, billing))
}

/// The meters of one owner's use (`u`), as the usage page and the agency dashboard show them.
pub fn view_of(u: &Usage, billing: BillingMode) -> UsageView {
    let people = u.people;
    let cap = |n: i32| (billing == BillingMode::Cloud).then_some(n as i64);
    UsageView {
        plan: u.plan_name.clone(),
        cloud: billing == BillingMode::Cloud,
        cycle_start: u.cycle_start,
        cycle_end: u.cycle_end,
        meters: vec![
            meter(
                "Posts this cycle",
                Some(u.ws_posts as i64),
                u.pooled_posts,
                cap(u.monthly_posts),
            ),
            meter(
                "Scheduled now",
                Some(u.ws_scheduled as i64),
                u.pooled_scheduled,
                cap(u.scheduled_posts),
            ),
            meter(
                "Social accounts",
                Some(u.ws_accounts as i64),
                u.pooled_accounts,
                cap(u.max_social_accounts),
            ),
            meter(
                "Workspaces",
                None,
                u.workspaces_owned,
                cap(u.max_workspaces),
            ),
            meter("Members", None, people, cap(u.max_members)),
            meter(
                "AI credits",
                Some(u.ws_ai_credits as i64),
                u.pooled_ai_credits,
                cap(u.ai_credits_monthly),
            ),
        ],
        horizon_days: cap(u.schedule_horizon_days),
        trial: trial_view(u, billing),
    }
}

/// The trial the owner is on, as the usage page and the dashboard say it.
pub fn trial_view(u: &Usage, billing: BillingMode) -> Option<crate::model::TrialView> {
    let ends_at = u.trial_ends_at.filter(|_| billing == BillingMode::Cloud)?;
    Some(trial(
        &u.plan_name,
        ends_at,
        u.own_plan_name.as_deref().unwrap_or("Starter"),
    ))
}

/// A trial of `plan` ending at `ends_at`, after which `then` applies.
pub fn trial(plan: &str, ends_at: DateTime<Utc>, then: &str) -> crate::model::TrialView {
    let left = ends_at - Utc::now();
    crate::model::TrialView {
        plan: plan.to_string(),
        ends_at,
        // A trial with any time left has at least one day left.
        days_left: (left.num_seconds().max(0) + 86_399) / 86_400,
        then: then.to_string(),
    }
}
