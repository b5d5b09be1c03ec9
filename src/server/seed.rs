//! The demo agency, seeded into an empty database so a new user has
//! something to look at.
use crate::model::AppError;
use crate::server::services::{
    activity::{self, Event},
    brand::{self, BrandInput},
    users::{self, SignupInput},
    workspaces::{self, SettingsInput},
};
use crate::server::tenancy::Principal;
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

/// Seeds the demo when no user exists yet. Returns true when it seeded.
pub async fn seed_if_empty(pool: &PgPool) -> Result<bool, AppError> {
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(pool)
        .await?;
    if users > 0 {
        return Ok(false);
    }
    let account = users::sign_up(
        pool,
        SignupInput {
            email: DEMO_EMAIL.into(),
            password: DEMO_PASSWORD.into(),
            name: "Dana Demo".into(),
            plan: Some("pro".into()),
        },
    )
    .await?;
    let principal = Principal::User {
        id: account.user_id,
        name: "Dana Demo".into(),
    };
    for client in CLIENTS {
        let ctx = workspaces::create(pool, &principal, client.name).await?;
        workspaces::update_settings(
            pool,
            &ctx,
            SettingsInput {
                name: client.name.into(),
                slug: ctx.slug().into(),
                logo_url: String::new(),
                primary_color: client.color.into(),
                default_language: "en".into(),
            },
        )
        .await?;
        brand::update(
            pool,
            &ctx,
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
        let mut tx = crate::server::db::begin_scoped(pool, &ctx).await?;
        activity::record(
            tx.conn(),
            &ctx,
            Event::new(
                "note.added",
                "workspace",
                "set up the client onboarding checklist",
            ),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(true)
}
