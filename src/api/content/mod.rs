//! Content server functions: social accounts, labels and signatures, media,
//! the calendar, publishing settings and usage (posts and approvals are in
//! `posts`). Each authorizes in the workspace named by
//! `slug`, calls a service and returns a view; ids of other workspaces are
//! simply not found.
use crate::model::{
    AccountsPage, AppError, CalendarView, LabelsPage, MediaLibraryView, PostListView,
    PublishingSettingsView, UsageView,
};
use leptos::prelude::*;

mod posts;
pub use posts::*;

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
