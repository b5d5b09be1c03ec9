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

pub const DEMO_EMAIL: &str = "demo@postroom.test";
pub const DEMO_PASSWORD: &str = "postroom-demo";

struct Client {
    name: &'static str,
    color: &'static str,
    website: &'static str,
    description: &'static str,
    tone: &'static str,
}

const CLIENTS: [Client; 3] = [
    Client {
        name: "Acme Coffee Roasters",
        color: "#b45309",
        website: "https://acme-coffee.example",
        description: "Small-batch roastery with three cafés in Lisbon.",
        tone: "Warm, playful, a little nerdy about beans",
    },
    Client {
        name: "Northwind Outdoors",
        color: "#047857",
        website: "https://northwind.example",
        description: "Outdoor gear for long-distance hikers.",
        tone: "Encouraging, practical, safety first",
    },
    Client {
        name: "Lumen Dental",
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
    owner_pool: &PgPool,
    cfg: &Config,
) -> Result<bool, AppError> {
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(owner_pool)
        .await?;
    if users > 0 {
        return Ok(false);
    }
    let account = users::sign_up(
        pool,
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
        let slug = workspaces::create(pool, &principal, client.name).await?;
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
    }
    // The seed's own session is of no use to anyone.
    sessions::destroy(pool, principal.session().bytes()).await?;
    Ok(true)
}
