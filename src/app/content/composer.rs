//! The composer: text, target accounts, labels, signature, date and time in
//! the workspace's zone; save as draft or schedule. After hydration the
//! character counts and the per-network previews follow the typing; without
//! JavaScript the form posts and the server's answer is the authority.
use super::ai_draft::AiDraftPanel;
use super::NetworkMark;
use crate::api::content::{composer, DraftWithAi, SavePost};
use crate::app::components::flash::{typed, use_form_action};
use crate::app::components::{
    field_error, form_error, loading, plan_limit, EmptyState, ErrorPage, FieldMessage, FormAlert,
    PlanLimitAlert,
};
use crate::app::workspaces::use_slug;
use crate::model::{char_count, network, with_signature, AppError, ComposerView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use std::collections::BTreeSet;
use uuid::Uuid;

#[component]
pub fn NewPostPage() -> impl IntoView {
    let slug = use_slug();
    let query = use_query_map();
    let data = Resource::new(
        move || (slug.get(), query.with(|q| q.get("date"))),
        |(s, date)| composer(s, None, date),
    );
    view! {
        <Title text="New post" />
        <ComposerShell data title="New post" slug />
    }
}

#[component]
pub fn EditPostPage() -> impl IntoView {
    let slug = use_slug();
    let params = use_params_map();
    let data = Resource::new(
        move || (slug.get(), params.with(|p| p.get("id"))),
        |(s, id)| composer(s, id, None),
    );
    view! {
        <Title text="Edit post" />
        <ComposerShell data title="Edit post" slug />
    }
}

#[component]
fn ComposerShell(
    data: Resource<Result<ComposerView, AppError>>,
    title: &'static str,
    slug: Memo<String>,
) -> impl IntoView {
    view! {
        <div class="page-head">
            <div>
                <p class="eyebrow">"Compose"</p>
                <h1>{title}</h1>
            </div>
        </div>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) if !view.can_edit => view! { <ErrorPage error=AppError::Forbidden /> }.into_any(),
                    Ok(view) if view.post.as_ref().is_some_and(|p| !p.status.editable()) => view! {
                        <ErrorPage error=AppError::Conflict("This post can no longer be edited. Duplicate it to post again.".into()) />
                    }.into_any(),
                    Ok(view) => view! { <Composer view slug=slug.get_untracked() /> }.into_any(),
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Composer(view: ComposerView, slug: String) -> impl IntoView {
    // Without JavaScript a refused post comes back with what was typed (the form flash).
    let save = use_form_action::<SavePost>();
    let value = save.value();
    let err = move |f: &'static str| Signal::derive(field_error(value, f));
    // Without JavaScript a draft written by AI comes back in the post text.
    let ai = use_form_action::<DraftWithAi>();
    let drafted = ai
        .value()
        .get_untracked()
        .and_then(|r| r.ok())
        .map(|d| d.text);
    let post = view.post.clone();
    let content = RwSignal::new(
        typed("content")
            .or(drafted)
            .unwrap_or_else(|| post.as_ref().map(|p| p.content.clone()).unwrap_or_default()),
    );
    let initial_accounts: BTreeSet<Uuid> = match &post {
        Some(p) => p.targets.iter().map(|t| t.account_id).collect(),
        None => {
            // One connected account: preselect it.
            let connected: Vec<Uuid> = view
                .accounts
                .iter()
                .filter(|a| a.status == "connected")
                .map(|a| a.id)
                .collect();
            if connected.len() == 1 {
                connected.into_iter().collect()
            } else {
                BTreeSet::new()
            }
        }
    };
    let selected = RwSignal::new(initial_accounts);
    let initial_sig = match &post {
        Some(p) => p.signature_id,
        None => view.signatures.iter().find(|s| s.is_default).map(|s| s.id),
    };
    let signature = RwSignal::new(initial_sig.map(|id| id.to_string()).unwrap_or_default());
    let signatures = view.signatures.clone();
    let sig_text = move || {
        let chosen = signature.get();
        signatures
            .iter()
            .find(|s| s.id.to_string() == chosen)
            .map(|s| s.body.clone())
    };
    let accounts = view.accounts.clone();
    let account_meta: Vec<(Uuid, String, String)> = accounts
        .iter()
        .map(|a| (a.id, a.platform.clone(), a.handle.clone()))
        .collect();
    let chosen_platforms = Memo::new(move |_| {
        let sel = selected.get();
        let mut out: Vec<String> = account_meta
            .iter()
            .filter(|(id, _, _)| sel.contains(id))
            .map(|(_, p, _)| p.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    });
    let full_text = Memo::new(move |_| with_signature(content.get().trim(), sig_text().as_deref()));
    let (date, time) = match &post {
        Some(p) if !p.local_date.is_empty() => (p.local_date.clone(), p.local_time.clone()),
        _ => (view.default_date.clone(), view.default_time.clone()),
    };
    let (date, time) = (typed("date").unwrap_or(date), typed("time").unwrap_or(time));
    let post_id = post.as_ref().map(|p| p.id.to_string()).unwrap_or_default();
    let rejection = post.as_ref().and_then(|p| {
        p.rejection_comment
            .clone()
            .map(|c| (c, p.rejected_by.clone()))
    });
    let schedule_label = if view.require_approval {
        "Submit for approval"
    } else {
        "Schedule"
    };
    let tz = view.timezone.clone();
    let no_accounts = accounts.is_empty();
    let labels = view.labels.clone();
    let files = view.media.clone();
    let attached: Vec<Uuid> = post
        .as_ref()
        .map(|p| p.media.iter().map(|m| m.id).collect())
        .unwrap_or_default();
    let media_href = format!("/w/{slug}/media");
    let label_ids: BTreeSet<Uuid> = post
        .as_ref()
        .map(|p| p.labels.iter().map(|l| l.id).collect())
        .unwrap_or_default();
    let accounts_href = format!("/w/{slug}/accounts");
    view! {
        {rejection.map(|(comment, by)| view! {
            <div class="alert alert-warn" role="status">
                <strong>{format!("Sent back{}: ", by.map(|b| format!(" by {b}")).unwrap_or_default())}</strong>{comment}
            </div>
        })}
        {view.require_approval.then(|| view! {
            <p class="alert alert-info">"Posts in this workspace need a client's approval before they are published."</p>
        })}
        <AiDraftPanel slug=slug.clone() ready=view.ai_ready content landed=ai />
        <ActionForm action=save attr:class="composer" attr:novalidate="">
            <PlanLimitAlert error=plan_limit(value) usage_href=format!("/w/{slug}/usage") />
            <FormAlert message=Signal::derive(move || {
                if value.with(|v| matches!(v, Some(Err(AppError::Validation(_))))) { None } else { form_error(value)() }
            }) />
            <input type="hidden" name="slug" value=slug.clone() />
            <input type="hidden" name="post_id" value=post_id />
            <div class="composer-main card">
                <label for="post-content">"Post"</label>
                <textarea id="post-content" name="content" rows="8" maxlength="10000" placeholder="What do you want to share?"
                    aria-describedby="post-content-error post-counts"
                    prop:value=move || content.get()
                    on:input=move |ev| content.set(event_target_value(&ev))>{content.get_untracked()}</textarea>
                <FieldMessage id="post-content-error" message=err("content") />
                <p id="post-counts" class="counts" aria-live="polite">
                    {move || {
                        let n = char_count(&full_text.get());
                        let nets = chosen_platforms.get();
                        if nets.is_empty() {
                            view! { <span>{format!("{n} characters")}</span> }.into_any()
                        } else {
                            nets.into_iter().map(|p| {
                                let net = network(&p);
                                let max = net.map(|n| n.max_chars).unwrap_or(500);
                                let label = net.map(|n| n.label).unwrap_or("Network");
                                view! { <span class="count" class:over=(n > max)>{format!("{label}: {n}/{max}")}</span> }
                            }).collect_view().into_any()
                        }
                    }}
                </p>

                <fieldset class="accounts-pick">
                    <legend>"Post to"</legend>
                    {if no_accounts {
                        view! { <EmptyState title="No social accounts" body="Connect an account first, then come back to schedule.">
                            <a class="button" href=accounts_href.clone()>"Connect an account"</a>
                        </EmptyState> }.into_any()
                    } else {
                        accounts.into_iter().enumerate().map(|(i, a)| {
                            let id = a.id;
                            let usable = a.status == "connected";
                            let checked = selected.with_untracked(|s| s.contains(&id));
                            view! {
                                <label class="account-pick" class:disabled=!usable>
                                    <input type="checkbox" name=format!("account_ids[{i}]") value=id.to_string() checked=checked disabled=!usable
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            selected.update(|s| { if on { s.insert(id); } else { s.remove(&id); } });
                                        } />
                                    <NetworkMark platform=a.platform.clone() />
                                    <span>{a.display_name.clone()}" "<span class="muted">{format!("@{}", a.handle)}</span></span>
                                    {(!usable).then(|| view! { <span class="badge">{a.status.clone()}</span> })}
                                </label>
                            }
                        }).collect_view().into_any()
                    }}
                    <FieldMessage id="post-accounts-error" message=err("account_ids") />
                </fieldset>

                <fieldset class="media-pick">
                    <legend>"Media"</legend>
                    {if files.is_empty() {
                        view! { <p class="muted small">"No files yet. "<a href=media_href.clone()>"Upload images or videos"</a>" to attach them."</p> }.into_any()
                    } else {
                        files.into_iter().enumerate().map(|(i, m)| {
                            let on = attached.contains(&m.id);
                            view! {
                                <label class="media-option" title=m.name.clone()>
                                    <input type="checkbox" name=format!("media_ids[{i}]") value=m.id.to_string() checked=on />
                                    {match m.thumb_url.clone() {
                                        Some(t) => view! { <img src=t alt=m.name.clone() loading="lazy" /> }.into_any(),
                                        None => view! { <span class="media-video" aria-label=m.name.clone()>"▶"</span> }.into_any(),
                                    }}
                                </label>
                            }
                        }).collect_view().into_any()
                    }}
                    <FieldMessage id="post-media-error" message=err("media_ids") />
                </fieldset>

                <div class="composer-row">
                    <div>
                        <label for="post-date">"Date"</label>
                        <input id="post-date" name="date" type="date" value=date />
                        <FieldMessage id="post-date-error" message=err("date") />
                    </div>
                    <div>
                        <label for="post-time">"Time"</label>
                        <input id="post-time" name="time" type="time" value=time />
                        <FieldMessage id="post-time-error" message=err("time") />
                    </div>
                    <p class="hint tz-hint">"Time zone: "<strong>{tz}</strong></p>
                </div>

                <div class="composer-row">
                    <div>
                        <label for="post-signature">"Signature"</label>
                        <select id="post-signature" name="signature_id" on:change=move |ev| signature.set(event_target_value(&ev))>
                            <option value="" selected=initial_sig.is_none()>"No signature"</option>
                            {view.signatures.iter().map(|s| {
                                let sel = Some(s.id) == initial_sig;
                                view! { <option value=s.id.to_string() selected=sel>{s.name.clone()}{s.is_default.then_some(" (default)")}</option> }
                            }).collect_view()}
                        </select>
                        <FieldMessage id="post-signature-error" message=err("signature_id") />
                    </div>
                    <fieldset class="labels-pick">
                        <legend>"Labels"</legend>
                        {if labels.is_empty() {
                            view! { <p class="muted small">"No labels yet."</p> }.into_any()
                        } else {
                            labels.into_iter().enumerate().map(|(i, l)| view! {
                                <label class="label-pick">
                                    <input type="checkbox" name=format!("label_ids[{i}]") value=l.id.to_string() checked=label_ids.contains(&l.id) />
                                    <span class="label-chip" style=format!("--label:{}", l.color)>{l.name.clone()}</span>
                                </label>
                            }).collect_view().into_any()
                        }}
                        <FieldMessage id="post-labels-error" message=err("label_ids") />
                    </fieldset>
                </div>

                <div class="form-actions">
                    <button type="submit" name="intent" value="draft" class="button" disabled=move || save.pending().get()>"Save draft"</button>
                    <button type="submit" name="intent" value="schedule" class="button primary" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Saving…" } else { schedule_label }}
                    </button>
                </div>
            </div>
            <aside class="previews" aria-label="Previews">
                <h2>"Preview"</h2>
                {move || {
                    let text = full_text.get();
                    let nets = chosen_platforms.get();
                    if nets.is_empty() {
                        view! { <p class="muted">"Choose an account to see how the post will look there."</p> }.into_any()
                    } else {
                        nets.into_iter().map(|p| {
                            let net = network(&p);
                            let max = net.map(|n| n.max_chars).unwrap_or(500);
                            let over = char_count(&text) > max;
                            view! {
                                <div class=format!("preview preview-{p}") class:over=over>
                                    <p class="preview-net"><NetworkMark platform=p.clone() />" "{net.map(|n| n.label).unwrap_or("Network")}</p>
                                    <p class="preview-text">{if text.is_empty() { "Your post appears here.".to_string() } else { text.clone() }}</p>
                                    {over.then(|| view! { <p class="field-error">{format!("Over the {max}-character limit.")}</p> })}
                                </div>
                            }
                        }).collect_view().into_any()
                    }
                }}
            </aside>
        </ActionForm>
    }
}
