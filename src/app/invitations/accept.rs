//! `/invite/{token}`: who invited you where, and the way in — sign up with the
//! invited email, log in, or (signed in with that email) one click.
use crate::api::auth::LogOut;
use crate::api::invitations::{invitation_details, AcceptInvitation, SignUpAndAccept};
use crate::app::auth::urlencode;
use crate::app::components::flash::{typed, use_form_action};
use crate::app::components::{
    field_error, form_error, loading, set_status, ErrorPage, FieldMessage, FormAlert,
    WorkspaceAvatar,
};
use crate::model::{AppError, InvitePageView, InviteState};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let data = Resource::new(move || token.get(), invitation_details);
    view! {
        <Title text="Invitation" />
        <main class="auth-page">
            <div class="auth-brand">
                <span class="logo-mark" aria-hidden="true">"P"</span>
                <span class="logo-word">"Postroom"</span>
            </div>
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(view) => view! { <InviteCard view token=token.get_untracked() /> }.into_any(),
                        Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn InviteCard(view: InvitePageView, token: String) -> impl IntoView {
    let (title, body): (&str, String) = match view.state {
        InviteState::Open => ("", String::new()),
        InviteState::Unknown => (
            "This invitation link isn't valid",
            "Check that you copied the whole link, or ask for a new invitation.".into(),
        ),
        InviteState::Expired => (
            "This invitation has expired",
            format!(
                "Invitations are valid for 7 days. Ask {} for a new one.",
                view.inviter
            ),
        ),
        InviteState::Revoked => (
            "This invitation was revoked",
            format!(
                "{} withdrew it. Ask them if you think this is a mistake.",
                view.inviter
            ),
        ),
        InviteState::Accepted => (
            "This invitation has already been used",
            "Each invitation link works once. If you joined already, log in to open the workspace."
                .into(),
        ),
    };
    if view.state != InviteState::Open {
        set_status(if view.state == InviteState::Unknown {
            404
        } else {
            410
        });
        let known = view.state != InviteState::Unknown;
        return view! {
            <div class="card auth-card invite-card" data-state=format!("{:?}", view.state)>
                {known.then(|| view! { <Header view=view.clone() /> })}
                <h1 class="invite-problem">{title}</h1>
                <p class="muted">{body}</p>
                <a class="button wide" href="/">"Go to Postroom"</a>
            </div>
        }
        .into_any();
    }
    let action = if view.viewer_matches() {
        view! { <JoinButton token workspace=view.workspace_name.clone() /> }.into_any()
    } else if let Some(me) = view.viewer_email.clone() {
        view! { <WrongAccount invited=view.email.clone() me /> }.into_any()
    } else {
        view! { <SignUpToJoin token email=view.email.clone() /> }.into_any()
    };
    view! {
        <div class="card auth-card invite-card" data-state="Open">
            <Header view=view.clone() />
            {action}
        </div>
    }
    .into_any()
}

#[component]
fn Header(view: InvitePageView) -> impl IntoView {
    let role = view.role.map(|r| r.label()).unwrap_or("");
    view! {
        <div class="invite-head">
            <WorkspaceAvatar initials=crate::model::initials(&view.workspace_name) logo_url=view.workspace_logo.clone() color=view.workspace_color.clone() size="lg" />
            <p class="muted">{format!("{} invited you to join", view.inviter)}</p>
            <h1>{view.workspace_name.clone()}</h1>
            <p><span class="badge role-badge">{format!("as {role}")}</span></p>
        </div>
    }
}

#[component]
fn JoinButton(token: String, workspace: String) -> impl IntoView {
    let action = use_form_action::<AcceptInvitation>();
    let value = action.value();
    view! {
        <ActionForm action=action attr:class="form">
            <FormAlert message=Signal::derive(form_error(value)) />
            <input type="hidden" name="token" value=token />
            <button type="submit" class="button primary wide" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Joining…".to_string() } else { format!("Join {workspace}") }}
            </button>
        </ActionForm>
    }
}

#[component]
fn WrongAccount(invited: String, me: String) -> impl IntoView {
    let logout = ServerAction::<LogOut>::new();
    view! {
        <div class="alert alert-error" role="alert">
            {format!("This invitation is for {invited}, but you're signed in as {me}.")}
        </div>
        <p class="muted small">"Log out, then open this link again to join with the invited address."</p>
        <ActionForm action=logout attr:class="form">
            <button type="submit" class="button wide">"Log out"</button>
        </ActionForm>
    }
}

#[component]
fn SignUpToJoin(token: String, email: String) -> impl IntoView {
    let action = use_form_action::<SignUpAndAccept>();
    let typed_name = typed("name").unwrap_or_default();
    let value = action.value();
    let login = format!("/login?next={}", urlencode(&format!("/invite/{token}")));
    view! {
        <ActionForm action=action attr:class="form" attr:novalidate="">
            <FormAlert message=Signal::derive(move || {
                if value.with(|v| matches!(v, Some(Err(AppError::Validation(_))))) { field_error(value, "email")() } else { form_error(value)() }
            }) />
            <input type="hidden" name="token" value=token />
            <label for="invite-email">"Email"</label>
            <input id="invite-email" type="email" value=email readonly aria-describedby="invite-email-hint" class="readonly" />
            <p class="hint" id="invite-email-hint">"The invitation was sent to this address."</p>
            <label for="name">"Your name"</label>
            <input id="name" type="text" name="name" autocomplete="name" required maxlength="80" value=typed_name />
            <FieldMessage id="name-error" message=Signal::derive(field_error(value, "name")) />
            <label for="password">"Choose a password"</label>
            <input id="password" type="password" name="password" autocomplete="new-password" required minlength="8" maxlength="128" />
            <FieldMessage id="password-error" message=Signal::derive(field_error(value, "password")) />
            <button type="submit" class="button primary wide" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Joining…" } else { "Create account and join" }}
            </button>
        </ActionForm>
        <p class="switch-auth">"Already have an account? " <a href=login>"Log in to accept"</a></p>
    }
}
