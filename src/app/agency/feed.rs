//! The activity feed across workspaces, with its filters and keyset pages.
use super::Params;
use crate::app::components::{format_time, loading, EmptyState};
use crate::model::agency::*;
use crate::model::AppError;
use leptos::prelude::*;

#[component]
pub(super) fn Feed(feed: Resource<Result<FeedPage, AppError>>, params: Params) -> impl IntoView {
    view! {
        <section class="card section" id="activity" aria-labelledby="activity-title">
            <div class="section-head">
                <h2 id="activity-title">"Activity"</h2>
            </div>
            <Suspense fallback=loading>
                {move || {
                    let params = params.clone();
                    Suspend::new(async move {
                        match feed.await {
                            Ok(f) => view! { <FeedBody feed=f params /> }.into_any(),
                            Err(e) => view! { <p class="alert alert-error">{e.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn FeedBody(feed: FeedPage, params: Params) -> impl IntoView {
    if !feed.any {
        return view! {
            <p class="muted">"Activity is shown to owners, admins, editors and viewers; your workspaces here are all as a client."</p>
        }
        .into_any();
    }
    let older = feed.older.map(|id| {
        Params {
            before: Some(id),
            ..params.clone()
        }
        .href("activity")
    });
    let newest = params.before.is_some().then(|| {
        Params {
            before: None,
            ..params.clone()
        }
        .href("activity")
    });
    let (ws, kind) = (params.ws.clone(), params.kind.clone());
    view! {
        <form class="feed-filters" method="get" action="/agency#activity">
            // The cards' filter and page stay as they are.
            {(!params.q.is_empty()).then(|| view! { <input type="hidden" name="q" value=params.q.clone() /> })}
            {(!params.sort.is_empty()).then(|| view! { <input type="hidden" name="sort" value=params.sort.clone() /> })}
            {if feed.workspaces.is_empty() {
                // Too many for a menu: the workspace's address (its slug) instead.
                view! {
                    <label>"Workspace (slug)"
                        <input type="search" name="ws" value=ws.clone() placeholder="All workspaces" />
                    </label>
                }.into_any()
            } else {
                view! {
                    <label>"Workspace"
                        <select name="ws">
                            <option value="">"All workspaces"</option>
                            {feed.workspaces.iter().map(|(slug, name)| view! {
                                <option value=slug.clone() selected=*slug == ws>{name.clone()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                }.into_any()
            }}
            <label>"Kind"
                <select name="kind">
                    <option value="">"Everything"</option>
                    {ACTIVITY_KINDS.iter().map(|(v, l)| view! {
                        <option value=*v selected=*v == kind>{*l}</option>
                    }).collect_view()}
                </select>
            </label>
            <button type="submit" class="button">"Filter"</button>
        </form>
        {if feed.items.is_empty() {
            view! { <EmptyState title="No activity" body="Changes to posts, accounts, members and settings will be listed here." /> }.into_any()
        } else {
            view! {
                <ol class="activity">
                    {feed.items.into_iter().map(|a| view! {
                        <li class="activity-item">
                            <span class="activity-avatar" aria-hidden="true">{crate::model::initials(&a.actor)}</span>
                            <div class="activity-body">
                                <p><strong>{a.actor.clone()}</strong>" "{a.summary.clone()}</p>
                                <p class="muted small">
                                    <a href=format!("/w/{}", a.slug)>{a.workspace.clone()}</a>
                                    " · "<time datetime=a.created_at.to_rfc3339()>{format_time(&a.created_at)}</time>
                                </p>
                            </div>
                        </li>
                    }).collect_view()}
                </ol>
            }.into_any()
        }}
        <nav class="pager" aria-label="Activity pages">
            {match newest {
                Some(h) => view! { <a class="button ghost" href=h>"← Newest"</a> }.into_any(),
                None => view! { <span></span> }.into_any(),
            }}
            {match older {
                Some(h) => view! { <a class="button ghost" href=h rel="next">"Older →"</a> }.into_any(),
                None => view! { <span class="muted small">"That is everything."</span> }.into_any(),
            }}
        </nav>
    }
    .into_any()
}
