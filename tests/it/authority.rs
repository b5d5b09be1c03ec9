//! Invitations never outlive their inviter's authority, are throttled, and
//! the activity log keeps members' addresses from those who may not see the team.
use crate::common::TestApp;
use crate::invitations::accept;
use postroom::api::{
    invitations::{InvitationDetails, InviteMember},
    members::ChangeMemberRole,
    workspaces::ListActivity,
};
use postroom::model::{ActivityPage, InvitePageView, InviteState};
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

async fn state_of(app: &TestApp, token: &str) -> InviteState {
    let (_, body) = app
        .call::<InvitationDetails>(&app.client(), &[("token", token)])
        .await;
    serde_json::from_str::<InvitePageView>(&body).unwrap().state
}

#[sqlx::test]
async fn a_demoted_admins_invitations_die_with_their_authority(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, _) = app.sign_up("Olive", "olive@example.test").await;
    let slug = app.create_workspace(&owner, "Acme").await;
    let (admin, _) = app.sign_up("Adam", "adam@example.test").await;
    app.add_member(&slug, "adam@example.test", "ADMIN").await;
    let token = app.invite(&admin, &slug, "ivy@example.test", "ADMIN").await;
    let kept = app
        .invite(&owner, &slug, "kim@example.test", "VIEWER")
        .await;
    let adam = app.user_id("adam@example.test").await;
    let (status, body) = app
        .call::<ChangeMemberRole>(
            &owner,
            &[
                ("slug", slug.clone()),
                ("user_id", adam.to_string()),
                ("role", "EDITOR".into()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(state_of(&app, &token).await, InviteState::Revoked);
    assert_eq!(
        state_of(&app, &kept).await,
        InviteState::Open,
        "others' invitations stay"
    );
}

/// Even when the inviter lost their authority some other way (here: changed
/// behind the app's back), accepting re-checks it and the database refuses.
#[sqlx::test]
async fn accepting_rechecks_that_the_inviter_may_still_grant_the_role(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, _) = app.sign_up("Olive", "olive@example.test").await;
    let slug = app.create_workspace(&owner, "Acme").await;
    let (admin, _) = app.sign_up("Adam", "adam@example.test").await;
    app.add_member(&slug, "adam@example.test", "ADMIN").await;
    let token = app.invite(&admin, &slug, "ivy@example.test", "ADMIN").await;
    sqlx::query("UPDATE memberships SET role = 'VIEWER' WHERE user_id = (SELECT id FROM users WHERE email = 'adam@example.test')")
        .execute(&app.admin)
        .await
        .unwrap();
    let (ivy, _) = app.sign_up("Ivy", "ivy@example.test").await;
    let res = accept(&app, &ivy, &token).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("can no longer add members"));
    assert_eq!(app.role_of(&slug, "ivy@example.test").await, None);
    assert_eq!(
        state_of(&app, &token).await,
        InviteState::Open,
        "nothing claimed"
    );
}

#[sqlx::test]
async fn invitations_are_throttled_per_inviter(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, _) = app.sign_up("Olive", "olive@example.test").await;
    let slug = app.create_workspace(&owner, "Acme").await;
    for i in 0..30 {
        app.invite(&owner, &slug, &format!("guest{i}@example.test"), "VIEWER")
            .await;
    }
    let res = owner
        .post(format!(
            "{}{}",
            app.base,
            <InviteMember as leptos::server_fn::ServerFn>::PATH
        ))
        .header("accept", "application/json")
        .form(&[
            ("slug", slug.as_str()),
            ("email", "one-too-many@example.test"),
            ("role", "VIEWER"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait));
    assert_eq!(app.count("SELECT count(*) FROM invitations").await, 30);
}

#[sqlx::test]
async fn the_activity_log_shows_addresses_only_to_those_who_see_the_team(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, _) = app.sign_up("Olive", "olive@example.test").await;
    let slug = app.create_workspace(&owner, "Acme").await;
    let (editor, _) = app.sign_up("Eve", "eve@example.test").await;
    app.add_member(&slug, "eve@example.test", "EDITOR").await;
    app.invite(&owner, &slug, "secret.person@example.test", "VIEWER")
        .await;
    let list = |client: reqwest::Client| {
        let app = &app;
        let slug = slug.clone();
        async move {
            let (status, body) = app.call::<ListActivity>(&client, &[("slug", slug)]).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            serde_json::from_str::<ActivityPage>(&body).unwrap()
        }
    };
    let seen_by_owner = list(owner).await;
    assert!(seen_by_owner.items[0]
        .summary
        .contains("secret.person@example.test"));
    let seen_by_editor = list(editor).await;
    let summary = &seen_by_editor.items[0].summary;
    assert!(!summary.contains("secret.person"), "{summary}");
    assert_eq!(summary, "invited someone as Viewer");
}
