//! Social networks behind one interface. A provider connects an account
//! (authorization URL → callback with a code → tokens and a profile),
//! refreshes tokens, publishes with an idempotency key, answers whether an
//! attempt with a given key landed, and disconnects.
//!
//! The built-in Sandbox network (`sandbox.rs`) is real end to end without the
//! internet: its consent page, token store and public post pages are served
//! by this app. An OAuth2 network (authorization-code flow with PKCE) fits
//! the same trait: `authorize_url` receives the PKCE challenge, `exchange`
//! the verifier that `connect_states` kept (encrypted) for the callback.
pub mod sandbox;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// Who the connected account is on its network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub external_id: String,
    pub handle: String,
    pub display_name: String,
    pub avatar_url: Option<String>,
    pub profile_url: Option<String>,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    pub access: String,
    pub refresh: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens(…)")
    }
}

/// What to publish: the final text (signature already appended) and the
/// attempt's idempotency key.
#[derive(Debug, Clone)]
pub struct PublishRequest {
    pub external_id: String,
    pub text: String,
    pub idempotency_key: String,
    /// Signed, expiring links to the post's images and videos, in order.
    pub media: Vec<MediaLink>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MediaLink {
    pub url: String,
    pub content_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub external_post_id: String,
    pub permalink: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// The network answered "not now" (rate limit, outage): nothing was
    /// published; try again later with a new attempt.
    #[error("{0}")]
    Transient(String),
    /// The network refused the post for good (too long, policy…).
    #[error("{0}")]
    Permanent(String),
    /// The token is no longer accepted: the account must be reconnected.
    #[error("{0}")]
    Unauthorized(String),
    /// No answer (timeout, connection lost): the post may or may not have
    /// landed; ask `lookup` before trying again.
    #[error("{0}")]
    Unknown(String),
}

/// Did an attempt with this idempotency key land?
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Landed(Published),
    NotFound,
    /// The network cannot tell: a person must check before anything is retried.
    Unsupported,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    #[error("The network refused the connection: {0}")]
    Refused(String),
    #[error("The network could not be reached: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait Provider: Send + Sync {
    fn platform(&self) -> &'static str;
    /// Where to send the person to grant access.
    fn authorize_url(
        &self,
        state: &str,
        redirect_uri: &str,
        pkce_challenge: Option<&str>,
    ) -> String;
    /// Trades the callback's code for tokens and the account's profile.
    async fn exchange(
        &self,
        code: &str,
        redirect_uri: &str,
        pkce_verifier: Option<&str>,
    ) -> Result<(Profile, Tokens), ConnectError>;
    async fn refresh(&self, refresh_token: &str) -> Result<Tokens, ConnectError>;
    async fn publish(
        &self,
        tokens: &Tokens,
        req: &PublishRequest,
    ) -> Result<Published, PublishError>;
    async fn lookup(
        &self,
        tokens: &Tokens,
        external_id: &str,
        idempotency_key: &str,
    ) -> Result<Lookup, PublishError>;
    /// Revokes the tokens on the network's side (best effort).
    async fn disconnect(&self, tokens: &Tokens) -> Result<(), ConnectError>;
}

/// The providers this server can use, by platform code.
#[derive(Clone, Default)]
pub struct Providers {
    by_platform: HashMap<&'static str, Arc<dyn Provider>>,
}

impl Providers {
    /// The built-in set: the Sandbox network, served by this app at `public_url`.
    pub fn builtin(pool: sqlx::PgPool, public_url: &str) -> Providers {
        Providers::default().with(Arc::new(sandbox::Sandbox::new(pool, public_url)))
    }

    pub fn with(mut self, provider: Arc<dyn Provider>) -> Providers {
        self.by_platform.insert(provider.platform(), provider);
        self
    }

    pub fn get(&self, platform: &str) -> Option<Arc<dyn Provider>> {
        self.by_platform.get(platform).cloned()
    }
}

/// The callback address a provider sends the person back to.
pub fn redirect_uri(public_url: &str, platform: &str) -> String {
    format!("{public_url}/connect/{platform}/callback")
}
