//! `postroom admin seed-load`: a realistic large data set for the agency dashboard's
//! benchmark — one agency person who owns every workspace, several people and social
//! accounts per workspace, and posts in every status spread over a year.
//!
//! Workspaces are founded through the same service as the web app (so each has its
//! membership, brand profile and counters); everything else arrives in batched
//! `INSERT … SELECT` statements as the migrator, with every trigger on, so the rollups
//! and usage counters come out exactly as live traffic would leave them.
use crate::model::AppError;
use crate::server::config::Config;
use crate::server::services::{users, workspaces};
use crate::server::tenancy::AuthPool;
use sqlx::PgPool;
use std::time::Instant;
use uuid::Uuid;

pub const LOAD_PASSWORD: &str = "postroom-load";

pub struct LoadPlan {
    pub email: String,
    pub workspaces: usize,
    pub posts: usize,
}

const FIRST: &[&str] = &[
    "Northwind",
    "Harbor",
    "Summit",
    "Bluebird",
    "Copper",
    "Evergreen",
    "Lumen",
    "Atlas",
    "Juniper",
    "Granite",
    "Willow",
    "Beacon",
    "Meridian",
    "Saffron",
    "Orchard",
    "Tidal",
];
const SECOND: &[&str] = &[
    "Coffee",
    "Dental",
    "Bakery",
    "Cycles",
    "Studio",
    "Fitness",
    "Books",
    "Realty",
    "Florist",
    "Brewing",
    "Optics",
    "Clinic",
    "Outfitters",
    "Kitchen",
    "Legal",
    "Travel",
];

fn name_of(i: usize) -> String {
    format!(
        "{} {} {}",
        FIRST[i % FIRST.len()],
        SECOND[(i / FIRST.len()) % SECOND.len()],
        i + 1
    )
}

