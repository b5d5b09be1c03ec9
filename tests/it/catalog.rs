//! The catalog test: every function, table and column the migrations create is
//! classified here, with what the runtime (`postroom_app`), jobs (`postroom_jobs`) and
//! log-in (`postroom_auth`) roles may do with it. Adding one without classifying it —
//! or granting more than is listed — fails this test. The lists are the least-privilege
//! contract of `migrations/…_least_privilege.sql`; the README's Isolation section
//! summarises them.
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::collections::BTreeSet;

const ROLES: [&str; 3] = ["postroom_app", "postroom_jobs", "postroom_auth"];

/// Functions the runtime role may execute, each with its reason.
const APP_EXECUTES: &[(&str, &str)] = &[
    (
        "app_workspace_id()",
        "policies: the workspace a transaction claims to act in",
    ),
    (
        "app_session_hash()",
        "policies: the session digest presented",
    ),
    (
        "app_invitation_token()",
        "policies: the invitation digest presented",
    ),
    (
        "app_session_user()",
        "policies: the user of a valid presented session",
    ),
    (
        "app_acting_role()",
        "policies: the caller's role in the workspace in scope",
    ),
    (
        "app_acting_workspace()",
        "policies: the workspace in scope if the caller may act there",
    ),
    ("app_can_manage()", "policies: OWNER/ADMIN in scope"),
    ("app_can_edit()", "policies: OWNER/ADMIN/EDITOR in scope"),
    ("app_can_approve()", "policies: OWNER/ADMIN/CLIENT in scope"),
    (
        "app_user_workspaces()",
        "policies: the switcher's workspaces of the session user",
    ),
    (
        "app_token_workspace()",
        "policies: the workspace of a presented invitation token",
    ),
    (
        "app_token_inviter()",
        "policies: the inviter of a presented invitation token",
    ),
    (
        "app_claimed_role(uuid)",
        "policies: the role an invitation claimed in this transaction grants",
    ),
    (
        "app_may_found(uuid)",
        "policies: the session user is founding this workspace",
    ),
    (
        "app_lock_membership()",
        "locks the caller's own membership (FOR SHARE) for a request",
    ),
    (
        "auth_resolve_session(bytea)",
        "every request: who holds this session digest",
    ),
    (
        "auth_end_session(bytea)",
        "log-out: ends the session with this digest",
    ),
    ("app_usage()", "usage page and limit checks: not for CLIENT"),
    (
        "app_agency_workspaces(text[])",
        "policies: the agency scope's workspaces where the session's user holds one of these roles",
    ),
    (
        "app_agency_usage()",
        "agency dashboard: usage of the owners of the caller's workspaces (not CLIENT)",
    ),
    (
        "app_lock_owner_usage()",
        "serialises gated actions: OWNER/ADMIN/EDITOR only",
    ),
    (
        "app_own_plan()",
        "the session user's own plan (creating a workspace)",
    ),
    (
        "app_owner_people(text)",
        "member limit of an invitation: OWNER/ADMIN only",
    ),
    (
        "app_transfer_capacity(uuid)",
        "ownership transfer: the new owner's room, OWNER only",
    ),
    (
        "app_transfer_ownership(uuid)",
        "the only path that moves OWNER and workspaces.owner_id",
    ),
    (
        "app_put_flash(bytea,bytea,bytea,integer)",
        "form flash after a no-JS post",
    ),
    ("app_take_flash(bytea,bytea)", "form flash, shown once"),
    (
        "app_settle_ai_draft(uuid,bytea,text,integer,integer,integer)",
        "settles an AI draft by its reservation's token",
    ),
];

/// Functions the log-in role may execute.
const AUTH_EXECUTES: &[(&str, &str)] = &[(
    "auth_login_lookup(text)",
    "log-in: the password hash of one account, by email",
)];

