//! One post: its text, status, accounts and their results (permalinks or
//! errors), approval state, and what can be done with it.
use super::{NetworkMark, StatusBadge};
use crate::api::content::{
    post_detail, ApprovePost, DeletePost, DuplicatePost, RejectPost, ReschedulePost,
};
use crate::app::components::{
    field_error, form_error, format_time, loading, plan_limit, ErrorPage, FieldMessage, FormAlert,
    PlanLimitAlert,
};
use crate::app::workspaces::use_slug;
use crate::model::{PostStatus, PostView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[derive(Clone, Copy)]
struct Actions {
    approve: ServerAction<ApprovePost>,
    reject: ServerAction<RejectPost>,
    reschedule: ServerAction<ReschedulePost>,
    duplicate: ServerAction<DuplicatePost>,
    delete: ServerAction<DeletePost>,
}

#[component]
pub fn PostPage() -> impl IntoView {
    let slug = use_slug();
    let params = use_params_map();
    let query = use_query_map();
    let actions = Actions {
        approve: ServerAction::new(),
        reject: ServerAction::new(),
        reschedule: ServerAction::new(),
        duplicate: ServerAction::new(),
        delete: ServerAction::new(),
    };
    // While a post waits to be published, look again every few seconds (hydrated only).
    let tick = RwSignal::new(0u32);
    let watching = RwSignal::new(false);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || {
                if watching.get_untracked() {
                    tick.update(|t| *t += 1);
                }
            },
            std::time::Duration::from_secs(3),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let data = Resource::new(
        move || {
            (
                slug.get(),
                params.with(|p| p.get("id").unwrap_or_default()),
                actions.approve.version().get()
                    + actions.reject.version().get()
                    + actions.reschedule.version().get(),
                tick.get(),
            )
        },
        |(s, id, _, _)| post_detail(s, id),
    );
    let saved = move || query.with(|q| q.get("saved").is_some());
    view! {
        <Title text="Post" />
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((post, zone, can_edit, can_approve)) => {
                        watching.set(matches!(post.status, PostStatus::Scheduled | PostStatus::Publishing));
                        view! { <Detail post zone can_edit can_approve actions slug=slug.get_untracked() saved=saved() /> }.into_any()
                    }
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Detail(
    post: PostView,
    zone: String,
    can_edit: bool,
    can_approve: bool,
    actions: Actions,
    slug: String,
    saved: bool,
) -> impl IntoView {
    let id = post.id.to_string();
    let status = post.status;
    let when = post
        .scheduled_at
        .map(|_| format!("{} {} ({zone})", post.local_date, post.local_time))
        .unwrap_or_else(|| "Not scheduled".into());
    let reject_err = Signal::derive(field_error(actions.reject.value(), "comment"));
    let resched_value = actions.reschedule.value();
    let editable = status.editable() && can_edit;
    let awaiting = status == PostStatus::AwaitingApproval;
    let slug = StoredValue::new(slug);
    let id = StoredValue::new(id);
    view! {
        <div class="page-head">
            <div>
                <p class="eyebrow">"Post"</p>
                <h1 class="post-title">{crate::model::excerpt(&post.content, 60)}</h1>
            </div>
            <div class="cal-actions">
                <a class="button ghost" href=format!("/w/{}", slug.get_value())>"← Calendar"</a>
                {editable.then(|| view! { <a class="button" href=format!("/w/{}/posts/{}/edit", slug.get_value(), id.get_value())>"Edit"</a> })}
            </div>
        </div>
        {saved.then(|| view! { <div class="alert alert-ok" role="status">"Saved."</div> })}
        <PlanLimitAlert error=plan_limit(actions.approve.value()) />
        <FormAlert message=Signal::derive(move || {
            form_error(actions.approve.value())()
                .or_else(form_error(actions.duplicate.value()))
                .or_else(form_error(actions.delete.value()))
        }) />
        {post.rejection_comment.clone().map(|c| view! {
            <div class="alert alert-warn" role="status">
                <strong>{format!("Sent back{}: ", post.rejected_by.clone().map(|b| format!(" by {b}")).unwrap_or_default())}</strong>{c}
            </div>
        })}
        <div class="two-col post-detail">
            <section class="card section">
                <div class="post-status-line">
                    <StatusBadge status />
                    <span class="muted">{when.clone()}</span>
                </div>
                <p class="post-content">{post.content.clone()}</p>
                {post.signature_text.clone().map(|sig| view! {
                    <p class="post-signature muted" title="Signature, appended when published">{sig}</p>
                })}
                {(!post.media.is_empty()).then(|| view! {
                    <ul class="post-media">
                        {post.media.iter().map(|m| view! {
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
                {(!post.labels.is_empty()).then(|| { view! {
                    <p class="post-labels">
                        {post.labels.iter().map(|l| view! {
                            <span class="label-chip" style=format!("--label:{}", l.color)>{l.name.clone()}</span>
                        }).collect_view()}
                    </p>
                }})}
                <p class="muted small">
                    {post.created_by.clone().map(|n| format!("Written by {n} · ")).unwrap_or_default()}
                    "created "{format_time(&post.created_at)}
                    {post.approved_by.clone().map(|n| format!(" · approved by {n}"))}
                </p>
                {post.last_error.clone().filter(|_| matches!(status, PostStatus::Failed | PostStatus::PartiallyPublished | PostStatus::Scheduled)).map(|e| view! {
                    <p class="alert alert-error">{e}</p>
                })}
                <h2>"Accounts"</h2>
                <ul class="targets">
                    {post.targets.iter().map(|t| view! {
                        <li class="target">
                            <NetworkMark platform=t.platform.clone() />
                            <span>{format!("@{}", t.handle)}{(t.account_status != "connected").then(|| format!(" ({})", t.account_status))}</span>
                            <span class=format!("badge target-{}", t.status)>{t.status.clone()}</span>
                            {t.permalink.clone().map(|url| view! { <a class="permalink" href=url rel="external">"View post ↗"</a> })}
                            {t.error.clone().map(|e| view! { <span class="field-error">{e}</span> })}
                        </li>
                    }).collect_view()}
                </ul>
                {matches!(status, PostStatus::Scheduled | PostStatus::Publishing).then(|| { view! {
                    <p class="muted small">"This page updates itself while the post waits to be published. "
                        <a href=format!("/w/{}/posts/{}", slug.get_value(), id.get_value())>"Refresh"</a></p>
                }})}
            </section>
            <section class="card section">
                {(awaiting && can_approve).then(|| { view! {
                    <h2>"Approval"</h2>
                    <ActionForm action=actions.approve attr:class="inline-form">
                        <input type="hidden" name="slug" value=slug.get_value() />
                        <input type="hidden" name="post_id" value=id.get_value() />
                        <button type="submit" class="button primary">"Approve"</button>
                    </ActionForm>
                    <ActionForm action=actions.reject attr:class="form">
                        <input type="hidden" name="slug" value=slug.get_value() />
                        <input type="hidden" name="post_id" value=id.get_value() />
                        <label for="reject-comment">"Or send it back with a comment"</label>
                        <textarea id="reject-comment" name="comment" rows="3" maxlength="2000" placeholder="What should change?"></textarea>
                        <FieldMessage id="reject-comment-error" message=reject_err />
                        <button type="submit" class="button">"Send back"</button>
                    </ActionForm>
                }})}
                {editable.then(|| { view! {
                    <h2>"Reschedule"</h2>
                    <ActionForm action=actions.reschedule attr:class="form grid-form" attr:novalidate="">
                        <input type="hidden" name="slug" value=slug.get_value() />
                        <input type="hidden" name="post_id" value=id.get_value() />
                        <label for="rs-date">"Date"</label>
                        <input id="rs-date" name="date" type="date" value=post.local_date.clone() />
                        <FieldMessage id="rs-date-error" message=Signal::derive(field_error(resched_value, "date")) />
                        <label for="rs-time">"Time"</label>
                        <input id="rs-time" name="time" type="time" value=post.local_time.clone() />
                        <FieldMessage id="rs-time-error" message=Signal::derive(field_error(resched_value, "time")) />
                        <p class="hint">{format!("Time zone: {zone}")}</p>
                        <div class="form-actions"><button type="submit" class="button">"Move"</button></div>
                    </ActionForm>
                }})}
                {can_edit.then(|| { view! {
                    <h2>"More"</h2>
                    <div class="button-row">
                        <ActionForm action=actions.duplicate attr:class="inline-form">
                            <input type="hidden" name="slug" value=slug.get_value() />
                            <input type="hidden" name="post_id" value=id.get_value() />
                            <button type="submit" class="button">"Duplicate"</button>
                        </ActionForm>
                        {(status != PostStatus::Publishing).then(|| view! {
                            <details class="confirm">
                                <summary class="button danger">"Delete…"</summary>
                                <p class="small">"The post is removed from Postroom. Anything already published stays on the network."</p>
                                <ActionForm action=actions.delete attr:class="inline-form">
                                    <input type="hidden" name="slug" value=slug.get_value() />
                                    <input type="hidden" name="post_id" value=id.get_value() />
                                    <button type="submit" class="button danger">"Delete post"</button>
                                </ActionForm>
                            </details>
                        })}
                    </div>
                }})}
            </section>
        </div>
    }
}
