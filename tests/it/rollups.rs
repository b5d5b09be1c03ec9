//! The agency dashboard's rollups (`workspace_stats`, `workspace_post_days`) are kept
//! by the same transactions that change posts, accounts and members: after any mix of
//! changes — through the app, the publishing worker, cascades, and many at once —
//! they equal what a full recount of the base tables gives.
use crate::common::TestApp;
use crate::publishing::connect_sandbox;
use postroom::api::content as c;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use uuid::Uuid;

/// Every rollup row that differs from a recount of the base tables (as text).
pub(crate) async fn drift(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "WITH truth AS ( \
           SELECT w.id AS workspace_id, \
             (SELECT count(*) FROM posts p WHERE p.workspace_id = w.id AND p.status = 'draft')::int AS drafts, \
             (SELECT count(*) FROM posts p WHERE p.workspace_id = w.id AND p.status = 'awaiting_approval')::int AS awaiting, \
             (SELECT count(*) FROM posts p WHERE p.workspace_id = w.id AND p.status = 'scheduled')::int AS scheduled, \
             (SELECT count(*) FROM posts p WHERE p.workspace_id = w.id AND p.status = 'publishing')::int AS publishing, \
             (SELECT count(*) FROM posts p WHERE p.workspace_id = w.id AND p.status = 'published')::int AS published, \
             (SELECT count(*) FROM posts p WHERE p.workspace_id = w.id AND p.status = 'failed')::int AS failed, \
             (SELECT count(*) FROM posts p WHERE p.workspace_id = w.id AND p.status = 'partially_published')::int AS partial, \
             (SELECT count(*) FROM social_accounts a WHERE a.workspace_id = w.id AND a.status = 'connected')::int AS connected, \
             (SELECT count(*) FROM social_accounts a WHERE a.workspace_id = w.id AND a.status = 'expired')::int AS expired, \
             (SELECT count(*) FROM memberships m WHERE m.workspace_id = w.id)::int AS members \
           FROM workspaces w), \
         kept AS ( \
           SELECT w.id AS workspace_id, coalesce(s.drafts, 0) AS drafts, coalesce(s.awaiting_approval, 0) AS awaiting, \
                  coalesce(s.scheduled, 0) AS scheduled, coalesce(s.publishing, 0) AS publishing, \
                  coalesce(s.published, 0) AS published, coalesce(s.failed, 0) AS failed, \
                  coalesce(s.partially_published, 0) AS partial, coalesce(s.accounts_connected, 0) AS connected, \
                  coalesce(s.accounts_expired, 0) AS expired, coalesce(s.members, 0) AS members \
             FROM workspaces w LEFT JOIN workspace_stats s ON s.workspace_id = w.id), \
         days_truth AS ( \
           SELECT workspace_id, day, sum(s)::int AS scheduled, sum(o)::int AS published FROM ( \
             SELECT p.workspace_id, (p.scheduled_at AT TIME ZONE 'UTC')::date AS day, 1 AS s, 0 AS o FROM posts p \
              WHERE p.status IN ('awaiting_approval', 'scheduled', 'publishing') \
             UNION ALL \
             SELECT p.workspace_id, (coalesce(p.published_at, p.scheduled_at) AT TIME ZONE 'UTC')::date, 0, 1 FROM posts p \
              WHERE p.status IN ('published', 'partially_published')) x GROUP BY 1, 2), \
         days_kept AS ( \
           SELECT workspace_id, day, scheduled, published FROM workspace_post_days \
            WHERE scheduled <> 0 OR published <> 0), \
         weeks_truth AS ( \
           SELECT p.workspace_id, date_trunc('week', coalesce(p.published_at, p.scheduled_at) AT TIME ZONE 'UTC')::date AS week, \
                  count(*)::int AS published FROM posts p \
            WHERE p.status IN ('published', 'partially_published') GROUP BY 1, 2), \
         weeks_kept AS (SELECT workspace_id, week, published FROM workspace_post_weeks WHERE published <> 0) \
         (SELECT 'stats ' || t::text FROM (SELECT * FROM truth EXCEPT SELECT * FROM kept) t) \
         UNION ALL (SELECT 'week ' || x::text FROM (SELECT * FROM weeks_truth EXCEPT SELECT * FROM weeks_kept) x) \
         UNION ALL (SELECT 'week kept ' || x::text FROM (SELECT * FROM weeks_kept EXCEPT SELECT * FROM weeks_truth) x) \
         UNION ALL (SELECT 'stats kept ' || k::text FROM (SELECT * FROM kept EXCEPT SELECT * FROM truth) k) \
         UNION ALL (SELECT 'day ' || d::text FROM (SELECT * FROM days_truth EXCEPT SELECT * FROM days_kept) d) \
         UNION ALL (SELECT 'day kept ' || d::text FROM (SELECT * FROM days_kept EXCEPT SELECT * FROM days_truth) d)",
    )
    .fetch_all(&app.admin)
    .await
    .unwrap()
}

