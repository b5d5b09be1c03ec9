//! Workspaces: create, settings, brand, delete, activity, last-used, CLI.
use crate::common::TestApp;
use postroom::api::workspaces::{
    DeleteWorkspace, ListActivity, ListMyWorkspaces, UpdateBrand, UpdateWorkspace,
    WorkspaceSettings,
};
use postroom::model::{ActivityPage, AppError, WorkspaceSettingsView, WorkspaceSummary};
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

fn settings_args<'a>(
    slug: &'a str,
    name: &'a str,
    new_slug: &'a str,
    logo: &'a str,
    color: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("slug", slug),
        ("name", name),
        ("new_slug", new_slug),
        ("logo_url", logo),
        ("primary_color", color),
        ("default_language", "en"),
    ]
}

#[sqlx::test]
async fn create_derives_unique_slugs(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let (bob, _) = app.sign_up("Bob", "bob@example.test").await;
    assert_eq!(
        app.create_workspace(&alice, "Acme Coffee").await,
        "acme-coffee"
    );
    assert_eq!(
        app.create_workspace(&bob, "Acme Coffee!").await,
        "acme-coffee-2"
    );
    let (_, body) = app.call::<ListMyWorkspaces>(&alice, &()).await;
    let list: Vec<WorkspaceSummary> = serde_json::from_str(&body).unwrap();
    assert_eq!(
        list.iter().map(|w| w.name.as_str()).collect::<Vec<_>>(),
        ["Alice's workspace", "Acme Coffee"]
    );
    let (status, err) = app
        .call_err::<postroom::api::workspaces::CreateWorkspace>(&alice, &[("name", "   ")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        err.message_for("name").as_deref(),
        Some("Name is required.")
    );
}

#[sqlx::test]
async fn settings_validate_and_save(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let (bob, _) = app.sign_up("Bob", "bob@example.test").await;
    let slug = app.create_workspace(&alice, "Acme").await;
    let taken = app.create_workspace(&bob, "Taken Name").await;

    let (status, err) = app
        .call_err::<UpdateWorkspace>(
            &alice,
            &settings_args(&slug, "", "Bad Slug", "ftp://x", "blue"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        err.message_for("name").as_deref(),
        Some("Name is required.")
    );
    assert!(err
        .message_for("slug")
        .unwrap()
        .contains("lowercase letters"));
    assert!(err.message_for("logo_url").unwrap().contains("http"));
    assert!(err
        .message_for("primary_color")
        .unwrap()
        .contains("hex colour"));

    let (_, err) = app
        .call_err::<UpdateWorkspace>(&alice, &settings_args(&slug, "Acme", &taken, "", ""))
        .await;
    assert_eq!(
        err.message_for("slug").as_deref(),
        Some("This slug is already taken. Try another.")
    );

    let (status, body) = app
        .call::<UpdateWorkspace>(
            &alice,
            &settings_args(
                &slug,
                "Acme Roasters",
                "acme-roasters",
                "https://cdn.example/logo.png",
                "#0EA5E9",
            ),
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    let (_, body) = app
        .call::<WorkspaceSettings>(&alice, &[("slug", "acme-roasters")])
        .await;
    let s: WorkspaceSettingsView = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (s.name.as_str(), s.primary_color.as_deref()),
        ("Acme Roasters", Some("#0ea5e9"))
    );
    // The old slug is gone.
    let (status, _) = app
        .call::<WorkspaceSettings>(&alice, &[("slug", slug.as_str())])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The accent colour reaches the page.
    let (_, html) = app.get(&alice, "/w/acme-roasters").await;
    assert!(html.contains("--accent:#0ea5e9"), "accent colour applied");
}

#[sqlx::test]
async fn brand_profile_validates_and_saves(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let slug = app.create_workspace(&alice, "Acme").await;
    let mut args = vec![
        ("slug", slug.clone()),
        ("website", "not a url".to_string()),
        ("description", "Coffee".into()),
        ("tone", "Warm".into()),
        ("voice_notes", "".into()),
        ("primary_color", "#zzz".into()),
        ("background_color", "#fff".into()),
        ("text_color", "".into()),
        ("font", "Inter".into()),
        ("content_language", "xx".into()),
    ];
    let (status, err) = app.call_err::<UpdateBrand>(&alice, &args).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err.message_for("website").is_some());
    assert!(err.message_for("primary_color").is_some());
    assert!(err.message_for("content_language").is_some());
    args[1].1 = "https://acme.example".into();
    args[5].1 = "#112233".into();
    args[9].1 = "de".into();
    let (status, body) = app.call::<UpdateBrand>(&alice, &args).await;
    assert!(status.is_success(), "{body}");
    assert!(
        body.contains("\"background_color\":\"#ffffff\"")
            && body.contains("\"content_language\":\"de\""),
        "{body}"
    );
}

#[sqlx::test]
async fn delete_needs_the_typed_name_and_the_owner(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let slug = app.create_workspace(&alice, "Acme").await;
    let (status, err) = app
        .call_err::<DeleteWorkspace>(&alice, &[("slug", slug.as_str()), ("confirm_name", "acme")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err.message_for("confirm_name").is_some());

    // A non-owner member cannot delete (memberships of other roles arrive with
    // invitations; insert one directly here).
    let (bob, _) = app.sign_up("Bob", "bob@example.test").await;
    sqlx::query(
        "INSERT INTO memberships (workspace_id, user_id, role) \
         SELECT w.id, u.id, 'ADMIN' FROM workspaces w, users u WHERE w.slug = $1 AND u.email = 'bob@example.test'",
    )
    .bind(&slug)
    .execute(&app.admin)
    .await
    .unwrap();
    let (status, err) = app
        .call_err::<DeleteWorkspace>(&bob, &[("slug", slug.as_str()), ("confirm_name", "Acme")])
        .await;
    assert_eq!((status, err), (StatusCode::FORBIDDEN, AppError::Forbidden));

    let (status, _) = app
        .call::<DeleteWorkspace>(&alice, &[("slug", slug.as_str()), ("confirm_name", "Acme")])
        .await;
    assert!(status.is_success() || status.is_redirection());
    for table in [
        "workspaces",
        "memberships",
        "brand_profiles",
        "activity_log",
    ] {
        let col = if table == "workspaces" {
            "id"
        } else {
            "workspace_id"
        };
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {table} t WHERE t.{col} NOT IN (SELECT id FROM workspaces)"
        ))
        .fetch_one(&app.admin)
        .await
        .unwrap();
        assert_eq!(n, 0, "{table} keeps rows of a deleted workspace");
    }
    let gone: i64 = sqlx::query_scalar("SELECT count(*) FROM workspaces WHERE slug = $1")
        .bind(&slug)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(gone, 0);
    // Bob lost access at once but keeps his account and personal workspace.
    let (_, body) = app.call::<ListMyWorkspaces>(&bob, &()).await;
    let list: Vec<WorkspaceSummary> = serde_json::from_str(&body).unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].is_personal);
}

