//! `/` (sends you to the right place) and the new-workspace page.
use crate::api::auth::{current_user, home_target};
use crate::api::workspaces::{list_my_workspaces, CreateWorkspace};
use crate::app::components::flash::{typed, use_form_action};
use crate::app::components::{
    field_error, form_error, loading, plan_limit, ErrorPage, FieldMessage, FormAlert,
    PlanLimitAlert, WorkspaceAvatar,
};
use crate::model::{AppError, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn Home() -> impl IntoView {
    let target = Resource::new(|| (), |_| home_target());
    view! {
        <Title text="" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match target.await {
                    Ok(path) => view! { <Redirect path=path /> }.into_any(),
                    Err(e) => view! { <main class="centered-page"><ErrorPage error=e /></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn NewWorkspacePage() -> impl IntoView {
    let user = Resource::new(|| (), |_| current_user());
    let mine = Resource::new(|| (), |_| list_my_workspaces());
    let action = use_form_action::<CreateWorkspace>();
    let typed_name = typed("name").unwrap_or_default();
    let value = action.value();
    view! {
        <Title text="New workspace" />
        <Suspense fallback=loading>
            {move || {
            let typed_name = typed_name.clone();
            Suspend::new(async move {
                match user.await {
                    Ok(Some(_)) => {}
                    Ok(None) | Err(AppError::Unauthenticated) => {
                        return view! { <Redirect path="/login?next=/workspaces/new" /> }.into_any();
                    }
                    Err(e) => return view! { <main class="centered-page"><ErrorPage error=e /></main> }.into_any(),
                }
                let existing = mine.await.unwrap_or_default();
                let back = existing.first().map(|w| format!("/w/{}", w.slug));
                // The owner's pooled use shows on any workspace they own.
                let usage_href = existing
                    .iter()
                    .find(|w| w.role == Role::Owner)
                    .map(|w| format!("/w/{}/usage", w.slug));
                view! {
                    <main class="centered-page">
                        <div class="card narrow">
                            <p class="eyebrow">"Workspaces"</p>
                            <h1>"Create a workspace"</h1>
                            <p class="muted">
                                "One workspace per client or brand. Each has its own accounts, posts, team and settings — nothing is shared."
                            </p>
                            <ActionForm action=action attr:class="form" attr:novalidate="">
                                <PlanLimitAlert error=plan_limit(value) usage_href=usage_href />
                                <FormAlert message=Signal::derive(move || form_error(value)().filter(|_| field_error(value, "name")().is_none())) />
                                <label for="ws-name">"Workspace name"</label>
                                <input id="ws-name" name="name" type="text" required maxlength="80" placeholder="e.g. Acme Coffee Roasters" autofocus value=typed_name.clone() />
                                <FieldMessage id="ws-name-error" message=Signal::derive(field_error(value, "name")) />
                                <div class="form-actions">
                                    {back.map(|href| view! { <a class="button ghost" href=href>"Cancel"</a> })}
                                    <button class="button primary" type="submit" disabled=move || action.pending().get()>
                                        {move || if action.pending().get() { "Creating…" } else { "Create workspace" }}
                                    </button>
                                </div>
                            </ActionForm>
                            {(!existing.is_empty()).then(|| view! {
                                <div class="existing">
                                    <p class="muted small">"Your workspaces"</p>
                                    <ul class="plain-list">
                                        {existing.into_iter().map(|w| view! {
                                            <li>
                                                <a class="ws-row" href=format!("/w/{}", w.slug)>
                                                    <WorkspaceAvatar initials=w.initials.clone() logo_url=w.logo_url.clone() color=w.primary_color.clone() size="sm" />
                                                    <span>{w.name.clone()}</span>
                                                    <span class="badge">{w.role.label()}</span>
                                                </a>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                </div>
                            })}
                        </div>
                    </main>
                }
                .into_any()
            })
            }}
        </Suspense>
    }
}
