//! Who may sign up: `open`, `invite-only` (invitation links still work) or
//! `closed` (only `postroom admin create-user`).
use crate::common::TestApp;
use postroom::api::{auth::SignUp, invitations::SignUpAndAccept};
use postroom::model::SignupMode;
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

async fn try_sign_up(app: &TestApp, email: &str) -> (StatusCode, String) {
    app.call::<SignUp>(
        &app.client(),
        &[
            ("name", "New Person"),
            ("email", email),
            ("password", "correct horse battery"),
        ],
    )
    .await
}

/// owner@example.test, made through the service (what `postroom admin
/// create-user` uses, whatever the sign-up mode); its personal workspace.
async fn operator_account(app: &TestApp) -> String {
    use postroom::server::services::users;
    users::sign_up(
        &app.auth,
        &app.config,
        users::SignupInput {
            email: "owner@example.test".into(),
            password: "correct horse battery".into(),
            name: "Owner".into(),
        },
        &users::ClientInfo {
            user_agent: None,
            ip: None,
        },
    )
    .await
    .expect("operator sign-up")
    .personal_slug
}

#[sqlx::test]
async fn each_mode_is_enforced_on_the_server(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn_with(pool_opts, opts, |cfg| cfg.signup = SignupMode::InviteOnly).await;
    // Accounts made through the service (what `postroom admin create-user` uses) still work.
    let slug = operator_account(&app).await;
    // The sign-up page says why there is no form.
    let (status, page) = app.get(&app.client(), "/signup").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("invitation only"), "{page}");
    assert!(!page.contains("Create account</button>"));
    // Open sign-up is refused with that message; nobody is created.
    let (status, body) = try_sign_up(&app, "stranger@example.test").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("invitation only"), "{body}");
    assert_eq!(app.count("SELECT count(*) FROM users").await, 1);
    // An invitation link still lets a new person in.
    let owner_client = app.client();
    let res = app
        .log_in_response(&owner_client, "owner@example.test")
        .await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let link_token = app
        .invite(&owner_client, &slug, "bob@example.test", "EDITOR")
        .await;
    let (status, body) = app
        .call::<SignUpAndAccept>(
            &app.client(),
            &[
                ("token", link_token.as_str()),
                ("name", "Bob"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert!(
        status.is_success() || status.is_redirection(),
        "{status}: {body}"
    );
    assert_eq!(
        app.role_of(&slug, "bob@example.test").await.as_deref(),
        Some("EDITOR")
    );
}

#[sqlx::test]
async fn closed_refuses_invitation_sign_ups_too(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn_with(pool_opts, opts, |cfg| cfg.signup = SignupMode::Closed).await;
    let slug = operator_account(&app).await;
    let owner_client = app.client();
    app.log_in_response(&owner_client, "owner@example.test")
        .await;
    let token = app
        .invite(&owner_client, &slug, "bob@example.test", "EDITOR")
        .await;
    let (status, body) = try_sign_up(&app, "stranger@example.test").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("created by the operator"), "{body}");
    let (status, body) = app
        .call::<SignUpAndAccept>(
            &app.client(),
            &[
                ("token", token.as_str()),
                ("name", "Bob"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("Log in with an existing account"), "{body}");
    assert_eq!(app.count("SELECT count(*) FROM users").await, 1);
    // Open is the default, where anyone may sign up.
    let (_, page) = app.get(&app.client(), "/signup").await;
    assert!(page.contains("created by the operator"));
}
