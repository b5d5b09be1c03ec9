//! "Draft with AI": a post drafted from the workspace's brand profile and a
//! short brief by the configured OpenAI-compatible endpoint, paid for in AI
//! credits from the owner's pooled monthly allowance (SPEC §3).
//!
//! A draft is three steps, so that no transaction (and no lock on the
//! owner's usage) stays open while the model writes:
//! 1. [`begin`]: authorize, check the brief, lock the owner's usage, refuse
//!    when the pool is spent (before the endpoint is called), and reserve one
//!    credit in the ledger; commit.
//! 2. the endpoint streams the text ([`AiClient::complete`]).
//! 3. [`finish`]: settle the reservation once — the credits the reported
//!    tokens come to (estimated when the endpoint did not say, or the person
//!    stopped it), or none when the endpoint failed.
use crate::model::validate::LANGUAGES;
use crate::model::{AiDraft, AppError, BrandView, Permission};
use crate::server::ai::{credits_for, estimate_tokens, AiClient, Completion, Message};
use crate::server::config::BillingMode;
use crate::server::services::{brand, usage};
use crate::server::state::AppState;
use crate::server::tenancy::{self, Principal, ScopedTx, WorkspaceRef};
use uuid::Uuid;

pub const BRIEF_MAX: usize = 1000;

/// The brief, trimmed; a field error when it is empty or too long.
pub fn check_brief(brief: &str) -> Result<String, AppError> {
    let b = brief.trim();
    if b.is_empty() {
        return Err(AppError::field(
            "brief",
            "Say in a few words what the post is about.",
        ));
    }
    if b.chars().count() > BRIEF_MAX {
        return Err(AppError::field(
            "brief",
            format!("Keep the brief under {BRIEF_MAX} characters."),
        ));
    }
    Ok(b.to_string())
}

/// The conversation sent to the model: the brand profile as the system
/// message, the brief as the request.
pub fn prompt(workspace: &str, brand: &BrandView, brief: &str) -> Vec<Message> {
    let language = LANGUAGES
        .iter()
        .find(|(code, _)| *code == brand.content_language)
        .map(|(_, name)| *name)
        .unwrap_or("English");
    let mut system = format!(
        "You write social media posts for \"{workspace}\". Write in {language}. \
         Answer with the text of one post only: no preamble, no quotation marks around it, \
         no more than 280 characters unless the brief asks for a longer post."
    );
    let mut add = |label: &str, value: &Option<String>| {
        if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            system.push_str(&format!("\n{label}: {v}"));
        }
    };
    add("About the brand", &brand.description);
    add("Tone of voice", &brand.tone);
    add("Voice notes", &brand.voice_notes);
    add("Website", &brand.website);
    vec![
        Message {
            role: "system",
            content: system,
        },
        Message {
            role: "user",
            content: format!("Draft a post about: {brief}"),
        },
    ]
}

/// A draft under way: its reservation and what to send.
pub struct Started {
    pub client: AiClient,
    pub messages: Vec<Message>,
    pub reservation: Uuid,
    /// The capability that settles the reservation (only its SHA-256 is stored):
    /// the draft is settled even when the session that started it has ended.
    settle_token: Vec<u8>,
    /// The person's place among their drafts running at once, freed when dropped.
    _slot: crate::server::auth::person_limit::PersonSlot,
}

/// Step 1 (see the module): authorizes `principal` to edit posts in the
/// workspace `slug`, checks the brief and the credits, and reserves one.
pub async fn begin(
    state: &AppState,
    principal: &Principal,
    slug: &str,
    brief: &str,
) -> Result<Started, AppError> {
    let mut tx = tenancy::authorize(
        &state.pool,
        state.forge_authorization.as_ref(),
        principal,
        WorkspaceRef::Slug(slug),
        Permission::EditPosts,
    )
    .await?;
    tx.ctx().require(Permission::EditPosts)?;
    let brief = check_brief(brief)?;
    // One person cannot run unlimited drafts on the operator's endpoint (any billing
    // mode): a minute's allowance and a few at once.
    let slot = state.ai_limiter.start(tx.ctx().actor_user()?)?;
    // The owner's usage, locked: also where the database confirms the
    // caller acts in this workspace (nobody else's usage can be locked).
    let u = usage::lock(&mut tx).await?;
    let client = state
        .ai
        .clone()
        .ok_or_else(|| AppError::Unavailable(crate::model::AI_NOT_SET_UP.into()))?;
    check_credits(&u, state.config.billing_mode)?;
    let brand = brand::get(&mut tx).await?;
    let workspace = tx.ctx().name().to_string();
    let settle_token = crate::server::auth::tokens::new_secret().into_bytes();
    let reservation = insert_reservation(&mut tx, client.model(), &settle_token).await?;
    tx.commit().await?;
    Ok(Started {
        messages: prompt(&workspace, &brand, &brief),
        client,
        reservation,
        settle_token,
        _slot: slot,
    })
}

