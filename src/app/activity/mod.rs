//! The workspace overview and the activity log.
use crate::api::workspaces::{list_activity, workspace_overview};
use crate::app::components::{format_time, loading, EmptyState, ErrorPage};
use crate::app::workspaces::use_slug;
use crate::model::{ActivityView, Permission, ShellView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
fn ActivityItems(items: Vec<ActivityView>) -> impl IntoView {
    view! {
        <ol class="activity">
            {items.into_iter().map(|a| view! {
                <li class="activity-item">
                    <span class="activity-avatar" aria-hidden="true">{crate::model::initials(&a.actor)}</span>
                    <div class="activity-body">
                        <p><strong>{a.actor.clone()}</strong>" "{a.summary.clone()}</p>
                        <p class="muted small">
                            <time datetime=a.created_at.to_rfc3339()>{format_time(&a.created_at)}</time>
                            " · "<code>{a.action.clone()}</code>
                        </p>
                    </div>
                </li>
            }).collect_view()}
        </ol>
    }
}

#[component]
pub fn Overview() -> impl IntoView {
    let slug = use_slug();
    let shell = use_context::<ShellView>();
    let name = shell
        .as_ref()
        .map(|s| s.current.name.clone())
        .unwrap_or_default();
    let can_usage = shell
        .as_ref()
        .map(|s| s.can(Permission::ViewUsage))
        .unwrap_or(false);
    let role = shell.as_ref().map(|s| s.current.role.label()).unwrap_or("");
    let data = Resource::new(move || slug.get(), workspace_overview);
    view! {
        <Title text=name.clone() />
        <div class="page-head">
            <div>
                <p class="eyebrow">"Overview"</p>
                <h1>{name}</h1>
            </div>
        </div>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(o) => view! {
                        <div class="stat-grid">
                            <div class="stat card">
                                <p class="stat-label">"Members"</p>
                                <p class="stat-value">{o.members}</p>
                            </div>
                            <div class="stat card">
                                <p class="stat-label">"Your role"</p>
                                <p class="stat-value">{role}</p>
                            </div>
                            <div class="stat card">
                                <p class="stat-label">"Created"</p>
                                <p class="stat-value small-value">{o.created_at.format("%b %-d, %Y").to_string()}</p>
                            </div>
                        </div>
                        {can_usage.then(|| {
                            let items = o.recent_activity.clone();
                            let href = format!("/w/{}/activity", slug.get_untracked());
                            view! {
                                <section class="card section">
                                    <div class="section-head">
                                        <h2>"Recent activity"</h2>
                                        <a href=href>"View all"</a>
                                    </div>
                                    {if items.is_empty() {
                                        view! { <EmptyState title="Nothing yet" body="Changes in this workspace will show up here." /> }.into_any()
                                    } else {
                                        view! { <ActivityItems items /> }.into_any()
                                    }}
                                </section>
                            }
                        })}
                    }.into_any(),
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ActivityList() -> impl IntoView {
    let slug = use_slug();
    let query = use_query_map();
    let cursor = Memo::new(move |_| {
        let q = query.read();
        let num = |k: &str| q.get(k).and_then(|v| v.parse::<i64>().ok());
        (num("before"), num("after"))
    });
    let data = Resource::new(
        move || (slug.get(), cursor.get()),
        |(s, (before, after))| list_activity(s, before, after),
    );
    view! {
        <Title text="Activity" />
        <div class="page-head">
            <div>
                <p class="eyebrow">"Workspace"</p>
                <h1>"Activity"</h1>
                <p class="muted">"Who changed what in this workspace, newest first."</p>
            </div>
        </div>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) if p.items.is_empty() => view! {
                        <div class="card section">
                            <EmptyState title="No activity yet" body="Changes to settings, members and posts will be listed here." />
                        </div>
                    }.into_any(),
                    Ok(p) => {
                        let base = format!("/w/{}/activity", slug.get_untracked());
                        let prev = p.newer.map(|id| format!("{base}?after={id}"));
                        let next = p.older.map(|id| format!("{base}?before={id}"));
                        let shown = p.items.len();
                        view! {
                            <div class="card section">
                                <ActivityItems items=p.items />
                                <nav class="pager" aria-label="Pages">
                                    {match prev {
                                        Some(h) => view! { <a class="button ghost" href=h rel="prev">"← Newer"</a> }.into_any(),
                                        None => view! { <span class="button ghost disabled" aria-disabled="true">"← Newer"</span> }.into_any(),
                                    }}
                                    <span class="muted small">{format!("{shown} events")}</span>
                                    {match next {
                                        Some(h) => view! { <a class="button ghost" href=h rel="next">"Older →"</a> }.into_any(),
                                        None => view! { <span class="button ghost disabled" aria-disabled="true">"Older →"</span> }.into_any(),
                                    }}
                                </nav>
                            </div>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}
