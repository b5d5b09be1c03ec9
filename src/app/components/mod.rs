//! Small pieces shared by pages: field errors, avatars, empty and error states.
pub mod flash;
use crate::model::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

/// Sets the HTTP status of the page being rendered on the server.
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(code) {
            res.set_status(status);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// The message a finished action left for one field.
pub fn field_error<T, S>(
    value: S,
    field: &'static str,
) -> impl Fn() -> Option<String> + Send + Sync + Copy + 'static
where
    T: Send + Sync + 'static,
    S: With<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
{
    move || {
        value.with(|v| match v {
            Some(Err(e)) => e.message_for(field),
            _ => None,
        })
    }
}

/// An error that is not about a single field (shown above the form). A
/// plan-limit refusal is not one: [`PlanLimitAlert`] shows it.
pub fn form_error<T, S>(value: S) -> impl Fn() -> Option<String> + Send + Sync + Copy + 'static
where
    T: Send + Sync + 'static,
    S: With<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
{
    move || {
        value.with(|v| match v {
            Some(Err(AppError::Validation(errs))) => errs
                .iter()
                .find(|e| e.field == "form")
                .map(|e| e.message.clone())
                .or_else(|| {
                    (errs.len() > 1).then(|| "Please correct the highlighted fields.".to_string())
                }),
            Some(Err(AppError::PlanLimit { .. })) => None,
            Some(Err(e)) => Some(e.to_string()),
            _ => None,
        })
    }
}

/// The plan-limit refusal of an action, if that is how it ended.
pub fn plan_limit<T, S>(value: S) -> Signal<Option<AppError>>
where
    T: Send + Sync + 'static,
    S: With<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
{
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(e @ AppError::PlanLimit { .. })) => Some(e.clone()),
            _ => None,
        })
    })
}

#[component]
pub fn FieldMessage(
    #[prop(into)] message: Signal<Option<String>>,
    #[prop(into)] id: String,
) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <p class="field-error" id=id.clone() role="alert">{move || message.get()}</p>
        </Show>
    }
}

#[component]
pub fn FormAlert(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <div class="alert alert-error" role="alert">{move || message.get()}</div>
        </Show>
    }
}

/// A refusal for a plan limit, as a banner: which limit, how much of it is
/// used (a full, red bar), and where to see the workspace's usage.
#[component]
pub fn PlanLimitAlert(
    #[prop(into)] error: Signal<Option<AppError>>,
    /// The workspace's usage page, when there is one to point at.
    #[prop(optional_no_strip, into)]
    usage_href: Option<String>,
) -> impl IntoView {
    move || match error.get() {
        Some(AppError::PlanLimit {
            metric,
            message,
            limit,
            used,
            ..
        }) => {
            let pct = if limit > 0 {
                (used.max(0) * 100 / limit).min(100)
            } else {
                100
            };
            view! {
                <div class="alert alert-limit meter-full" role="alert" data-metric=metric.clone()>
                    <p><strong>{format!("Plan limit reached: {}", crate::model::metric_label(&metric))}</strong></p>
                    <p>{message}</p>
                    <div class="meter-bar" role="progressbar" aria-label=format!("{used} of {limit} used")
                        aria-valuemin="0" aria-valuemax=limit.to_string() aria-valuenow=used.to_string()>
                        <span class="meter-fill" style=format!("width:{pct}%")></span>
                    </div>
                    {usage_href.clone().map(|href| view! {
                        <p class="small"><a href=href>"See the usage meters"</a></p>
                    })}
                </div>
            }
            .into_any()
        }
        _ => ().into_any(),
    }
}

/// The alert for a failed action — the plan-limit banner, or the error's
/// message — for pages of the main wasm module (the calendar): its view code
/// is a chunk of its own (`cargo leptos build --split`), fetched only when
/// there is an error to show. Call it in a `Suspend`.
#[lazy]
pub fn action_alert(error: AppError) -> AnyView {
    let value = Signal::stored(Some(Err::<(), _>(error)));
    view! {
        <PlanLimitAlert error=plan_limit(value) />
        <FormAlert message=Signal::derive(form_error(value)) />
    }
    .into_any()
}