/// Refuses when no credit is left (cloud mode).
fn check_credits(u: &usage::Usage, billing: BillingMode) -> Result<(), AppError> {
    if billing == BillingMode::Cloud && u.pooled_ai_credits >= u.ai_credits_monthly as i64 {
        return Err(AppError::PlanLimit {
            code: "AI_CREDITS_EXHAUSTED".into(),
            metric: "aiCredits".into(),
            message: format!(
                "Your {} plan includes {} AI credits a month and all of them are spent. They come back on {}; upgrade the plan for more.",
                u.plan_name,
                u.ai_credits_monthly,
                u.cycle_end.format("%-d %B %Y")
            ),
            limit: u.ai_credits_monthly as i64,
            used: u.pooled_ai_credits,
        });
    }
    Ok(())
}

async fn insert_reservation(
    tx: &mut ScopedTx,
    model: &str,
    settle_token: &[u8],
) -> Result<Uuid, AppError> {
    use sha2::{Digest, Sha256};
    let ws = tx.workspace_id();
    let user = tx.ctx().actor_user()?;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO ai_credit_ledger (workspace_id, user_id, model, credits, settle_hash) \
         VALUES ($1, $2, $3, 1, $4) RETURNING id",
    )
    .bind(ws)
    .bind(user)
    .bind(model.chars().take(200).collect::<String>())
    .bind(Sha256::digest(settle_token).to_vec())
    .fetch_one(tx.conn())
    .await?;
    Ok(id)
}

/// Step 3 (see the module): settles the reservation with what the endpoint
/// did, once; answers the draft, or the endpoint's failure. Settling needs the
/// reservation's token, not a session: a draft whose text was delivered is paid
/// for even if its author logged out (or was removed) while it was being written.
pub async fn finish(
    state: &AppState,
    started: &Started,
    outcome: Result<Completion, crate::server::ai::AiError>,
) -> Result<AiDraft, AppError> {
    let (status, tokens, result) = match outcome {
        Ok(c) => {
            let (prompt, completion) = match c.usage {
                Some(u) if u.prompt_tokens + u.completion_tokens > 0 => {
                    (u.prompt_tokens, u.completion_tokens)
                }
                _ => {
                    let sent: String = started
                        .messages
                        .iter()
                        .map(|m| m.content.as_str())
                        .collect();
                    (estimate_tokens(&sent), estimate_tokens(&c.text))
                }
            };
            let credits = credits_for(prompt as u64 + completion as u64);
            (
                "settled",
                Some((prompt, completion, credits)),
                Ok(AiDraft {
                    text: c.text.trim().to_string(),
                    credits,
                    stopped: c.stopped,
                }),
            )
        }
        Err(e) => ("failed", None, Err(AppError::Unavailable(e.to_string()))),
    };
    let settled: bool = sqlx::query_scalar("SELECT app_settle_ai_draft($1, $2, $3, $4, $5, $6)")
        .bind(started.reservation)
        .bind(&started.settle_token)
        .bind(status)
        .bind(tokens.map(|t| t.0 as i32))
        .bind(tokens.map(|t| t.1 as i32))
        .bind(tokens.map(|t| t.2).unwrap_or(0))
        .fetch_one(&state.pool)
        .await?;
    if !settled {
        tracing::warn!(reservation = %started.reservation, "AI credit reservation was already settled");
    }
    result
}

/// A whole draft without streaming (the server function; forms without
/// JavaScript).
pub async fn draft(
    state: &AppState,
    principal: &Principal,
    slug: &str,
    brief: &str,
) -> Result<AiDraft, AppError> {
    let started = begin(state, principal, slug, brief).await?;
    let outcome = started.client.complete(&started.messages, |_| true).await;
    finish(state, &started, outcome).await
}
