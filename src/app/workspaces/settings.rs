//! Workspace settings: General (with the danger zone) and Brand; Team is in team.rs.
use crate::api::workspaces::{
    brand_profile, workspace_settings, DeleteWorkspace, UpdateBrand, UpdateWorkspace,
};
use crate::app::components::flash::{typed, use_form_action};
use crate::app::components::{
    field_error, form_error, loading, ErrorPage, FieldMessage, FormAlert,
};
use crate::app::workspaces::use_slug;
use crate::app::ShellVersion;
use crate::model::{
    validate::LANGUAGES, AppError, BrandView, Permission, Role, ShellView, WorkspaceSettingsView,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

/// The settings header and tabs; nothing for a role that cannot edit
/// settings (its page shows only the 403 card).
#[component]
pub(crate) fn SettingsTabs() -> impl IntoView {
    let slug = use_slug();
    let allowed = use_context::<ShellView>()
        .map(|s| s.can(Permission::EditSettings))
        .unwrap_or(false);
    allowed.then(|| {
        view! {
            <div class="page-head">
                <div>
                    <p class="eyebrow">"Workspace"</p>
                    <h1>"Settings"</h1>
                </div>
            </div>
            <nav class="tabs" aria-label="Settings sections">
                <A href=move || format!("/w/{}/settings", slug.get()) exact=true>"General"</A>
                <A href=move || format!("/w/{}/settings/brand", slug.get())>"Brand"</A>
                <A href=move || format!("/w/{}/settings/team", slug.get())>"Team"</A>
                <A href=move || format!("/w/{}/settings/publishing", slug.get())>"Publishing"</A>
            </nav>
        }
    })
}

fn saved_banner<T, S>(value: S) -> impl IntoView
where
    T: Send + Sync + 'static,
    S: With<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
{
    let query = use_query_map();
    let from_redirect = move || query.read().get("saved").is_some();
    view! {
        <Show when=move || value.with(|v| matches!(v, Some(Ok(_)))) || (value.with(|v| v.is_none()) && from_redirect())>
            <div class="alert alert-ok" role="status">"Saved."</div>
        </Show>
    }
}

/// A text input paired with a colour picker that fills it in.
#[component]
fn ColorField(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    initial: Option<String>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let value = RwSignal::new(initial.unwrap_or_default());
    let swatch = move || {
        let v = value.get();
        crate::model::validate::color(&v, label)
            .ok()
            .flatten()
            .unwrap_or_else(|| "#ffffff".into())
    };
    view! {
        <label for=id>{label}</label>
        <div class="color-field">
            <input type="color" aria-label=format!("Pick {label}") prop:value=swatch
                on:input=move |ev| value.set(event_target_value(&ev)) />
            <input id=id name=name type="text" placeholder="#4f46e5" maxlength="7"
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
        </div>
        <FieldMessage id=format!("{id}-error") message=error />
    }
}

#[component]
fn LanguageSelect(id: &'static str, name: &'static str, selected: String) -> impl IntoView {
    view! {
        <select id=id name=name>
            {LANGUAGES.iter().map(|(code, label)| {
                let sel = *code == selected;
                view! { <option value=*code selected=sel>{*label}</option> }
            }).collect_view()}
        </select>
    }
}

#[component]
pub fn GeneralSettings() -> impl IntoView {
    let slug = use_slug();
    let data = Resource::new(move || slug.get(), workspace_settings);
    view! {
        <Title text="Settings" />
        <SettingsTabs />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(s) => view! { <GeneralForm settings=s /> }.into_any(),
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn GeneralForm(settings: WorkspaceSettingsView) -> impl IntoView {
    let action = use_form_action::<UpdateWorkspace>();
    let was = |name: &str, saved: String| typed(name).unwrap_or(saved);
    let value = action.value();
    let version = expect_context::<ShellVersion>().0;
    Effect::new(move |_| {
        if value.with(|v| matches!(v, Some(Ok(_)))) {
            version.update(|v| *v += 1);
        }
    });
    let err = move |f: &'static str| Signal::derive(field_error(value, f));
    let is_owner = settings.role == Role::Owner;
    let danger = is_owner.then(|| (settings.slug.clone(), settings.name.clone()));
    view! {
        <section class="card section">
            <h2>"General"</h2>
            <p class="muted">"How this workspace appears to your team and clients."</p>
            {saved_banner(value)}
            <ActionForm action=action attr:class="form grid-form" attr:novalidate="">
                <FormAlert message=Signal::derive(move || {
                    if value.with(|v| matches!(v, Some(Err(AppError::Validation(_))))) { None } else { form_error(value)() }
                }) />
                <input type="hidden" name="slug" value=settings.slug.clone() />
                <label for="ws-name">"Name"</label>
                <input id="ws-name" name="name" type="text" value=was("name", settings.name.clone()) maxlength="80" required />
                <FieldMessage id="ws-name-error" message=err("name") />
                <label for="ws-slug">"URL slug"</label>
                <div class="prefixed">
                    <span class="prefix">"/w/"</span>
                    <input id="ws-slug" name="new_slug" type="text" value=was("new_slug", settings.slug.clone()) maxlength="48" required />
                </div>
                <FieldMessage id="ws-slug-error" message=err("slug") />
                <label for="ws-logo">"Logo URL"</label>
                <input id="ws-logo" name="logo_url" type="url" value=was("logo_url", settings.logo_url.clone().unwrap_or_default()) placeholder="https://…/logo.png" />
                <FieldMessage id="ws-logo-error" message=err("logo_url") />
                <ColorField id="ws-color" name="primary_color" label="Primary colour" initial=typed("primary_color").or(settings.primary_color.clone()) error=err("primary_color") />
                <p class="hint">"Used as the accent colour everywhere in this workspace."</p>
                <label for="ws-lang">"Default language"</label>
                <LanguageSelect id="ws-lang" name="default_language" selected=settings.default_language.clone() />
                <FieldMessage id="ws-lang-error" message=err("default_language") />
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Saving…" } else { "Save changes" }}
                    </button>
                </div>
            </ActionForm>
        </section>
        {danger.map(|(slug, name)| view! { <DangerZone slug name /> })}
    }
}

#[component]
fn DangerZone(slug: String, name: String) -> impl IntoView {
    let action = use_form_action::<DeleteWorkspace>();
    // Before hydration the server checks the name (the button cannot wait for typing).
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let value = action.value();
    let typed = RwSignal::new(String::new());
    let expected = name.clone();
    let matches = move || typed.get().trim() == expected;
    view! {
        <section class="card section danger">
            <h2>"Danger zone"</h2>
            <p>
                "Deleting this workspace removes its posts, social accounts, labels, signatures, invitations, API keys and memberships. "
                "Members lose access immediately; their accounts and other workspaces stay. This cannot be undone."
            </p>
            <ActionForm action=action attr:class="form" attr:novalidate="">
                <input type="hidden" name="slug" value=slug />
                <label for="confirm-name">"Type " <strong>{name.clone()}</strong> " to confirm"</label>
                <input id="confirm-name" name="confirm_name" type="text" autocomplete="off"
                    on:input=move |ev| typed.set(event_target_value(&ev)) />
                <FieldMessage id="confirm-error" message=Signal::derive(field_error(value, "confirm_name")) />
                <FormAlert message=Signal::derive(move || {
                    if value.with(|v| matches!(v, Some(Err(AppError::Validation(_))))) { None } else { form_error(value)() }
                }) />
                <div class="form-actions">
                    <button type="submit" class="button danger" disabled=move || (hydrated.get() && !matches()) || action.pending().get()>
                        {move || if action.pending().get() { "Deleting…" } else { "Delete workspace" }}
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn BrandSettings() -> impl IntoView {
    let slug = use_slug();
    let data = Resource::new(move || slug.get(), brand_profile);
    view! {
        <Title text="Brand profile" />
        <SettingsTabs />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(b) => view! { <BrandForm brand=b slug=slug.get_untracked() /> }.into_any(),
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn BrandForm(brand: BrandView, slug: String) -> impl IntoView {
    let action = use_form_action::<UpdateBrand>();
    let was = |name: &str, saved: Option<String>| typed(name).or(saved).unwrap_or_default();
    let value = action.value();
    let err = move |f: &'static str| Signal::derive(field_error(value, f));
    view! {
        <section class="card section">
            <h2>"Brand profile"</h2>
            <p class="muted">"AI writing help and previews use this to sound like the brand."</p>
            {saved_banner(value)}
            <ActionForm action=action attr:class="form grid-form" attr:novalidate="">
                <input type="hidden" name="slug" value=slug />
                <label for="b-website">"Website"</label>
                <input id="b-website" name="website" type="url" value=was("website", brand.website.clone()) placeholder="https://example.com" />
                <FieldMessage id="b-website-error" message=err("website") />
                <label for="b-description">"Description"</label>
                <textarea id="b-description" name="description" rows="3" maxlength="2000">{was("description", brand.description.clone())}</textarea>
                <FieldMessage id="b-description-error" message=err("description") />
                <label for="b-tone">"Tone"</label>
                <input id="b-tone" name="tone" type="text" value=was("tone", brand.tone.clone()) placeholder="e.g. friendly, expert, concise" maxlength="200" />
                <FieldMessage id="b-tone-error" message=err("tone") />
                <label for="b-voice">"Voice notes"</label>
                <textarea id="b-voice" name="voice_notes" rows="4" maxlength="4000" placeholder="Words to use or avoid, emoji policy, hashtags…">{was("voice_notes", brand.voice_notes.clone())}</textarea>
                <FieldMessage id="b-voice-error" message=err("voice_notes") />
                <ColorField id="b-primary" name="primary_color" label="Primary colour" initial=brand.primary_color.clone() error=err("primary_color") />
                <ColorField id="b-background" name="background_color" label="Background colour" initial=brand.background_color.clone() error=err("background_color") />
                <ColorField id="b-text" name="text_color" label="Text colour" initial=brand.text_color.clone() error=err("text_color") />
                <label for="b-font">"Font"</label>
                <input id="b-font" name="font" type="text" value=was("font", brand.font.clone()) placeholder="e.g. Inter" maxlength="100" />
                <FieldMessage id="b-font-error" message=err("font") />
                <label for="b-lang">"Content language"</label>
                <LanguageSelect id="b-lang" name="content_language" selected=brand.content_language.clone() />
                <FieldMessage id="b-lang-error" message=err("content_language") />
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Saving…" } else { "Save brand profile" }}
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}
