//! Content server functions: social accounts, labels and signatures, posts,
//! the calendar and approvals. Each authorizes in the workspace named by
//! `slug`, calls a service and returns a view; ids of other workspaces are
//! simply not found.
use crate::model::{
    AccountsPage, AiDraft, AppError, ApprovalQueueView, CalendarView, ComposerView, LabelsPage,
    MediaLibraryView, PostListView, PostView, PublishingSettingsView, UsageView,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::api::workspaces::ssr::ctx;
    pub use crate::model::{
        AppError, ApprovalItem, CalendarMode, Permission, PostFilter, PostInput,
    };
    pub use crate::server::services::{accounts, calendar, labels, media, posts, usage, zones};
    pub use uuid::Uuid;

    /// An id from a form; anything that is not one names nothing here.
    pub fn id(raw: &str) -> Result<Uuid, AppError> {
        Uuid::parse_str(raw.trim()).map_err(|_| AppError::NotFound)
    }

    pub fn checked(v: &Option<String>) -> bool {
        matches!(
            v.as_deref().map(str::trim),
            Some("on" | "true" | "1" | "yes")
        )
    }
}

// ---- social accounts -------------------------------------------------------------

#[server(output = crate::model::codec::Json)]
pub async fn social_accounts(slug: String) -> Result<AccountsPage, AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::ViewContent).await?;
    let accounts = accounts::list(&mut tx).await?;
    let can_manage = tx.ctx().role().can(Permission::ManageAccounts);
    tx.commit().await?;
    Ok(AccountsPage {
        accounts,
        can_manage,
    })
}

#[server(output = crate::model::codec::Json)]
pub async fn disconnect_account(slug: String, account_id: String) -> Result<(), AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::ManageAccounts).await?;
    accounts::disconnect(&mut tx, id(&account_id)?).await?;
    tx.commit().await?;
    Ok(())
}

// ---- labels and signatures -------------------------------------------------------

#[server(output = crate::model::codec::Json)]
pub async fn labels_and_signatures(slug: String) -> Result<LabelsPage, AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::ViewContent).await?;
    let page = LabelsPage {
        labels: labels::list_labels(&mut tx).await?,
        signatures: labels::list_signatures(&mut tx).await?,
        can_edit: tx.ctx().role().can(Permission::ManageLabels),
    };
    tx.commit().await?;
    Ok(page)
}

#[server(output = crate::model::codec::Json)]
pub async fn create_label(slug: String, name: String, color: String) -> Result<(), AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::ManageLabels).await?;
    labels::create_label(&mut tx, &name, &color).await?;
    tx.commit().await?;
    Ok(())
}

#[server(output = crate::model::codec::Json)]
pub async fn update_label(
    slug: String,
    label_id: String,
    name: String,
    color: String,
) -> Result<(), AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::ManageLabels).await?;
    labels::update_label(&mut tx, id(&label_id)?, &name, &color).await?;
    tx.commit().await?;
    Ok(())
}

#[server(output = crate::model::codec::Json)]
pub async fn delete_label(slug: String, label_id: String) -> Result<(), AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::ManageLabels).await?;
    labels::delete_label(&mut tx, id(&label_id)?).await?;
    tx.commit().await?;
    Ok(())
}

#[server(output = crate::model::codec::Json)]
pub async fn create_signature(
    slug: String,
    name: String,
    body: String,
    is_default: Option<String>,
) -> Result<(), AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::ManageLabels).await?;
    labels::create_signature(&mut tx, &name, &body, checked(&is_default)).await?;
    tx.commit().await?;
    Ok(())
}

#[server(output = crate::model::codec::Json)]
pub async fn update_signature(
    slug: String,
    signature_id: String,
    name: String,
    body: String,
    is_default: Option<String>,
) -> Result<(), AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::ManageLabels).await?;
    labels::update_signature(
        &mut tx,
        id(&signature_id)?,
        &name,
        &body,
        checked(&is_default),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[server(output = crate::model::codec::Json)]
pub async fn delete_signature(slug: String, signature_id: String) -> Result<(), AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::ManageLabels).await?;
    labels::delete_signature(&mut tx, id(&signature_id)?).await?;
    tx.commit().await?;
    Ok(())
}

