//! Team server functions: each authorizes, calls a service, returns a view.
use crate::model::{AppError, MemberView, TeamView};
use leptos::prelude::*;
use uuid::Uuid;

#[server]
pub async fn list_members(slug: String) -> Result<TeamView, AppError> {
    use crate::api::workspaces::ssr::*;
    use crate::server::services::members;
    let (state, user, ctx) = ctx(&slug, Permission::ManageMembers).await?;
    members::list(&state.pool, &ctx, user.id).await
}

#[server]
pub async fn change_member_role(
    slug: String,
    user_id: Uuid,
    role: String,
) -> Result<MemberView, AppError> {
    use crate::api::workspaces::ssr::*;
    use crate::server::services::members;
    let (state, _, ctx) = ctx(&slug, Permission::ManageMembers).await?;
    members::change_role(&state.pool, &ctx, user_id, &role).await
}

#[server]
pub async fn remove_member(slug: String, user_id: Uuid) -> Result<(), AppError> {
    use crate::api::workspaces::ssr::*;
    use crate::server::services::members;
    let (state, _, ctx) = ctx(&slug, Permission::ManageMembers).await?;
    members::remove(&state.pool, &ctx, user_id).await
}

/// Any member but the owner may leave; they land wherever `/` sends them next.
#[server]
pub async fn leave_workspace(slug: String) -> Result<(), AppError> {
    use crate::api::workspaces::ssr::*;
    use crate::server::services::members;
    let (state, _, ctx) = ctx(&slug, Permission::ViewContent).await?;
    members::leave(&state.pool, &ctx).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Confirmed with the owner's password, throttled like a login.
#[server]
pub async fn transfer_ownership(
    slug: String,
    user_id: Uuid,
    password: String,
) -> Result<(), AppError> {
    use crate::api::workspaces::ssr::*;
    use crate::server::services::members;
    let (state, user, ctx) = ctx(&slug, Permission::OwnWorkspace).await?;
    let transfer = members::transfer_ownership(&state.pool, &ctx, user_id, password);
    state
        .login_limiter
        .confirm_password(&auth::client_ip(), user.id, &user.email, transfer)
        .await
}