/// Functions no runtime, jobs or log-in role may execute, each with its reason.
const NOBODY_EXECUTES: &[(&str, &str)] = &[
    (
        "app_user_id()",
        "unused since principal-bound RLS (kept for old policies' history)",
    ),
    ("ai_credit_usage()", "trigger of ai_credit_ledger"),
    ("invitations_keep_offer()", "trigger of invitations"),
    ("post_media_keep_approval()", "trigger of post_media"),
    ("post_targets_guard()", "trigger of post_targets"),
    ("posts_guard()", "trigger of posts"),
    ("posts_keep_approval()", "trigger of posts"),
    ("posts_usage()", "trigger of posts"),
    (
        "posts_withdraw_approval(uuid,uuid)",
        "called by the approval triggers, as the owner",
    ),
    ("set_updated_at()", "trigger of several tables"),
    ("signatures_keep_approval()", "trigger of signatures"),
    ("social_accounts_usage()", "trigger of social_accounts"),
    (
        "usage_add(uuid,integer,integer,integer)",
        "called by the usage triggers",
    ),
    (
        "usage_add_ai(uuid,timestamp with time zone,integer)",
        "called by the AI credit trigger",
    ),
    (
        "usage_cycle_start(timestamp with time zone)",
        "called by usage functions",
    ),
    ("usage_owner_cycle(uuid)", "called by usage functions"),
    ("workspaces_queue_cleanup()", "trigger of workspaces"),
    (
        "stats_add(uuid,text,integer,integer,integer,integer)",
        "called by the rollup triggers",
    ),
    (
        "stats_add_day(uuid,date,integer,integer)",
        "called by the rollup triggers",
    ),
    (
        "stats_add_week(uuid,date,integer)",
        "called by the rollup trigger",
    ),
    (
        "post_waiting_day(text,timestamp with time zone)",
        "called by the rollup trigger",
    ),
    (
        "post_out_day(text,timestamp with time zone,timestamp with time zone)",
        "called by the rollup trigger",
    ),
    ("posts_rollup()", "trigger of posts"),
    ("social_accounts_rollup()", "trigger of social_accounts"),
    ("memberships_rollup()", "trigger of memberships"),
    (
        "plan_of(uuid)",
        "the plan that applies to a person (trial or own), for limit functions",
    ),
];

/// Every column the runtime role may UPDATE, by table (all others: none).
const APP_UPDATES: &[(&str, &str)] = &[
    ("brand_profiles", "website description tone voice_notes primary_color background_color text_color font content_language"),
    ("email_outbox", "body_text status"),
    ("invitations", "token_hash expires_at accepted_at accepted_by revoked_at"),
    ("labels", "name color"),
    ("memberships", "role"),
    ("post_targets", "status attempt_key error"),
    ("posts", "content status scheduled_at signature_id approved_by approved_at rejected_by rejected_at rejection_comment attempts next_attempt_at last_error"),
    ("sandbox_tokens", "revoked_at"),
    ("sandbox_users", "display_name"),
    ("signatures", "name body is_default"),
    ("social_accounts", "handle display_name avatar_url profile_url status access_token_enc refresh_token_enc token_expires_at connected_by connected_at disconnected_at last_error"),
    ("users", "name last_workspace_id"),
    ("workspaces", "name slug logo_url primary_color default_language timezone require_approval"),
];

/// Every column the jobs role may UPDATE.
const JOBS_UPDATES: &[(&str, &str)] = &[
    ("cleanup_queue", "attempts next_attempt_at last_error"),
    (
        "email_outbox",
        "body_text status attempts next_attempt_at last_error sent_at lease_until",
    ),
    ("invitations", "token_hash"),
    (
        "post_targets",
        "status attempt_key attempts external_post_id permalink error published_at",
    ),
    (
        "posts",
        "status attempts next_attempt_at lease_until published_at last_error",
    ),
    ("sandbox_tokens", "revoked_at"),
    ("sandbox_users", "display_name"),
    (
        "social_accounts",
        "status access_token_enc refresh_token_enc token_expires_at last_published_at last_error",
    ),
];

