//! Workspace server functions: each authorizes, calls a service, returns a view.
use crate::model::{
    ActivityPage, AppError, BrandView, OverviewView, ShellView, WorkspaceSettingsView,
    WorkspaceSummary,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    pub use crate::model::{AppError, Permission, UserView};
    pub use crate::server::{
        auth,
        services::{activity, brand, workspaces},
        state::{app_state, AppState},
        tenancy::{authorize, WorkspaceCtx, WorkspaceRef},
    };

    /// The signed-in user's context for `slug`, or the error to show.
    pub async fn ctx(
        slug: &str,
        permission: Permission,
    ) -> Result<(AppState, auth::SessionUser, WorkspaceCtx), AppError> {
        let state = app_state()?;
        let user = auth::require_user()?;
        let ctx = authorize(
            &state.pool,
            &auth::principal(&user),
            WorkspaceRef::Slug(slug),
            permission,
        )
        .await?;
        Ok((state, user, ctx))
    }
}

#[server]
pub async fn list_my_workspaces() -> Result<Vec<WorkspaceSummary>, AppError> {
    use ssr::*;
    let state = app_state()?;
    let user = auth::require_user()?;
    workspaces::list_for_user(&state.pool, user.id).await
}

/// Everything the workspace layout draws; also remembers this workspace as
/// the one to open after the next login.
#[server]
pub async fn workspace_shell(slug: String) -> Result<ShellView, AppError> {
    use ssr::*;
    let (state, user, ctx) = ctx(&slug, Permission::ViewContent).await?;
    workspaces::remember_last(&state.pool, &ctx, user.id).await?;
    let list = workspaces::list_for_user(&state.pool, user.id).await?;
    let current = list
        .iter()
        .find(|w| w.id == ctx.workspace_id())
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok(ShellView {
        user: UserView {
            id: user.id,
            email: user.email,
            name: user.name,
        },
        current,
        workspaces: list,
    })
}

#[server]
pub async fn create_workspace(name: String) -> Result<(), AppError> {
    use ssr::*;
    let state = app_state()?;
    let user = auth::require_user()?;
    let ctx = workspaces::create(&state.pool, &auth::principal(&user), &name).await?;
    leptos_axum::redirect(&format!("/w/{}", ctx.slug()));
    Ok(())
}

#[server]
pub async fn workspace_overview(slug: String) -> Result<OverviewView, AppError> {
    use ssr::*;
    let (state, _, ctx) = ctx(&slug, Permission::ViewContent).await?;
    let members = workspaces::member_count(&state.pool, &ctx).await?;
    let created_at = workspaces::settings(&state.pool, &ctx).await?.created_at;
    let recent_activity = if ctx.role().can(Permission::ViewUsage) {
        activity::list(&state.pool, &ctx, 1, 5).await?.items
    } else {
        Vec::new()
    };
    Ok(OverviewView {
        members,
        created_at,
        recent_activity,
    })
}

#[server]
pub async fn workspace_settings(slug: String) -> Result<WorkspaceSettingsView, AppError> {
    use ssr::*;
    let (state, _, ctx) = ctx(&slug, Permission::EditSettings).await?;
    workspaces::settings(&state.pool, &ctx).await
}

/// Saves general settings. Returns the slug, which may have changed.
#[server]
pub async fn update_workspace(
    slug: String,
    name: String,
    new_slug: String,
    logo_url: String,
    primary_color: String,
    default_language: String,
) -> Result<String, AppError> {
    use ssr::*;
    let (state, _, ctx) = ctx(&slug, Permission::EditSettings).await?;
    let input = workspaces::SettingsInput {
        name,
        slug: new_slug,
        logo_url,
        primary_color,
        default_language,
    };
    let saved = workspaces::update_settings(&state.pool, &ctx, input).await?;
    // Always navigate: the slug may have changed, and the sidebar reloads
    // with the new name and colour either way.
    leptos_axum::redirect(&format!("/w/{saved}/settings?saved=1"));
    Ok(saved)
}

#[server]
pub async fn brand_profile(slug: String) -> Result<BrandView, AppError> {
    use ssr::*;
    let (state, _, ctx) = ctx(&slug, Permission::EditSettings).await?;
    brand::get(&state.pool, &ctx).await
}

#[allow(clippy::too_many_arguments)]
#[server]
pub async fn update_brand(
    slug: String,
    website: String,
    description: String,
    tone: String,
    voice_notes: String,
    primary_color: String,
    background_color: String,
    text_color: String,
    font: String,
    content_language: String,
) -> Result<BrandView, AppError> {
    use ssr::*;
    let (state, _, ctx) = ctx(&slug, Permission::EditSettings).await?;
    let input = brand::BrandInput {
        website,
        description,
        tone,
        voice_notes,
        primary_color,
        background_color,
        text_color,
        font,
        content_language,
    };
    brand::update(&state.pool, &ctx, input).await
}

#[server]
pub async fn delete_workspace(slug: String, confirm_name: String) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, ctx) = ctx(&slug, Permission::OwnWorkspace).await?;
    workspaces::delete(&state.pool, &ctx, &confirm_name).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server]
pub async fn list_activity(slug: String, page: i64) -> Result<ActivityPage, AppError> {
    use ssr::*;
    let (state, _, ctx) = ctx(&slug, Permission::ViewUsage).await?;
    activity::list(&state.pool, &ctx, page, activity::PAGE_SIZE).await
}
