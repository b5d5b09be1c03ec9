//! Plans and limits in cloud mode (SPEC §3): every gated action at its
//! boundary, pooled across the owner's workspaces, safe under concurrency,
//! and skipped when self-hosted.
use crate::common::{date_time, TestApp};
use crate::publishing::connect_sandbox;
use chrono::{Duration, Utc};
use postroom::api::content as c;
use postroom::model::AppError;
use postroom::server::config::BillingMode;
use reqwest::{Client, StatusCode};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use uuid::Uuid;

async fn cloud(pool_opts: PgPoolOptions, opts: PgConnectOptions) -> TestApp {
    TestApp::spawn_with(pool_opts, opts, |cfg| cfg.billing_mode = BillingMode::Cloud).await
}

pub async fn set_limit(app: &TestApp, plan: &str, column: &str, value: i32) {
    sqlx::query(&format!("UPDATE plans SET {column} = $2 WHERE code = $1"))
        .bind(plan)
        .bind(value)
        .execute(&app.admin)
        .await
        .unwrap();
}

async fn set_plan(app: &TestApp, email: &str, plan: &str) {
    sqlx::query("UPDATE users SET plan = $2 WHERE email = $1")
        .bind(email)
        .bind(plan)
        .execute(&app.admin)
        .await
        .unwrap();
}

fn soon(days: i64) -> (String, String) {
    date_time(Utc::now() + Duration::days(days) + Duration::minutes(10))
}

async fn schedule(
    app: &TestApp,
    who: &Client,
    slug: &str,
    account: Uuid,
    days: i64,
) -> (StatusCode, String) {
    let text = format!("Post {}", Uuid::new_v4());
    app.schedule_post(who, slug, &text, &[account], soon(days))
        .await
}

fn limit_code(body: &str) -> String {
    match serde_json::from_str::<AppError>(body) {
        Ok(AppError::PlanLimit { code, .. }) => code,
        other => panic!("not a plan limit: {other:?} {body}"),
    }
}

#[sqlx::test]
async fn twenty_concurrent_schedules_at_a_limit_of_five_get_exactly_five(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = cloud(pool_opts, opts).await;
    let (owner, slug) = app.sign_up("Olive", "olive@example.test").await;
    let account = connect_sandbox(&app, &owner, &slug, "olive_main").await;
    set_limit(&app, "starter", "scheduled_posts", 5).await;
    let calls = (0..20).map(|_| schedule(&app, &owner, &slug, account, 1));
    let results = futures::future::join_all(calls).await;
    let ok = results.iter().filter(|(s, _)| s.is_success()).count();
    let refused: Vec<&(StatusCode, String)> = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::PAYMENT_REQUIRED)
        .collect();
    assert_eq!(ok, 5, "{results:?}");
    assert_eq!(refused.len(), 15);
    for (_, body) in refused {
        assert_eq!(limit_code(body), "SCHEDULED_POST_LIMIT_REACHED");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM posts").await,
        5,
        "nothing half-written"
    );
    // The meter reads the counter: 5 of 5, red.
    let (_, page) = app.get(&owner, &format!("/w/{slug}/usage")).await;
    assert!(page.contains("5 of 5"), "{page}");
    assert!(page.contains("meter-full"));
    // Deleting one gives the capacity back at once.
    let post: Uuid = sqlx::query_scalar("SELECT id FROM posts LIMIT 1")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    let (status, _) = app
        .call::<c::DeletePost>(
            &owner,
            &[("slug", slug.clone()), ("post_id", post.to_string())],
        )
        .await;
    assert!(status.is_success() || status.is_redirection());
    let (status, body) = schedule(&app, &owner, &slug, account, 1).await;
    assert!(status.is_success(), "{body}");
}