async fn stats(app: &TestApp, slug: &str) -> (i32, i32, i32, i32, i32, i32) {
    sqlx::query_as(
        "SELECT s.drafts, s.scheduled, s.published, s.failed, s.accounts_connected, s.members \
           FROM workspace_stats s JOIN workspaces w ON w.id = s.workspace_id WHERE w.slug = $1",
    )
    .bind(slug)
    .fetch_one(&app.admin)
    .await
    .unwrap()
}

/// A hand-computed fixture: each change moves exactly the figures it should.
#[sqlx::test]
async fn each_change_moves_exactly_its_figures(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, _) = app.sign_up("Olive", "olive@example.test").await;
    let slug = app.create_workspace(&owner, "Acme").await;
    assert_eq!(
        stats(&app, &slug).await,
        (0, 0, 0, 0, 0, 1),
        "the owner is its member"
    );
    let account = connect_sandbox(&app, &owner, &slug, "acme_main").await;
    app.add_member(&slug, "nobody@example.test", "EDITOR").await; // no such user: no row
    app.sign_up("Ed", "ed@example.test").await;
    app.add_member(&slug, "ed@example.test", "EDITOR").await;
    assert_eq!(stats(&app, &slug).await, (0, 0, 0, 0, 1, 2));
    let (date, time) = crate::common::date_time(chrono::Utc::now() + chrono::Duration::days(2));
    let (status, body) = app
        .schedule_post(
            &owner,
            &slug,
            "One",
            &[account],
            (date.clone(), time.clone()),
        )
        .await;
    assert!(status.is_success(), "{body}");
    let post: String = serde_json::from_str(&body).unwrap();
    let (status, _) = app
        .schedule_post(&owner, &slug, "Two", &[account], (date.clone(), time))
        .await;
    assert!(status.is_success());
    assert_eq!(stats(&app, &slug).await, (0, 2, 0, 0, 1, 2));
    let waiting: i32 = sqlx::query_scalar(
        "SELECT scheduled FROM workspace_post_days d JOIN workspaces w ON w.id = d.workspace_id \
          WHERE w.slug = $1 AND d.day = $2::date",
    )
    .bind(&slug)
    .bind(&date)
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!(waiting, 2, "both wait on that day");
    // Published by the worker: one out, on today's row.
    sqlx::query("UPDATE posts SET scheduled_at = now() - interval '1 second' WHERE id = $1::uuid")
        .bind(&post)
        .execute(&app.admin)
        .await
        .unwrap();
    let worker = postroom::server::jobs::publisher::new(
        app.jobs.clone(),
        &app.base,
        app.cipher.clone(),
        app.media.clone(),
    );
    assert_eq!(worker.run_due().await.unwrap(), 1);
    assert_eq!(stats(&app, &slug).await, (0, 1, 1, 0, 1, 2));
    // Deleted, disconnected, removed.
    let other: Uuid = sqlx::query_scalar("SELECT id FROM posts WHERE content = 'Two'")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    let (status, _) = app
        .call::<c::DeletePost>(
            &owner,
            &[("slug", slug.clone()), ("post_id", other.to_string())],
        )
        .await;
    assert!(status.is_success());
    let (status, _) = app
        .call::<c::DisconnectAccount>(
            &owner,
            &[("slug", slug.clone()), ("account_id", account.to_string())],
        )
        .await;
    assert!(status.is_success());
    sqlx::query("DELETE FROM memberships WHERE user_id = (SELECT id FROM users WHERE email = 'ed@example.test')")
        .execute(&app.admin)
        .await
        .unwrap();
    assert_eq!(stats(&app, &slug).await, (0, 0, 1, 0, 0, 1));
    assert_eq!(drift(&app).await, Vec::<String>::new());
    // A deleted workspace takes its rollups with it.
    let (status, _) = app
        .call::<postroom::api::workspaces::DeleteWorkspace>(
            &owner,
            &[("slug", slug.as_str()), ("confirm_name", "Acme")],
        )
        .await;
    assert!(status.is_success() || status.is_redirection());
    assert_eq!(
        app.count("SELECT count(*) FROM workspace_post_days").await,
        0
    );
    assert_eq!(drift(&app).await, Vec::<String>::new());
}

