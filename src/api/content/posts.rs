//! Post server functions: the composer, saving and drafting with AI, one
//! post, deleting, duplicating and rescheduling, and client approval. Like
//! the rest of `content`, each authorizes in the workspace named by `slug`;
//! ids of other workspaces are simply not found.
use crate::model::{AiDraft, AppError, ApprovalQueueView, ComposerView, PostView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr;

/// The composer's data: accounts, labels, signatures, the workspace's zone,
/// and the post being edited (`post_id`) or a day to prefill (`date`).
#[server(output = crate::model::codec::Json)]
pub async fn composer(
    slug: String,
    post_id: Option<String>,
    date: Option<String>,
) -> Result<ComposerView, AppError> {
    use ssr::*;
    let (state, _, mut tx) = ctx(&slug, Permission::ViewContent).await?;
    let rules = posts::rules(&mut tx).await?;
    let post = match post_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => Some(posts::get(&mut tx, id(raw)?, rules.zone).await?),
        None => None,
    };
    let role = tx.ctx().role();
    // A new post defaults to the next full hour (or that hour on the chosen day).
    let now = chrono::Utc::now() + chrono::Duration::hours(1);
    let (today, hour) = zones::date_time_strings(now, rules.zone);
    let default_date = date
        .as_deref()
        .and_then(zones::parse_date)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or(today);
    let default_time = format!("{}:00", &hour[..2]);
    let view = ComposerView {
        accounts: accounts::list(&mut tx).await?,
        media: media::list(&mut tx).await?,
        labels: labels::list_labels(&mut tx).await?,
        signatures: labels::list_signatures(&mut tx).await?,
        timezone: rules.zone_name,
        require_approval: rules.require_approval,
        ai_ready: state.ai.is_some(),
        can_edit: role.can(Permission::EditPosts),
        post,
        default_date,
        default_time,
    };
    tx.commit().await?;
    Ok(view)
}

/// Saves the composer (draft or schedule) and opens the saved post.
#[allow(clippy::too_many_arguments)]
#[server(output = crate::model::codec::Json)]
pub async fn save_post(
    slug: String,
    post_id: Option<String>,
    content: Option<String>,
    account_ids: Option<Vec<String>>,
    label_ids: Option<Vec<String>>,
    media_ids: Option<Vec<String>>,
    signature_id: Option<String>,
    date: Option<String>,
    time: Option<String>,
    intent: Option<String>,
) -> Result<String, AppError> {
    use ssr::*;
    let (state, _, mut tx) = ctx(&slug, Permission::EditPosts).await?;
    let input = PostInput {
        post_id: post_id.unwrap_or_default(),
        content: content.unwrap_or_default(),
        account_ids: account_ids.unwrap_or_default(),
        label_ids: label_ids.unwrap_or_default(),
        media_ids: media_ids.unwrap_or_default(),
        signature_id: signature_id.unwrap_or_default(),
        date: date.unwrap_or_default(),
        time: time.unwrap_or_default(),
        intent: intent.unwrap_or_default(),
    };
    let id = posts::save(&mut tx, input, state.config.billing_mode).await?;
    let slug = tx.ctx().slug().to_string();
    tx.commit().await?;
    leptos_axum::redirect(&format!("/w/{slug}/posts/{id}?saved=1"));
    Ok(id.to_string())
}

/// Drafts a post with the configured AI endpoint from the workspace's brand
/// profile and `brief`, spending AI credits (the composer streams the same
/// draft through `POST /w/{slug}/ai/draft`; this whole-draft form is for
/// pages without JavaScript and API clients).
#[server(output = crate::model::codec::Json)]
pub async fn draft_with_ai(slug: String, brief: Option<String>) -> Result<AiDraft, AppError> {
    use crate::api::workspaces::ssr::{app_state, auth};
    use crate::server::services::ai_drafts;
    let state = app_state()?;
    let user = auth::require_user()?;
    ai_drafts::draft(
        &state,
        &auth::principal(&user),
        &slug,
        &brief.unwrap_or_default(),
    )
    .await
}

/// One post with its targets, results and approval state; `zone` is the
/// workspace's zone name its local times are in.
#[server(output = crate::model::codec::Json)]
pub async fn post_detail(
    slug: String,
    post_id: String,
) -> Result<(PostView, String, bool, bool), AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::ViewContent).await?;
    let rules = posts::rules(&mut tx).await?;
    let post = posts::get(&mut tx, id(&post_id)?, rules.zone).await?;
    let role = tx.ctx().role();
    tx.commit().await?;
    Ok((
        post,
        rules.zone_name,
        role.can(Permission::EditPosts),
        role.can(Permission::ApprovePosts),
    ))
}

#[server(output = crate::model::codec::Json)]
pub async fn delete_post(slug: String, post_id: String) -> Result<(), AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::EditPosts).await?;
    posts::delete(&mut tx, id(&post_id)?).await?;
    let slug = tx.ctx().slug().to_string();
    tx.commit().await?;
    leptos_axum::redirect(&format!("/w/{slug}/posts?deleted=1"));
    Ok(())
}

#[server(output = crate::model::codec::Json)]
pub async fn duplicate_post(slug: String, post_id: String) -> Result<String, AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::EditPosts).await?;
    let new_id = posts::duplicate(&mut tx, id(&post_id)?).await?;
    let slug = tx.ctx().slug().to_string();
    tx.commit().await?;
    leptos_axum::redirect(&format!("/w/{slug}/posts/{new_id}/edit?duplicated=1"));
    Ok(new_id.to_string())
}

/// Moves a post to another day and time (drag and drop on the calendar, or
/// the reschedule form).
#[server(output = crate::model::codec::Json)]
pub async fn reschedule_post(
    slug: String,
    post_id: String,
    date: String,
    time: String,
) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, mut tx) = ctx(&slug, Permission::EditPosts).await?;
    posts::reschedule(
        &mut tx,
        id(&post_id)?,
        &date,
        &time,
        state.config.billing_mode,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[server(output = crate::model::codec::Json)]
pub async fn approve_post(slug: String, post_id: String) -> Result<(), AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::ApprovePosts).await?;
    posts::approve(&mut tx, id(&post_id)?).await?;
    tx.commit().await?;
    Ok(())
}

#[server(output = crate::model::codec::Json)]
pub async fn reject_post(slug: String, post_id: String, comment: String) -> Result<(), AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::ApprovePosts).await?;
    posts::reject(&mut tx, id(&post_id)?, &comment).await?;
    tx.commit().await?;
    Ok(())
}

#[server(output = crate::model::codec::Json)]
pub async fn approval_queue(slug: String) -> Result<ApprovalQueueView, AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::ViewContent).await?;
    let rules = posts::rules(&mut tx).await?;
    let items = posts::awaiting_approval(&mut tx, rules.zone)
        .await?
        .into_iter()
        .map(|post| {
            let when = post
                .scheduled_at
                .map(|at| {
                    zones::local(at, rules.zone)
                        .format("%A %-d %B, %H:%M")
                        .to_string()
                })
                .unwrap_or_else(|| "No time set".into());
            // Exactly what the network will get: the text, then the signature.
            let preview =
                crate::model::with_signature(&post.content, post.signature_text.as_deref());
            ApprovalItem {
                post,
                when,
                preview,
            }
        })
        .collect();
    let can_approve = tx.ctx().role().can(Permission::ApprovePosts);
    tx.commit().await?;
    Ok(ApprovalQueueView {
        items,
        can_approve,
        zone: rules.zone_name,
    })
}