/// Every table with all its columns: a new table or column must be added here (and so
/// be looked at for its grants and policies).
const TABLES: &[(&str, &str)] = &[
    ("activity_log", "workspace_id id actor_user_id actor_key_id actor_label action object_type object_id summary detail created_at"),
    ("ai_credit_ledger", "workspace_id id user_id created_at settled_at status model prompt_tokens completion_tokens credits cycle_start settle_hash"),
    ("brand_profiles", "workspace_id website description tone voice_notes primary_color background_color text_color font content_language updated_at"),
    ("cleanup_queue", "id kind workspace_id object_id platform access_token_enc refresh_token_enc attempts next_attempt_at last_error created_at"),
    ("connect_states", "state_hash workspace_id user_id platform pkce_verifier_enc created_at expires_at"),
    ("email_outbox", "id workspace_id invitation_id to_address subject body_text status attempts max_attempts next_attempt_at last_error created_at sent_at lease_until"),
    ("form_flashes", "key_hash session_hash payload expires_at"),
    ("invitations", "workspace_id id email role token_hash invited_by expires_at accepted_at accepted_by revoked_at created_at"),
    ("labels", "workspace_id id name color created_at"),
    ("media", "workspace_id id kind content_type byte_size width height original_name has_thumbnail uploaded_by created_at"),
    ("memberships", "workspace_id user_id role created_at"),
    ("owner_usage", "owner_id cycle_start posts_in_cycle scheduled_now social_accounts ai_credits_in_cycle"),
    ("plans", "code name sort_order max_workspaces max_social_accounts max_members ai_credits_monthly monthly_posts scheduled_posts schedule_horizon_days api_access managed_users"),
    ("post_labels", "workspace_id post_id label_id"),
    ("post_media", "workspace_id post_id media_id position"),
    ("post_targets", "workspace_id post_id account_id status attempt_key attempts external_post_id permalink error published_at"),
    ("posts", "workspace_id id content status scheduled_at signature_id created_by created_at updated_at approved_by approved_at rejected_by rejected_at rejection_comment attempts next_attempt_at lease_until published_at last_error usage_cycle"),
    ("sandbox_grants", "code_hash external_id redirect_uri expires_at"),
    ("sandbox_posts", "id external_id idempotency_key content created_at media"),
    ("sandbox_tokens", "token_hash external_id kind expires_at revoked_at"),
    ("sandbox_users", "external_id handle display_name created_at"),
    ("sessions", "token_hash user_id created_at last_seen_at expires_at user_agent ip idle_timeout"),
    ("signatures", "workspace_id id name body is_default created_at updated_at"),
    ("social_accounts", "workspace_id id platform external_id handle display_name avatar_url profile_url status access_token_enc refresh_token_enc token_expires_at connected_by connected_at disconnected_at last_published_at last_error"),
    ("users", "id email name password_hash plan last_workspace_id created_at updated_at billing_cycle_anchor trial_plan trial_ends_at"),
    ("workspace_usage", "workspace_id cycle_start posts_in_cycle scheduled_now social_accounts ai_credits_in_cycle"),
    ("workspace_post_days", "workspace_id day scheduled published"),
    ("workspace_post_weeks", "workspace_id week published"),
    ("workspace_stats", "workspace_id drafts awaiting_approval scheduled publishing published failed partially_published accounts_connected accounts_expired members"),
    ("workspace_post_days", "workspace_id day scheduled published"),
    ("workspace_post_weeks", "workspace_id week published"),
    ("workspace_stats", "workspace_id drafts awaiting_approval scheduled publishing published failed partially_published accounts_connected accounts_expired members"),
    ("workspaces", "id name slug owner_id logo_url primary_color is_personal default_language settings created_at updated_at timezone require_approval"),
];

fn set_of(list: &[(&str, &str)]) -> BTreeSet<String> {
    list.iter()
        .flat_map(|(t, cols)| cols.split_whitespace().map(move |c| format!("{t}.{c}")))
        .collect()
}

fn names(list: &[(&str, &str)]) -> BTreeSet<String> {
    list.iter().map(|(n, _)| n.to_string()).collect()
}

fn diff(what: &str, expected: &BTreeSet<String>, actual: &BTreeSet<String>) -> Vec<String> {
    let mut out = vec![];
    for x in actual.difference(expected) {
        out.push(format!("{what}: unexpected {x}"));
    }
    for x in expected.difference(actual) {
        out.push(format!("{what}: missing {x}"));
    }
    out
}

async fn strings(admin: &PgPool, sql: &str, bind: Option<&str>) -> BTreeSet<String> {
    let q = sqlx::query_scalar::<_, String>(sql);
    let q = match bind {
        Some(b) => q.bind(b.to_string()),
        None => q,
    };
    q.fetch_all(admin).await.unwrap().into_iter().collect()
}

