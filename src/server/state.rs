use crate::server::{auth::ratelimit::LoginLimiter, config::Config};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos_axum::AxumRouteListing;
use sqlx::PgPool;
use std::sync::Arc;

/// Shared by every handler and server function (via context).
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub routes: Arc<Vec<AxumRouteListing>>,
    /// Runtime pool: a role without BYPASSRLS.
    pub pool: PgPool,
    /// The log-in role's pool (`postroom_auth`): sign-up, log-in and invitation
    /// sign-up create sessions through it; nothing else uses it.
    pub auth: crate::server::tenancy::AuthPool,
    pub config: Arc<Config>,
    pub login_limiter: LoginLimiter,
    /// AI drafts per person (a minute's allowance, and how many at once).
    pub ai_limiter: crate::server::auth::person_limit::PersonLimiter,
    /// Uploads per person (a minute's allowance, and how many at once).
    pub upload_limiter: crate::server::auth::person_limit::PersonLimiter,
    /// Social networks (the web side: connect flows).
    pub providers: crate::server::providers::Providers,
    /// Where media files live (and the key of their signed links).
    pub media: crate::server::media_store::MediaStore,
    /// The OpenAI-compatible endpoint for AI drafts, when configured.
    pub ai: Option<crate::server::ai::AiClient>,
    /// Encrypts social-account tokens at rest.
    pub cipher: crate::server::crypto::TokenCipher,
    /// Tests only (never set from configuration): skip the Rust-side
    /// membership check to prove row-level security alone holds.
    pub forge_authorization: Option<crate::server::tenancy::ForgeAuthorization>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state inside a server function.
pub fn app_state() -> Result<AppState, crate::model::AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from context");
        crate::model::AppError::Internal
    })
}
