//! The demo agency, seeded into an empty database so a new user has
//! something to look at.
use crate::model::{AppError, Permission};
use crate::server::auth::sessions;
use crate::server::config::Config;
use crate::server::services::{
    activity::{self, Event},
    brand::{self, BrandInput},
    users::{self, ClientInfo, SignupInput},
    workspaces::{self, SettingsInput},
};
use crate::server::tenancy::{self, WorkspaceRef};
use sqlx::PgPool;
use uuid::Uuid;

pub const DEMO_EMAIL: &str = "demo@postroom.test";
pub const DEMO_PASSWORD: &str = "postroom-demo";
/// A second demo account on the Starter plan (one workspace, one member):
/// in cloud mode it shows full meters and the plan-limit refusals.
pub const DEMO_STARTER_EMAIL: &str = "starter@postroom.test";

struct Client {
    name: &'static str,
    handle: &'static str,
    posts: [&'static str; 6],
    color: &'static str,
    website: &'static str,
    description: &'static str,
    tone: &'static str,
}

const CLIENTS: [Client; 3] = [
    Client {
        name: "Acme Coffee Roasters",
        handle: "acmecoffee",
        posts: [
            "New single origin on the bar: Ethiopia Guji, notes of peach and jasmine. ☕",
            "Behind the roaster: how we dial in a light roast in 11 minutes.",
            "Latte art throwdown this Friday at our Alfama café — bring a friend!",
            "Our winter blend is back. Chocolate, orange peel, and a lot of love.",
            "Meet Inês, head barista, who has pulled 40,000 shots and counting.",
            "Brewing guide: the 1:16 ratio that makes any pour-over sing.",
        ],
        color: "#b45309",
        website: "https://acme-coffee.example",
        description: "Small-batch roastery with three cafés in Lisbon.",
        tone: "Warm, playful, a little nerdy about beans",
    },
    Client {
        name: "Northwind Outdoors",
        handle: "northwind",
        posts: [
            "Trail tip: pack layers, not bulk. Our 3-layer system explained.",
            "The new Ridgeline 45 pack is here — 1.1 kg and built for the long haul.",
            "Leave no trace: five habits every hiker should have.",
            "Customer story: 2,650 miles on the Pacific Crest Trail in our boots.",
            "Winter hiking checklist, printable and free.",
            "Shop event: bring your old gear for repair, Saturday 10–4.",
        ],
        color: "#047857",
        website: "https://northwind.example",
        description: "Outdoor gear for long-distance hikers.",
        tone: "Encouraging, practical, safety first",
    },
    Client {
        name: "Lumen Dental",
        handle: "lumendental",
        posts: [
            "Two minutes, twice a day: a short guide to brushing right.",
            "Nervous about the dentist? Here is what a first visit looks like.",
            "Our new clinic in Porto opens on Monday. Come say hello!",
            "Sugar-free doesn't always mean tooth-friendly. Here's why.",
            "Meet Dr. Sousa, our new paediatric dentist.",
            "Reminder: check-ups are free for children under 12 this month.",
        ],
        color: "#2563eb",
        website: "https://lumen-dental.example",
        description: "Family dental clinic network.",
        tone: "Calm, reassuring, plain language",
    },
];

/// Seeds the demo when no user exists yet (`postroom seed-demo`, which
/// `scripts/run` calls; a production database is never seeded unless asked).
/// The operator's pool sets the demo's plan; everything else goes through the
/// runtime role like any sign-up. Returns true when it seeded.
pub async fn seed_if_empty(
    pool: &PgPool,
    auth: &crate::server::tenancy::AuthPool,
    owner_pool: &PgPool,
    cfg: &Config,
) -> Result<bool, AppError> {
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(owner_pool)
        .await?;
    if users > 0 {
        return Ok(false);
    }
    // The demo accounts are on the plans it sets for them, with no trial.
    let cfg = &Config {
        trial_days: 0,
        ..cfg.clone()
    };
    let account = users::sign_up(
        auth,
        cfg,
        SignupInput {
            email: DEMO_EMAIL.into(),
            password: DEMO_PASSWORD.into(),
            name: "Dana Demo".into(),
        },
        &ClientInfo {
            user_agent: Some("postroom seed-demo".into()),
            ip: None,
        },
    )
    .await?;
    users::operator::set_plan(owner_pool, DEMO_EMAIL, "pro").await?;
    let principal = account.session.principal;
    for client in CLIENTS {
        let slug = workspaces::create(pool, &principal, client.name, cfg.billing_mode).await?;
        let mut tx = tenancy::authorize(
            pool,
            None,
            &principal,
            WorkspaceRef::Slug(&slug),
            Permission::EditSettings,
        )
        .await?;
        workspaces::update_settings(
            &mut tx,
            SettingsInput {
                name: client.name.into(),
                new_slug: slug.clone(),
                logo_url: String::new(),
                primary_color: client.color.into(),
                default_language: "en".into(),
            },
        )
        .await?;
        brand::update(
            &mut tx,
            BrandInput {
                website: client.website.into(),
                description: client.description.into(),
                tone: client.tone.into(),
                primary_color: client.color.into(),
                content_language: "en".into(),
                ..Default::default()
            },
        )
        .await?;
        let (ctx, conn) = tx.parts();
        activity::record(
            conn,
            ctx,
            Event::new(
                "note.added",
                "workspace",
                "set up the client onboarding checklist",
            ),
        )
        .await?;
        tx.commit().await?;
        seed_content(pool, owner_pool, cfg, &principal, &slug, &client).await?;
    }
    // The seed's own session is of no use to anyone.
    sessions::destroy(pool, principal.session().bytes()).await?;
    let starter = users::sign_up(
        auth,
        cfg,
        SignupInput {
            email: DEMO_STARTER_EMAIL.into(),
            password: DEMO_PASSWORD.into(),
            name: "Sam Starter".into(),
        },
        &ClientInfo {
            user_agent: Some("postroom seed-demo".into()),
            ip: None,
        },
    )
    .await?;
    users::operator::set_plan(owner_pool, DEMO_STARTER_EMAIL, "starter").await?;
    sessions::destroy(pool, starter.session.principal.session().bytes()).await?;
    Ok(true)
}

/// A month of content in one demo workspace: two Sandbox accounts connected
/// through the real flow, labels, a default signature, and posts in every
/// status around today — upcoming ones made by the composer's own service,
/// past ones (published, failed, partly published) written as the worker
/// would have left them.
async fn seed_content(
    pool: &PgPool,
    owner_pool: &PgPool,
    cfg: &Config,
    principal: &tenancy::Principal,
    slug: &str,
    client: &Client,
) -> Result<(), AppError> {
    use crate::model::PostInput;
    use crate::server::crypto::TokenCipher;
    use crate::server::providers::{redirect_uri, sandbox, Provider};
    use crate::server::services::{accounts, labels, posts};
    use chrono::{Duration, Utc};

    let cipher = TokenCipher::from_config(&cfg.token_key).map_err(|e| {
        tracing::error!(error = %e, "token_key");
        AppError::Internal
    })?;
    let network = sandbox::Sandbox::new(pool.clone(), &cfg.public_url);
    let callback = redirect_uri(&cfg.public_url, sandbox::PLATFORM);
    let mut tx = tenancy::authorize(
        pool,
        None,
        principal,
        WorkspaceRef::Slug(slug),
        Permission::ManageAccounts,
    )
    .await?;
    let mut account_ids = Vec::new();
    for (handle, name) in [
        (client.handle.to_string(), client.name.to_string()),
        (
            format!("{}_uk", client.handle),
            format!("{} UK", client.name),
        ),
    ] {
        let code = sandbox::grant(pool, &handle, &name, &callback).await?;
        let (profile, tokens) = network
            .exchange(&code, &callback, None)
            .await
            .map_err(|_| AppError::Internal)?;
        account_ids.push(
            accounts::save_account(
                &mut tx,
                &cipher,
                sandbox::PLATFORM,
                &profile,
                &tokens,
                cfg.billing_mode,
            )
            .await?,
        );
    }
    let mut label_ids = Vec::new();
    for (name, color) in [
        ("Promo", "#db2777"),
        ("Behind the scenes", "#0d9488"),
        ("Announcement", "#4f46e5"),
    ] {
        label_ids.push(labels::create_label(&mut tx, name, color).await?);
    }
    let signature =
        labels::create_signature(&mut tx, "Sign-off", &format!("— {}", client.name), true).await?;
    // Upcoming posts through the composer's service.
    let zone = chrono_tz::Tz::UTC;
    for (i, text) in client.posts.iter().enumerate() {
        let at = Utc::now() + Duration::days(1 + i as i64 * 3) + Duration::hours(i as i64 % 3);
        let (date, time) = crate::server::services::zones::date_time_strings(at, zone);
        let intent = if i % 3 == 2 { "draft" } else { "schedule" };
        posts::save(
            &mut tx,
            PostInput {
                content: text.to_string(),
                account_ids: account_ids
                    .iter()
                    .take(1 + i % 2)
                    .map(Uuid::to_string)
                    .collect(),
                label_ids: vec![label_ids[i % label_ids.len()].to_string()],
                signature_id: signature.to_string(),
                date,
                time,
                intent: intent.into(),
                ..Default::default()
            },
            cfg.billing_mode,
        )
        .await?;
    }
    let ws = tx.workspace_id();
    tx.commit().await?;
    // One post waiting for the client, as if approval had been switched on.
    let user = principal.user_id().ok_or(AppError::Internal)?;
    let past = [
        ("published", -2, "Thanks for 10,000 followers! 🎉"),
        ("published", -6, "Throwback to our very first day."),
        ("published", -10, "We're hiring — come work with us."),
        ("failed", -4, "This one hit a network outage [fail]"),
        (
            "partially_published",
            -8,
            "Weekend hours update for all locations.",
        ),
        (
            "awaiting_approval",
            2,
            "Draft of next week's campaign — ready for your review.",
        ),
    ];
    for (n, (status, days, text)) in past.into_iter().enumerate() {
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO posts (workspace_id, id, content, status, scheduled_at, signature_id, created_by, published_at, last_error) \
             VALUES ($1, $2, $3, $4, now() + make_interval(days => $5) + make_interval(hours => $6), $7, $8, \
                     CASE WHEN $4 IN ('published', 'partially_published') THEN now() + make_interval(days => $5) END, \
                     CASE WHEN $4 IN ('failed', 'partially_published') THEN 'Sandbox refused the post: it contains [fail]' END)",
        )
        .bind(ws)
        .bind(id)
        .bind(text)
        .bind(status)
        .bind(days)
        .bind(n as i32 % 4 + 9)
        .bind(signature)
        .bind(user)
        .execute(owner_pool)
        .await?;
        sqlx::query(
            "INSERT INTO post_labels (workspace_id, post_id, label_id) VALUES ($1, $2, $3)",
        )
        .bind(ws)
        .bind(id)
        .bind(label_ids[n % label_ids.len()])
        .execute(owner_pool)
        .await?;
        for (k, account) in account_ids.iter().enumerate() {
            let target_status = match (status, k) {
                ("published", _) | ("partially_published", 0) => "published",
                ("failed", _) | ("partially_published", _) => "failed",
                _ => "pending",
            };
            let handle = if k == 0 {
                client.handle.to_string()
            } else {
                format!("{}_uk", client.handle)
            };
            let sandbox_id: Option<i64> = if target_status == "published" {
                sqlx::query_scalar(
                    "INSERT INTO sandbox_posts (external_id, idempotency_key, content) \
                     SELECT external_id, $2, $3 FROM sandbox_users WHERE handle = $1 RETURNING id",
                )
                .bind(&handle)
                .bind(Uuid::new_v4().to_string())
                .bind(crate::model::with_signature(
                    text,
                    Some(&format!("— {}", client.name)),
                ))
                .fetch_optional(owner_pool)
                .await?
            } else {
                None
            };
            sqlx::query(
                "INSERT INTO post_targets (workspace_id, post_id, account_id, status, permalink, external_post_id, error, published_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $4 = 'published' THEN now() END)",
            )
            .bind(ws)
            .bind(id)
            .bind(account)
            .bind(target_status)
            .bind(sandbox_id.map(|sid| format!("{}/sandbox/{handle}/posts/{sid}", cfg.public_url)))
            .bind(sandbox_id.map(|sid| sid.to_string()))
            .bind((target_status == "failed").then_some("Sandbox refused the post: it contains [fail]"))
            .execute(owner_pool)
            .await?;
        }
    }
    Ok(())
}
