//! Joining through a link: sign-up with the invited email and role, what a
//! client may then see, and racing accepts.
use crate::common::{location, TestApp};
use crate::invitations::accept;
use leptos::server_fn::ServerFn;
use postroom::api::invitations::SignUpAndAccept;
use postroom::api::members::ListMembers;
use postroom::api::workspaces::{ListMyWorkspaces, WorkspaceSettings};
use postroom::model::{Role, WorkspaceSummary};
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

#[sqlx::test]
async fn signing_up_through_a_link_keeps_the_email_and_role(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    app.sign_up("Taken", "taken@example.test").await;
    let slug = app.create_workspace(&alice, "Acme").await;
    let token = app
        .invite(&alice, &slug, "client@example.test", "CLIENT")
        .await;
    let anon = app.client();

    // Bad input: specific messages, nothing created, invitation still open.
    let (status, err) = app
        .call_err::<SignUpAndAccept>(
            &anon,
            &[
                ("token", token.as_str()),
                ("name", " "),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        err.message_for("name").as_deref(),
        Some("Name is required.")
    );
    assert!(err.message_for("password").is_some());
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email = 'client@example.test'")
            .await,
        0
    );

    // The email comes from the invitation; a form field cannot change it.
    let res = anon
        .post(format!("{}{}", app.base, SignUpAndAccept::PATH))
        .header("accept", "application/json")
        .form(&[
            ("token", token.as_str()),
            ("name", "Cleo Client"),
            ("password", "correct horse battery"),
            ("email", "someone-else@example.test"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    assert_eq!(
        location(&res).as_deref(),
        Some(format!("/w/{slug}").as_str())
    );
    assert_eq!(
        app.role_of(&slug, "client@example.test").await.as_deref(),
        Some("CLIENT")
    );
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email = 'someone-else@example.test'")
            .await,
        0
    );

    // A client sees only this workspace, read-only: settings and team are refused.
    let (_, body) = app.call::<ListMyWorkspaces>(&anon, &()).await;
    let mine: Vec<WorkspaceSummary> = serde_json::from_str(&body).unwrap();
    assert_eq!(mine.len(), 1, "no personal workspace for an invited client");
    assert_eq!(
        (mine[0].slug.as_str(), mine[0].role),
        (slug.as_str(), Role::Client)
    );
    let (status, _) = app
        .call_err::<WorkspaceSettings>(&anon, &[("slug", &slug)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.call_err::<ListMembers>(&anon, &[("slug", &slug)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for page in [
        "/settings",
        "/settings/team",
        "/settings/brand",
        "/activity",
    ] {
        let (status, html) = app.get(&anon, &format!("/w/{slug}{page}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
        assert!(
            html.contains("You don't have access to this page")
                || html.contains("You don&#x27;t have access")
        );
    }
    let (status, html) = app.get(&anon, &format!("/w/{slug}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains(&format!("/w/{slug}/settings")),
        "no settings link for a client"
    );

    // An address that already has an account must log in instead.
    let token = app
        .invite(&alice, &slug, "taken@example.test", "VIEWER")
        .await;
    let (status, err) = app
        .call_err::<SignUpAndAccept>(
            &app.client(),
            &[
                ("token", token.as_str()),
                ("name", "T"),
                ("password", "long enough pass"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        err.message_for("email").as_deref(),
        Some("An account with this email already exists. Log in to accept the invitation.")
    );
    assert_eq!(app.role_of(&slug, "taken@example.test").await, None);
}

#[sqlx::test]
async fn of_two_racing_accepts_exactly_one_wins(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let slug = app.create_workspace(&alice, "Acme").await;
    for round in 0..3 {
        let email = format!("racer{round}@example.test");
        let token = app.invite(&alice, &slug, &email, "EDITOR").await;
        // Two browsers of the same person, and a sign-up with the same link.
        let (first, _) = app.sign_up("Racer", &email).await;
        let second = app.client();
        let res = second
            .post(format!("{}{}", app.base, postroom::api::auth::LogIn::PATH))
            .header("accept", "application/json")
            .form(&[
                ("email", email.as_str()),
                ("password", "correct horse battery"),
            ])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success() || res.status().is_redirection());
        let (a, b) = tokio::join!(accept(&app, &first, &token), accept(&app, &second, &token));
        let wins = [a.status(), b.status()]
            .iter()
            .filter(|s| s.is_success() || s.is_redirection())
            .count();
        assert_eq!(wins, 1, "round {round}: {} / {}", a.status(), b.status());
        assert!([a.status(), b.status()].contains(&StatusCode::CONFLICT));
    }
    assert_eq!(
        app.count("SELECT count(*) FROM activity_log WHERE action = 'member.joined'")
            .await,
        3
    );
    for round in 0..3 {
        let email = format!("racer{round}@example.test");
        assert_eq!(app.role_of(&slug, &email).await.as_deref(), Some("EDITOR"));
    }
}
