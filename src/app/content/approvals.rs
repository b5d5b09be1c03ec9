//! The approval queue: what a client sees first. One card per post, the post
//! exactly as it will appear, when and where, and two big buttons.
use super::NetworkMark;
use crate::api::content::{approval_queue, ApprovePost, RejectPost};
use crate::app::components::{
    field_error, form_error, loading, plan_limit, EmptyState, ErrorPage, FieldMessage, FormAlert,
    PlanLimitAlert,
};
use crate::app::workspaces::use_slug;
use crate::model::ApprovalItem;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let slug = use_slug();
    let approve = ServerAction::<ApprovePost>::new();
    let reject = ServerAction::<RejectPost>::new();
    let data = Resource::new(
        move || (slug.get(), approve.version().get() + reject.version().get()),
        |(s, _)| approval_queue(s),
    );
    view! {
        <Title text="Approvals" />
        <div class="page-head">
            <div>
                <p class="eyebrow">"Approvals"</p>
                <h1>"Posts waiting for you"</h1>
            </div>
        </div>
        {move || approve.value().with(|v| matches!(v, Some(Ok(_)))).then(|| {  view! {
            <div class="alert alert-ok" role="status">"Approved. It will be published at its time."</div>
        }})}
        {move || reject.value().with(|v| matches!(v, Some(Ok(_)))).then(|| {  view! {
            <div class="alert alert-ok" role="status">"Sent back to the team with your comment."</div>
        }})}
        <PlanLimitAlert error=plan_limit(approve.value()) />
        <FormAlert message=Signal::derive(form_error(approve.value())) />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(q) if q.items.is_empty() => view! {
                        <EmptyState title="All caught up" body="Nothing is waiting for approval. New posts will appear here." />
                    }.into_any(),
                    Ok(q) => {
                        let can = q.can_approve;
                        let zone = q.zone.clone();
                        view! {
                            <p class="muted">{format!("Times are in {zone}. Read each post, then approve it or send it back with a note.")}</p>
                            <ol class="approval-list">
                                {q.items.into_iter().map(|item| view! {
                                    <ApprovalCard item can slug=slug.get_untracked() approve reject />
                                }).collect_view()}
                            </ol>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ApprovalCard(
    item: ApprovalItem,
    can: bool,
    slug: String,
    approve: ServerAction<ApprovePost>,
    reject: ServerAction<RejectPost>,
) -> impl IntoView {
    let id = item.post.id.to_string();
    let err = Signal::derive(field_error(reject.value(), "comment"));
    let slug = StoredValue::new(slug);
    let id = StoredValue::new(id);
    view! {
        <li class="approval card">
            <p class="approval-when"><strong>{item.when.clone()}</strong></p>
            <p class="approval-where">
                {item.post.targets.iter().map(|t| view! {
                    <span class="approval-account"><NetworkMark platform=t.platform.clone() />{format!(" @{}", t.handle)}</span>
                }).collect_view()}
            </p>
            <blockquote class="approval-text">{item.preview.clone()}</blockquote>
            {(!item.post.media.is_empty()).then(|| view! {
                <ul class="post-media">
                    {item.post.media.iter().map(|m| view! {
                        <li>
                            <a href=m.url.clone() rel="external">
                                {match m.thumb_url.clone() {
                                    Some(t) => view! { <img src=t alt=m.name.clone() /> }.into_any(),
                                    None => view! { <span class="media-video" aria-label=m.name.clone()>"▶"</span> }.into_any(),
                                }}
                            </a>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {can.then(|| { view! {
                <div class="approval-actions">
                    <ActionForm action=approve attr:class="inline-form">
                        <input type="hidden" name="slug" value=slug.get_value() />
                        <input type="hidden" name="post_id" value=id.get_value() />
                        <button type="submit" class="button primary big">"✓ Approve"</button>
                    </ActionForm>
                    <details class="reject">
                        <summary class="button big">"Request changes"</summary>
                        <ActionForm action=reject attr:class="form">
                            <input type="hidden" name="slug" value=slug.get_value() />
                            <input type="hidden" name="post_id" value=id.get_value() />
                            <label for=format!("c-{}", id.get_value())>"What should change?"</label>
                            <textarea id=format!("c-{}", id.get_value()) name="comment" rows="3" maxlength="2000"></textarea>
                            <FieldMessage id=format!("c-{}-error", id.get_value()) message=err />
                            <button type="submit" class="button">"Send back"</button>
                        </ActionForm>
                    </details>
                </div>
            }})}
        </li>
    }
}
