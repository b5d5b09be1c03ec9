//! Invitation server functions. The first four act in a workspace (authorize →
//! service); the last three are scoped by the invitation token alone.
use crate::model::{AppError, InvitationView, InvitePageView, InviteSentView};
use leptos::prelude::*;
use uuid::Uuid;

#[server(output = crate::model::codec::Json)]
pub async fn list_invitations(slug: String) -> Result<Vec<InvitationView>, AppError> {
    use crate::api::workspaces::ssr::*;
    use crate::server::services::invitations;
    let (_, _, mut tx) = ctx(&slug, Permission::ManageMembers).await?;
    let list = invitations::list(&mut tx).await?;
    tx.commit().await?;
    Ok(list)
}

#[server(output = crate::model::codec::Json)]
pub async fn invite_member(
    slug: String,
    email: String,
    role: String,
) -> Result<InviteSentView, AppError> {
    use crate::api::workspaces::ssr::*;
    use crate::server::services::invitations;
    let (state, _, mut tx) = ctx(&slug, Permission::ManageMembers).await?;
    let sent = invitations::invite(&mut tx, &state.config, &email, &role).await?;
    tx.commit().await?;
    Ok(sent)
}

#[server(output = crate::model::codec::Json)]
pub async fn resend_invitation(
    slug: String,
    invitation_id: Uuid,
) -> Result<InviteSentView, AppError> {
    use crate::api::workspaces::ssr::*;
    use crate::server::services::invitations;
    let (state, _, mut tx) = ctx(&slug, Permission::ManageMembers).await?;
    let sent = invitations::resend(&mut tx, &state.config, invitation_id).await?;
    tx.commit().await?;
    Ok(sent)
}

#[server(output = crate::model::codec::Json)]
pub async fn revoke_invitation(slug: String, invitation_id: Uuid) -> Result<(), AppError> {
    use crate::api::workspaces::ssr::*;
    use crate::server::services::invitations;
    let (_, _, mut tx) = ctx(&slug, Permission::ManageMembers).await?;
    invitations::revoke(&mut tx, invitation_id).await?;
    tx.commit().await
}

/// What `/invite/{token}` shows; signed in or not.
#[server(output = crate::model::codec::Json)]
pub async fn invitation_details(token: String) -> Result<InvitePageView, AppError> {
    use crate::server::{auth, services::invite_tokens, state::app_state};
    let state = app_state()?;
    let viewer = auth::session_user().map(|u| u.email);
    invite_tokens::page(&state.pool, &token, viewer).await
}

/// One click for a signed-in user whose email the invitation names.
#[server(output = crate::model::codec::Json)]
pub async fn accept_invitation(token: String) -> Result<(), AppError> {
    use crate::server::{auth, services::invite_tokens, state::app_state};
    let state = app_state()?;
    let user = auth::require_user()?;
    let slug =
        invite_tokens::accept(&state.pool, &token, &auth::principal(&user), &user.email).await?;
    leptos_axum::redirect(&format!("/w/{slug}"));
    Ok(())
}

/// Signed out: create the account with the invited email and join.
#[server(output = crate::model::codec::Json)]
pub async fn sign_up_and_accept(
    token: String,
    name: String,
    password: String,
) -> Result<(), AppError> {
    crate::server::auth::ratelimit::check_signup()?;
    use crate::server::{services::invite_tokens, state::app_state};
    let state = app_state()?;
    if state.config.signup == crate::model::SignupMode::Closed {
        return Err(AppError::field(
            "form",
            "New accounts are created by the operator of this server. Log in with an existing account to accept.",
        ));
    }
    let client = crate::api::auth::client_info();
    let (session, slug) = invite_tokens::sign_up_and_accept(
        &state.pool,
        &state.auth,
        &state.config,
        &token,
        name,
        password,
        &client,
    )
    .await?;
    crate::api::auth::start_session(&state, &session.token).await?;
    leptos_axum::redirect(&format!("/w/{slug}"));
    Ok(())
}
