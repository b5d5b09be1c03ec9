//! Workspace server functions: each authorizes, calls a service, returns a view.
use crate::model::{
    ActivityPage, AppError, BrandInput, BrandView, OverviewView, ShellView, WorkspaceSettingsInput,
    WorkspaceSettingsView, WorkspaceSummary,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    pub use crate::model::{AppError, Permission, UserView};
    pub use crate::server::{
        auth,
        services::{activity, brand, workspaces},
        state::{app_state, AppState},
        tenancy::{authorize_in_request, RequestTx, WorkTx},
    };

    /// The signed-in user's transaction in `slug`, authorized for
    /// `permission`, or the error to show. The caller commits it (during a
    /// page view it is the view's one shared transaction, committed when the
    /// page has rendered).
    pub async fn ctx(
        slug: &str,
        permission: Permission,
    ) -> Result<(AppState, auth::SessionUser, WorkTx), AppError> {
        let state = app_state()?;
        let user = auth::require_user()?;
        let request = leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<RequestTx>().cloned());
        let tx = authorize_in_request(
            request.as_ref(),
            &state.pool,
            state.forge_authorization.as_ref(),
            &auth::principal(&user),
            slug,
            permission,
        )
        .await?;
        Ok((state, user, tx))
    }
}

#[server(output = crate::model::codec::Json)]
pub async fn list_my_workspaces() -> Result<Vec<WorkspaceSummary>, AppError> {
    use ssr::*;
    let state = app_state()?;
    let user = auth::require_user()?;
    let mut tx = crate::server::tenancy::begin_user(&state.pool, &auth::principal(&user)).await?;
    let list = workspaces::list_for_user(tx.conn(), user.id).await?;
    tx.commit().await?;
    Ok(list)
}

/// Everything the workspace layout draws; also remembers this workspace as
/// the one to open after the next login.
#[server(output = crate::model::codec::Json)]
pub async fn workspace_shell(slug: String) -> Result<ShellView, AppError> {
    use ssr::*;
    let (_, user, mut tx) = ctx(&slug, Permission::ViewContent).await?;
    let ws = tx.workspace_id();
    // The session lookup already read where the user was last: write only on a change.
    if user.last_workspace_id != Some(ws) {
        workspaces::remember_last(tx.conn(), user.id, ws).await?;
    }
    let (list, pending_approvals, workspaces_total) =
        workspaces::shell_list(&mut tx, user.id).await?;
    tx.commit().await?;
    let current_id = ws.to_string();
    let current = list
        .iter()
        .find(|w| w.id == current_id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok(ShellView {
        user: UserView::new(user.id, user.email, user.name),
        current,
        workspaces: list,
        workspaces_total,
        pending_approvals,
    })
}

#[server(output = crate::model::codec::Json)]
pub async fn create_workspace(name: String) -> Result<(), AppError> {
    use ssr::*;
    let state = app_state()?;
    let user = auth::require_user()?;
    let slug = workspaces::create(
        &state.pool,
        &auth::principal(&user),
        &name,
        state.config.billing_mode,
    )
    .await?;
    leptos_axum::redirect(&format!("/w/{slug}"));
    Ok(())
}

#[server(output = crate::model::codec::Json)]
pub async fn workspace_overview(slug: String) -> Result<OverviewView, AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::ViewContent).await?;
    let members = workspaces::member_count(&mut tx).await?;
    let created_at = workspaces::settings(&mut tx).await?.created_at;
    let recent_activity = if tx.ctx().role().can(Permission::ViewUsage) {
        activity::list(&mut tx, activity::Cursor::Newest, 5)
            .await?
            .items
    } else {
        Vec::new()
    };
    tx.commit().await?;
    Ok(OverviewView {
        members,
        created_at,
        recent_activity,
    })
}

#[server(output = crate::model::codec::Json)]
pub async fn workspace_settings(slug: String) -> Result<WorkspaceSettingsView, AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::EditSettings).await?;
    let view = workspaces::settings(&mut tx).await?;
    tx.commit().await?;
    Ok(view)
}

/// Saves general settings. Returns the slug, which may have changed.
#[server(output = crate::model::codec::Json)]
pub async fn update_workspace(
    slug: String,
    #[server(flatten)] input: WorkspaceSettingsInput,
) -> Result<String, AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::EditSettings).await?;
    let saved = workspaces::update_settings(&mut tx, input).await?;
    tx.commit().await?;
    // Always navigate: the slug may have changed, and the sidebar reloads
    // with the new name and colour either way.
    leptos_axum::redirect(&format!("/w/{saved}/settings?saved=1"));
    Ok(saved)
}

#[server(output = crate::model::codec::Json)]
pub async fn brand_profile(slug: String) -> Result<BrandView, AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::EditSettings).await?;
    let view = brand::get(&mut tx).await?;
    tx.commit().await?;
    Ok(view)
}

#[server(output = crate::model::codec::Json)]
pub async fn update_brand(
    slug: String,
    #[server(flatten)] input: BrandInput,
) -> Result<BrandView, AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::EditSettings).await?;
    let view = brand::update(&mut tx, input).await?;
    tx.commit().await?;
    Ok(view)
}

#[server(output = crate::model::codec::Json)]
pub async fn delete_workspace(slug: String, confirm_name: String) -> Result<(), AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::OwnWorkspace).await?;
    workspaces::delete(&mut tx, &confirm_name).await?;
    tx.commit().await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(output = crate::model::codec::Json)]
pub async fn list_activity(
    slug: String,
    before: Option<i64>,
    after: Option<i64>,
) -> Result<ActivityPage, AppError> {
    use ssr::*;
    let (_, _, mut tx) = ctx(&slug, Permission::ViewUsage).await?;
    let cursor = match (before, after) {
        (Some(b), _) => activity::Cursor::Before(b),
        (None, Some(a)) => activity::Cursor::After(a),
        (None, None) => activity::Cursor::Newest,
    };
    let list = activity::list(&mut tx, cursor, activity::PAGE_SIZE).await?;
    tx.commit().await?;
    Ok(list)
}