fn progress(what: &str, done: usize, total: usize, started: Instant) {
    println!(
        "  {what}: {done}/{total} ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
}

pub async fn seed_load(
    owner: &PgPool,
    auth: &AuthPool,
    runtime: &PgPool,
    cfg: &Config,
    plan: LoadPlan,
) -> Result<(), AppError> {
    let started = Instant::now();
    if users::operator::find_by_email(owner, &plan.email)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!(
            "{} exists already: load a fresh database, or pass another --email",
            plan.email
        )));
    }
    let account = users::sign_up(
        auth,
        cfg,
        users::SignupInput {
            email: plan.email.clone(),
            password: LOAD_PASSWORD.into(),
            name: "Load Agency".into(),
        },
        &users::ClientInfo {
            user_agent: Some("postroom admin seed-load".into()),
            ip: None,
        },
    )
    .await?;
    crate::server::auth::sessions::destroy(runtime, account.session.principal.session().bytes())
        .await?;
    users::operator::set_plan(owner, &plan.email, "max").await?;
    let (agency, agency_name) = users::operator::find_by_email(owner, &plan.email)
        .await?
        .ok_or(AppError::Internal)?;
    println!("agency person {} / {LOAD_PASSWORD}", plan.email);

    // Workspaces, through the app's own service.
    let mut ids: Vec<Uuid> = Vec::with_capacity(plan.workspaces);
    for i in 0..plan.workspaces {
        let (tx, principal) =
            users::operator::act_as(auth, cfg, agency, agency_name.clone()).await?;
        let mut tx = workspaces::create_in(tx, &principal, &name_of(i), false).await?;
        ids.push(tx.workspace_id());
        users::operator::end_acting(tx.conn(), principal.session()).await?;
        tx.commit().await?;
        if (i + 1) % 100 == 0 || i + 1 == plan.workspaces {
            progress("workspaces", i + 1, plan.workspaces, started);
        }
    }

    // Three more people per workspace (an admin, an editor, a client), and accounts.
    let hash = crate::server::auth::passwords::hash(LOAD_PASSWORD.into()).await?;
    let tag = Uuid::new_v4().simple().to_string()[..6].to_string();
    sqlx::query(
        "WITH ws AS (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n \
                       FROM workspaces WHERE id = ANY ($1)), \
              people AS ( \
                INSERT INTO users (id, email, name, password_hash) \
                SELECT gen_random_uuid(), format('%s-%s-%s@load.postroom.test', r.role, ws.n, $3), \
                       initcap(r.role) || ' ' || ws.n, $2 \
                  FROM ws CROSS JOIN (VALUES ('admin'), ('editor'), ('client')) r(role) \
                RETURNING id, email) \
         INSERT INTO memberships (workspace_id, user_id, role) \
         SELECT ws.id, p.id, upper(split_part(p.email::text, '-', 1)) \
           FROM people p JOIN ws ON ws.n = split_part(p.email::text, '-', 2)::bigint",
    )
    .bind(&ids)
    .bind(&hash)
    .bind(&tag)
    .execute(owner)
    .await?;
    sqlx::query(
        "INSERT INTO social_accounts (workspace_id, id, platform, external_id, handle, display_name, \
                                      status, token_expires_at) \
         SELECT ws.id, gen_random_uuid(), 'sandbox', format('load-%s-%s', left(ws.id::text, 8), k), \
                format('%s_%s', left(replace(ws.id::text, '-', ''), 10), k), format('Account %s', k), \
                CASE WHEN k = 1 AND ws.n % 20 = 0 THEN 'expired' ELSE 'connected' END, \
                CASE WHEN k = 2 AND ws.n % 15 = 0 THEN now() + interval '3 days' \
                     ELSE now() + interval '60 days' END \
           FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n \
                   FROM workspaces WHERE id = ANY ($1)) ws \
          CROSS JOIN generate_series(1, 4) k",
    )
    .bind(&ids)
    .execute(owner)
    .await?;
    sqlx::query(
        "INSERT INTO invitations (workspace_id, id, email, role, token_hash, invited_by, expires_at) \
         SELECT ws.id, gen_random_uuid(), format('guest-%s@load.postroom.test', ws.n), 'VIEWER', \
                sha256(convert_to(gen_random_uuid()::text, 'UTF8')), $2, now() + interval '30 hours' \
           FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n \
                   FROM workspaces WHERE id = ANY ($1)) ws WHERE ws.n % 10 = 0",
    )
    .bind(&ids)
    .bind(agency)
    .execute(owner)
    .await?;
    progress(
        "people, accounts, invitations",
        ids.len(),
        ids.len(),
        started,
    );

    // Posts: about `posts / workspaces` each, in every status over a year, in batches
    // of workspaces (each batch one statement, every trigger on).
    let per_ws = plan.posts / plan.workspaces.max(1);
    let mut done_ws = 0usize;
    for chunk in ids.chunks(20) {
        sqlx::query(
            "INSERT INTO posts (workspace_id, id, content, status, scheduled_at, published_at, \
                                last_error, created_at) \
             SELECT ws, gen_random_uuid(), format('Load post %s of %s', k, left(ws::text, 8)), \
                    st, at, CASE WHEN st IN ('published', 'partially_published') THEN at END, \
                    CASE WHEN st IN ('failed', 'partially_published') THEN 'The network refused the post' END, \
                    least(now(), coalesce(at, now()) - interval '3 days') \
               FROM (SELECT ws, k, st, \
                            CASE st \
                              WHEN 'draft' THEN NULL \
                              WHEN 'scheduled' THEN now() + random() * interval '60 days' \
                              WHEN 'awaiting_approval' THEN now() + (random() * 16 - 2) * interval '1 day' \
                              WHEN 'failed' THEN now() - random() * interval '30 days' \
                              ELSE now() - random() * interval '365 days' END AS at \
                       FROM (SELECT ws, k, \
                                    CASE WHEN r < 0.70 THEN 'published' \
                                         WHEN r < 0.82 THEN 'scheduled' \
                                         WHEN r < 0.90 THEN 'draft' \
                                         WHEN r < 0.95 THEN 'awaiting_approval' \
                                         WHEN r < 0.98 THEN 'failed' \
                                         ELSE 'partially_published' END AS st \
                               FROM (SELECT ws, k, random() AS r \
                                       FROM unnest($1::uuid[]) ws, generate_series(1, $2) k) a) b) c",
        )
        .bind(chunk)
        .bind(per_ws as i32)
        .execute(owner)
        .await?;
        done_ws += chunk.len();
        if done_ws % 100 == 0 || done_ws == ids.len() {
            progress("posts", done_ws * per_ws, per_ws * ids.len(), started);
        }
    }

    // A month of activity per workspace.
    sqlx::query(
        "INSERT INTO activity_log (workspace_id, actor_user_id, actor_label, action, object_type, \
                                   summary, created_at) \
         SELECT ws, $2, 'Load Agency', a.action, a.object_type, a.summary, \
                now() - random() * interval '30 days' \
           FROM unnest($1::uuid[]) ws, generate_series(1, 30) k, \
                LATERAL (SELECT * FROM (VALUES \
                  ('post.scheduled', 'post', 'scheduled a post'), \
                  ('post.created', 'post', 'created a post'), \
                  ('account.connected', 'account', 'connected an account'), \
                  ('member.joined', 'member', 'joined the workspace'), \
                  ('media.uploaded', 'media', 'uploaded an image')) v(action, object_type, summary) \
                  OFFSET (k % 5) LIMIT 1) a",
    )
    .bind(&ids)
    .bind(agency)
    .execute(owner)
    .await?;
    progress("activity", ids.len() * 30, ids.len() * 30, started);
    sqlx::query(
        "ANALYZE users, workspaces, memberships, posts, social_accounts, invitations, activity_log, \
         workspace_stats, workspace_post_days, workspace_usage, owner_usage",
    )
    .execute(owner)
    .await?;
    println!(
        "seeded {} workspaces and {} posts in {:.0} s; log in as {} / {LOAD_PASSWORD}",
        ids.len(),
        per_ws * ids.len(),
        started.elapsed().as_secs_f64(),
        plan.email
    );
    Ok(())
}
