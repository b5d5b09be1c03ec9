//! Sign up, log in, log out.
use crate::model::{AppError, UserView};
use leptos::prelude::*;

/// Accepts only same-site paths, so `next` cannot redirect elsewhere
/// (rules in `model::next_path`).
pub fn safe_next(next: Option<String>) -> Option<String> {
    next.filter(|n| crate::model::safe_next_path(n).is_some())
}

/// Where the request came from, recorded on the session it starts.
#[cfg(feature = "ssr")]
pub(crate) fn client_info() -> crate::server::services::users::ClientInfo {
    use crate::server::auth;
    crate::server::services::users::ClientInfo {
        user_agent: auth::user_agent(),
        ip: Some(auth::client_ip()),
    }
}

/// Sets the cookie of a session just created, ending the request's previous
/// session (a new id on every login).
#[cfg(feature = "ssr")]
pub(crate) async fn start_session(
    state: &crate::server::state::AppState,
    token: &str,
) -> Result<(), AppError> {
    use crate::server::auth::{self, sessions};
    if let Some(old) = auth::session_user() {
        sessions::destroy(&state.pool, &old.token_hash).await?;
    }
    let cookie = sessions::set_cookie(&state.config, token);
    let response = expect_context::<leptos_axum::ResponseOptions>();
    response.append_header(
        http::header::SET_COOKIE,
        http::HeaderValue::from_str(&cookie).map_err(|_| AppError::Internal)?,
    );
    Ok(())
}

#[server(output = crate::model::codec::Json)]
pub async fn sign_up(
    name: String,
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    crate::server::auth::ratelimit::check_signup()?;
    use crate::server::{services::users, state::app_state};
    let state = app_state()?;
    if let Some(why) = state.config.signup.refusal() {
        return Err(AppError::field("form", why));
    }
    let account = users::sign_up(
        &state.auth,
        &state.config,
        users::SignupInput {
            email,
            password,
            name,
        },
        &client_info(),
    )
    .await?;
    start_session(&state, &account.session.token).await?;
    let target = safe_next(next).unwrap_or_else(|| format!("/w/{}", account.personal_slug));
    leptos_axum::redirect(&target);
    Ok(())
}

/// Who may sign up on this server (the sign-up page asks before it shows its form).
#[server(output = crate::model::codec::Json)]
pub async fn signup_policy() -> Result<crate::model::SignupMode, AppError> {
    Ok(crate::server::state::app_state()?.config.signup)
}

#[server(output = crate::model::codec::Json)]
pub async fn log_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::{auth, services::users, state::app_state};
    let state = app_state()?;
    // Throttled per address and per email (rules in `server::auth::ratelimit`).
    let check = users::authenticate(&state.auth, &email, &password);
    let who = state
        .login_limiter
        .confirm_login(&auth::client_ip(), &email, &password, check)
        .await?;
    let (session, landing) =
        users::open_session(&state.auth, &state.config, &who, &client_info()).await?;
    start_session(&state, &session.token).await?;
    let target = safe_next(next).unwrap_or(landing);
    leptos_axum::redirect(&target);
    Ok(())
}

#[server(output = crate::model::codec::Json)]
pub async fn log_out() -> Result<(), AppError> {
    use crate::server::{auth, auth::sessions, state::app_state};
    let state = app_state()?;
    if let Some(user) = auth::session_user() {
        sessions::destroy(&state.pool, &user.token_hash).await?;
    }
    let response = expect_context::<leptos_axum::ResponseOptions>();
    response.append_header(
        http::header::SET_COOKIE,
        http::HeaderValue::from_str(&sessions::clear_cookie(&state.config))
            .map_err(|_| AppError::Internal)?,
    );
    leptos_axum::redirect("/login");
    Ok(())
}

#[server(output = crate::model::codec::Json)]
pub async fn current_user() -> Result<Option<UserView>, AppError> {
    use crate::server::auth;
    Ok(auth::session_user().map(|u| UserView::new(u.id, u.email, u.name)))
}

/// Where `/` should send the visitor.
#[server(output = crate::model::codec::Json)]
pub async fn home_target() -> Result<String, AppError> {
    use crate::server::{auth, services::users, state::app_state, tenancy};
    let state = app_state()?;
    let Some(user) = auth::session_user() else {
        return Ok("/login".into());
    };
    let mut tx = tenancy::begin_user(&state.pool, &user.principal()).await?;
    let landing = users::landing_path(tx.conn(), user.id).await?;
    tx.commit().await?;
    Ok(landing)
}