#[sqlx::test]
async fn monthly_posts_and_the_horizon_at_their_boundaries(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = cloud(pool_opts, opts).await;
    let (owner, slug) = app.sign_up("Olive", "olive@example.test").await;
    let account = connect_sandbox(&app, &owner, &slug, "olive_main").await;
    set_limit(&app, "starter", "monthly_posts", 3).await;
    for _ in 0..3 {
        let (status, body) = schedule(&app, &owner, &slug, account, 1).await;
        assert!(status.is_success(), "{body}");
    }
    let (status, body) = schedule(&app, &owner, &slug, account, 1).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(limit_code(&body), "POST_LIMIT_REACHED");
    assert!(body.contains("Starter"), "{body}");
    // A draft is not limited.
    let (status, _) = app
        .call::<c::SavePost>(
            &owner,
            &[
                ("slug", slug.clone()),
                ("content", "Just a draft".into()),
                ("account_ids[0]", account.to_string()),
                ("intent", "draft".into()),
            ],
        )
        .await;
    assert!(status.is_success());
    // Published posts keep counting; an unscheduled one gives its place back.
    let post: Uuid = sqlx::query_scalar("SELECT id FROM posts WHERE status = 'scheduled' LIMIT 1")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    let (date, time) = soon(2);
    let (status, body) = app
        .call::<c::SavePost>(
            &owner,
            &[
                ("slug", slug.clone()),
                ("post_id", post.to_string()),
                ("content", "Back to draft".into()),
                ("account_ids[0]", account.to_string()),
                ("date", date),
                ("time", time),
                ("intent", "draft".into()),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let (status, body) = schedule(&app, &owner, &slug, account, 1).await;
    assert!(status.is_success(), "{body}");
    // Starter schedules at most 30 days ahead.
    set_limit(&app, "starter", "monthly_posts", 100).await;
    let (status, body) = schedule(&app, &owner, &slug, account, 29).await;
    assert!(status.is_success(), "{body}");
    let (status, body) = schedule(&app, &owner, &slug, account, 31).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(limit_code(&body), "SCHEDULE_HORIZON_REACHED");
}

#[sqlx::test]
async fn limits_are_pooled_across_the_owners_workspaces_and_apply_to_members(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = cloud(pool_opts, opts).await;
    let (owner, personal) = app.sign_up("Olive", "olive@example.test").await;
    set_plan(&app, "olive@example.test", "plus").await;
    set_limit(&app, "plus", "scheduled_posts", 2).await;
    let second = app.create_workspace(&owner, "Second Co").await;
    let a1 = connect_sandbox(&app, &owner, &personal, "olive_a").await;
    let a2 = connect_sandbox(&app, &owner, &second, "olive_b").await;
    let (editor, _) = app.sign_up("Ed", "ed@example.test").await;
    app.add_member(&second, "ed@example.test", "EDITOR").await;
    assert!(schedule(&app, &owner, &personal, a1, 1)
        .await
        .0
        .is_success());
    assert!(schedule(&app, &editor, &second, a2, 1).await.0.is_success());
    // The third, in either workspace and by anyone, is over the owner's pooled limit.
    let (status, body) = schedule(&app, &editor, &second, a2, 1).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
    let (status, _) = schedule(&app, &owner, &personal, a1, 1).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    // The editor's own personal workspace has its own owner (the editor) and plan.
    let (_, page) = app.get(&owner, &format!("/w/{second}/usage")).await;
    assert!(page.contains("2 of 2"), "pooled meter: {page}");
}

#[sqlx::test]
async fn workspaces_and_accounts_stop_at_the_plan(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = cloud(pool_opts, opts).await;
    let (owner, slug) = app.sign_up("Olive", "olive@example.test").await;
    // Starter: one workspace (the personal one).
    let (status, body) = app
        .call::<postroom::api::workspaces::CreateWorkspace>(&owner, &[("name", "One Too Many")])
        .await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
    assert_eq!(limit_code(&body), "WORKSPACE_LIMIT_REACHED");
    // Plus: five in all, however many are asked for at once.
    set_plan(&app, "olive@example.test", "plus").await;
    let calls = (0..8).map(|i| {
        let owner = owner.clone();
        let app = &app;
        async move {
            app.call::<postroom::api::workspaces::CreateWorkspace>(
                &owner,
                &[("name", format!("Client {i}"))],
            )
            .await
        }
    });
    let results = futures::future::join_all(calls).await;
    assert_eq!(
        results
            .iter()
            .filter(|(s, _)| s.is_success() || s.is_redirection())
            .count(),
        4,
        "{results:?}"
    );
    assert_eq!(app.count("SELECT count(*) FROM workspaces").await, 5);
    // Social accounts: one allowed here.
    set_limit(&app, "plus", "max_social_accounts", 1).await;
    connect_sandbox(&app, &owner, &slug, "olive_one").await;
    let res = owner
        .get(format!("{}/w/{slug}/accounts/connect/sandbox", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        format!("/w/{slug}/accounts?error=limit")
    );
    assert_eq!(app.count("SELECT count(*) FROM social_accounts").await, 1);
}

#[sqlx::test]
async fn self_hosted_skips_every_check_but_still_meters(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await; // self-hosted is the default
    let (owner, slug) = app.sign_up("Olive", "olive@example.test").await;
    let account = connect_sandbox(&app, &owner, &slug, "olive_main").await;
    set_limit(&app, "starter", "scheduled_posts", 1).await;
    set_limit(&app, "starter", "monthly_posts", 1).await;
    for _ in 0..3 {
        let (status, body) = schedule(&app, &owner, &slug, account, 60).await;
        assert!(status.is_success(), "{body}");
    }
    app.create_workspace(&owner, "Second Co").await;
    let (_, page) = app.get(&owner, &format!("/w/{slug}/usage")).await;
    assert!(page.contains("3 · no limit"), "{page}");
    assert!(page.contains("Self-hosted"));
}

#[sqlx::test]
async fn members_count_people_across_workspaces_with_pending_invitations(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    use postroom::api::invitations::InviteMember;
    let app = cloud(pool_opts, opts).await;
    let (owner, personal) = app.sign_up("Olive", "olive@example.test").await;
    let invite = |slug: String, email: &'static str| {
        let owner = owner.clone();
        let app = &app;
        async move {
            app.call::<InviteMember>(
                &owner,
                &[
                    ("slug", slug.as_str()),
                    ("email", email),
                    ("role", "EDITOR"),
                ],
            )
            .await
        }
    };
    // Starter: one person — the owner.
    let (status, body) = invite(personal.clone(), "a@example.test").await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
    assert_eq!(limit_code(&body), "MEMBER_LIMIT_REACHED");
    assert_eq!(app.count("SELECT count(*) FROM invitations").await, 0);
    // Plus: five people in all, pending invitations included.
    set_plan(&app, "olive@example.test", "plus").await;
    let second = app.create_workspace(&owner, "Second Co").await;
    for email in [
        "a@example.test",
        "b@example.test",
        "c@example.test",
        "d@example.test",
    ] {
        let (status, body) = invite(personal.clone(), email).await;
        assert!(status.is_success(), "{email}: {body}");
    }
    let (status, body) = invite(second.clone(), "e@example.test").await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
    // Someone already counted may join another of the owner's workspaces.
    let (status, body) = invite(second.clone(), "a@example.test").await;
    assert!(status.is_success(), "{body}");
    let (_, page) = app.get(&owner, &format!("/w/{personal}/usage")).await;
    assert!(page.contains("5 of 5"), "{page}");
}

#[sqlx::test]
async fn a_transfer_needs_room_in_the_new_owners_plan(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    use postroom::api::members::TransferOwnership;
    let app = cloud(pool_opts, opts).await;
    let (owner, _) = app.sign_up("Olive", "olive@example.test").await;
    set_plan(&app, "olive@example.test", "plus").await;
    let slug = app.create_workspace(&owner, "Handover Co").await;
    app.sign_up("Ada", "ada@example.test").await; // Starter, owns her personal workspace
    app.add_member(&slug, "ada@example.test", "ADMIN").await;
    let ada = app.user_id("ada@example.test").await;
    let args = [
        ("slug", slug.clone()),
        ("user_id", ada.to_string()),
        ("password", "correct horse battery".to_string()),
    ];
    let (status, body) = app.call::<TransferOwnership>(&owner, &args).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
    assert_eq!(limit_code(&body), "WORKSPACE_LIMIT_REACHED");
    assert_eq!(
        app.role_of(&slug, "olive@example.test").await.as_deref(),
        Some("OWNER")
    );
    set_plan(&app, "ada@example.test", "plus").await;
    let (status, body) = app.call::<TransferOwnership>(&owner, &args).await;
    assert!(status.is_success(), "{body}");
    assert_eq!(
        app.role_of(&slug, "ada@example.test").await.as_deref(),
        Some("OWNER")
    );
}

/// An expired invitation no longer holds a seat; resending it takes one again, so it
/// is checked against the member limit like a new invitation.
#[sqlx::test]
async fn resending_an_expired_invitation_checks_the_member_limit(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    use postroom::api::invitations::{InviteMember, ResendInvitation};
    let app = cloud(pool_opts, opts).await;
    let (owner, slug) = app.sign_up("Olive", "olive@example.test").await;
    set_limit(&app, "starter", "max_members", 2).await;
    let invite = |email: &'static str| {
        let (owner, app, slug) = (owner.clone(), &app, slug.clone());
        async move {
            app.call::<InviteMember>(
                &owner,
                &[
                    ("slug", slug.as_str()),
                    ("email", email),
                    ("role", "EDITOR"),
                ],
            )
            .await
        }
    };
    let (status, body) = invite("first@example.test").await;
    assert!(status.is_success(), "{body}");
    // Its week runs out: the seat is free again, and someone else takes it.
    sqlx::query("UPDATE invitations SET expires_at = now() - interval '1 minute'")
        .execute(&app.admin)
        .await
        .unwrap();
    let (status, body) = invite("second@example.test").await;
    assert!(status.is_success(), "{body}");
    let expired: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM invitations WHERE email = 'first@example.test'")
            .fetch_one(&app.admin)
            .await
            .unwrap();
    let resend = app
        .call::<ResendInvitation>(
            &owner,
            &[
                ("slug", slug.clone()),
                ("invitation_id", expired.to_string()),
            ],
        )
        .await;
    assert_eq!(resend.0, StatusCode::PAYMENT_REQUIRED, "{}", resend.1);
    assert_eq!(limit_code(&resend.1), "MEMBER_LIMIT_REACHED");
    assert_eq!(
        app.count("SELECT count(*) FROM invitations WHERE email = 'first@example.test' AND expires_at > now()")
            .await,
        0,
        "the refused resend changed the invitation"
    );
    // A pending invitation is counted already: resending it passes.
    let pending: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM invitations WHERE email = 'second@example.test'")
            .fetch_one(&app.admin)
            .await
            .unwrap();
    let resend = app
        .call::<ResendInvitation>(
            &owner,
            &[
                ("slug", slug.clone()),
                ("invitation_id", pending.to_string()),
            ],
        )
        .await;
    assert!(resend.0.is_success(), "{}", resend.1);
}

/// Two owners hand their workspaces at the same moment to an admin whose plan has room
/// for one more: the new owner's usage is locked by each transfer, so exactly one
/// passes (like two workspace creations at once).
#[sqlx::test]
async fn two_transfers_at_once_to_one_person_never_overshoot_their_plan(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    use postroom::api::members::TransferOwnership;
    let app = cloud(pool_opts, opts).await;
    let (olive, _) = app.sign_up("Olive", "olive@example.test").await;
    let (omar, _) = app.sign_up("Omar", "omar@example.test").await;
    for email in ["olive@example.test", "omar@example.test"] {
        set_plan(&app, email, "plus").await;
    }
    let first = app.create_workspace(&olive, "First Co").await;
    let second = app.create_workspace(&omar, "Second Co").await;
    app.sign_up("Ada", "ada@example.test").await; // owns her personal workspace
    set_limit(&app, "starter", "max_workspaces", 2).await; // room for one more
    for slug in [&first, &second] {
        app.add_member(slug, "ada@example.test", "ADMIN").await;
    }
    let ada = app.user_id("ada@example.test").await;
    let transfer = |client: reqwest::Client, slug: String| {
        let app = &app;
        async move {
            app.call::<TransferOwnership>(
                &client,
                &[
                    ("slug", slug),
                    ("user_id", ada.to_string()),
                    ("password", "correct horse battery".to_string()),
                ],
            )
            .await
        }
    };
    let (a, b) = tokio::join!(transfer(olive, first), transfer(omar, second));
    let statuses = [a.0, b.0];
    assert_eq!(
        statuses.iter().filter(|s| s.is_success()).count(),
        1,
        "{a:?} {b:?}"
    );
    assert!(
        statuses.contains(&StatusCode::PAYMENT_REQUIRED),
        "{a:?} {b:?}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM workspaces w JOIN users u ON u.id = w.owner_id WHERE u.email = 'ada@example.test'")
            .await,
        2
    );
}