/// Our functions (not those of extensions such as citext).
const OUR_FUNCTIONS: &str = "FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace \
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass \
                    AND d.objid = p.oid AND d.deptype = 'e')";

#[sqlx::test]
async fn every_function_is_classified_and_executable_only_as_listed(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let admin = pool_opts.connect_with(opts).await.unwrap();
    let mut problems = vec![];
    let all = strings(
        &admin,
        &format!("SELECT replace(p.oid::regprocedure::text, ', ', ',') {OUR_FUNCTIONS}"),
        None,
    )
    .await;
    let mut classified = names(APP_EXECUTES);
    classified.extend(names(AUTH_EXECUTES));
    classified.extend(names(NOBODY_EXECUTES));
    problems.extend(diff("classified functions", &classified, &all));
    for (role, allowed) in [
        ("postroom_app", names(APP_EXECUTES)),
        ("postroom_jobs", BTreeSet::new()),
        ("postroom_auth", names(AUTH_EXECUTES)),
    ] {
        let can = strings(
            &admin,
            &format!(
                "SELECT replace(p.oid::regprocedure::text, ', ', ',') {OUR_FUNCTIONS} \
                   AND has_function_privilege($1, p.oid, 'EXECUTE')"
            ),
            Some(role),
        )
        .await;
        problems.extend(diff(&format!("EXECUTE by {role}"), &allowed, &can));
    }
    // PUBLIC holds EXECUTE on none of ours.
    let public = strings(
        &admin,
        &format!(
            "SELECT p.oid::regprocedure::text {OUR_FUNCTIONS} \
               AND EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a \
                            WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')"
        ),
        None,
    )
    .await;
    problems.extend(public.iter().map(|f| format!("PUBLIC may execute {f}")));
    // Every function pins search_path, pg_temp last.
    let unpinned = strings(
        &admin,
        &format!(
            "SELECT p.oid::regprocedure::text {OUR_FUNCTIONS} \
               AND NOT coalesce('search_path=pg_catalog, public, pg_temp' = ANY (p.proconfig), false)"
        ),
        None,
    )
    .await;
    problems.extend(
        unpinned
            .iter()
            .map(|f| format!("{f} does not pin search_path")),
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[sqlx::test]
async fn runtime_roles_create_nothing_and_hold_no_other_role(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let admin = pool_opts.connect_with(opts).await.unwrap();
    for role in ROLES {
        let (temp, create_db, create_schema, sup, bypass, createrole, createdb): (
            bool,
            bool,
            bool,
            bool,
            bool,
            bool,
            bool,
        ) = sqlx::query_as(
            "SELECT has_database_privilege($1, current_database(), 'TEMPORARY'), \
                    has_database_privilege($1, current_database(), 'CREATE'), \
                    has_schema_privilege($1, 'public', 'CREATE'), \
                    r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb \
               FROM pg_roles r WHERE r.rolname = $1",
        )
        .bind(role)
        .fetch_one(&admin)
        .await
        .unwrap();
        assert!(!temp, "{role} may create temporary tables");
        assert!(!create_db && !create_schema, "{role} may create objects");
        assert!(
            !sup && !bypass && !createrole && !createdb,
            "{role} has a role attribute it must not"
        );
    }
    let member_of: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.rolname::text, r.rolname::text FROM pg_auth_members a \
           JOIN pg_roles m ON m.oid = a.member JOIN pg_roles r ON r.oid = a.roleid \
          WHERE m.rolname IN ('postroom_app', 'postroom_jobs', 'postroom_auth') ORDER BY 1, 2",
    )
    .fetch_all(&admin)
    .await
    .unwrap();
    assert_eq!(
        member_of,
        vec![("postroom_auth".to_string(), "postroom_app".to_string())],
        "only the log-in role may become the runtime role (SET ROLE), and nothing else"
    );
    let inherits: bool =
        sqlx::query_scalar("SELECT rolinherit FROM pg_roles WHERE rolname = 'postroom_auth'")
            .fetch_one(&admin)
            .await
            .unwrap();
    assert!(
        !inherits,
        "postroom_auth must be NOINHERIT: the runtime role's rights only after SET ROLE"
    );
}

#[sqlx::test]
async fn every_table_and_column_is_classified_with_rls_forced(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let admin = pool_opts.connect_with(opts).await.unwrap();
    let mut problems = vec![];
    let columns = strings(
        &admin,
        "SELECT c.relname || '.' || a.attname FROM pg_class c \
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
          WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') \
            AND c.relname <> '_sqlx_migrations'",
        None,
    )
    .await;
    problems.extend(diff("tables and columns", &set_of(TABLES), &columns));
    let no_rls = strings(
        &admin,
        "SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace \
            AND relkind IN ('r', 'p') AND relname <> '_sqlx_migrations' \
            AND NOT (relrowsecurity AND relforcerowsecurity)",
        None,
    )
    .await;
    problems.extend(
        no_rls
            .iter()
            .map(|t| format!("{t}: row-level security not forced")),
    );
    // No views, sequences the roles could move, or other relations to go around RLS.
    let others = strings(
        &admin,
        "SELECT relname::text || ' (' || relkind::text || ')' FROM pg_class \
          WHERE relnamespace = 'public'::regnamespace AND relkind IN ('v', 'm', 'f')",
        None,
    )
    .await;
    problems.extend(
        others
            .iter()
            .map(|t| format!("{t}: unexpected relation kind")),
    );
    for role in ROLES {
        // The migrations table, TRUNCATE, REFERENCES, TRIGGER and table-wide UPDATE: never.
        let table_wide = strings(
            &admin,
            "SELECT c.relname || ' ' || p.priv FROM pg_class c \
               CROSS JOIN (VALUES ('UPDATE'), ('TRUNCATE'), ('REFERENCES'), ('TRIGGER')) p(priv) \
              WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') \
                AND has_table_privilege($1, c.oid, p.priv)",
            Some(role),
        )
        .await;
        problems.extend(
            table_wide
                .iter()
                .map(|x| format!("{role} holds table-wide {x}")),
        );
        let migrations = strings(
            &admin,
            "SELECT p.priv FROM (VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE')) p(priv) \
              WHERE has_table_privilege($1, '_sqlx_migrations', p.priv)",
            Some(role),
        )
        .await;
        problems.extend(
            migrations
                .iter()
                .map(|x| format!("{role} may {x} _sqlx_migrations")),
        );
        let sequences = strings(
            &admin,
            "SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace \
                AND CASE WHEN c.relkind = 'S' THEN has_sequence_privilege($1, c.oid, 'UPDATE') ELSE false END",
            Some(role),
        )
        .await;
        problems.extend(sequences.iter().map(|x| format!("{role} may setval {x}")));
    }
    for (role, expected) in [
        ("postroom_app", set_of(APP_UPDATES)),
        ("postroom_jobs", set_of(JOBS_UPDATES)),
        ("postroom_auth", BTreeSet::new()),
    ] {
        let updatable = strings(
            &admin,
            "SELECT c.relname || '.' || a.attname FROM pg_class c \
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
              WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') \
                AND has_column_privilege($1, c.oid, a.attnum, 'UPDATE')",
            Some(role),
        )
        .await;
        problems.extend(diff(&format!("UPDATE by {role}"), &expected, &updatable));
    }
    // The log-in role inserts accounts and sessions and reads nothing.
    let auth_rights = strings(
        &admin,
        "SELECT c.relname || ' ' || p.priv FROM pg_class c \
           CROSS JOIN (VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE')) p(priv) \
          WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') \
            AND CASE WHEN p.priv = 'DELETE' THEN has_table_privilege('postroom_auth', c.oid, 'DELETE') \
                     ELSE has_any_column_privilege('postroom_auth', c.oid, p.priv) END",
        None,
    )
    .await;
    let expected: BTreeSet<String> = ["sessions INSERT", "users INSERT"]
        .into_iter()
        .map(String::from)
        .collect();
    problems.extend(diff(
        "postroom_auth's table rights",
        &expected,
        &auth_rights,
    ));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[sqlx::test]
async fn serving_roles_cannot_idle_inside_a_transaction(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let _ = pool_opts;
    for role in ROLES {
        let pool = crate::common::role_pool(&opts, role).await;
        let timeout: String = sqlx::query_scalar("SHOW idle_in_transaction_session_timeout")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(timeout, "1min", "{role}");
        pool.close().await;
    }
}
