//! The agency dashboard (`/agency`): each membership shows what its role may see, the
//! database admits each cross-workspace read only through the session's memberships
//! (also with the Rust checks off, and from a hostile SQL prompt), and a person removed
//! from a workspace sees none of it on the next view.
use crate::common::TestApp;
use leptos::server_fn::ServerFn;
use postroom::api::agency as ag;
use postroom::model::agency::*;
use postroom::model::Role;
use reqwest::{Client, StatusCode};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use uuid::Uuid;

struct World {
    app: TestApp,
    alice: Client,
    /// Alpha: Alice OWNER. Gamma: Carol OWNER, Alice CLIENT. Beta: Bob OWNER, no Alice.
    alpha: String,
    gamma: String,
    beta: String,
    ids: [Uuid; 3],
}

/// Figures: Alpha has a failed post, a post awaiting approval past its time, one
/// scheduled in three days, two published (one 2 days ago, one 20 days ago), an expired
/// account, an account expiring in 3 days and an invitation expiring tomorrow. Gamma and
/// Beta have the same kinds of rows, with texts that must never reach Alice.
async fn world(app: TestApp) -> World {
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let (bob, _) = app.sign_up("Bob", "bob@example.test").await;
    let (carol, _) = app.sign_up("Carol", "carol@example.test").await;
    let alpha = app.create_workspace(&alice, "Alpha Co").await;
    let beta = app.create_workspace(&bob, "Beta Co").await;
    let gamma = app.create_workspace(&carol, "Gamma Co").await;
    app.add_member(&gamma, "alice@example.test", "CLIENT").await;
    let ids = [
        app.workspace_id(&alpha).await,
        app.workspace_id(&gamma).await,
        app.workspace_id(&beta).await,
    ];
    for (ws, tag) in ids.iter().zip(["alpha", "gamma", "beta"]) {
        for sql in [
            "INSERT INTO posts (workspace_id, id, content, status, scheduled_at, last_error) \
             VALUES ($1, gen_random_uuid(), $2 || ' failed secret', 'failed', now() - interval '1 day', 'boom')",
            "INSERT INTO posts (workspace_id, id, content, status, scheduled_at) \
             VALUES ($1, gen_random_uuid(), $2 || ' overdue approval', 'awaiting_approval', now() - interval '2 days')",
            "INSERT INTO posts (workspace_id, id, content, status, scheduled_at) \
             VALUES ($1, gen_random_uuid(), $2 || ' scheduled', 'scheduled', now() + interval '3 days')",
            "INSERT INTO posts (workspace_id, id, content, status, scheduled_at, published_at) \
             VALUES ($1, gen_random_uuid(), $2 || ' out', 'published', now() - interval '2 days', now() - interval '2 days')",
            "INSERT INTO posts (workspace_id, id, content, status, scheduled_at, published_at) \
             VALUES ($1, gen_random_uuid(), $2 || ' out earlier', 'published', now() - interval '20 days', now() - interval '20 days')",
            "INSERT INTO social_accounts (workspace_id, id, platform, external_id, handle, display_name, status) \
             VALUES ($1, gen_random_uuid(), 'sandbox', $2 || '-old', $2 || '_old', 'Old', 'expired')",
            "INSERT INTO social_accounts (workspace_id, id, platform, external_id, handle, display_name, token_expires_at) \
             VALUES ($1, gen_random_uuid(), 'sandbox', $2 || '-soon', $2 || '_soon', 'Soon', now() + interval '3 days')",
            "INSERT INTO invitations (workspace_id, id, email, role, token_hash, expires_at) \
             VALUES ($1, gen_random_uuid(), $2 || '-invitee@example.test', 'EDITOR', \
                     sha256(convert_to($2 || random()::text, 'UTF8')), now() + interval '1 day')",
            "INSERT INTO activity_log (workspace_id, actor_label, action, object_type, summary) \
             VALUES ($1, 'Someone', 'post.created', 'post', $2 || ' activity secret')",
        ] {
            sqlx::query(sql)
                .bind(ws)
                .bind(tag)
                .execute(&app.admin)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }
    World {
        app,
        alice,
        alpha,
        gamma,
        beta,
        ids,
    }
}

async fn overview(app: &TestApp, client: &Client, q: &str, sort: &str) -> AgencyView {
    let (status, body) = app
        .call::<ag::AgencyOverview>(
            client,
            &[
                ("q", q),
                ("sort", sort),
                ("page", "1"),
                ("all_needs", "true"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for secret in [
        "beta",
        "Beta Co",
        "gamma failed",
        "gamma activity",
        "gamma-invitee",
    ] {
        assert!(
            !body.contains(secret),
            "the overview leaks {secret:?}: {body}"
        );
    }
    serde_json::from_str(&body).unwrap()
}

async fn feed(
    app: &TestApp,
    client: &Client,
    ws: &str,
    kind: &str,
    before: Option<i64>,
) -> (StatusCode, String) {
    let mut args = vec![("workspace", ws.to_string()), ("kind", kind.to_string())];
    if let Some(b) = before {
        args.push(("before", b.to_string()));
    }
    app.call::<ag::AgencyFeed>(client, &args).await
}

#[sqlx::test]
async fn each_membership_shows_what_its_role_may_see(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let w = world(TestApp::spawn(pool_opts, opts).await).await;
    let view = overview(&w.app, &w.alice, "", "name").await;
    let names: Vec<&str> = view.cards.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(view.workspaces, 3, "{names:?}");
    assert!(
        names.contains(&"Alpha Co") && names.contains(&"Gamma Co"),
        "{names:?}"
    );
    let alpha = view.cards.iter().find(|c| c.slug == w.alpha).unwrap();
    assert_eq!(alpha.role, Role::Owner);
    assert_eq!(alpha.failed, Some(1));
    assert_eq!(alpha.members, Some(1));
    assert_eq!(alpha.awaiting, 1);
    assert_eq!(alpha.scheduled_next_7, 1, "the post in three days");
    assert_eq!(alpha.published_last_30, 2);
    assert_eq!(alpha.spark.len(), WEEKS);
    assert_eq!(alpha.spark.iter().sum::<i64>(), 2);
    assert_eq!(alpha.accounts, 2);
    assert_eq!(alpha.health, Health::Expired);
    // As a CLIENT: no failed posts, no team; its approvals and calendar counts only.
    let gamma = view.cards.iter().find(|c| c.slug == w.gamma).unwrap();
    assert_eq!(gamma.role, Role::Client);
    assert_eq!((gamma.failed, gamma.members), (None, None));
    assert_eq!(gamma.awaiting, 1);
    assert_eq!(gamma.published_last_30, 2);

    let kinds = |slug: &str| -> Vec<NeedKind> {
        view.needs
            .iter()
            .filter(|n| n.slug == slug)
            .map(|n| n.kind)
            .collect()
    };
    assert_eq!(
        kinds(&w.alpha),
        vec![
            NeedKind::FailedPosts,
            NeedKind::AccountsExpired,
            NeedKind::ApprovalsOverdue,
            NeedKind::AccountsExpiring,
            NeedKind::InvitationsExpiring,
        ]
    );
    let gamma_needs: Vec<&NeedItem> = view.needs.iter().filter(|n| n.slug == w.gamma).collect();
    assert!(
        gamma_needs.iter().all(|n| matches!(
            n.kind,
            NeedKind::ApprovalsOverdue | NeedKind::AccountsExpired | NeedKind::AccountsExpiring
        )),
        "a CLIENT is told of approvals and connections only: {gamma_needs:?}"
    );
    assert!(gamma_needs
        .iter()
        .any(|n| n.kind == NeedKind::ApprovalsOverdue && n.text.contains("your approval")));
    // Most urgent first, each linking to the page that fixes it.
    let order: Vec<NeedKind> = view.needs.iter().map(|n| n.kind).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    let failed = view
        .needs
        .iter()
        .find(|n| n.kind == NeedKind::FailedPosts)
        .unwrap();
    assert_eq!(failed.href, format!("/w/{}/posts?status=failed", w.alpha));
    let invitation = view
        .needs
        .iter()
        .find(|n| n.kind == NeedKind::InvitationsExpiring)
        .unwrap();
    assert_eq!(invitation.href, format!("/w/{}/settings/team", w.alpha));
    // Usage: Alice's own plan over the workspaces she owns, never Carol's.
    assert_eq!(view.usage.len(), 1, "{:?}", view.usage);
    assert_eq!(view.usage[0].title, "Your plan");
    assert!(view.usage[0].shares.iter().all(|s| s.slug != w.gamma));

    // Filter and sort.
    let only = overview(&w.app, &w.alice, "gam", "").await;
    assert_eq!(only.cards.len(), 1);
    assert_eq!(only.cards[0].slug, w.gamma);
    let by_needs = overview(&w.app, &w.alice, "", "needs").await;
    assert_eq!(
        by_needs.cards[0].slug, w.alpha,
        "the failed post comes first"
    );
}

#[sqlx::test]
async fn the_feed_spans_the_workspaces_whose_activity_you_see(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let w = world(TestApp::spawn(pool_opts, opts).await).await;
    for i in 0..25 {
        sqlx::query(
            "INSERT INTO activity_log (workspace_id, actor_label, action, object_type, summary) \
             VALUES ($1, 'Ann', 'media.uploaded', 'media', 'uploaded file ' || $2)",
        )
        .bind(w.ids[0])
        .bind(i)
        .execute(&w.app.admin)
        .await
        .unwrap();
    }
    let (status, body) = feed(&w.app, &w.alice, "", "", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page: FeedPage = serde_json::from_str(&body).unwrap();
    assert_eq!(page.items.len(), ACTIVITY_PER_PAGE);
    assert_eq!(page.items[0].summary, "uploaded file 24", "newest first");
    assert!(
        page.workspaces
            .iter()
            .all(|(s, _)| *s != w.gamma && *s != w.beta),
        "no CLIENT or foreign workspace to filter by"
    );
    let older = page.older.expect("an older page");
    let (_, body) = feed(&w.app, &w.alice, "", "", Some(older)).await;
    let rest: FeedPage = serde_json::from_str(&body).unwrap();
    // 5 uploads and Alpha's seeded event (plus whatever creating the workspace logged).
    assert!(
        rest.items
            .iter()
            .any(|e| e.summary == "alpha activity secret"),
        "{rest:?}"
    );
    assert!(rest.items.iter().all(|e| e.id < older));
    for secret in ["gamma", "beta"] {
        assert!(!body.contains(secret), "{secret} in {body}");
    }
    // Filters: by kind, by workspace.
    let (_, body) = feed(&w.app, &w.alice, &w.alpha, "post", None).await;
    let posts: FeedPage = serde_json::from_str(&body).unwrap();
    assert!(!posts.items.is_empty());
    assert!(
        posts.items.iter().all(|e| e.action.starts_with("post.")),
        "{posts:?}"
    );
    // A workspace that is not yours (or where you are a CLIENT) is not found.
    for slug in [&w.beta, &w.gamma, &"no-such".to_string()] {
        let (status, body) = feed(&w.app, &w.alice, slug, "", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{slug}: {body}");
        assert!(!body.contains("secret"));
    }
    // Signed out: log in first.
    let (status, _) = feed(&w.app, &w.app.client(), "", "", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn with_rust_checks_off_the_database_still_refuses(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let w = world(TestApp::spawn_forged(pool_opts, opts).await).await;
    for slug in [&w.beta, &w.gamma] {
        let (status, body) = feed(&w.app, &w.alice, slug, "", None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let page: FeedPage = serde_json::from_str(&body).unwrap();
        assert!(page.items.is_empty(), "{slug}: {page:?}");
    }
    overview(&w.app, &w.alice, "", "").await;
}

#[sqlx::test]
async fn the_report_and_its_csv_cover_your_workspaces_only(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let w = world(TestApp::spawn(pool_opts, opts).await).await;
    let (status, body) = w.app.call::<ag::AgencyReport>(&w.alice, &()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let report: ReportView = serde_json::from_str(&body).unwrap();
    assert_eq!(report.weeks.len(), WEEKS);
    let slugs: Vec<&str> = report.rows.iter().map(|r| r.slug.as_str()).collect();
    assert!(
        slugs.contains(&w.alpha.as_str()) && !slugs.contains(&w.beta.as_str()),
        "{slugs:?}"
    );
    assert_eq!(
        report
            .rows
            .iter()
            .find(|r| r.slug == w.alpha)
            .unwrap()
            .total,
        2
    );
    // Totals by status: the workspaces where Alice sees figures (Alpha, not Gamma).
    assert_eq!(report.totals.failed, 1);
    assert_eq!(report.totals.published, 2);

    let res = w
        .alice
        .get(format!("{}/agency/report.csv", w.app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    let csv = res.text().await.unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with("workspace,slug,week of "), "{header}");
    assert_eq!(header.split(',').count(), 2 + WEEKS + 1);
    let alpha = csv
        .lines()
        .find(|l| l.starts_with("Alpha Co,"))
        .expect("Alpha's row");
    assert!(alpha.ends_with(",2"), "{alpha}");
    assert!(!csv.contains("Beta"), "{csv}");
    assert!(csv.contains("\r\nfailed,1\r\n"), "{csv}");
    // Signed out: to the login, then back.
    let res = w
        .app
        .client()
        .get(format!("{}/agency/report.csv", w.app.base))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection());
    assert_eq!(
        crate::common::location(&res).as_deref(),
        Some("/login?next=/agency")
    );
}

#[sqlx::test]
async fn the_page_renders_on_the_server_and_lands_people_with_many_workspaces(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let w = world(TestApp::spawn(pool_opts, opts).await).await;
    let (status, html) = w.app.get(&w.alice, "/agency").await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "Needs you",
        "Alpha Co",
        "Gamma Co",
        "alpha activity secret",
        "Download CSV",
        "<svg",
    ] {
        assert!(html.contains(text), "the first view has {text:?}");
    }
    for secret in ["Beta Co", "gamma activity secret", "gamma failed"] {
        assert!(!html.contains(secret), "{secret}");
    }
    // The "older" link and the filters work without JavaScript.
    let (status, html) = w
        .app
        .get(&w.alice, &format!("/agency?ws={}&kind=post", w.alpha))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("alpha activity secret"));
    let (_, html) = w.app.get(&w.alice, "/agency?q=zzz").await;
    assert!(html.contains("No client matches"));
    // Signed out: to the login page.
    let (status, _) = w.app.get(&w.app.client(), "/agency").await;
    assert!(status.is_redirection() || status == StatusCode::OK);

    // Log-in lands on the dashboard with more than one workspace, in the workspace with one.
    let res = w
        .app
        .log_in_response(&w.app.client(), "alice@example.test")
        .await;
    assert_eq!(crate::common::location(&res).as_deref(), Some("/agency"));
    let (_, dora_slug) = w.app.sign_up("Dora", "dora@example.test").await;
    let dora = w.app.client();
    let res = w.app.log_in_response(&dora, "dora@example.test").await;
    assert_eq!(
        crate::common::location(&res),
        Some(format!("/w/{dora_slug}"))
    );
    // Her dashboard leads with the first steps of an agency.
    let (_, html) = w.app.get(&dora, "/agency").await;
    assert!(html.contains("Get your first client on board"));
    let (_, html) = w.app.get(&w.alice, "/agency").await;
    assert!(!html.contains("Get your first client on board"));
}

#[sqlx::test]
async fn someone_removed_sees_none_of_it_on_the_next_view(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let w = world(TestApp::spawn(pool_opts, opts).await).await;
    let before = overview(&w.app, &w.alice, "", "").await;
    assert!(before.cards.iter().any(|c| c.slug == w.gamma));
    sqlx::query("DELETE FROM memberships WHERE workspace_id = $1 AND role = 'CLIENT'")
        .bind(w.ids[1])
        .execute(&w.app.admin)
        .await
        .unwrap();
    let after = overview(&w.app, &w.alice, "", "").await;
    assert!(after.cards.iter().all(|c| c.slug != w.gamma));
    assert!(after.needs.iter().all(|n| n.slug != w.gamma));
    let (_, html) = w.app.get(&w.alice, "/agency").await;
    assert!(!html.contains("Gamma Co"));
}

/// A hostile SQL prompt as the runtime role with Alice's session: the agency flag widens
/// nothing beyond her memberships and their roles, and never mixes with a workspace scope.
#[sqlx::test]
async fn the_database_admits_the_agency_scope_by_membership_and_role(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let w = world(TestApp::spawn(pool_opts, opts).await).await;
    let session = w
        .app
        .session_digest("alice@example.test", chrono::Duration::hours(1))
        .await;
    let [alpha, gamma, beta] = w.ids;
    let counts = |settings: Vec<(&'static str, String)>| {
        let app = &w.app;
        async move {
            let mut tx = app.raw_tx(&settings).await;
            let mut out = Vec::new();
            for table in [
                "posts",
                "social_accounts",
                "activity_log",
                "invitations",
                "workspace_stats",
                "workspace_post_days",
            ] {
                for ws in [alpha, gamma, beta] {
                    let n: i64 = sqlx::query_scalar(&format!(
                        "SELECT count(*) FROM {table} WHERE workspace_id = $1"
                    ))
                    .bind(ws)
                    .fetch_one(&mut *tx)
                    .await
                    .unwrap();
                    out.push((table, n));
                }
            }
            let usage: Vec<Uuid> =
                sqlx::query_scalar("SELECT workspace_id FROM app_agency_usage()")
                    .fetch_all(&mut *tx)
                    .await
                    .unwrap();
            (out, usage)
        }
    };
    let agency = vec![
        ("app.session", session.clone()),
        ("app.agency", "on".to_string()),
    ];
    let (seen, usage) = counts(agency).await;
    let get = |t: &str| -> Vec<i64> {
        seen.iter()
            .filter(|(n, _)| *n == t)
            .map(|(_, c)| *c)
            .collect()
    };
    // [alpha, gamma, beta]
    assert_eq!(
        get("posts"),
        vec![5, 1, 0],
        "Gamma: only what awaits the client's approval"
    );
    assert_eq!(get("social_accounts"), vec![2, 2, 0]);
    assert_eq!(get("activity_log")[1..], [0, 0]);
    assert!(get("activity_log")[0] >= 1);
    assert_eq!(get("invitations"), vec![1, 0, 0]);
    assert_eq!(get("workspace_stats"), vec![1, 0, 0]);
    assert_eq!(get("workspace_post_days")[2], 0);
    assert!(
        get("workspace_post_days")[1] > 0,
        "a client sees its calendar's counts"
    );
    assert!(usage.contains(&alpha) && !usage.contains(&gamma) && !usage.contains(&beta));

    // No session, or an expired one: nothing.
    let expired = w
        .app
        .session_digest("alice@example.test", chrono::Duration::hours(-1))
        .await;
    for settings in [
        vec![("app.agency", "on".to_string())],
        vec![("app.session", expired), ("app.agency", "on".to_string())],
    ] {
        let (seen, usage) = counts(settings).await;
        assert!(seen.iter().all(|(_, n)| *n == 0), "{seen:?}");
        assert!(usage.is_empty());
    }
    // Inside a workspace scope the agency flag admits nothing more: Alice scoped to Alpha
    // sees none of Gamma's rows, flag or not.
    let scoped = vec![
        ("app.session", session.clone()),
        ("app.agency", "on".to_string()),
        ("app.workspace_id", alpha.to_string()),
    ];
    let (seen, usage) = counts(scoped).await;
    let get = |t: &str| -> Vec<i64> {
        seen.iter()
            .filter(|(n, _)| *n == t)
            .map(|(_, c)| *c)
            .collect()
    };
    assert_eq!(get("posts"), vec![5, 0, 0]);
    assert_eq!(get("social_accounts"), vec![2, 0, 0]);
    assert_eq!(get("workspace_post_days")[1], 0);
    assert!(
        usage.is_empty(),
        "the agency usage is not for a workspace scope"
    );
    // And the agency scope writes nothing.
    let mut tx = w
        .app
        .raw_tx(&[("app.session", session), ("app.agency", "on".to_string())])
        .await;
    let updated = sqlx::query("UPDATE posts SET content = 'pwned' WHERE workspace_id = $1")
        .bind(alpha)
        .execute(&mut *tx)
        .await
        .map(|r| r.rows_affected())
        .unwrap_or(0);
    assert_eq!(updated, 0);
}

/// `postroom admin seed-load`, small: the agency person in every workspace, people,
/// accounts, posts in every status — with rollups that equal a recount — and a dashboard
/// that shows it.
#[sqlx::test]
async fn seed_load_builds_an_agency_the_dashboard_shows(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts.clone()).await;
    let seed = || {
        crate::common::run_cli(
            &opts,
            &["admin", "seed-load", "--workspaces", "3", "--posts", "120"],
        )
    };
    let (ok, text) = seed();
    assert!(ok, "{text}");
    assert!(
        text.contains("posts: 120/120"),
        "prints its progress: {text}"
    );
    assert_eq!(app.count("SELECT count(*) FROM posts").await, 120);
    assert_eq!(
        app.count("SELECT count(DISTINCT status) FROM posts").await,
        6,
        "every status but publishing"
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id \
              WHERE u.email = 'load@postroom.test'"
        )
        .await,
        4,
        "the agency person is in every workspace (and their own)"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM memberships").await,
        4 + 3 * 3
    );
    assert_eq!(app.count("SELECT count(*) FROM social_accounts").await, 12);
    assert_eq!(crate::rollups::drift(&app).await, Vec::<String>::new());
    // Its person logs in and lands on the dashboard.
    let client = app.client();
    let res = client
        .post(format!("{}{}", app.base, postroom::api::auth::LogIn::PATH))
        .header("accept", "application/json")
        .form(&[
            ("email", "load@postroom.test"),
            ("password", "postroom-load"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(crate::common::location(&res).as_deref(), Some("/agency"));
    let (status, html) = app.get(&client, "/agency").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("4 workspaces."), "the header counts them");
    // A second run refuses rather than doubling the data.
    let (ok, again) = seed();
    assert!(!ok);
    assert!(again.contains("exists already"), "{again}");
}

/// At agency scale the sidebar's switcher stays small: the current workspace and the
/// first others (12 in all), then a link to the dashboard, whose finder searches them all.
#[sqlx::test]
async fn the_switcher_lists_a_dozen_and_links_to_the_rest(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let mut slugs = Vec::new();
    for i in 0..15 {
        slugs.push(
            app.create_workspace(&alice, &format!("Client {i:02}"))
                .await,
        );
    }
    let last = slugs.last().unwrap().clone();
    let (status, body) = app
        .call::<postroom::api::workspaces::WorkspaceShell>(&alice, &[("slug", last.as_str())])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let shell: postroom::model::ShellView = serde_json::from_str(&body).unwrap();
    assert_eq!(shell.workspaces_total, 16);
    assert_eq!(shell.workspaces.len(), 12);
    assert!(
        shell.workspaces.iter().any(|w| w.slug == last),
        "the current one is listed"
    );
    assert!(
        shell.workspaces[0].is_personal,
        "personal first, then by name"
    );
    let (_, html) = app.get(&alice, &format!("/w/{last}")).await;
    assert!(html.contains("All 16 workspaces…"));
    // The finder finds any of them.
    let (status, body) = app
        .call::<ag::FindWorkspaces>(&alice, &[("q", "client 0")])
        .await;
    assert_eq!(status, StatusCode::OK);
    let found: Vec<postroom::model::WorkspaceSummary> = serde_json::from_str(&body).unwrap();
    assert_eq!(found.len(), 8, "at most eight");
    assert!(found.iter().all(|w| w.name.starts_with("Client 0")));
    let (_, body) = app.call::<ag::FindWorkspaces>(&alice, &[("q", "%")]).await;
    let found: Vec<postroom::model::WorkspaceSummary> = serde_json::from_str(&body).unwrap();
    assert!(found.is_empty(), "% is a character, not a wildcard");
}