/// Many people scheduling, moving, publishing and deleting at once: the rollups stay
/// equal to a recount.
#[sqlx::test]
async fn rollups_stay_exact_under_concurrent_changes(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, _) = app.sign_up("Olive", "olive@example.test").await;
    let slug = app.create_workspace(&owner, "Busy Co").await;
    let account = connect_sandbox(&app, &owner, &slug, "busy_main").await;
    let second = connect_sandbox(&app, &owner, &slug, "busy_fr").await;
    let jobs = (0..24).map(|i| {
        let (app, owner, slug) = (&app, owner.clone(), slug.clone());
        async move {
            let at = chrono::Utc::now() + chrono::Duration::days(1 + (i % 5));
            let (status, body) = app
                .schedule_post(&owner, &slug, &format!("Post {i}"), &[account], crate::common::date_time(at))
                .await;
            assert!(status.is_success(), "{body}");
            let id: String = serde_json::from_str(&body).unwrap();
            match i % 4 {
                0 => {
                    let (status, _) = app
                        .call::<c::DeletePost>(&owner, &[("slug", slug.clone()), ("post_id", id)])
                        .await;
                    assert!(status.is_success());
                }
                1 => {
                    let later = crate::common::date_time(at + chrono::Duration::days(3));
                    let (status, body) = app
                        .call::<c::ReschedulePost>(
                            &owner,
                            &[("slug", slug.clone()), ("post_id", id), ("date", later.0), ("time", later.1)],
                        )
                        .await;
                    assert!(status.is_success(), "{body}");
                }
                2 => {
                    sqlx::query("UPDATE posts SET scheduled_at = now() - interval '1 second' WHERE id = $1::uuid")
                        .bind(&id)
                        .execute(&app.admin)
                        .await
                        .unwrap();
                }
                _ => {}
            }
        }
    });
    let worker = postroom::server::jobs::publisher::new(
        app.jobs.clone(),
        &app.base,
        app.cipher.clone(),
        app.media.clone(),
    );
    let publishing = async {
        for _ in 0..20 {
            worker.run_due().await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    let accounts = async {
        let (status, _b) = app
            .call::<c::DisconnectAccount>(
                &owner,
                &[("slug", slug.clone()), ("account_id", second.to_string())],
            )
            .await;
        assert!(status.is_success(), "disconnect: {status} {_b}");
    };
    tokio::join!(futures::future::join_all(jobs), publishing, accounts);
    worker.run_due().await.unwrap();
    assert_eq!(drift(&app).await, Vec::<String>::new());
    let (_, scheduled, published, _, connected, _) = stats(&app, &slug).await;
    assert_eq!(connected, 1);
    assert_eq!(scheduled + published, 18, "24 made, 6 deleted");
}