#[sqlx::test]
async fn activity_is_recorded_newest_first_and_paginated(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let slug = app.create_workspace(&alice, "Acme").await;
    for i in 0..30 {
        let name = format!("Acme {i}");
        let (status, _) = app
            .call::<UpdateWorkspace>(&alice, &settings_args(&slug, &name, &slug, "", ""))
            .await;
        assert!(status.is_success());
    }
    let (_, body) = app
        .call::<ListActivity>(&alice, &[("slug", slug.as_str())])
        .await;
    let page: ActivityPage = serde_json::from_str(&body).unwrap();
    assert_eq!(page.items.len(), 25);
    assert_eq!(page.newer, None);
    assert_eq!(page.items[0].action, "workspace.updated");
    assert_eq!(page.items[0].actor, "Alice");
    let older = page.older.expect("an older page");
    let (_, body) = app
        .call::<ListActivity>(
            &alice,
            &[("slug", slug.clone()), ("before", older.to_string())],
        )
        .await;
    let page2: ActivityPage = serde_json::from_str(&body).unwrap();
    assert_eq!(page2.items.len(), 6);
    assert_eq!(page2.older, None);
    assert_eq!(page2.items.last().unwrap().action, "workspace.created");
    // Back to the newer page through its cursor: the same 25 events.
    let (_, body) = app
        .call::<ListActivity>(
            &alice,
            &[
                ("slug", slug.clone()),
                ("after", page2.newer.unwrap().to_string()),
            ],
        )
        .await;
    let back: ActivityPage = serde_json::from_str(&body).unwrap();
    assert_eq!(back.items, page.items);
    // A cursor past any end (or absurdly large) is no error: the newest page.
    for junk in ["9223372036854775807", "-9223372036854775808"] {
        let (status, body) = app
            .call::<ListActivity>(&alice, &[("slug", slug.clone()), ("before", junk.into())])
            .await;
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    }
}

#[sqlx::test]
async fn the_last_used_workspace_opens_after_login(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let a = app.create_workspace(&alice, "Alpha").await;
    let _b = app.create_workspace(&alice, "Beta").await;
    let (status, _) = app.get(&alice, &format!("/w/{a}")).await;
    assert_eq!(status, StatusCode::OK);
    let fresh = app.client();
    let res = app.log_in_response(&fresh, "alice@example.test").await;
    let target = res
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    // With several workspaces the log-in lands on the agency dashboard, which offers
    // the last one used.
    assert_eq!(target, "/agency");
    let (status, html) = app.get(&fresh, "/agency").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!(
            "<a href=\"/w/{a}\" class=\"button\">Continue in Alpha<"
        )),
        "the dashboard offers the last workspace"
    );
}

#[sqlx::test]
async fn operator_cli_creates_users_workspaces_and_plans(
    _pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let run = |args: &[&str]| crate::common::run_cli(&opts, args);
    let (ok, out) = run(&[
        "admin",
        "create-user",
        "--email",
        "ops@example.test",
        "--password",
        "operator-pass",
        "--name",
        "Ops",
        "--plan",
        "plus",
    ]);
    assert!(ok, "{out}");
    let (ok, out) = run(&[
        "admin",
        "create-workspace",
        "--owner",
        "ops@example.test",
        "--name",
        "Client One",
    ]);
    assert!(ok, "{out}");
    assert_eq!(out.trim(), "client-one");
    let (ok, out) = run(&[
        "admin",
        "set-plan",
        "--email",
        "ops@example.test",
        "--plan",
        "max",
    ]);
    assert!(ok, "{out}");
    let (ok, out) = run(&[
        "admin",
        "set-plan",
        "--email",
        "ops@example.test",
        "--plan",
        "gold",
    ]);
    assert!(!ok && out.contains("Unknown plan"), "{out}");
    let (ok, out) = run(&["admin", "create-user", "--email", "bad", "--password", "x"]);
    assert!(!ok && out.contains("email"), "{out}");
}
