//! Plain HTTP routes of the connect flow and the Sandbox network's pages:
//!
//! * `GET /w/{slug}/accounts/connect/{platform}` — starts a connection (a
//!   link, so it works without JavaScript): remembers a `state` and sends the
//!   person to the network's consent page.
//! * `GET /connect/{platform}/callback` — the network sends them back with a
//!   code and the state; the account is stored in the workspace the state
//!   names.
//! * `GET|POST /sandbox/oauth/authorize` — the Sandbox network's consent page.
//! * `GET /sandbox/{handle}/posts/{id}` — a published Sandbox post (public).
use crate::model::{network, AppError, Permission};
use crate::server::auth::SessionUser;
use crate::server::providers::{redirect_uri, sandbox};
use crate::server::services::accounts::{self, ConnectFailure};
use crate::server::state::AppState;
use crate::server::tenancy::{self, WorkspaceRef};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
    Extension, Form,
};
use leptos::prelude::*;
use serde::Deserialize;

fn page(status: StatusCode, title: &str, body: impl IntoView + 'static) -> Response {
    let title = title.to_string();
    let html = view! {
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <title>{title.clone()}</title>
                <link rel="stylesheet" href="/sandbox.css" />
            </head>
            <body>
                <main class="sbx-card">{body}</main>
            </body>
        </html>
    }
    .to_html();
    (status, Html(format!("<!DOCTYPE html>{html}"))).into_response()
}

