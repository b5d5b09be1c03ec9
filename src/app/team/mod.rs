//! Settings › Team: members (role, remove), pending invitations, ownership transfer.
use crate::api::invitations::{list_invitations, InviteMember, ResendInvitation, RevokeInvitation};
use crate::api::members::{list_members, ChangeMemberRole, RemoveMember, TransferOwnership};
use crate::app::components::flash::{use_form_action, use_hydrated};
use crate::app::components::{
    field_error, form_error, loading, plan_limit, ErrorPage, FieldMessage, FormAlert,
    PlanLimitAlert,
};
use crate::app::invitations::{InviteForm, PendingInvitations};
use crate::app::workspaces::use_slug;
use crate::app::workspaces::SettingsTabs;
use crate::app::ShellVersion;
use crate::model::{
    initials, AppError, MemberView, Permission, Role, ShellView, TeamView, ASSIGNABLE_ROLES,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// Every action of the page, made once at the top so their results (the
/// one-time invitation link, "saved" notes, errors) outlive the reloads of
/// the lists they trigger.
#[derive(Clone, Copy)]
pub struct TeamActions {
    pub change: ServerAction<ChangeMemberRole>,
    pub remove: ServerAction<RemoveMember>,
    pub transfer: ServerAction<TransferOwnership>,
    pub invite: ServerAction<InviteMember>,
    pub resend: ServerAction<ResendInvitation>,
    pub revoke: ServerAction<RevokeInvitation>,
    /// The latest success, said in words.
    pub note: RwSignal<Option<String>>,
}

impl TeamActions {
    fn new() -> Self {
        TeamActions {
            change: use_form_action(),
            remove: use_form_action(),
            transfer: use_form_action(),
            invite: use_form_action(),
            resend: use_form_action(),
            revoke: use_form_action(),
            note: RwSignal::new(None),
        }
        .said_before_hydration()
    }

    /// A form posted without JavaScript lands here with its outcome already
    /// in its action (`use_form_action`); the effects of `narrate` only run
    /// in the browser, so say it now, on the server too.
    fn said_before_hydration(self) -> Self {
        let said = self
            .change
            .value()
            .with_untracked(|v| match v {
                Some(Ok(m)) => Some(format!("{} is now {}.", m.name, m.role.label())),
                _ => None,
            })
            .or_else(|| {
                self.remove
                    .value()
                    .with_untracked(|v| matches!(v, Some(Ok(_))))
                    .then(|| "Member removed. They lost access at once.".to_string())
            })
            .or_else(|| {
                self.transfer
                    .value()
                    .with_untracked(|v| matches!(v, Some(Ok(_))))
                    .then(|| "Ownership transferred. You are now an admin.".to_string())
            });
        self.note.set(said);
        self
    }

    /// Keeps `note` on the latest success.
    fn narrate(&self) {
        let note = self.note;
        let (change, remove, transfer, revoke) = (
            self.change.value(),
            self.remove.value(),
            self.transfer.value(),
            self.revoke.value(),
        );
        Effect::new(move |_| {
            change.with(|v| {
                if let Some(Ok(m)) = v {
                    note.set(Some(format!("{} is now {}.", m.name, m.role.label())));
                }
            })
        });
        Effect::new(move |_| {
            if remove.with(|v| matches!(v, Some(Ok(_)))) {
                note.set(Some("Member removed. They lost access at once.".into()));
            }
        });
        Effect::new(move |_| {
            if transfer.with(|v| matches!(v, Some(Ok(_)))) {
                note.set(Some("Ownership transferred. You are now an admin.".into()));
            }
        });
        Effect::new(move |_| {
            if revoke.with(|v| matches!(v, Some(Ok(_)))) {
                note.set(Some("Invitation revoked. Its link no longer works.".into()));
            }
        });
    }
    /// Changes whenever any action finishes, so the lists reload.
    fn version(&self) -> usize {
        self.change.version().get()
            + self.remove.version().get()
            + self.transfer.version().get()
            + self.invite.version().get()
            + self.resend.version().get()
            + self.revoke.version().get()
    }
}

#[component]
pub fn TeamSettings() -> impl IntoView {
    // The server refuses every team call to other roles; don't offer the forms.
    let allowed = use_context::<ShellView>()
        .map(|s| s.can(Permission::ManageMembers))
        .unwrap_or(false);
    if !allowed {
        return view! { <ErrorPage error=AppError::Forbidden /> }.into_any();
    }
    let slug = use_slug();
    let actions = TeamActions::new();
    provide_context(actions);
    actions.narrate();
    let shell = expect_context::<ShellVersion>().0;
    let transferred = actions.transfer.value();
    Effect::new(move |_| {
        if transferred.with(|v| matches!(v, Some(Ok(_)))) {
            shell.update(|n| *n += 1);
        }
    });
    let team = Resource::new(
        move || (slug.get(), actions.version()),
        |(s, _)| list_members(s),
    );
    let invites = Resource::new(
        move || (slug.get(), actions.version()),
        |(s, _)| list_invitations(s),
    );
    view! {
        <Title text="Team" />
        <SettingsTabs />
        <InviteForm />
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                let team = match team.await {
                    Ok(t) => t,
                    Err(e) => return view! { <ErrorPage error=e /> }.into_any(),
                };
                let pending = invites.await.unwrap_or_default();
                view! {
                    <Members team=team.clone() />
                    <PendingInvitations invitations=pending />
                    {(team.my_role == Role::Owner).then(|| view! { <Transfer team /> })}
                }
                .into_any()
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn Members(team: TeamView) -> impl IntoView {
    let TeamActions {
        change,
        remove,
        note,
        ..
    } = expect_context::<TeamActions>();
    let (change_value, remove_value) = (change.value(), remove.value());
    let problem = Signal::derive(move || form_error(change_value)().or(form_error(remove_value)()));
    let count = team.members.len();
    let rows = team
        .members
        .iter()
        .map(|m| {
            let manageable = team.can_manage(m);
            let you = m.user_id == team.me;
            view! { <MemberRow member=m.clone() manageable you change remove /> }
        })
        .collect_view();
    view! {
        <section class="card section">
            <div class="section-head">
                <h2>"Members"</h2>
                <span class="muted small">{format!("{count} {}", if count == 1 { "person" } else { "people" })}</span>
            </div>
            <FormAlert message=problem />
            <Show when=move || note.with(Option::is_some)>
                <div class="alert alert-ok" role="status">{move || note.get()}</div>
            </Show>
            <table class="table members">
                <thead>
                    <tr><th>"Member"</th><th>"Role"</th><th>"Joined"</th><th class="actions-col"><span class="sr-only">"Actions"</span></th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

#[component]
fn MemberRow(
    member: MemberView,
    manageable: bool,
    you: bool,
    change: ServerAction<ChangeMemberRole>,
    remove: ServerAction<RemoveMember>,
) -> impl IntoView {
    let slug = use_slug();
    let hydrated = use_hydrated();
    let confirming = RwSignal::new(false);
    let user_id = member.user_id;
    let name = member.name.clone();
    let role_cell = if manageable {
        let label = format!("Role of {}", member.name);
        // A form, so that it works before the wasm loads (its button); once
        // hydrated, choosing a role saves it at once.
        view! {
            <ActionForm action=change attr:class="role-form">
                <input type="hidden" name="slug" value=move || slug.get() />
                <input type="hidden" name="user_id" value=user_id.to_string() />
                <select class="role-select" name="role" aria-label=label
                    on:change=move |ev| {
                        change.dispatch(ChangeMemberRole { slug: slug.get_untracked(), user_id, role: event_target_value(&ev) });
                    }>
                    {ASSIGNABLE_ROLES.iter().map(|r| view! {
                        <option value=r.as_str() selected=*r == member.role>{r.label()}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="button ghost small-button" hidden=move || hydrated.get()>"Change role"</button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! { <span class="badge role-badge">{member.role.label()}</span> }.into_any()
    };
    let actions = manageable.then(|| {
        let name = name.clone();
        // Before hydration "Remove" submits the form at once; after, it asks first.
        view! {
            <ActionForm action=remove attr:class="remove-form">
                <input type="hidden" name="slug" value=move || slug.get() />
                <input type="hidden" name="user_id" value=user_id.to_string() />
                <Show when=move || confirming.get() fallback=move || view! {
                    <button type=move || if hydrated.get() { "button" } else { "submit" } class="button ghost small-button"
                        on:click=move |ev| { ev.prevent_default(); confirming.set(true); }>"Remove"</button>
                }>
                    <span class="confirm-inline">
                        <span class="muted small">{format!("Remove {name}?")}</span>
                        <button type="button" class="button ghost small-button" on:click=move |_| confirming.set(false)>"Cancel"</button>
                        <button type="submit" class="button danger small-button">"Remove"</button>
                    </span>
                </Show>
            </ActionForm>
        }
    });
    view! {
        <tr data-member=member.email.clone()>
            <td>
                <div class="person">
                    <span class="person-avatar" aria-hidden="true">{initials(&member.name)}</span>
                    <span class="person-text">
                        <span class="person-name">{member.name.clone()}{you.then(|| view! { <span class="muted">" (you)"</span> })}</span>
                        <span class="muted small">{member.email.clone()}</span>
                    </span>
                </div>
            </td>
            <td>{role_cell}</td>
            <td class="muted small">
                <time datetime=member.joined_at.to_rfc3339()>{member.joined_at.format("%b %-d, %Y").to_string()}</time>
            </td>
            <td class="actions-col">{actions}</td>
        </tr>
    }
}

#[component]
fn Transfer(team: TeamView) -> impl IntoView {
    let action = expect_context::<TeamActions>().transfer;
    let value = action.value();
    let slug = use_slug();
    let admins: Vec<MemberView> = team
        .members
        .into_iter()
        .filter(|m| m.role == Role::Admin)
        .collect();
    let err = move |f: &'static str| Signal::derive(field_error(value, f));
    view! {
        <section class="card section danger">
            <h2>"Transfer ownership"</h2>
            <p class="muted">
                "Hand this workspace to one of its admins. They become the owner (delete, transfer); you stay on as an admin."
            </p>
            {if admins.is_empty() {
                view! { <p class="hint">"Only an admin can become the owner. Make someone an admin first."</p> }.into_any()
            } else {
                view! {
                    <ActionForm action=action attr:class="form grid-form" attr:novalidate="">
                        <PlanLimitAlert error=plan_limit(value) />
                        <FormAlert message=Signal::derive(move || {
                            if value.with(|v| matches!(v, Some(Err(AppError::Validation(_))))) { None } else { form_error(value)() }
                        }) />
                        <input type="hidden" name="slug" value=move || slug.get() />
                        <label for="transfer-to">"New owner"</label>
                        <select id="transfer-to" name="user_id">
                            {admins.iter().map(|m| view! {
                                <option value=m.user_id.to_string()>{format!("{} ({})", m.name, m.email)}</option>
                            }).collect_view()}
                        </select>
                        <FieldMessage id="transfer-to-error" message=err("user_id") />
                        <label for="transfer-password">"Your password"</label>
                        <input id="transfer-password" name="password" type="password" autocomplete="current-password" required />
                        <FieldMessage id="transfer-password-error" message=err("password") />
                        <div class="form-actions">
                            <button type="submit" class="button danger" disabled=move || action.pending().get()>
                                {move || if action.pending().get() { "Transferring…" } else { "Transfer ownership" }}
                            </button>
                        </div>
                    </ActionForm>
                }.into_any()
            }}
        </section>
    }
}
