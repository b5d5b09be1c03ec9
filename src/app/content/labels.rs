//! Labels and signatures, on one page.
use crate::api::content::{
    labels_and_signatures, CreateLabel, CreateSignature, DeleteLabel, DeleteSignature, UpdateLabel,
    UpdateSignature,
};
use crate::app::components::{
    field_error, form_error, loading, EmptyState, ErrorPage, FieldMessage, FormAlert,
};
use crate::app::workspaces::use_slug;
use crate::model::{LabelView, SignatureView};
use leptos::prelude::*;
use leptos_meta::Title;

const SWATCHES: &[&str] = &[
    "#4f46e5", "#0d9488", "#db2777", "#ea580c", "#16a34a", "#0284c7", "#9333ea", "#64748b",
];

#[derive(Clone, Copy)]
struct Actions {
    create_label: ServerAction<CreateLabel>,
    update_label: ServerAction<UpdateLabel>,
    delete_label: ServerAction<DeleteLabel>,
    create_sig: ServerAction<CreateSignature>,
    update_sig: ServerAction<UpdateSignature>,
    delete_sig: ServerAction<DeleteSignature>,
}

impl Actions {
    fn version(&self) -> usize {
        self.create_label.version().get()
            + self.update_label.version().get()
            + self.delete_label.version().get()
            + self.create_sig.version().get()
            + self.update_sig.version().get()
            + self.delete_sig.version().get()
    }
}