fn message_page(
    status: StatusCode,
    title: &'static str,
    text: String,
    link: (String, &'static str),
) -> Response {
    page(
        status,
        title,
        view! {
            <h1>{title}</h1>
            <p>{text}</p>
            <p><a class="sbx-button" href=link.0>{link.1}</a></p>
        },
    )
}

fn login_redirect(path: &str) -> Response {
    let next = url::form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

pub async fn start(
    State(state): State<AppState>,
    Extension(user): Extension<Option<SessionUser>>,
    Path((slug, platform)): Path<(String, String)>,
) -> Response {
    let Some(user) = user else {
        return login_redirect(&format!("/w/{slug}/accounts/connect/{platform}"));
    };
    let result = async {
        let mut tx = tenancy::authorize(
            &state.pool,
            state.forge_authorization.as_ref(),
            &user.principal(),
            WorkspaceRef::Slug(&slug),
            Permission::ManageAccounts,
        )
        .await?;
        let url = accounts::start_connect(
            &mut tx,
            &state.providers,
            &state.config.public_url,
            &platform,
            state.config.billing_mode,
        )
        .await?;
        tx.commit().await?;
        Ok::<_, AppError>(url)
    }
    .await;
    match result {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(AppError::NotFound) => message_page(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such workspace or network.".into(),
            ("/".into(), "Go to your workspaces"),
        ),
        Err(AppError::Forbidden) => {
            Redirect::to(&format!("/w/{slug}/accounts?error=forbidden")).into_response()
        }
        Err(AppError::Conflict(_)) => {
            Redirect::to(&format!("/w/{slug}/accounts?error=unavailable")).into_response()
        }
        Err(AppError::PlanLimit { .. }) => {
            Redirect::to(&format!("/w/{slug}/accounts?error=limit")).into_response()
        }
        Err(_) => Redirect::to(&format!("/w/{slug}/accounts?error=failed")).into_response(),
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    #[serde(default)]
    state: String,
    code: Option<String>,
    error: Option<String>,
}

pub async fn callback(
    State(state): State<AppState>,
    Extension(user): Extension<Option<SessionUser>>,
    Path(platform): Path<String>,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let Some(user) = user else {
        return message_page(
            StatusCode::UNAUTHORIZED,
            "Please log in again",
            "Your session ended before the connection finished. Log in and connect the account again.".into(),
            ("/login".into(), "Log in"),
        );
    };
    if network(&platform).is_none() || q.state.is_empty() || q.state.len() > 128 {
        return bad_state();
    }
    let done = accounts::finish_connect(
        &state.pool,
        &state.providers,
        &state.cipher,
        &state.config.public_url,
        &user.principal(),
        &platform,
        &q.state,
        q.code.as_deref(),
        q.error.as_deref(),
        state.config.billing_mode,
    )
    .await;
    match done {
        Ok(Ok(slug)) => {
            Redirect::to(&format!("/w/{slug}/accounts?connected={platform}")).into_response()
        }
        Ok(Err(ConnectFailure::Refused { slug, .. })) => {
            let code = if q.error.is_some() {
                "declined"
            } else {
                "refused"
            };
            Redirect::to(&format!("/w/{slug}/accounts?error={code}")).into_response()
        }
        Ok(Err(ConnectFailure::BadState)) | Err(AppError::NotFound) => bad_state(),
        Err(AppError::PlanLimit { .. }) => message_page(
            StatusCode::PAYMENT_REQUIRED,
            "Plan limit reached",
            "This workspace's owner has connected as many social accounts as the plan allows. Disconnect one or upgrade the plan, then connect again.".into(),
            ("/".into(), "Go to your workspaces"),
        ),
        Err(AppError::Forbidden) => message_page(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "You can no longer connect accounts in that workspace.".into(),
            ("/".into(), "Go to your workspaces"),
        ),
        Err(_) => message_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "The account could not be connected. Please try again.".into(),
            ("/".into(), "Go to your workspaces"),
        ),
    }
}

fn bad_state() -> Response {
    message_page(
        StatusCode::BAD_REQUEST,
        "This link has expired",
        "This connection was already finished, has expired, or was started by someone else. Start it again from the Accounts page.".into(),
        ("/".into(), "Go to your workspaces"),
    )
}

#[derive(Deserialize)]
pub struct AuthorizeQuery {
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    state: String,
}

fn valid_client(state: &AppState, redirect: &str) -> bool {
    redirect == redirect_uri(&state.config.public_url, sandbox::PLATFORM)
}

/// The Sandbox consent screen.
pub async fn sandbox_consent(
    State(state): State<AppState>,
    Query(q): Query<AuthorizeQuery>,
) -> Response {
    if !valid_client(&state, &q.redirect_uri) || q.state.is_empty() {
        return message_page(
            StatusCode::BAD_REQUEST,
            "Unknown application",
            "Sandbox does not know the application that sent you here.".into(),
            ("/".into(), "Back"),
        );
    }
    let suggestion = format!("brand_{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    page(
        StatusCode::OK,
        "Sandbox · Authorize Postroom",
        view! {
            <p class="sbx-brand">"◎ Sandbox"</p>
            <h1>"Postroom wants to post for you"</h1>
            <p>"Sandbox is Postroom's practice network: posts stay on this server and get a real public page."</p>
            <form method="post" action="/sandbox/oauth/authorize" class="sbx-form">
                <input type="hidden" name="redirect_uri" value=q.redirect_uri.clone() />
                <input type="hidden" name="state" value=q.state.clone() />
                <label for="sbx-handle">"Your Sandbox handle"</label>
                <input id="sbx-handle" name="handle" value=suggestion.clone() required maxlength="30" pattern="[A-Za-z0-9_]{2,30}" />
                <label for="sbx-name">"Display name"</label>
                <input id="sbx-name" name="display_name" value="Sandbox Brand" required maxlength="60" />
                <p class="sbx-small">"Postroom will be able to: see your profile · publish posts"</p>
                <div class="sbx-actions">
                    <button type="submit" name="decision" value="allow" class="sbx-button">"Allow access"</button>
                    <button type="submit" name="decision" value="deny" class="sbx-secondary">"Cancel"</button>
                </div>
            </form>
        },
    )
}

#[derive(Deserialize)]
pub struct AuthorizeForm {
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    handle: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    decision: String,
}

pub async fn sandbox_decide(
    State(state): State<AppState>,
    Form(f): Form<AuthorizeForm>,
) -> Response {
    if !valid_client(&state, &f.redirect_uri) || f.state.is_empty() {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let back = |pairs: &[(&str, &str)]| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
        q.append_pair("state", &f.state);
        Redirect::to(&format!("{}?{}", f.redirect_uri, q.finish())).into_response()
    };
    if f.decision != "allow" {
        return back(&[("error", "access_denied")]);
    }
    let handle = f.handle.trim();
    let name = f.display_name.trim();
    let handle_ok = (2..=30).contains(&handle.len())
        && handle
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    let name_ok =
        !name.is_empty() && name.chars().count() <= 60 && !name.chars().any(char::is_control);
    if !handle_ok || !name_ok {
        return message_page(
            StatusCode::BAD_REQUEST,
            "Check your details",
            "A handle is 2–30 letters, digits or underscores, and a display name 1–60 characters. Go back and try again.".into(),
            (
                format!(
                    "/sandbox/oauth/authorize?{}",
                    url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("redirect_uri", &f.redirect_uri)
                        .append_pair("state", &f.state)
                        .finish()
                ),
                "Back",
            ),
        );
    }
    match sandbox::grant(
        &state.pool,
        &handle.to_ascii_lowercase(),
        name,
        &f.redirect_uri,
    )
    .await
    {
        Ok(code) => back(&[("code", &code)]),
        Err(e) => {
            tracing::error!(error = %e, "sandbox grant failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

pub async fn sandbox_post(
    State(state): State<AppState>,
    Path((handle, id)): Path<(String, String)>,
) -> Response {
    let found = match id.parse::<i64>() {
        Ok(id) => sandbox::public_post(&state.pool, &handle, id)
            .await
            .ok()
            .flatten(),
        Err(_) => None,
    };
    match found {
        Some((name, content, at, files)) => page(
            StatusCode::OK,
            &format!("{name} on Sandbox"),
            view! {
                <p class="sbx-brand">"◎ Sandbox"</p>
                <article class="sbx-post">
                    <p class="sbx-author"><strong>{name.clone()}</strong>" "<span class="sbx-small">{format!("@{handle}")}</span></p>
                    <p class="sbx-content">{content}</p>
                    {(files > 0).then(|| view! { <p class="sbx-small">{format!("📎 {files} attachment(s)")}</p> })}
                    <p class="sbx-small"><time datetime=at.to_rfc3339()>{at.format("%-d %B %Y, %H:%M UTC").to_string()}</time></p>
                </article>
            },
        ),
        None => message_page(
            StatusCode::NOT_FOUND,
            "Post not found",
            "This Sandbox post does not exist.".into(),
            ("/".into(), "Home"),
        ),
    }
}
