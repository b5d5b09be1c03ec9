//! Row-level security alone keeps tenants apart: raw SQL as the runtime role,
//! with hand-made `app.*` settings and no Rust checks in the way. The database
//! checks the caller's credential (a session digest), not just the scope.
use crate::common::TestApp;
use chrono::Duration;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::Row;
use uuid::Uuid;

const TENANT_TABLES: &[(&str, &str)] = &[
    ("workspaces", "id"),
    ("memberships", "workspace_id"),
    ("brand_profiles", "workspace_id"),
    ("activity_log", "workspace_id"),
    ("invitations", "workspace_id"),
    ("email_outbox", "workspace_id"),
];

/// Alice owns A, Bob owns B (with an invitation pending); Carol belongs to neither.
struct Fixture {
    app: TestApp,
    a: Uuid,
    b: Uuid,
}

async fn fixture(pool_opts: PgPoolOptions, opts: PgConnectOptions) -> Fixture {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let (bob, _) = app.sign_up("Bob", "bob@example.test").await;
    app.sign_up("Carol", "carol@example.test").await;
    let sa = app.create_workspace(&alice, "Alpha Co").await;
    let sb = app.create_workspace(&bob, "Beta Co").await;
    app.invite(&alice, &sa, "dave@example.test", "VIEWER").await;
    app.invite(&bob, &sb, "erin@example.test", "VIEWER").await;
    let (a, b) = (app.workspace_id(&sa).await, app.workspace_id(&sb).await);
    Fixture { app, a, b }
}

fn scope(session: &str, ws: Uuid) -> Vec<(&'static str, String)> {
    vec![
        ("app.session", session.to_string()),
        ("app.workspace_id", ws.to_string()),
    ]
}

#[sqlx::test]
async fn a_member_sees_only_their_workspace(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let f = fixture(pool_opts, opts).await;
    let alice = f
        .app
        .session_digest("alice@example.test", Duration::hours(1))
        .await;
    for (table, col) in TENANT_TABLES {
        if *table == "email_outbox" {
            continue; // no SMTP in this fixture: nothing queued
        }
        let mut tx = f.app.raw_tx(&scope(&alice, f.a)).await;
        let rows = sqlx::query(&format!("SELECT {col} AS ws FROM {table}"))
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        assert!(!rows.is_empty(), "{table}: A's own rows must be visible");
        let mut saw_a = false;
        for row in rows {
            let ws: Uuid = row.get("ws");
            // The switcher also shows Alice's own other workspaces (her
            // personal one); never Bob's.
            assert_ne!(ws, f.b, "{table}: saw a row of another tenant");
            saw_a |= ws == f.a;
        }
        assert!(saw_a, "{table}: A's rows");
    }
}

/// The proof the issue asks for: a valid session of a non-member, with
/// another tenant's scope set by hand, sees nothing and writes nothing.
#[sqlx::test]
async fn a_non_member_with_a_forged_scope_sees_and_writes_nothing(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let f = fixture(pool_opts, opts).await;
    let carol = f
        .app
        .session_digest("carol@example.test", Duration::hours(1))
        .await;
    let alice = f
        .app
        .session_digest("alice@example.test", Duration::hours(1))
        .await;
    // Carol (no membership in B) and Alice (member of A only) both try B.
    for session in [&carol, &alice] {
        let mut tx = f.app.raw_tx(&scope(session, f.b)).await;
        for (table, col) in TENANT_TABLES {
            if *table == "email_outbox" {
                continue; // column privileges: checked in invite_mail.rs
            }
            let n: i64 =
                sqlx::query_scalar(&format!("SELECT count(*) FROM {table} WHERE {col} = $1"))
                    .bind(f.b)
                    .fetch_one(&mut *tx)
                    .await
                    .unwrap();
            assert_eq!(n, 0, "{table}: B's rows visible to a non-member");
        }
        for sql in [
            "UPDATE workspaces SET name = 'pwned' WHERE id = $1",
            "UPDATE brand_profiles SET website = 'https://evil.test' WHERE workspace_id = $1",
            "UPDATE memberships SET role = 'VIEWER' WHERE workspace_id = $1",
            "DELETE FROM memberships WHERE workspace_id = $1",
            "UPDATE invitations SET revoked_at = now() WHERE workspace_id = $1",
            "DELETE FROM workspaces WHERE id = $1",
        ] {
            let mut sp = sqlx::Acquire::begin(&mut *tx).await.unwrap();
            let done = sqlx::query(sql).bind(f.b).execute(&mut *sp).await;
            match done {
                Ok(r) => assert_eq!(r.rows_affected(), 0, "{sql} changed B"),
                Err(e) => assert!(e.to_string().contains("denied"), "{sql}: {e}"),
            }
            sp.rollback().await.unwrap();
        }
        let carol_id = f.app.user_id("carol@example.test").await;
        for (sql, what) in [
            (
                "INSERT INTO activity_log (workspace_id, actor_user_id, actor_label, action, object_type, summary) \
                 VALUES ($1, $2, 'x', 'x', 'x', 'x')",
                "activity",
            ),
            (
                "INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, 'ADMIN')",
                "membership",
            ),
            (
                "INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, 'OWNER')",
                "owner membership",
            ),
            (
                "INSERT INTO invitations (workspace_id, id, email, role, token_hash, invited_by) \
                 VALUES ($1, gen_random_uuid(), 'spy@example.test', 'ADMIN', '\\x00', $2)",
                "invitation",
            ),
            (
                "INSERT INTO brand_profiles (workspace_id) VALUES ($1) ON CONFLICT DO NOTHING",
                "brand profile",
            ),
        ] {
            let mut sp = sqlx::Acquire::begin(&mut *tx).await.unwrap();
            let done = sqlx::query(sql).bind(f.b).bind(carol_id).execute(&mut *sp).await;
            assert!(done.is_err(), "{what}: insert into B must be refused");
            sp.rollback().await.unwrap();
        }
    }
    let name: String = sqlx::query_scalar("SELECT name FROM workspaces WHERE id = $1")
        .bind(f.b)
        .fetch_one(&f.app.admin)
        .await
        .unwrap();
    assert_eq!(name, "Beta Co");
}

