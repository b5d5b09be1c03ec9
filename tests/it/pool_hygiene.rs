//! A connection never carries one request into the next: requests cancelled at random
//! points (as when a client goes away mid-request) leave no transaction open on a
//! pooled connection, and no write of theirs is ever committed by the next borrower.
use crate::common::TestApp;
use postroom::server::tenancy::{self, Principal, SessionDigest};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::Row;
use std::time::Duration;

// One write in a transaction that presents Alice's session; `commit` or not.
async fn write(
    pool: sqlx::PgPool,
    principal: Principal,
    ws: uuid::Uuid,
    name: String,
    commit: bool,
) -> Result<(), String> {
    let mut tx = tenancy::begin_user(&pool, &principal)
        .await
        .map_err(|e| format!("{e:?}"))?;
    sqlx::query("SELECT set_config('app.workspace_id', $1, true)")
        .bind(ws.to_string())
        .execute(tx.conn())
        .await
        .map_err(|e| e.to_string())?;
    sqlx::query(
        "INSERT INTO labels (workspace_id, id, name, color) VALUES ($1, gen_random_uuid(), $2, '#112233')",
    )
    .bind(ws)
    .bind(&name)
    .execute(tx.conn())
    .await
    .map_err(|e| e.to_string())?;
    if commit {
        tx.commit().await.map_err(|e| format!("{e:?}"))
    } else {
        // A request that never gets to its commit: it is cancelled while waiting.
        tokio::time::sleep(Duration::from_secs(30)).await;
        Err("not cancelled".into())
    }
}

/// Drives `job` for `polls` polls (yielding between them), then drops it: a request
/// cancelled at that point.
async fn cancel_after<F: std::future::Future>(job: F, polls: u64) {
    let mut job = Box::pin(job);
    for _ in 0..polls {
        if futures_util::poll!(&mut job).is_ready() {
            return;
        }
        tokio::task::yield_now().await;
    }
}

#[sqlx::test]
async fn cancelled_requests_leave_nothing_behind(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (_, slug) = app.sign_up("Alice", "alice@example.test").await;
    let ws = app.workspace_id(&slug).await;
    let user = app.user_id("alice@example.test").await;
    let digest = app
        .session_digest("alice@example.test", chrono::Duration::hours(1))
        .await;
    let principal = Principal::user(
        user,
        "Alice".into(),
        SessionDigest::new(hex::decode(&digest).unwrap()),
    );
    // One connection, cancelled at every point in turn, then checked before anyone
    // else can clean it up: the production pool's release check must have closed a
    // connection left inside a transaction.
    let single = PgPoolOptions::new()
        .max_connections(1)
        .after_release(|conn, _| postroom::server::db::release_clean(conn))
        .connect_with(app.pool.connect_options().as_ref().clone())
        .await
        .unwrap();
    for polls in 1..=40u64 {
        for _ in 0..3 {
            let job = write(
                single.clone(),
                principal.clone(),
                ws,
                format!("cancelled-{polls}"),
                false,
            );
            cancel_after(job, polls).await;
            // The connection goes back (or is closed) in a spawned task: wait for it.
            while single.size() as usize != single.num_idle() {
                tokio::task::yield_now().await;
            }
            let mut conn = single.acquire().await.unwrap();
            // Sent as one simple Query message: `now()` (the transaction's start)
            // equals `statement_timestamp()` only in a transaction this statement began.
            let row = sqlx::Executor::fetch_one(
                &mut *conn,
                "SELECT now() <> statement_timestamp(), \
                        coalesce(current_setting('app.session', true), '')",
            )
            .await
            .unwrap();
            let (in_tx, session_left): (bool, String) = (row.get(0), row.get(1));
            assert!(
                session_left.is_empty() && !in_tx,
                "after a cancel at poll {polls}, the next borrower got {} (credential {})",
                if in_tx {
                    "an open transaction"
                } else {
                    "no transaction"
                },
                if session_left.is_empty() {
                    "gone"
                } else {
                    "still set"
                },
            );
        }
    }
    single.close().await;
    let mut committed = 0;
    for round in 0..60u64 {
        let mut victims = vec![];
        for i in 0..6u64 {
            // Cancelled after a varying number of polls: before BEGIN is sent, while it
            // is in flight, after it, during the insert, or while waiting to commit.
            let polls = 1 + (round * 7 + i * 13) % 24;
            let job = write(
                app.pool.clone(),
                principal.clone(),
                ws,
                format!("cancelled-{round}-{i}"),
                false,
            );
            victims.push(tokio::spawn(cancel_after(job, polls)));
        }
        let bystander = write(
            app.pool.clone(),
            principal.clone(),
            ws,
            format!("ok-{round}"),
            true,
        );
        match bystander.await {
            Ok(()) => committed += 1,
            Err(e) => panic!("a bystander's request failed: {e}"),
        }
        for v in victims {
            v.await.unwrap();
        }
    }
    assert_eq!(committed, 60);
    // Connections go back to the pool in spawned tasks: give them a moment.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let leaked = app
        .count("SELECT count(*) FROM labels WHERE name LIKE 'cancelled-%'")
        .await;
    assert_eq!(
        leaked, 0,
        "a cancelled request's write was committed by another"
    );
    let ok = app
        .count("SELECT count(*) FROM labels WHERE name LIKE 'ok-%'")
        .await;
    assert_eq!(ok, 60);
    let idle_in_tx = app
        .count(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
               AND usename = 'postroom_app' AND state LIKE 'idle in transaction%'",
        )
        .await;
    assert_eq!(
        idle_in_tx, 0,
        "a pooled connection sits inside a transaction"
    );
    // And every connection the pool holds answers clean.
    for _ in 0..8 {
        let mut conn = app.pool.acquire().await.unwrap();
        let clean = postroom::server::db::release_clean(&mut conn)
            .await
            .unwrap();
        assert!(clean, "a pooled connection is dirty");
    }
}
