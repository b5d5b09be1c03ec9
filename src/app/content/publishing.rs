//! Settings › Publishing: the workspace's time zone and client approval.
use crate::api::content::{publishing_settings, UpdatePublishingSettings};
use crate::app::components::{
    field_error, form_error, loading, ErrorPage, FieldMessage, FormAlert,
};
use crate::app::workspaces::use_slug;
use leptos::prelude::*;
use leptos_meta::Title;

/// Common zones first; any IANA name is accepted.
const ZONES: &[&str] = &[
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Istanbul",
    "Europe/Kyiv",
    "Europe/Moscow",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Africa/Cairo",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Sydney",
    "Pacific/Auckland",
    "America/Sao_Paulo",
    "America/Mexico_City",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Vancouver",
];

#[component]
pub fn PublishingSettings() -> impl IntoView {
    let slug = use_slug();
    let save = ServerAction::<UpdatePublishingSettings>::new();
    let data = Resource::new(
        move || (slug.get(), save.version().get()),
        |(s, _)| publishing_settings(s),
    );
    let value = save.value();
    view! {
        <Title text="Publishing settings" />
        <crate::app::workspaces::SettingsTabs />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(s) => {
                        let known = ZONES.contains(&s.timezone.as_str());
                        view! {
                            <section class="card section">
                                <h2>"Publishing"</h2>
                                {move || value.with(|v| matches!(v, Some(Ok(_)))).then(|| view! {
                                    <div class="alert alert-ok" role="status">"Saved."</div>
                                })}
                                <FormAlert message=Signal::derive(move || {
                                    if value.with(|v| matches!(v, Some(Err(crate::model::AppError::Validation(_))))) { None } else { form_error(value)() }
                                }) />
                                <ActionForm action=save attr:class="form grid-form">
                                    <input type="hidden" name="slug" value=slug.get_untracked() />
                                    <label for="pub-tz">"Time zone"</label>
                                    <select id="pub-tz" name="timezone">
                                        {(!known).then(|| view! { <option value=s.timezone.clone() selected=true>{s.timezone.clone()}</option> })}
                                        {ZONES.iter().map(|z| view! { <option value=*z selected=*z == s.timezone>{*z}</option> }).collect_view()}
                                    </select>
                                    <FieldMessage id="pub-tz-error" message=Signal::derive(field_error(value, "timezone")) />
                                    <p class="hint">"The composer and the calendar use this zone; everything is stored in UTC."</p>
                                    <label class="check">
                                        <input type="checkbox" name="require_approval" value="on" checked=s.require_approval />
                                        " Posts need client approval before they are published"
                                    </label>
                                    <p class="hint">"Scheduling then sends a post to the approval queue; a client, admin or owner approves it or sends it back with a comment."</p>
                                    <div class="form-actions">
                                        <button type="submit" class="button primary">"Save"</button>
                                    </div>
                                </ActionForm>
                            </section>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