#[sqlx::test]
async fn an_expired_or_unknown_session_sees_nothing(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let f = fixture(pool_opts, opts).await;
    let expired = f
        .app
        .session_digest("alice@example.test", Duration::hours(-1))
        .await;
    let unknown = "00".repeat(32);
    for session in [expired, unknown, String::new()] {
        let mut tx = f.app.raw_tx(&scope(&session, f.a)).await;
        for (table, _) in TENANT_TABLES
            .iter()
            .chain(&[("users", "id"), ("sessions", "user_id")])
        {
            if *table == "email_outbox" {
                continue;
            }
            let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            assert_eq!(n, 0, "{table}: rows visible with session {session:?}");
        }
        let updated = sqlx::query("UPDATE workspaces SET name = 'pwned'")
            .execute(&mut *tx)
            .await
            .unwrap();
        assert_eq!(updated.rows_affected(), 0);
    }
    // And with no settings at all.
    for (table, _) in TENANT_TABLES {
        if *table == "email_outbox" {
            continue;
        }
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&f.app.pool)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}: rows visible without a credential");
    }
}

/// A session acts only for its own user: the activity log refuses an entry
/// in another person's name, and a membership cannot be minted for anyone.
#[sqlx::test]
async fn a_member_cannot_act_in_someone_elses_name(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let f = fixture(pool_opts, opts).await;
    let alice = f
        .app
        .session_digest("alice@example.test", Duration::hours(1))
        .await;
    let bob = f.app.user_id("bob@example.test").await;
    let mut tx = f.app.raw_tx(&scope(&alice, f.a)).await;
    let forged = sqlx::query(
        "INSERT INTO activity_log (workspace_id, actor_user_id, actor_label, action, object_type, summary) \
         VALUES ($1, $2, 'Bob', 'x', 'x', 'x')",
    )
    .bind(f.a)
    .bind(bob)
    .execute(&mut *tx)
    .await;
    assert!(forged.is_err(), "activity in someone else's name");
    drop(tx);
    let mut tx = f.app.raw_tx(&scope(&alice, f.a)).await;
    let added = sqlx::query(
        "INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, 'EDITOR')",
    )
    .bind(f.a)
    .bind(bob)
    .execute(&mut *tx)
    .await;
    assert!(
        added.is_err(),
        "memberships come only from founding or an invitation"
    );
}

#[sqlx::test]
async fn accounts_and_sessions_are_not_an_open_book(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let f = fixture(pool_opts, opts).await;
    let alice = f
        .app
        .session_digest("alice@example.test", Duration::hours(1))
        .await;
    let mut tx = f.app.raw_tx(&[("app.session", alice.clone())]).await;
    let emails: Vec<String> = sqlx::query_scalar("SELECT email::text FROM users ORDER BY email")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(
        emails,
        ["alice@example.test"],
        "outside a workspace: only yourself"
    );
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(sessions, 1, "only the presented session");
    drop(tx);
    // Never a password hash, not even your own; never a plan change.
    let mut tx = f.app.raw_tx(&[("app.session", alice.clone())]).await;
    let hash = sqlx::query("SELECT password_hash FROM users")
        .fetch_all(&mut *tx)
        .await;
    assert!(hash.unwrap_err().to_string().contains("permission denied"));
    drop(tx);
    let mut tx = f.app.raw_tx(&[("app.session", alice)]).await;
    let plan = sqlx::query("UPDATE users SET plan = 'max'")
        .execute(&mut *tx)
        .await;
    assert!(plan.unwrap_err().to_string().contains("permission denied"));
    drop(tx);
    // The switcher of a session lists only that user's workspaces.
    let alice = f
        .app
        .session_digest("alice@example.test", Duration::hours(1))
        .await;
    let mut tx = f.app.raw_tx(&[("app.session", alice)]).await;
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM workspaces ORDER BY name")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(names, vec!["Alice's workspace", "Alpha Co"]);
}

/// The policies check the caller once per statement: an InitPlan, not a
/// per-row function call. (The agency scope's membership sets are hashed sub-plans:
/// built once per statement, probed per row — and not even built here, where the
/// workspace branch admits the row first.)
#[sqlx::test]
async fn the_credential_check_runs_once_per_statement(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let f = fixture(pool_opts, opts).await;
    let alice = f
        .app
        .session_digest("alice@example.test", Duration::hours(1))
        .await;
    let mut tx = f.app.raw_tx(&scope(&alice, f.a)).await;
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN (COSTS OFF) SELECT id, summary FROM activity_log WHERE workspace_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT 25",
    )
    .bind(f.a)
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    let plan = plan.join("\n");
    println!("{plan}");
    assert!(plan.contains("InitPlan"), "{plan}");
    let per_row = plan.lines().any(|l| {
        (l.contains("Filter:") || l.contains("Cond:"))
            && l.contains("SubPlan")
            && !l.contains("hashed SubPlan")
    });
    assert!(!per_row, "a per-row check: {plan}");
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