#[component]
pub fn LabelsPage() -> impl IntoView {
    let slug = use_slug();
    let actions = Actions {
        create_label: ServerAction::new(),
        update_label: ServerAction::new(),
        delete_label: ServerAction::new(),
        create_sig: ServerAction::new(),
        update_sig: ServerAction::new(),
        delete_sig: ServerAction::new(),
    };
    let data = Resource::new(
        move || (slug.get(), actions.version()),
        |(s, _)| labels_and_signatures(s),
    );
    view! {
        <Title text="Labels & signatures" />
        <div class="page-head">
            <div>
                <p class="eyebrow">"Publishing"</p>
                <h1>"Labels & signatures"</h1>
            </div>
        </div>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <Body page actions slug=slug.get_untracked() /> }.into_any(),
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Body(page: crate::model::LabelsPage, actions: Actions, slug: String) -> impl IntoView {
    let can_edit = page.can_edit;
    let labels = page.labels;
    let signatures = page.signatures;
    let new_label = actions.create_label.value();
    let new_sig = actions.create_sig.value();
    let s1 = slug.clone();
    let s2 = slug.clone();
    view! {
        <div class="two-col">
            <section class="card section">
                <h2>"Labels"</h2>
                <p class="muted">"Colour-code posts on the calendar and filter the list by campaign, product or client."</p>
                <FormAlert message=Signal::derive(move || {
                    form_error(actions.update_label.value())().or_else(form_error(actions.delete_label.value()))
                }) />
                {if labels.is_empty() {
                    view! { <EmptyState title="No labels yet" body="Create one below, then pick it in the composer." /> }.into_any()
                } else {
                    view! {
                        <ul class="label-list">
                            {labels.into_iter().map(|l| view! { <LabelRow label=l can_edit actions slug=s1.clone() /> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                {can_edit.then(|| { let slug = slug.clone(); view! {
                    <ActionForm action=actions.create_label attr:class="form grid-form" attr:novalidate="">
                        <h3>"New label"</h3>
                        <input type="hidden" name="slug" value=slug.clone() />
                        <label for="label-name">"Name"</label>
                        <input id="label-name" name="name" type="text" maxlength="40" required placeholder="e.g. Launch week" />
                        <FieldMessage id="label-name-error" message=Signal::derive(field_error(new_label, "name")) />
                        <label for="label-color">"Colour"</label>
                        <ColorChoice id="label-color" selected=SWATCHES[0].to_string() />
                        <FieldMessage id="label-color-error" message=Signal::derive(field_error(new_label, "color")) />
                        <div class="form-actions">
                            <button type="submit" class="button primary">"Add label"</button>
                        </div>
                    </ActionForm>
                }})}
            </section>
            <section class="card section">
                <h2>"Signatures"</h2>
                <p class="muted">"Appended to a post when it is published. The default one is preselected in the composer."</p>
                <FormAlert message=Signal::derive(move || {
                    form_error(actions.update_sig.value())().or_else(form_error(actions.delete_sig.value()))
                }) />
                {if signatures.is_empty() {
                    view! { <EmptyState title="No signatures yet" body="Add a sign-off such as “— The Acme team” or your hashtags." /> }.into_any()
                } else {
                    view! {
                        <ul class="signature-list">
                            {signatures.into_iter().map(|s| view! { <SignatureRow signature=s can_edit actions slug=s2.clone() /> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                {can_edit.then(|| { let slug = slug.clone(); view! {
                    <ActionForm action=actions.create_sig attr:class="form grid-form" attr:novalidate="">
                        <h3>"New signature"</h3>
                        <input type="hidden" name="slug" value=slug.clone() />
                        <label for="sig-name">"Name"</label>
                        <input id="sig-name" name="name" type="text" maxlength="60" required placeholder="e.g. Team sign-off" />
                        <FieldMessage id="sig-name-error" message=Signal::derive(field_error(new_sig, "name")) />
                        <label for="sig-body">"Text"</label>
                        <textarea id="sig-body" name="body" rows="3" maxlength="1000" required placeholder="— The Acme team #acme"></textarea>
                        <FieldMessage id="sig-body-error" message=Signal::derive(field_error(new_sig, "body")) />
                        <label class="check"><input type="checkbox" name="is_default" value="on" />" Use by default"</label>
                        <div class="form-actions">
                            <button type="submit" class="button primary">"Add signature"</button>
                        </div>
                    </ActionForm>
                }})}
            </section>
        </div>
    }
}

/// Colour swatches as radio buttons (keyboard-usable, no JavaScript needed).
#[component]
fn ColorChoice(id: &'static str, selected: String) -> impl IntoView {
    view! {
        <div class="swatches" id=id role="radiogroup" aria-label="Colour">
            {SWATCHES.iter().map(|c| {
                let checked = *c == selected;
                view! {
                    <label class="swatch" style=format!("--swatch:{c}")>
                        <input type="radio" name="color" value=*c checked=checked />
                        <span class="sr-only">{*c}</span>
                    </label>
                }
            }).collect_view()}
        </div>
    }
}

#[component]
fn LabelRow(label: LabelView, can_edit: bool, actions: Actions, slug: String) -> impl IntoView {
    let id = label.id.to_string();
    let slug = StoredValue::new(slug);
    let id = StoredValue::new(id);
    let label = StoredValue::new(label);
    view! {
        <li class="label-row">
            <span class="label-chip" style=format!("--label:{}", label.with_value(|x| x.color.clone()))>{label.with_value(|x| x.name.clone())}</span>
            {can_edit.then(|| { view! {
                <details class="row-edit">
                    <summary>"Edit"</summary>
                    <ActionForm action=actions.update_label attr:class="form grid-form">
                        <input type="hidden" name="slug" value=slug.get_value() />
                        <input type="hidden" name="label_id" value=id.get_value() />
                        <label for=format!("l-{}", id.get_value())>"Name"</label>
                        <input id=format!("l-{}", id.get_value()) name="name" type="text" value=label.with_value(|x| x.name.clone()) maxlength="40" />
                        <label>"Colour"</label>
                        <ColorChoice id="label-edit-color" selected=label.with_value(|x| x.color.clone()) />
                        <div class="form-actions">
                            <button type="submit" class="button primary small">"Save"</button>
                        </div>
                    </ActionForm>
                    <ActionForm action=actions.delete_label attr:class="inline-form">
                        <input type="hidden" name="slug" value=slug.get_value() />
                        <input type="hidden" name="label_id" value=id.get_value() />
                        <button type="submit" class="button danger small">{format!("Delete “{}”", label.with_value(|x| x.name.clone()))}</button>
                    </ActionForm>
                </details>
            }})}
        </li>
    }
}

#[component]
fn SignatureRow(
    signature: SignatureView,
    can_edit: bool,
    actions: Actions,
    slug: String,
) -> impl IntoView {
    let id = signature.id.to_string();
    let slug = StoredValue::new(slug);
    let id = StoredValue::new(id);
    let signature = StoredValue::new(signature);
    view! {
        <li class="signature-row">
            <div>
                <p><strong>{signature.with_value(|x| x.name.clone())}</strong>{signature.with_value(|x| x.is_default).then(|| view! { " " <span class="badge">"Default"</span> })}</p>
                <p class="signature-body">{signature.with_value(|x| x.body.clone())}</p>
            </div>
            {can_edit.then(|| { view! {
                <details class="row-edit">
                    <summary>"Edit"</summary>
                    <ActionForm action=actions.update_sig attr:class="form grid-form">
                        <input type="hidden" name="slug" value=slug.get_value() />
                        <input type="hidden" name="signature_id" value=id.get_value() />
                        <label for=format!("sn-{}", id.get_value())>"Name"</label>
                        <input id=format!("sn-{}", id.get_value()) name="name" type="text" value=signature.with_value(|x| x.name.clone()) maxlength="60" />
                        <label for=format!("sb-{}", id.get_value())>"Text"</label>
                        <textarea id=format!("sb-{}", id.get_value()) name="body" rows="3" maxlength="1000">{signature.with_value(|x| x.body.clone())}</textarea>
                        <label class="check"><input type="checkbox" name="is_default" value="on" checked=signature.with_value(|x| x.is_default) />" Use by default"</label>
                        <div class="form-actions">
                            <button type="submit" class="button primary small">"Save"</button>
                        </div>
                    </ActionForm>
                    <ActionForm action=actions.delete_sig attr:class="inline-form">
                        <input type="hidden" name="slug" value=slug.get_value() />
                        <input type="hidden" name="signature_id" value=id.get_value() />
                        <button type="submit" class="button danger small">{format!("Delete “{}”", signature.with_value(|x| x.name.clone()))}</button>
                    </ActionForm>
                </details>
            }})}
        </li>
    }
}
