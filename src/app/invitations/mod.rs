//! Invitations: the invite form and pending list (Settings › Team), and the
//! page behind an invitation link (`accept`).
mod accept;
pub use accept::InvitePage;

use crate::api::invitations::{ResendInvitation, RevokeInvitation};
use crate::app::components::flash::typed;
use crate::app::components::{
    field_error, form_error, format_time, plan_limit, FieldMessage, FormAlert, PlanLimitAlert,
};
use crate::app::team::TeamActions;
use crate::app::workspaces::use_slug;
use crate::model::{AppError, InvitationView, InviteSentView, Role, ASSIGNABLE_ROLES};
use leptos::prelude::*;

/// What the inviter sees after creating or resending: the link to copy (no
/// SMTP; shown this once, only its hash is kept) or where it was emailed.
#[component]
fn SentNotice(sent: InviteSentView) -> impl IntoView {
    match sent.link {
        Some(link) => view! {
            <div class="invite-link" role="status">
                <p>
                    <strong>"Invitation created for "{sent.email.clone()}". "</strong>
                    "Email isn't set up on this server, so send them this link yourself. "
                    "It is shown only now and works once, for 7 days."
                </p>
                <CopyLink link />
            </div>
        }
        .into_any(),
        None => view! {
            <div class="alert alert-ok" role="status">
                {format!("Invitation emailed to {}.", sent.email)}
            </div>
        }
        .into_any(),
    }
}

/// A read-only field with the link and a button that copies it (Clipboard API, after hydration).
#[component]
pub fn CopyLink(link: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = link.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&text);
            copied.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
    };
    view! {
        <div class="copy-field">
            <input type="text" readonly value=link aria-label="Invitation link" class="mono"
                on:focus=move |ev| {
                    #[cfg(feature = "hydrate")]
                    {
                        use wasm_bindgen::JsCast;
                        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            input.select();
                        }
                    }
                    #[cfg(not(feature = "hydrate"))]
                    let _ = ev;
                } />
            <button type="button" class="button primary" on:click=copy>
                {move || if copied.get() { "Copied ✓" } else { "Copy link" }}
            </button>
        </div>
    }
}

#[component]
pub fn InviteForm() -> impl IntoView {
    let slug = use_slug();
    let action = expect_context::<TeamActions>().invite;
    let value = action.value();
    let err = move |f: &'static str| Signal::derive(field_error(value, f));
    let form = NodeRef::<leptos::html::Form>::new();
    let (typed_email, typed_role) = (typed("email").unwrap_or_default(), typed("role"));
    // Clear the address after a success so the next invite starts fresh.
    Effect::new(move |_| {
        if value.with(|v| matches!(v, Some(Ok(_)))) {
            if let Some(f) = form.get() {
                f.reset();
            }
        }
    });
    view! {
        <section class="card section">
            <h2>"Invite people"</h2>
            <p class="muted">"They get a link to join this workspace with the role you choose. Clients can see and approve content, nothing more."</p>
            <ActionForm action=action node_ref=form attr:class="form invite-form" attr:novalidate="">
                <PlanLimitAlert error=plan_limit(value) usage_href=format!("/w/{}/usage", slug.get_untracked()) />
                <FormAlert message=Signal::derive(move || {
                    if value.with(|v| matches!(v, Some(Err(AppError::Validation(_))))) { None } else { form_error(value)() }
                }) />
                <input type="hidden" name="slug" value=move || slug.get() />
                <div class="invite-row">
                    <div class="invite-email">
                        <label for="invite-email">"Email"</label>
                        <input id="invite-email" name="email" type="email" placeholder="name@client.com" autocomplete="off" required value=typed_email />
                    </div>
                    <div class="invite-role">
                        <label for="invite-role">"Role"</label>
                        <select id="invite-role" name="role">
                            {ASSIGNABLE_ROLES.iter().map(|r| view! {
                                <option value=r.as_str() selected=typed_role.as_deref().map_or(*r == Role::Editor, |t| t == r.as_str())>{r.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <button type="submit" class="button primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Inviting…" } else { "Send invitation" }}
                    </button>
                </div>
                <FieldMessage id="invite-email-error" message=err("email") />
                <FieldMessage id="invite-role-error" message=err("role") />
            </ActionForm>
            {move || value.get().and_then(Result::ok).map(|sent| view! { <SentNotice sent /> })}
        </section>
    }
}

#[component]
pub fn PendingInvitations(invitations: Vec<InvitationView>) -> impl IntoView {
    let TeamActions { resend, revoke, .. } = expect_context::<TeamActions>();
    let slug = use_slug();
    let (resend_value, revoke_value) = (resend.value(), revoke.value());
    let problem = Signal::derive(move || form_error(resend_value)().or(form_error(revoke_value)()));
    let body = if invitations.is_empty() {
        view! { <p class="muted">"No pending invitations."</p> }.into_any()
    } else {
        view! {
            <ul class="invites">
                {invitations.into_iter().map(|i| {
                    let id = i.id;
                    let expiry = if i.expired {
                        view! { <span class="badge badge-warn">"Expired"</span> }.into_any()
                    } else {
                        view! { <span>"expires "<time datetime=i.expires_at.to_rfc3339()>{format_time(&i.expires_at)}</time></span> }.into_any()
                    };
                    view! {
                        <li class="invite" data-invite=i.email.clone()>
                            <span class="person-avatar pending" aria-hidden="true">"@"</span>
                            <div class="invite-text">
                                <span class="person-name">{i.email.clone()}" "<span class="badge role-badge">{i.role.label()}</span></span>
                                <span class="muted small">"Invited by "{i.invited_by.clone()}" · "{expiry}</span>
                            </div>
                            <div class="invite-actions">
                                <button type="button" class="button ghost small-button"
                                    on:click=move |_| { resend.dispatch(ResendInvitation { slug: slug.get_untracked(), invitation_id: id }); }>
                                    "Resend"
                                </button>
                                <button type="button" class="button ghost small-button danger-text"
                                    on:click=move |_| { revoke.dispatch(RevokeInvitation { slug: slug.get_untracked(), invitation_id: id }); }>
                                    "Revoke"
                                </button>
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class="card section">
            <h2>"Pending invitations"</h2>
            <FormAlert message=problem />
            {move || resend_value.get().and_then(Result::ok).map(|sent| view! { <SentNotice sent /> })}
            {body}
        </section>
    }
}