/// A workspace logo, or its initials (`model::initials`, computed by the
/// caller) on the accent colour.
#[component]
pub fn WorkspaceAvatar(
    initials: String,
    logo_url: Option<String>,
    color: Option<String>,
    #[prop(optional)] size: Option<&'static str>,
) -> impl IntoView {
    let class = format!("ws-avatar {}", size.unwrap_or(""));
    match logo_url {
        Some(url) => view! { <img class=class src=url alt="" /> }.into_any(),
        None => {
            let style = color.map(|c| format!("background:{c}")).unwrap_or_default();
            view! { <span class=class style=style aria-hidden="true">{initials}</span> }.into_any()
        }
    }
}

#[component]
pub fn EmptyState(
    title: &'static str,
    #[prop(into)] body: String,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="empty-state">
            <svg class="empty-icon" viewBox="0 0 48 48" aria-hidden="true">
                <rect x="6" y="10" width="36" height="28" rx="6" fill="none" stroke="currentColor" stroke-width="2" />
                <path d="M6 18h36" stroke="currentColor" stroke-width="2" />
                <circle cx="13" cy="14" r="1.5" fill="currentColor" />
                <circle cx="18" cy="14" r="1.5" fill="currentColor" />
            </svg>
            <h3>{title}</h3>
            <p>{body}</p>
            {children.map(|c| c())}
        </div>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    view! {
        <Title text="Not found" />
        <main class="centered-page">
            <div class="card narrow error-card">
                <p class="eyebrow">"404"</p>
                <h1>"Page not found"</h1>
                <p class="muted">"This page doesn't exist, or you don't have access to it."</p>
                <a class="button" href="/">"Go to your workspaces"</a>
            </div>
        </main>
    }
}

/// The page shown when a request fails as a whole.
#[component]
pub fn ErrorPage(error: AppError) -> impl IntoView {
    match error {
        AppError::NotFound => view! { <NotFound /> }.into_any(),
        AppError::Forbidden => {
            set_status(403);
            view! {
                <Title text="No access" />
                <div class="card narrow error-card">
                    <p class="eyebrow">"403"</p>
                    <h1>"You don't have access to this page"</h1>
                    <p class="muted">"Your role in this workspace doesn't include it. Ask an owner or admin if you need it."</p>
                </div>
            }
            .into_any()
        }
        other => {
            // Its real status (409, 400, 401, 429…), not a blanket 500.
            set_status(other.status());
            view! {
                <div class="card narrow error-card">
                    <h1>"Something went wrong"</h1>
                    <p class="muted">{other.to_string()}</p>
                </div>
            }
            .into_any()
        }
    }
}

pub fn loading() -> impl IntoView {
    view! { <div class="loading" aria-busy="true"><span class="spinner"></span>"Loading…"</div> }
}

pub fn format_time(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn error_pages_answer_with_the_error_status() {
        let cases = [
            (AppError::Conflict("Taken.".into()), 409),
            (AppError::field("name", "Name is required."), 400),
            (AppError::Unauthenticated, 401),
            (AppError::Forbidden, 403),
            (AppError::NotFound, 404),
            (
                AppError::RateLimited {
                    retry_after_secs: 5,
                },
                429,
            ),
            (AppError::Internal, 500),
        ];
        for (error, code) in cases {
            let owner = Owner::new();
            owner.with(|| {
                let res = leptos_axum::ResponseOptions::default();
                provide_context(res.clone());
                leptos_meta::provide_meta_context();
                let html = view! { <ErrorPage error=error.clone() /> }.to_html();
                assert!(!html.is_empty());
                assert_eq!(
                    res.0.read().unwrap().status.map(|s| s.as_u16()),
                    Some(code),
                    "{error:?}"
                );
            });
        }
    }
}
