//! Log in and sign up pages.
use crate::api::auth::{LogIn, SignUp};
use crate::app::components::flash::{typed, use_form_action};
use crate::app::components::{field_error, form_error, FieldMessage, FormAlert};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn next_param() -> Memo<String> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get("next").unwrap_or_default())
}

#[component]
fn AuthFrame(title: &'static str, subtitle: &'static str, children: Children) -> impl IntoView {
    view! {
        <main class="auth-page">
            <div class="auth-brand">
                <span class="logo-mark" aria-hidden="true">"P"</span>
                <span class="logo-word">"Postroom"</span>
            </div>
            <div class="card auth-card">
                <h1>{title}</h1>
                <p class="muted">{subtitle}</p>
                {children()}
            </div>
            <p class="auth-foot muted">"One calm place for every client's social media."</p>
        </main>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = use_form_action::<LogIn>();
    let typed_email = typed("email").unwrap_or_default();
    let value = action.value();
    let next = next_param();
    let signup_href = move || {
        let n = next.get();
        if n.is_empty() {
            "/signup".to_string()
        } else {
            format!("/signup?next={}", urlencode(&n))
        }
    };
    view! {
        <Title text="Log in" />
        <AuthFrame title="Welcome back" subtitle="Log in to your workspaces.">
            <ActionForm action=action attr:class="form" attr:novalidate="">
                <FormAlert message=Signal::derive(form_error(value)) />
                <input type="hidden" name="next" value=next.get_untracked() />
                <label for="email">"Email"</label>
                <input id="email" type="email" name="email" autocomplete="email" required autofocus value=typed_email />
                <FieldMessage id="email-error" message=Signal::derive(field_error(value, "email")) />
                <label for="password">"Password"</label>
                <input id="password" type="password" name="password" autocomplete="current-password" required />
                <button type="submit" class="button primary wide" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Logging in…" } else { "Log in" }}
                </button>
            </ActionForm>
            <p class="switch-auth">"New to Postroom? " <a href=signup_href>"Create an account"</a></p>
        </AuthFrame>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let action = use_form_action::<SignUp>();
    // Copy, for the closures of `Show` below.
    let typed_name = StoredValue::new(typed("name").unwrap_or_default());
    let typed_email = StoredValue::new(typed("email").unwrap_or_default());
    let value = action.value();
    let next = next_param();
    let login_href = move || {
        let n = next.get();
        if n.is_empty() {
            "/login".to_string()
        } else {
            format!("/login?next={}", urlencode(&n))
        }
    };
    let policy = Resource::new(|| (), |_| crate::api::auth::signup_policy());
    let closed = move || policy.get().and_then(Result::ok).and_then(|m| m.refusal());
    view! {
        <Title text="Sign up" />
        <AuthFrame title="Create your account" subtitle="You get a personal workspace right away; add one per client next.">
            <Suspense fallback=|| ()>
            {move || closed().map(|why| view! {
                <div class="alert alert-info" role="status">{why}</div>
                <p class="switch-auth">"Already have an account? " <a href="/login">"Log in"</a></p>
            })}
            <Show when=move || policy.get().is_some() && closed().is_none()>
            <ActionForm action=action attr:class="form" attr:novalidate="">
                <FormAlert message=Signal::derive(form_error(value)) />
                <input type="hidden" name="next" value=next.get_untracked() />
                <label for="name">"Your name"</label>
                <input id="name" type="text" name="name" autocomplete="name" required autofocus maxlength="80" value=typed_name.get_value() />
                <FieldMessage id="name-error" message=Signal::derive(field_error(value, "name")) />
                <label for="email">"Work email"</label>
                <input id="email" type="email" name="email" autocomplete="email" required value=typed_email.get_value() />
                <FieldMessage id="email-error" message=Signal::derive(field_error(value, "email")) />
                <label for="password">"Password"</label>
                <input id="password" type="password" name="password" autocomplete="new-password" required minlength="8" maxlength="128" aria-describedby="password-hint" />
                <p class="hint" id="password-hint">"8 to 128 characters."</p>
                <FieldMessage id="password-error" message=Signal::derive(field_error(value, "password")) />
                <button type="submit" class="button primary wide" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Creating account…" } else { "Create account" }}
                </button>
            </ActionForm>
            <p class="switch-auth">"Already have an account? " <a href=login_href>"Log in"</a></p>
            </Show>
            </Suspense>
        </AuthFrame>
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
