//! The team: role changes, removal, leaving, ownership transfer — and the rules
//! each of them must keep.
use crate::common::TestApp;
use postroom::api::members::{
    ChangeMemberRole, LeaveWorkspace, ListMembers, RemoveMember, TransferOwnership,
};
use postroom::api::workspaces::{DeleteWorkspace, WorkspaceShell};
use postroom::model::{AppError, Role, TeamView};
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// Alice owns "Acme"; Bob is its ADMIN, Carol its EDITOR.
async fn team(app: &TestApp) -> (reqwest::Client, reqwest::Client, reqwest::Client, String) {
    let (alice, _) = app.sign_up("Alice Owner", "alice@example.test").await;
    let (bob, _) = app.sign_up("Bob Admin", "bob@example.test").await;
    let (carol, _) = app.sign_up("Carol Editor", "carol@example.test").await;
    let slug = app.create_workspace(&alice, "Acme").await;
    app.add_member(&slug, "bob@example.test", "ADMIN").await;
    app.add_member(&slug, "carol@example.test", "EDITOR").await;
    (alice, bob, carol, slug)
}

async fn activity(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM activity_log WHERE action = $1")
        .bind(action)
        .fetch_one(&app.admin)
        .await
        .unwrap()
}

#[sqlx::test]
async fn roles_change_by_the_rules(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, bob, carol, slug) = team(&app).await;
    let (alice_id, bob_id, carol_id) = (
        app.user_id("alice@example.test").await,
        app.user_id("bob@example.test").await,
        app.user_id("carol@example.test").await,
    );
    let change = |who: uuid::Uuid, role: &str| {
        vec![
            ("slug", slug.clone()),
            ("user_id", who.to_string()),
            ("role", role.to_string()),
        ]
    };

    let (status, body) = app.call::<ListMembers>(&alice, &[("slug", &slug)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let t: TeamView = serde_json::from_str(&body).unwrap();
    let roles: Vec<Role> = t.members.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::Owner, Role::Admin, Role::Editor]);
    assert_eq!(t.members[2].email, "carol@example.test");

    // The owner and an admin may re-role a member.
    let (status, body) = app
        .call::<ChangeMemberRole>(&alice, &change(carol_id, "CLIENT"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app
        .call::<ChangeMemberRole>(&bob, &change(carol_id, "viewer"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.role_of(&slug, "carol@example.test").await.as_deref(),
        Some("VIEWER")
    );
    assert_eq!(activity(&app, "member.role_changed").await, 2);

    // Refusals, each with nothing changed.
    let cases: Vec<(
        &reqwest::Client,
        Vec<(&str, String)>,
        StatusCode,
        Option<&str>,
    )> = vec![
        (
            &bob,
            change(alice_id, "EDITOR"),
            StatusCode::FORBIDDEN,
            None,
        ),
        (
            &bob,
            change(carol_id, "OWNER"),
            StatusCode::BAD_REQUEST,
            Some("Ownership can only be handed over with “Transfer ownership”."),
        ),
        (
            &alice,
            change(carol_id, "OWNER"),
            StatusCode::BAD_REQUEST,
            Some("Ownership can only be handed over with “Transfer ownership”."),
        ),
        (
            &bob,
            change(bob_id, "EDITOR"),
            StatusCode::BAD_REQUEST,
            Some("You can't change your own role."),
        ),
        (
            &alice,
            change(alice_id, "ADMIN"),
            StatusCode::BAD_REQUEST,
            Some("You can't change your own role."),
        ),
        (
            &alice,
            change(carol_id, "boss"),
            StatusCode::BAD_REQUEST,
            Some("Choose a role from the list."),
        ),
        (
            &carol,
            change(bob_id, "VIEWER"),
            StatusCode::FORBIDDEN,
            None,
        ),
        (
            &alice,
            change(uuid::Uuid::new_v4(), "VIEWER"),
            StatusCode::NOT_FOUND,
            None,
        ),
    ];
    for (who, args, want, message) in cases {
        let (status, err) = app.call_err::<ChangeMemberRole>(who, &args).await;
        assert_eq!(status, want, "{args:?}");
        if let Some(m) = message {
            assert_eq!(err.message_for("role").as_deref(), Some(m), "{args:?}");
        }
    }
    for (email, role) in [
        ("alice@example.test", "OWNER"),
        ("bob@example.test", "ADMIN"),
        ("carol@example.test", "VIEWER"),
    ] {
        assert_eq!(app.role_of(&slug, email).await.as_deref(), Some(role));
    }
    assert_eq!(activity(&app, "member.role_changed").await, 2);
}

#[sqlx::test]
async fn a_removed_member_loses_access_at_once(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, bob, carol, slug) = team(&app).await;
    let (alice_id, bob_id, carol_id) = (
        app.user_id("alice@example.test").await,
        app.user_id("bob@example.test").await,
        app.user_id("carol@example.test").await,
    );
    let carol_personal: String =
        sqlx::query_scalar("SELECT slug FROM workspaces WHERE owner_id = $1 AND is_personal")
            .bind(carol_id)
            .fetch_one(&app.admin)
            .await
            .unwrap();
    // Carol's session is open and works.
    let (status, _) = app.get(&carol, &format!("/w/{slug}")).await;
    assert_eq!(status, StatusCode::OK);

    // Nobody removes the owner, and removing yourself is "leave".
    let remove = |who: uuid::Uuid| vec![("slug", slug.clone()), ("user_id", who.to_string())];
    let (status, _) = app.call_err::<RemoveMember>(&bob, &remove(alice_id)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, err) = app.call_err::<RemoveMember>(&bob, &remove(bob_id)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err.to_string().contains("Leave workspace"), "{err}");
    let (status, _) = app.call_err::<RemoveMember>(&carol, &remove(bob_id)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The admin removes Carol: her still-open session cannot load it any more.
    let (status, body) = app.call::<RemoveMember>(&bob, &remove(carol_id)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, err) = app
        .call_err::<WorkspaceShell>(&carol, &[("slug", &slug)])
        .await;
    assert_eq!((status, err), (StatusCode::NOT_FOUND, AppError::NotFound));
    let (status, _) = app.get(&carol, &format!("/w/{slug}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Her account and other memberships stay.
    let (status, _) = app.get(&carol, &format!("/w/{carol_personal}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.role_of(&slug, "carol@example.test").await, None);
    assert_eq!(activity(&app, "member.removed").await, 1);
    // Removing her again is simply not found.
    let (status, _) = app
        .call_err::<RemoveMember>(&alice, &remove(carol_id))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn members_leave_but_the_owner_cannot(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _bob, carol, slug) = team(&app).await;
    let (status, err) = app
        .call_err::<LeaveWorkspace>(&alice, &[("slug", &slug)])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        err.to_string(),
        "The owner can't leave. Transfer ownership to an admin first."
    );
    let (status, body) = app.call::<LeaveWorkspace>(&carol, &[("slug", &slug)]).await;
    assert!(
        status.is_success() || status.is_redirection(),
        "{status} {body}"
    );
    assert_eq!(app.role_of(&slug, "carol@example.test").await, None);
    assert_eq!(
        app.role_of(&slug, "alice@example.test").await.as_deref(),
        Some("OWNER")
    );
    assert_eq!(activity(&app, "member.left").await, 1);
    let (status, _) = app.get(&carol, &format!("/w/{slug}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn ownership_moves_to_an_admin_with_the_owners_password(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, bob, _carol, slug) = team(&app).await;
    let (bob_id, carol_id) = (
        app.user_id("bob@example.test").await,
        app.user_id("carol@example.test").await,
    );
    let transfer = |to: uuid::Uuid, password: &str| {
        vec![
            ("slug", slug.clone()),
            ("user_id", to.to_string()),
            ("password", password.to_string()),
        ]
    };
    let good = "correct horse battery";
    // Only the owner may; only to an admin; only with the right password.
    let (status, _) = app
        .call_err::<TransferOwnership>(&bob, &transfer(bob_id, good))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, err) = app
        .call_err::<TransferOwnership>(&alice, &transfer(carol_id, good))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        err.message_for("user_id").as_deref(),
        Some("Ownership can only go to an admin. Make them an admin first.")
    );
    let (status, err) = app
        .call_err::<TransferOwnership>(&alice, &transfer(bob_id, "wrong password"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        err.message_for("password").as_deref(),
        Some("Your password is incorrect.")
    );
    assert_eq!(
        app.role_of(&slug, "alice@example.test").await.as_deref(),
        Some("OWNER")
    );

    let (status, body) = app
        .call::<TransferOwnership>(&alice, &transfer(bob_id, good))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        app.role_of(&slug, "alice@example.test").await.as_deref(),
        Some("ADMIN")
    );
    assert_eq!(
        app.role_of(&slug, "bob@example.test").await.as_deref(),
        Some("OWNER")
    );
    let owner: uuid::Uuid = sqlx::query_scalar("SELECT owner_id FROM workspaces WHERE slug = $1")
        .bind(&slug)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(owner, bob_id);
    assert_eq!(activity(&app, "workspace.ownership_transferred").await, 1);
    // The old owner is an admin now: no more owner powers.
    let (status, _) = app
        .call_err::<DeleteWorkspace>(&alice, &[("slug", slug.as_str()), ("confirm_name", "Acme")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