// ---- posts ---------------------------------------------------------------------------

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
    leptos_axum::redirect(&format!("/w/{slug}?view=list&deleted=1"));
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

// ---- media library ---------------------------------------------------------------------
// Uploads and the files themselves go over plain HTTP (`server::media_routes`).

#[server(output = crate::model::codec::Json)]
pub async fn media_library(slug: String) -> Result<MediaLibraryView, AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::ViewContent).await?;
    let view = MediaLibraryView {
        items: media::list(&mut tx).await?,
        can_edit: tx.ctx().role().can(Permission::EditPosts),
    };
    tx.commit().await?;
    Ok(view)
}

#[server(output = crate::model::codec::Json)]
pub async fn delete_media(slug: String, media_id: String) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, mut tx) = ctx(&slug, Permission::EditPosts).await?;
    let id = id(&media_id)?;
    let ws = tx.workspace_id();
    media::delete(&mut tx, id).await?;
    tx.commit().await?;
    media::remove_objects(&state.media, ws, id).await;
    Ok(())
}

// ---- calendar and list ---------------------------------------------------------------

#[server(output = crate::model::codec::Json)]
pub async fn load_calendar(
    slug: String,
    view: Option<String>,
    date: Option<String>,
    zone: Option<String>,
) -> Result<CalendarView, AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::ViewContent).await?;
    let mode = CalendarMode::parse(view.as_deref().unwrap_or(""));
    let cal = calendar::calendar(
        &mut tx,
        mode,
        date.as_deref().unwrap_or(""),
        zone.as_deref().unwrap_or(""),
    )
    .await?;
    tx.commit().await?;
    Ok(cal)
}

#[server(output = crate::model::codec::Json)]
pub async fn list_posts(
    slug: String,
    status: Option<String>,
    label: Option<String>,
    account: Option<String>,
    from: Option<String>,
    to: Option<String>,
    after: Option<String>,
    zone: Option<String>,
) -> Result<PostListView, AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::ViewContent).await?;
    let filter = PostFilter {
        status: status.unwrap_or_default(),
        label: label.unwrap_or_default(),
        account: account.unwrap_or_default(),
        from: from.unwrap_or_default(),
        to: to.unwrap_or_default(),
        after: after.unwrap_or_default(),
    };
    let list = calendar::list(&mut tx, &filter, zone.as_deref().unwrap_or("")).await?;
    tx.commit().await?;
    Ok(list)
}

// ---- publishing settings ---------------------------------------------------------------

#[server(output = crate::model::codec::Json)]
pub async fn publishing_settings(slug: String) -> Result<PublishingSettingsView, AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::EditSettings).await?;
    let rules = posts::rules(&mut tx).await?;
    tx.commit().await?;
    Ok(PublishingSettingsView {
        timezone: rules.zone_name,
        require_approval: rules.require_approval,
    })
}

#[server(output = crate::model::codec::Json)]
pub async fn update_publishing_settings(
    slug: String,
    timezone: String,
    require_approval: Option<String>,
) -> Result<(), AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::EditSettings).await?;
    crate::server::services::workspaces::update_publishing(
        &mut tx,
        &timezone,
        checked(&require_approval),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- usage ---------------------------------------------------------------------------

/// The usage meters of this workspace and its owner's pooled use.
#[server(output = crate::model::codec::Json)]
pub async fn usage(slug: String) -> Result<UsageView, AppError> {
    use ssr::*;
    let (state, _, mut tx) = ctx(&slug, Permission::ViewUsage).await?;
    let view = usage::view(&mut tx, state.config.billing_mode).await?;
    tx.commit().await?;
    Ok(view)
}
