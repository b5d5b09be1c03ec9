//! The adversary suite: a hostile session with a SQL prompt as the runtime role
//! (`postroom_app`) or the jobs role (`postroom_jobs`), connected directly (not through
//! the app), presenting no credential, then a CLIENT's, an EDITOR's and an ADMIN's
//! session of workspace A. It attacks workspace B and A's own rules; PostgreSQL alone
//! must refuse every attack, and nothing may change.
use crate::common::TestApp;
use chrono::Duration;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use uuid::Uuid;

struct World {
    app: TestApp,
    a: Uuid,
    b: Uuid,
    bob: Uuid,
    adam: Uuid,
    /// A's sandbox account, a post awaiting approval (with signature `sig`), and a
    /// post that went out to the account (its target `published`).
    account: Uuid,
    sig: Uuid,
    waiting: Uuid,
    published: Uuid,
    /// B's label.
    b_label: Uuid,
    owner: String,
    admin: String,
    editor: String,
    client: String,
    viewer: String,
}

/// Alice owns A (approval required) with Adam ADMIN, Eddie EDITOR, Vic VIEWER and
/// Cindy CLIENT; Bob owns B.
async fn world(pool_opts: PgPoolOptions, opts: PgConnectOptions) -> World {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let (bob_client, _) = app.sign_up("Bob", "bob@example.test").await;
    for (name, email) in [
        ("Adam", "adam@example.test"),
        ("Eddie", "eddie@example.test"),
        ("Cindy", "cindy@example.test"),
        ("Vic", "vic@example.test"),
    ] {
        app.sign_up(name, email).await;
    }
    let sa = app.create_workspace(&alice, "Alpha Co").await;
    let sb = app.create_workspace(&bob_client, "Beta Co").await;
    app.add_member(&sa, "adam@example.test", "ADMIN").await;
    app.add_member(&sa, "eddie@example.test", "EDITOR").await;
    app.add_member(&sa, "cindy@example.test", "CLIENT").await;
    app.add_member(&sa, "vic@example.test", "VIEWER").await;
    let (a, b) = (app.workspace_id(&sa).await, app.workspace_id(&sb).await);
    let (account, sig, waiting, published, b_label) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    let alice_id = app.user_id("alice@example.test").await;
    for sql in [
        "UPDATE workspaces SET require_approval = true WHERE id = $1",
        "INSERT INTO social_accounts (workspace_id, id, platform, external_id, handle, display_name) \
         VALUES ($1, $2, 'sandbox', 'acct1', 'alpha', 'Alpha')",
        "INSERT INTO signatures (workspace_id, id, name, body) VALUES ($1, $3, 'Sig', '-- Alpha')",
        "INSERT INTO posts (workspace_id, id, content, status, scheduled_at, signature_id, created_by) \
         VALUES ($1, $4, 'Waiting for the client', 'awaiting_approval', now() + interval '2 days', $3, $6)",
        "INSERT INTO post_targets (workspace_id, post_id, account_id) VALUES ($1, $4, $2)",
        "INSERT INTO posts (workspace_id, id, content, status, scheduled_at, created_by, attempts, next_attempt_at) \
         VALUES ($1, $5, 'Went out to one account', 'scheduled', now() + interval '1 day', $6, 1, now() + interval '1 day')",
        "INSERT INTO post_targets (workspace_id, post_id, account_id, status, attempt_key, external_post_id, published_at) \
         VALUES ($1, $5, $2, 'published', gen_random_uuid(), 'x1', now())",
    ] {
        sqlx::query(sql)
            .bind(a)
            .bind(account)
            .bind(sig)
            .bind(waiting)
            .bind(published)
            .bind(alice_id)
            .execute(&app.admin)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    sqlx::query(
        "INSERT INTO labels (workspace_id, id, name, color) VALUES ($1, $2, 'B only', '#123456')",
    )
    .bind(b)
    .bind(b_label)
    .execute(&app.admin)
    .await
    .unwrap();
    let hour = Duration::hours(1);
    World {
        owner: app.session_digest("alice@example.test", hour).await,
        admin: app.session_digest("adam@example.test", hour).await,
        editor: app.session_digest("eddie@example.test", hour).await,
        client: app.session_digest("cindy@example.test", hour).await,
        viewer: app.session_digest("vic@example.test", hour).await,
        bob: app.user_id("bob@example.test").await,
        adam: app.user_id("adam@example.test").await,
        app,
        a,
        b,
        account,
        sig,
        waiting,
        published,
        b_label,
    }
}

/// Runs `sql` in its own transaction on `pool` after setting `settings`, and commits
/// when it succeeds: rows affected, or the database's refusal.
async fn attempt(
    pool: &PgPool,
    settings: &[(&str, String)],
    sql: &str,
    binds: &[Uuid],
) -> Result<u64, String> {
    let mut tx = pool.begin().await.unwrap();
    for (k, v) in settings {
        sqlx::query("SELECT set_config($1, $2, true)")
            .bind(*k)
            .bind(v)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    match q.execute(&mut *tx).await {
        Ok(done) => {
            tx.commit().await.map_err(|e| e.to_string())?;
            Ok(done.rows_affected())
        }
        Err(e) => Err(e.to_string()),
    }
}

fn as_(session: &str, ws: Uuid) -> Vec<(&'static str, String)> {
    vec![
        ("app.session", session.to_string()),
        ("app.workspace_id", ws.to_string()),
    ]
}

/// Refused outright, or allowed to touch nothing.
fn assert_no_effect(what: &str, r: Result<u64, String>) {
    match r {
        Err(_) | Ok(0) => {}
        Ok(n) => panic!("{what}: the database let it change {n} row(s)"),
    }
}

fn assert_refused(what: &str, r: Result<u64, String>) -> String {
    match r {
        Err(e) => e,
        Ok(n) => panic!("{what}: the database accepted it ({n} row(s))"),
    }
}

/// A snapshot of everything an attack might move, read as the migrator.
async fn state(app: &TestApp) -> String {
    sqlx::query_scalar(
        "SELECT concat_ws(' | ', \
           (SELECT string_agg(concat_ws(',', workspace_id, scheduled_now, posts_in_cycle, social_accounts, ai_credits_in_cycle), ';' ORDER BY workspace_id) FROM workspace_usage), \
           (SELECT string_agg(concat_ws(',', id, owner_id, name, require_approval), ';' ORDER BY id) FROM workspaces), \
           (SELECT string_agg(concat_ws(',', workspace_id, user_id, role), ';' ORDER BY workspace_id, user_id) FROM memberships), \
           (SELECT count(*) FROM sessions), \
           (SELECT string_agg(concat_ws(',', id, status, content, approved_by, signature_id), ';' ORDER BY id) FROM posts), \
           (SELECT string_agg(concat_ws(',', post_id, status, attempt_key, external_post_id), ';' ORDER BY post_id) FROM post_targets), \
           (SELECT string_agg(concat_ws(',', id, name, color), ';' ORDER BY id) FROM labels), \
           (SELECT string_agg(concat_ws(',', id, body), ';' ORDER BY id) FROM signatures), \
           (SELECT count(*) FROM activity_log), (SELECT count(*) FROM users))",
    )
    .fetch_one(&app.admin)
    .await
    .unwrap()
}

#[sqlx::test]
async fn no_role_creates_objects_or_runs_internal_functions(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let w = world(pool_opts, opts).await;
    let before = state(&w.app).await;
    let b = w.b.to_string();
    for pool in [&w.app.pool, &w.app.jobs] {
        for (what, sql) in [
            ("temporary table", "CREATE TEMPORARY TABLE workspaces (id uuid, require_approval boolean)"),
            ("temporary table for a trigger", "CREATE TEMP TABLE t (workspace_id uuid, status text)"),
            ("table in public", "CREATE TABLE public.workspaces_shadow (id uuid)"),
            ("schema", "CREATE SCHEMA evil"),
            ("function", "CREATE FUNCTION public.app_evil() RETURNS int LANGUAGE sql AS 'SELECT 1'"),
            ("trigger on a real table", "CREATE TRIGGER t BEFORE INSERT ON posts FOR EACH ROW EXECUTE FUNCTION posts_usage()"),
        ] {
            assert_refused(what, attempt(pool, &[], sql, &[]).await);
        }
        // Counters of B, with no credential at all.
        for sql in [
            format!("SELECT usage_add('{b}', 5000, 5000, 100)"),
            format!("SELECT usage_add('{b}', -5000, -5000, -100)"),
            format!("SELECT usage_add_ai('{b}', now(), 15000)"),
            format!("SELECT usage_owner_cycle('{b}')"),
            format!("SELECT posts_withdraw_approval('{b}', '{b}')"),
            "SELECT posts_usage()".into(),
            "SELECT auth_login_lookup('alice@example.test')".into(),
            "SELECT usage_cycle_start(now())".into(),
        ] {
            let e = assert_refused(&sql, attempt(pool, &[], &sql, &[]).await);
            assert!(
                e.contains("permission denied")
                    || e.contains("trigger functions can only be called"),
                "{sql}: {e}"
            );
        }
    }
    // Even as a member of A, with pg_temp first on the search path, nothing of the
    // caller's can shadow a table, and the approval guard still holds.
    let mut settings = as_(&w.editor, w.a);
    settings.push(("search_path", "pg_temp, public".into()));
    assert_refused(
        "shadowing through search_path",
        attempt(
            &w.app.pool,
            &settings,
            "CREATE TEMP TABLE workspaces (id uuid, require_approval boolean)",
            &[],
        )
        .await,
    );
    assert_refused(
        "scheduling without approval under a shadowing search_path",
        attempt(
            &w.app.pool,
            &settings,
            "INSERT INTO posts (workspace_id, id, content, status, scheduled_at, created_by) \
             SELECT $1, $2, 'x', 'scheduled', now() + interval '1 day', id FROM users WHERE email = 'eddie@example.test'",
            &[w.a, Uuid::new_v4()],
        )
        .await,
    );
    assert_eq!(before, state(&w.app).await, "an attack changed something");
}

#[sqlx::test]
async fn no_session_can_be_forged_and_no_one_changes_owner_or_seats(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let w = world(pool_opts, opts).await;
    let before = state(&w.app).await;
    let forged = "aa".repeat(32);
    // Forging a session for Bob: neither the runtime nor the jobs role may create one.
    for pool in [&w.app.pool, &w.app.jobs] {
        for settings in [
            vec![],
            vec![("app.session", forged.clone())],
            as_(&w.admin, w.a),
        ] {
            assert_refused(
                "session insert",
                attempt(
                    pool,
                    &settings,
                    "INSERT INTO sessions (token_hash, user_id, expires_at) \
                     VALUES (decode(repeat('aa', 32), 'hex'), $1, now() + interval '1 day')",
                    &[w.bob],
                )
                .await,
            );
            assert_refused(
                "sign-up as the runtime role",
                attempt(
                    pool,
                    &settings,
                    "INSERT INTO users (id, email, name, password_hash) VALUES ($1, 'x@example.test', 'X', 'x')",
                    &[Uuid::new_v4()],
                )
                .await,
            );
            assert_refused(
                "becoming the log-in role",
                attempt(pool, &settings, "SET LOCAL ROLE postroom_auth", &[]).await,
            );
            assert_no_effect(
                "stretching a session",
                attempt(
                    pool,
                    &settings,
                    "UPDATE sessions SET expires_at = now() + interval '10 years'",
                    &[],
                )
                .await,
            );
        }
    }
    // The ADMIN of A: billing A to Bob, seats for strangers, OWNER for themselves.
    let admin = as_(&w.admin, w.a);
    let pool = &w.app.pool;
    for (what, sql) in [
        ("owner_id rewrite", "UPDATE workspaces SET owner_id = $1 WHERE id = $2"),
        ("seat for a stranger", "UPDATE memberships SET user_id = $1 WHERE workspace_id = $2 AND role = 'VIEWER'"),
        ("moving a seat to B", "UPDATE memberships SET workspace_id = $1 WHERE workspace_id = $2 AND role = 'VIEWER'"),
        ("is_personal / settings", "UPDATE workspaces SET settings = '{\"x\":1}', is_personal = true WHERE id = $2 AND owner_id <> $1"),
        ("a seat without an invitation", "INSERT INTO memberships (workspace_id, user_id, role) VALUES ($2, $1, 'VIEWER')"),
        ("the transfer path as an admin", "SELECT app_transfer_ownership($1) WHERE $2 IS NOT NULL"),
    ] {
        assert_refused(what, attempt(pool, &admin, sql, &[w.bob, w.a]).await);
    }
    for (what, sql) in [
        ("granting OWNER", "UPDATE memberships SET role = 'OWNER' WHERE workspace_id = $2 AND user_id = $1"),
        ("demoting the owner", "UPDATE memberships SET role = 'VIEWER' WHERE workspace_id = $2 AND role = 'OWNER' AND $1 IS NOT NULL"),
        ("own role", "UPDATE memberships SET role = 'VIEWER' WHERE workspace_id = $2 AND user_id = $1"),
        ("removing the owner", "DELETE FROM memberships WHERE workspace_id = $2 AND role = 'OWNER' AND $1 IS NOT NULL"),
    ] {
        assert_no_effect(what, attempt(pool, &admin, sql, &[w.adam, w.a]).await);
    }
    // The OWNER may transfer, but only to an admin of A: not to Bob (no member).
    assert_refused(
        "transfer to a stranger",
        attempt(
            pool,
            &as_(&w.owner, w.a),
            "SELECT app_transfer_ownership($1)",
            &[w.bob],
        )
        .await,
    );
    assert_eq!(before, state(&w.app).await, "an attack changed something");
}

/// How many rows `sql` gives in a transaction with `settings` (rolled back).
async fn count(pool: &PgPool, settings: Vec<(&'static str, String)>, sql: &'static str) -> i64 {
    let mut tx = pool.begin().await.unwrap();
    for (k, v) in &settings {
        sqlx::query("SELECT set_config($1, $2, true)")
            .bind(*k)
            .bind(v)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    sqlx::query_scalar(&format!("SELECT count(*) FROM ({sql}) x"))
        .fetch_one(&mut *tx)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[sqlx::test]
async fn functions_answer_only_the_roles_that_may_ask(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let w = world(pool_opts, opts).await;
    let rows = |settings: Vec<(&'static str, String)>, sql: &'static str| {
        count(&w.app.pool, settings, sql)
    };
    // A CLIENT learns nothing about the owner's people or usage.
    let people = "SELECT * FROM app_owner_people('bob@example.test') WHERE people IS NOT NULL";
    let usage = "SELECT * FROM app_usage()";
    let lock = "SELECT 1 WHERE app_lock_owner_usage() IS NOT NULL";
    let capacity = "SELECT * FROM app_transfer_capacity((SELECT id FROM users WHERE email = 'alice@example.test'))";
    assert_eq!(
        rows(as_(&w.client, w.a), people).await,
        0,
        "CLIENT probed people"
    );
    assert_eq!(
        rows(as_(&w.client, w.a), usage).await,
        0,
        "CLIENT read usage"
    );
    assert_eq!(
        rows(as_(&w.client, w.a), lock).await,
        0,
        "CLIENT locked usage"
    );
    assert_eq!(
        rows(as_(&w.viewer, w.a), people).await,
        0,
        "VIEWER probed people"
    );
    assert_eq!(
        rows(as_(&w.viewer, w.a), lock).await,
        0,
        "VIEWER locked usage"
    );
    assert_eq!(
        rows(as_(&w.editor, w.a), people).await,
        0,
        "EDITOR probed people"
    );
    assert_eq!(
        rows(as_(&w.admin, w.a), capacity).await,
        0,
        "ADMIN asked transfer capacity"
    );
    // Those who may, can.
    assert_eq!(
        rows(as_(&w.viewer, w.a), usage).await,
        1,
        "VIEWER sees usage"
    );
    assert_eq!(
        rows(as_(&w.admin, w.a), people).await,
        1,
        "ADMIN checks the member limit"
    );
    assert_eq!(
        rows(as_(&w.editor, w.a), lock).await,
        1,
        "EDITOR locks for scheduling"
    );
    // Another tenant's ids: Alice (owner of A) scoped to B, and A's owner about B.
    for sql in [people, usage, lock, capacity] {
        assert_eq!(
            rows(as_(&w.owner, w.b), sql).await,
            0,
            "{sql} answered for B"
        );
    }
    let may_found =
        "SELECT 1 WHERE app_may_found((SELECT id FROM workspaces WHERE name = 'Beta Co'))";
    let claimed = "SELECT 1 WHERE app_claimed_role((SELECT id FROM workspaces WHERE name = 'Beta Co')) IS NOT NULL";
    assert_eq!(rows(as_(&w.owner, w.a), may_found).await, 0);
    assert_eq!(rows(as_(&w.owner, w.a), claimed).await, 0);
    // No credential: every function of the runtime role answers nothing.
    let none = vec![("app.workspace_id", w.a.to_string())];
    for sql in [
        people,
        usage,
        lock,
        capacity,
        "SELECT 1 WHERE app_acting_role() IS NOT NULL",
    ] {
        assert_eq!(
            rows(none.clone(), sql).await,
            0,
            "{sql} answered without a session"
        );
    }
}

#[sqlx::test]
async fn what_a_client_approved_is_what_is_published(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let w = world(pool_opts, opts).await;
    let pool = &w.app.pool;
    let post_state = |id: Uuid| {
        let admin = w.app.admin.clone();
        async move {
            sqlx::query_as::<_, (String, Option<Uuid>)>(
                "SELECT status, approved_by FROM posts WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&admin)
            .await
            .unwrap()
        }
    };
    let approve = "UPDATE posts SET status = 'scheduled', approved_by = (SELECT id FROM users WHERE email = 'cindy@example.test'), approved_at = now() WHERE id = $1";
    // The EDITOR cannot schedule it, nor approve it themselves.
    assert_refused(
        "editor schedules",
        attempt(
            pool,
            &as_(&w.editor, w.a),
            "UPDATE posts SET status = 'scheduled' WHERE id = $1",
            &[w.waiting],
        )
        .await,
    );
    assert_refused(
        "editor approves",
        attempt(pool, &as_(&w.editor, w.a), approve, &[w.waiting]).await,
    );
    // The CLIENT approves.
    assert_eq!(
        attempt(pool, &as_(&w.client, w.a), approve, &[w.waiting]).await,
        Ok(1)
    );
    assert_eq!(post_state(w.waiting).await.0, "scheduled");
    // A new time alone keeps the approval.
    attempt(
        pool,
        &as_(&w.editor, w.a),
        "UPDATE posts SET scheduled_at = scheduled_at + interval '1 hour' WHERE id = $1",
        &[w.waiting],
    )
    .await
    .unwrap();
    let (status, by) = post_state(w.waiting).await;
    assert_eq!((status.as_str(), by.is_some()), ("scheduled", true));
    // New text: back for approval.
    attempt(
        pool,
        &as_(&w.editor, w.a),
        "UPDATE posts SET content = 'Changed after approval' WHERE id = $1",
        &[w.waiting],
    )
    .await
    .unwrap();
    assert_eq!(
        post_state(w.waiting).await,
        ("awaiting_approval".into(), None)
    );
    // Approved again, then the signature's body changes: back for approval.
    attempt(pool, &as_(&w.client, w.a), approve, &[w.waiting])
        .await
        .unwrap();
    attempt(
        pool,
        &as_(&w.editor, w.a),
        "UPDATE signatures SET body = '-- Someone else' WHERE id = $1",
        &[w.sig],
    )
    .await
    .unwrap();
    assert_eq!(
        post_state(w.waiting).await,
        ("awaiting_approval".into(), None)
    );
    // Approved again, then a file is attached: back for approval.
    attempt(pool, &as_(&w.client, w.a), approve, &[w.waiting])
        .await
        .unwrap();
    let media = Uuid::new_v4();
    sqlx::query("INSERT INTO media (workspace_id, id, kind, content_type, byte_size, original_name) VALUES ($1, $2, 'image', 'image/png', 10, 'x.png')")
        .bind(w.a)
        .bind(media)
        .execute(&w.app.admin)
        .await
        .unwrap();
    attempt(
        pool,
        &as_(&w.editor, w.a),
        "INSERT INTO post_media (workspace_id, post_id, media_id) VALUES ($1, $2, $3)",
        &[w.a, w.waiting, media],
    )
    .await
    .unwrap();
    assert_eq!(
        post_state(w.waiting).await,
        ("awaiting_approval".into(), None)
    );
    // Approved again, then the signature is swapped: back for approval.
    attempt(pool, &as_(&w.client, w.a), approve, &[w.waiting])
        .await
        .unwrap();
    attempt(
        pool,
        &as_(&w.editor, w.a),
        "UPDATE posts SET signature_id = NULL WHERE id = $1",
        &[w.waiting],
    )
    .await
    .unwrap();
    assert_eq!(
        post_state(w.waiting).await,
        ("awaiting_approval".into(), None)
    );
    // Clearing the approval first and editing afterwards does not dodge it either.
    attempt(pool, &as_(&w.client, w.a), approve, &[w.waiting])
        .await
        .unwrap();
    attempt(
        pool,
        &as_(&w.editor, w.a),
        "UPDATE posts SET approved_by = NULL, approved_at = NULL WHERE id = $1",
        &[w.waiting],
    )
    .await
    .unwrap();
    attempt(
        pool,
        &as_(&w.editor, w.a),
        "UPDATE posts SET content = 'Sneaky' WHERE id = $1",
        &[w.waiting],
    )
    .await
    .unwrap();
    assert_eq!(post_state(w.waiting).await.0, "awaiting_approval");
    // A CLIENT cannot edit, nor approve in someone else's name.
    assert_refused(
        "client edits",
        attempt(
            pool,
            &as_(&w.client, w.a),
            "UPDATE posts SET content = 'x' WHERE id = $1",
            &[w.waiting],
        )
        .await,
    );
    assert_refused(
        "approval in another's name",
        attempt(pool, &as_(&w.client, w.a), "UPDATE posts SET status = 'scheduled', approved_by = $2, approved_at = now() WHERE id = $1", &[w.waiting, w.adam]).await,
    );
}

#[sqlx::test]
async fn a_published_target_is_final_and_the_publisher_follows_the_state_machine(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let w = world(pool_opts, opts).await;
    let before = state(&w.app).await;
    let pool = &w.app.pool;
    let owner = as_(&w.owner, w.a);
    for sql in [
        "DELETE FROM post_targets WHERE post_id = $1",
        "UPDATE post_targets SET status = 'pending', attempt_key = NULL WHERE post_id = $1",
    ] {
        assert_no_effect(sql, attempt(pool, &owner, sql, &[w.published]).await);
    }
    assert_refused(
        "a forged result",
        attempt(
            pool,
            &owner,
            "UPDATE post_targets SET status = 'published' WHERE post_id = $1",
            &[w.waiting],
        )
        .await,
    );
    let jobs = &w.app.jobs;
    for (what, sql) in [
        ("republish", "UPDATE post_targets SET status = 'pending', attempt_key = NULL WHERE post_id = $1"),
        ("re-key", "UPDATE post_targets SET attempt_key = gen_random_uuid() WHERE post_id = $1"),
        ("publish a post awaiting approval", "UPDATE posts SET status = 'publishing' WHERE id = (SELECT id FROM posts WHERE status = 'awaiting_approval' LIMIT 1) AND $1 IS NOT NULL"),
        ("mark a waiting post published", "UPDATE posts SET status = 'published' WHERE status = 'awaiting_approval' AND $1 IS NOT NULL"),
        ("new target", "INSERT INTO post_targets (workspace_id, post_id, account_id, status) SELECT workspace_id, post_id, account_id, 'published' FROM post_targets WHERE post_id = $1"),
        ("read accounts' people", "SELECT email FROM users WHERE $1 IS NOT NULL"),
        ("read memberships", "SELECT * FROM memberships WHERE $1 IS NOT NULL"),
        ("write activity", "INSERT INTO activity_log (workspace_id, actor_label, action, object_type, summary) SELECT workspace_id, 'x', 'x', 'x', 'x' FROM posts WHERE id = $1"),
        ("rename a label", "UPDATE labels SET name = 'pwned' WHERE $1 IS NOT NULL"),
    ] {
        assert_refused(what, attempt(jobs, &[], sql, &[w.published]).await);
    }
    assert_eq!(before, state(&w.app).await, "an attack changed something");
    let _ = (w.account, w.b_label);
}

#[sqlx::test]
async fn a_member_of_a_reaches_nothing_of_b(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let w = world(pool_opts, opts).await;
    let before = state(&w.app).await;
    let pool = &w.app.pool;
    for session in [&w.owner, &w.admin, &w.editor, &w.client] {
        for scope in [w.a, w.b] {
            let s = as_(session, scope);
            for sql in [
                "UPDATE labels SET name = 'pwned' WHERE id = $1",
                "DELETE FROM labels WHERE id = $1",
                "UPDATE workspaces SET name = 'pwned' WHERE id = (SELECT workspace_id FROM labels WHERE id = $1)",
            ] {
                assert_no_effect(sql, attempt(pool, &s, sql, &[w.b_label]).await);
            }
            assert_refused(
                "label into B",
                attempt(pool, &s, "INSERT INTO labels (workspace_id, id, name, color) VALUES ((SELECT id FROM workspaces WHERE name = 'Beta Co'), $1, 'x', '#000000')", &[Uuid::new_v4()]).await,
            );
        }
    }
    // Reads: nothing of B, from any session of A with B in scope, or with no session.
    let mut tx = w.app.pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.workspace_id', $1, true)")
        .bind(w.b.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    for table in [
        "workspaces",
        "labels",
        "memberships",
        "posts",
        "signatures",
        "activity_log",
        "invitations",
        "social_accounts",
        "sessions",
        "users",
        "workspace_stats",
        "workspace_post_days",
        "workspace_post_weeks",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table} readable with no credential");
    }
    drop(tx);
    // A's members read A's rollups, never B's.
    for session in [&w.owner, &w.client] {
        let n = count(
            &w.app.pool,
            vec![("app.session", session.to_string())],
            "SELECT 1 FROM workspace_stats s JOIN workspace_post_days d USING (workspace_id) \
              WHERE s.workspace_id = (SELECT id FROM workspaces WHERE name = 'Beta Co') \
             UNION ALL SELECT 1 FROM workspace_stats WHERE workspace_id NOT IN \
               (SELECT workspace_id FROM memberships WHERE user_id = (SELECT app_session_user()))",
        )
        .await;
        assert_eq!(n, 0, "rollups of a workspace not one's own");
    }
    assert_eq!(before, state(&w.app).await, "an attack changed something");
}
