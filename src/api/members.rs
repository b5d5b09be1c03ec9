//! Team server functions: each authorizes, calls a service, returns a view.
use crate::model::{AppError, MemberView, TeamView};
use leptos::prelude::*;
use uuid::Uuid;

#[server(output = crate::model::codec::Json)]
pub async fn list_members(slug: String) -> Result<TeamView, AppError> {
    use crate::api::workspaces::ssr::*;
    use crate::server::services::members;
    let (_, _, mut tx) = ctx(&slug, Permission::ManageMembers).await?;
    let team = members::list(&mut tx).await?;
    tx.commit().await?;
    Ok(team)
}

#[server(output = crate::model::codec::Json)]
pub async fn change_member_role(
    slug: String,
    user_id: Uuid,
    role: String,
) -> Result<MemberView, AppError> {
    use crate::api::workspaces::ssr::*;
    use crate::server::services::members;
    let (_, _, mut tx) = ctx(&slug, Permission::ManageMembers).await?;
    let member = members::change_role(&mut tx, user_id, &role).await?;
    tx.commit().await?;
    Ok(member)
}

#[server(output = crate::model::codec::Json)]
pub async fn remove_member(slug: String, user_id: Uuid) -> Result<(), AppError> {
    use crate::api::workspaces::ssr::*;
    use crate::server::services::members;
    let (_, _, mut tx) = ctx(&slug, Permission::ManageMembers).await?;
    members::remove(&mut tx, user_id).await?;
    tx.commit().await
}

/// Any member but the owner may leave; they land wherever `/` sends them next.
#[server(output = crate::model::codec::Json)]
pub async fn leave_workspace(slug: String) -> Result<(), AppError> {
    use crate::api::workspaces::ssr::*;
    use crate::server::services::members;
    let (_, _, mut tx) = ctx(&slug, Permission::ViewContent).await?;
    members::leave(&mut tx).await?;
    tx.commit().await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Confirmed with the owner's password, throttled like a login.
#[server(output = crate::model::codec::Json)]
pub async fn transfer_ownership(
    slug: String,
    user_id: Uuid,
    password: String,
) -> Result<(), AppError> {
    use crate::api::workspaces::ssr::*;
    use crate::server::services::{members, users};
    let state = app_state()?;
    let user = auth::require_user()?;
    // The password is checked (argon2) before any transaction is open;
    // failures count against this user like failed log-ins.
    let check = async {
        if password.is_empty()
            || users::authenticate(&state.auth, &user.email, &password)
                .await
                .is_err()
        {
            // Authorize first so that another tenant's slug still answers 404.
            let (_, _, tx) = ctx(&slug, Permission::OwnWorkspace).await?;
            drop(tx);
            return Err(AppError::field("password", "Your password is incorrect."));
        }
        Ok(())
    };
    state
        .login_limiter
        .confirm_password(&auth::client_ip(), user.id, &user.email, check)
        .await?;
    let (state, _, mut tx) = ctx(&slug, Permission::OwnWorkspace).await?;
    crate::server::services::usage::check_transfer(&mut tx, state.config.billing_mode, user_id)
        .await?;
    members::transfer_ownership(&mut tx, user_id).await?;
    tx.commit().await
}
