//! Row-level security alone keeps tenants apart: raw SQL as the runtime role,
//! with no Rust checks in the way.
use crate::common::TestApp;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::Row;
use uuid::Uuid;

const TENANT_TABLES: &[(&str, &str)] = &[
    ("workspaces", "id"),
    ("memberships", "workspace_id"),
    ("brand_profiles", "workspace_id"),
    ("activity_log", "workspace_id"),
    ("invitations", "workspace_id"),
];

async fn ids_of(app: &TestApp, slug: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM workspaces WHERE slug = $1")
        .bind(slug)
        .fetch_one(&app.admin)
        .await
        .unwrap()
}

/// A transaction as the runtime role with one RLS setting made by hand, so
/// these tests exercise the policies without the app's own scoping code.
async fn raw_tx(
    app: &TestApp,
    setting: &str,
    id: Uuid,
) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("SELECT set_config($1, $2, true)")
        .bind(setting)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}

#[sqlx::test]
async fn scoped_select_sees_only_its_workspace(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let (bob, _) = app.sign_up("Bob", "bob@example.test").await;
    let (sa, sb) = (
        app.create_workspace(&alice, "Alpha Co").await,
        app.create_workspace(&bob, "Beta Co").await,
    );
    app.invite(&alice, &sa, "carol@example.test", "VIEWER")
        .await;
    app.invite(&bob, &sb, "carol@example.test", "VIEWER").await;
    let (a, b) = (ids_of(&app, &sa).await, ids_of(&app, &sb).await);

    for (table, col) in TENANT_TABLES {
        let mut tx = raw_tx(&app, "app.workspace_id", a).await;
        let rows = sqlx::query(&format!("SELECT {col} AS ws FROM {table}"))
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        assert!(!rows.is_empty(), "{table}: A's own rows must be visible");
        for row in rows {
            let ws: Uuid = row.get("ws");
            assert_eq!(ws, a, "{table}: saw a row of another workspace");
            assert_ne!(ws, b);
        }
        // Writing into B while scoped to A is refused by the policy.
        tx.rollback().await.unwrap();
    }
}

#[sqlx::test]
async fn unscoped_select_sees_nothing(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let slug = app.create_workspace(&alice, "Alpha Co").await;
    app.invite(&alice, &slug, "carol@example.test", "VIEWER")
        .await;
    for (table, _) in TENANT_TABLES {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}: rows visible without a workspace scope");
        let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&app.admin)
            .await
            .unwrap();
        assert!(total > 0, "{table}: fixture has rows");
    }
}

#[sqlx::test]
async fn scoped_writes_cannot_touch_another_workspace(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let (bob, _) = app.sign_up("Bob", "bob@example.test").await;
    let a = ids_of(&app, &app.create_workspace(&alice, "Alpha Co").await).await;
    let b = ids_of(&app, &app.create_workspace(&bob, "Beta Co").await).await;

    let mut tx = raw_tx(&app, "app.workspace_id", a).await;
    let updated = sqlx::query("UPDATE workspaces SET name = 'pwned' WHERE id = $1")
        .bind(b)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 0);
    let deleted = sqlx::query("DELETE FROM activity_log WHERE workspace_id = $1")
        .bind(b)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 0);
    let insert = sqlx::query(
        "INSERT INTO activity_log (workspace_id, actor_label, action, object_type, summary) VALUES ($1, 'x', 'x', 'x', 'x')",
    )
    .bind(b)
    .execute(&mut *tx)
    .await;
    assert!(
        insert.is_err(),
        "insert into another workspace must violate the policy"
    );
    drop(tx);

    let name: String = sqlx::query_scalar("SELECT name FROM workspaces WHERE id = $1")
        .bind(b)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(name, "Beta Co");
}

#[sqlx::test]
async fn user_scope_lists_only_own_memberships(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let (bob, _) = app.sign_up("Bob", "bob@example.test").await;
    app.create_workspace(&alice, "Alpha Co").await;
    app.create_workspace(&bob, "Beta Co").await;
    let alice_id: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'alice@example.test'")
            .fetch_one(&app.admin)
            .await
            .unwrap();
    let mut tx = raw_tx(&app, "app.user_id", alice_id).await;
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM workspaces ORDER BY name")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(names, vec!["Alice's workspace", "Alpha Co"]);
}

#[sqlx::test]
async fn start_up_refuses_a_role_that_bypasses_rls(pool: sqlx::PgPool) {
    // The test database's owner: either a superuser/BYPASSRLS role or the
    // table owner; both must be refused.
    let err = postroom::server::db::assert_runtime_role(&pool)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("BYPASSRLS") || msg.contains("owns tables"),
        "{msg}"
    );
}