/// In cloud billing a new account starts on a trial (Pro for 14 days by default), so
/// an agency can create its client workspaces on day one; the usage page says how
/// long it lasts and what comes after. When it ends the account is on Starter again:
/// nothing is deleted, only new actions over a cap are refused.
#[sqlx::test]
async fn a_new_account_starts_on_a_trial_and_keeps_everything_after_it(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    use postroom::api::content::Usage;
    let app = TestApp::spawn_with(pool_opts, opts, |cfg| {
        cfg.billing_mode = BillingMode::Cloud;
        cfg.trial_days = 14;
        cfg.trial_plan = "pro".into();
    })
    .await;
    let (agency, personal) = app.sign_up("Aga", "aga@example.test").await;
    let first = app.create_workspace(&agency, "Client One").await;
    let second = app.create_workspace(&agency, "Client Two").await;
    let (status, body) = app
        .call::<Usage>(&agency, &[("slug", first.as_str())])
        .await;
    assert!(status.is_success(), "{body}");
    let usage: postroom::model::UsageView = serde_json::from_str(&body).unwrap();
    assert_eq!(usage.plan, "Pro");
    let trial = usage.trial.expect("the usage page tells of the trial");
    assert_eq!(
        (trial.plan.as_str(), trial.days_left, trial.then.as_str()),
        ("Pro", 14, "Starter")
    );
    let (_, page) = app.get(&agency, &format!("/w/{first}/usage")).await;
    assert!(page.contains("Pro trial: 14 days left"), "the page says it");
    // The trial ends.
    sqlx::query("UPDATE users SET trial_ends_at = now() - interval '1 second'")
        .execute(&app.admin)
        .await
        .unwrap();
    let (status, body) = app
        .call::<postroom::api::workspaces::CreateWorkspace>(&agency, &[("name", "Client Three")])
        .await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
    assert_eq!(limit_code(&body), "WORKSPACE_LIMIT_REACHED");
    for slug in [&personal, &first, &second] {
        let (status, _) = app.get(&agency, &format!("/w/{slug}")).await;
        assert_eq!(status, StatusCode::OK, "{slug} is still there");
    }
    let (_, body) = app
        .call::<Usage>(&agency, &[("slug", first.as_str())])
        .await;
    let usage: postroom::model::UsageView = serde_json::from_str(&body).unwrap();
    assert_eq!((usage.plan.as_str(), usage.trial), ("Starter", None));
    // An operator's choice of plan ends a trial at once.
    let (nina, _) = app.sign_up("Nina", "nina@example.test").await;
    postroom::server::services::users::operator::set_plan(
        &app.admin,
        "nina@example.test",
        "starter",
    )
    .await
    .unwrap();
    let (status, body) = app
        .call::<postroom::api::workspaces::CreateWorkspace>(&nina, &[("name", "Nope")])
        .await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
}
