//! Authorization holds for the whole transaction that does the work: the
//! caller's membership stays locked, so a concurrent demotion waits.
use crate::common::TestApp;
use leptos::server_fn::ServerFn;
use postroom::api::members::ChangeMemberRole;
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::time::Duration;

/// Olive owns Acme; Adam is its ADMIN, Xena an EDITOR.
struct Team {
    owner: reqwest::Client,
    admin: reqwest::Client,
    slug: String,
    adam: uuid::Uuid,
    xena: uuid::Uuid,
}

async fn team(app: &TestApp) -> Team {
    let (owner, _) = app.sign_up("Olive", "olive@example.test").await;
    let slug = app.create_workspace(&owner, "Acme").await;
    let (admin, _) = app.sign_up("Adam", "adam@example.test").await;
    app.sign_up("Xena", "xena@example.test").await;
    app.add_member(&slug, "adam@example.test", "ADMIN").await;
    app.add_member(&slug, "xena@example.test", "EDITOR").await;
    Team {
        owner,
        admin,
        slug,
        adam: app.user_id("adam@example.test").await,
        xena: app.user_id("xena@example.test").await,
    }
}

/// An ADMIN's role change is in flight (held up on its target's row) while the
/// OWNER demotes that ADMIN. The demotion must wait for the change in flight,
/// so the change cannot land after the demotion.
#[sqlx::test]
async fn a_demotion_waits_for_the_admins_change_in_flight(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let Team {
        owner,
        admin,
        slug,
        adam,
        xena,
    } = team(&app).await;
    let ws = app.workspace_id(&slug).await;

    // Hold Xena's membership row so the admin's change stops right after
    // its authorization, mid-transaction.
    let mut hold = app.admin.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM memberships WHERE workspace_id = $1 AND user_id = $2 FOR UPDATE")
        .bind(ws)
        .bind(xena)
        .execute(&mut *hold)
        .await
        .unwrap();

    let base = app.base.clone();
    let call = |client: reqwest::Client, user: uuid::Uuid, role: &'static str| {
        let (base, slug) = (base.clone(), slug.clone());
        tokio::spawn(async move {
            let res = client
                .post(format!("{base}{}", ChangeMemberRole::PATH))
                .header("accept", "application/json")
                .header("origin", &base)
                .form(&[
                    ("slug", slug),
                    ("user_id", user.to_string()),
                    ("role", role.into()),
                ])
                .send()
                .await
                .unwrap();
            res.status()
        })
    };
    let in_flight = call(admin, xena, "VIEWER");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let demotion = call(owner, adam, "EDITOR");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        !in_flight.is_finished(),
        "the admin's change is held on Xena's row"
    );
    assert!(
        !demotion.is_finished(),
        "the demotion must wait for the admin's change in flight"
    );

    hold.rollback().await.unwrap();
    assert_eq!(in_flight.await.unwrap(), StatusCode::OK);
    assert_eq!(demotion.await.unwrap(), StatusCode::OK);
    assert_eq!(
        app.role_of(&slug, "xena@example.test").await.as_deref(),
        Some("VIEWER")
    );
    assert_eq!(
        app.role_of(&slug, "adam@example.test").await.as_deref(),
        Some("EDITOR")
    );
    let order: Vec<String> = sqlx::query_scalar(
        "SELECT object_id FROM activity_log WHERE workspace_id = $1 AND action = 'member.role_changed' ORDER BY id",
    )
    .bind(ws)
    .fetch_all(&app.admin)
    .await
    .unwrap();
    assert_eq!(
        order,
        [xena.to_string(), adam.to_string()],
        "the change landed before the demotion"
    );
}

/// The other order: once the demotion has committed, the former admin's
/// request is refused and changes nothing.
#[sqlx::test]
async fn after_a_demotion_the_former_admin_is_refused(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let Team {
        owner,
        admin,
        slug,
        adam,
        xena,
    } = team(&app).await;
    let (status, body) = app
        .call::<ChangeMemberRole>(
            &owner,
            &[
                ("slug", slug.clone()),
                ("user_id", adam.to_string()),
                ("role", "VIEWER".into()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app
        .call::<ChangeMemberRole>(
            &admin,
            &[
                ("slug", slug.clone()),
                ("user_id", xena.to_string()),
                ("role", "CLIENT".into()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.role_of(&slug, "xena@example.test").await.as_deref(),
        Some("EDITOR")
    );
}
